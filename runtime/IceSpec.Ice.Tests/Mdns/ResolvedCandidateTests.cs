using System.Net;
using IceSpec.Ice.Sdp;
using IceSpec.Ice.Tests.Agent;

namespace IceSpec.Ice.Tests.Mdns;

/// <summary>The agent's side of draft-ietf-mmusic-mdns-ice-candidates §3.2: resolved names pair with their address, not with relays.</summary>
[Trait("Category", "unit")]
public sealed class ResolvedCandidateTests
{
    private const string Name = "1f0c6e36-4b5f-4b6f-9d77-3c9a2f1e8b10.local";

    [Fact]
    public void A_resolved_name_pairs_at_its_address_and_keeps_its_name()
    {
        var pair = new AgentPair(AgentPair.Options(IceRole.Controlling), AgentPair.Options(IceRole.Controlled));
        pair.A.AddSocket("192.0.2.1", 5000);
        pair.B.AddSocket("192.0.2.2", 6000);
        pair.A.Agent.StartGathering(pair.Network.Now);
        pair.B.Agent.StartGathering(pair.Network.Now);
        Assert.True(pair.Network.RunUntil(() => pair.A.Agent.GatheringState == CandidateGatheringState.Complete && pair.B.Agent.GatheringState == CandidateGatheringState.Complete, TimeSpan.FromSeconds(5)));
        pair.Describe(pair.A, pair.B);
        pair.A.Agent.SetRemoteCredentials(pair.Network.Now, pair.B.Agent.LocalCredentials);
        var named = IceCandidate.Parse($"candidate:1 1 UDP 2130706431 {Name} 6000 typ host");
        Assert.False(pair.A.Agent.AddRemoteCandidate(pair.Network.Now, 0, named)); // a name alone: nothing to pair
        Assert.True(pair.A.Agent.AddResolvedRemoteCandidate(pair.Network.Now, 0, named, IPAddress.Parse("192.0.2.2")));
        pair.A.Agent.EndOfRemoteCandidates(pair.Network.Now);
        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(5)));
        var selected = pair.A.Agent.SelectedPair(0)!;
        Assert.Equal(IPEndPoint.Parse("192.0.2.2:6000"), selected.Remote.Address);
        Assert.Equal(Name, selected.Remote.Candidate.Address.Text);
    }

    [Fact]
    public void A_resolved_name_never_pairs_with_a_local_relayed_candidate()
    {
        var run = RelayedAndTcpAllocationTests.RelayedRun.Connect(bindChannels: false, endOfCandidates: false);
        var before = run.A.Pairs(0).Count;
        var named = IceCandidate.Parse($"candidate:9 1 UDP 2130706431 {Name} 7000 typ host");
        Assert.True(run.A.AddResolvedRemoteCandidate(run.Now, 0, named, IPAddress.Parse("192.0.2.3")));
        Assert.Contains(run.A.RemoteCandidates(0), r => r.Candidate == named);
        Assert.Equal(before, run.A.Pairs(0).Count); // A is relay-only: §3.3.2 leaves it no pair for the name
        var literal = IceCandidate.Parse("candidate:8 1 UDP 2130706431 192.0.2.4 7000 typ host");
        Assert.True(run.A.AddRemoteCandidate(run.Now, 0, literal));
        Assert.Equal(before + 1, run.A.Pairs(0).Count); // the same candidate with an address pairs with the relay
    }

    [Theory]
    [InlineData("candidate:2 1 UDP 1694498815 198.51.100.6 50000 typ srflx raddr 0.0.0.0 rport 9")]
    [InlineData("candidate:2 1 UDP 1694498815 198.51.100.6 50000 typ srflx raddr 1f0c6e36-4b5f-4b6f-9d77-3c9a2f1e8b10.local rport 40000")]
    public void A_server_reflexive_candidate_with_a_concealed_or_named_related_address_is_added_at_its_own_address(string line)
    {
        // Draft §3.1.2.2: the peer hides its host address in raddr; the related address is informational (RFC 8445 §5.1.1.3), nothing to resolve.
        var agent = new IceAgent(AgentPair.Options(IceRole.Controlling));
        agent.AddStream();
        agent.SetRemoteCredentials(TimeSpan.Zero, new IceCredentials("abcd", "0123456789abcdef01234567"));
        Assert.True(agent.AddRemoteCandidate(TimeSpan.Zero, 0, IceCandidate.Parse(line)));
        Assert.Equal(IPEndPoint.Parse("198.51.100.6:50000"), agent.RemoteCandidates(0).Single().Address);
    }

    [Fact]
    public void Only_a_candidate_with_an_mDNS_name_is_added_as_resolved()
    {
        var agent = new IceAgent(AgentPair.Options(IceRole.Controlling));
        agent.AddStream();
        var literal = IceCandidate.Parse("candidate:1 1 UDP 2130706431 192.0.2.4 7000 typ host");
        Assert.Throws<ArgumentException>(() => agent.AddResolvedRemoteCandidate(TimeSpan.Zero, 0, literal, IPAddress.Loopback));
    }
}
