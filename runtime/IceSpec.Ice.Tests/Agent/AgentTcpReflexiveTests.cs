using System.Net;
using IceSpec.Ice.Sdp;
using IceSpec.Stun;

namespace IceSpec.Ice.Tests.Agent;

/// <summary>
/// Server reflexive TCP candidates (RFC 6544 §5.2): a Binding over TCP from the S-O candidate's own port, the srflx S-O
/// candidate it yields (§4.2 priorities, RFC 8445 §5.1.3 redundancy) and how it pairs (§6.2), on a sans-IO agent.
/// </summary>
[Trait("Category", "unit")]
public sealed class AgentTcpReflexiveTests
{
    private static readonly IPEndPoint Server = IPEndPoint.Parse("198.51.100.1:3478");
    private static readonly IPEndPoint SoPort = IPEndPoint.Parse("10.0.0.1:7001");
    private static readonly IPEndPoint Mapped = IPEndPoint.Parse("203.0.113.5:7001");

    private static IceAgent TcpAgent(IceRole role = IceRole.Controlling)
    {
        var agent = new IceAgent(AgentPair.Options(role) with { Transports = IceTransports.Tcp, StunServers = [Server] });
        agent.AddStream();
        agent.AddTcpHostCandidates(0, 1, IPEndPoint.Parse("10.0.0.1:7000"));
        agent.AddTcpSimultaneousOpenCandidate(0, 1, SoPort);
        return agent;
    }

    private static List<IceTransmit> Transmits(IceAgent agent)
    {
        var transmits = new List<IceTransmit>();
        while (agent.TryPollTransmit(out var transmit)) transmits.Add(transmit with { Data = transmit.Data.ToArray() });
        return transmits;
    }

    private static List<IceEvent> Events(IceAgent agent)
    {
        var events = new List<IceEvent>();
        while (agent.TryPollEvent(out var iceEvent)) events.Add(iceEvent!);
        return events;
    }

    private static byte[] Answer(ReadOnlySpan<byte> request, IPEndPoint mapped)
    {
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(request, out var parsed));
        var buffer = new byte[64];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Success), parsed.TransactionId);
        builder.AddXorMappedAddress(new StunAddress(mapped));
        builder.AddFingerprint();
        return buffer.AsSpan(0, builder.Length).ToArray();
    }

    /// <summary>RFC 8445 §5.1.2.1 with RFC 6544 §4.2, from the RFCs' numbers: srflx 100, reflexive S-O direction-pref 6.</summary>
    private static uint ReflexiveSoPriority(int otherPreference = 8191) =>
        (uint)((1 << 24) * 100 + (1 << 8) * ((1 << 13) * 6 + otherPreference) + (256 - 1));

    [Fact]
    public void Only_the_simultaneous_open_candidate_asks_the_stun_server_and_over_tcp_from_its_own_port()
    {
        var agent = TcpAgent();
        agent.StartGathering(TimeSpan.Zero);

        var binding = Assert.Single(Transmits(agent));
        Assert.Equal((IceTcpTransmitKind.ReflexiveBinding, SoPort, Server), (binding.IceTcp, binding.Source, binding.Destination));
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(binding.Data.Span, out var request));
        Assert.Equal((StunMethods.Binding, StunClass.Request), (request.Method, request.Class));
        Assert.NotEqual(CandidateGatheringState.Complete, agent.GatheringState);
    }

    [Fact]
    public void The_answer_is_a_server_reflexive_simultaneous_open_candidate_with_the_reflexive_direction_preference()
    {
        var agent = TcpAgent();
        agent.StartGathering(TimeSpan.Zero);
        var binding = Assert.Single(Transmits(agent));
        Events(agent);

        agent.HandlePacket(TimeSpan.FromMilliseconds(3), SoPort, Server, Answer(binding.Data.Span, Mapped));

        var events = Events(agent);
        var srflx = Assert.Single(events.OfType<IceCandidateGathered>()).Candidate;
        Assert.Equal(ReflexiveSoPriority(), srflx.Priority);
        Assert.EndsWith("203.0.113.5 7001 typ srflx raddr 10.0.0.1 rport 7001 tcptype so", srflx.Candidate.FormatLine());
        Assert.Equal(IceTransport.Tcp, srflx.Transport);
        Assert.Equal(SoPort, srflx.Base);
        Assert.Single(events.OfType<IceGatheringComplete>());
        // RFC 6544 §4.2: above every host TCP candidate's local preference (direction-pref 6 vs the host S-O's 2).
        var hostSo = agent.LocalCandidates(0).Single(c => c.Type == IceCandidateType.Host && c.TcpType == IceTcpType.SimultaneousOpen);
        Assert.True((srflx.Priority >> 8 & 0xFFFF) > (hostSo.Priority >> 8 & 0xFFFF));
    }

    [Fact]
    public void A_mapping_equal_to_the_candidate_itself_adds_no_candidate()
    {
        var agent = TcpAgent();
        agent.StartGathering(TimeSpan.Zero);
        var binding = Assert.Single(Transmits(agent));
        Events(agent);

        agent.HandlePacket(TimeSpan.FromMilliseconds(3), SoPort, Server, Answer(binding.Data.Span, SoPort)); // no NAT on the way (RFC 8445 §5.1.3)

        var events = Events(agent);
        Assert.Empty(events.OfType<IceCandidateGathered>());
        Assert.Single(events.OfType<IceGatheringComplete>());
    }

    [Fact]
    public void A_connection_to_the_stun_server_that_fails_ends_that_request_and_gathering_completes()
    {
        var agent = TcpAgent();
        agent.StartGathering(TimeSpan.Zero);
        Transmits(agent);
        Events(agent);

        agent.HandleTcpGatherFailed(TimeSpan.FromMilliseconds(2), SoPort, Server);

        var events = Events(agent);
        Assert.Equal(Server, Assert.Single(events.OfType<IceServerFailed>()).Server);
        Assert.Single(events.OfType<IceGatheringComplete>());
    }

    [Fact]
    public void An_unanswered_binding_over_tcp_is_sent_once_and_given_up_after_3_5_seconds_like_one_over_udp()
    {
        var agent = TcpAgent();
        agent.StartGathering(TimeSpan.Zero);
        Transmits(agent);
        Events(agent);

        agent.HandleTimeout(TimeSpan.FromSeconds(3.4));
        Assert.Empty(Transmits(agent)); // RFC 8489 §6.2.2: no retransmission over TCP
        Assert.NotEqual(CandidateGatheringState.Complete, agent.GatheringState);
        agent.HandleTimeout(TimeSpan.FromSeconds(3.5));
        Assert.Equal(CandidateGatheringState.Complete, agent.GatheringState);
        Assert.Single(Events(agent).OfType<IceServerFailed>());
    }

    /// <summary>
    /// RFC 6544 §6.2 and RFC 8445 §6.1.2.4: the peer's srflx S-O candidate pairs with the local host S-O candidate (the
    /// local srflx one is replaced by its base), never with active or passive ones; its check is a simultaneous open from
    /// the S-O port to the peer's NAT mapping.
    /// </summary>
    [Fact]
    public void A_server_reflexive_simultaneous_open_candidate_of_the_peer_pairs_with_the_host_simultaneous_open_one_and_is_checked_from_its_port()
    {
        var agent = TcpAgent();
        agent.StartGathering(TimeSpan.Zero);
        var binding = Assert.Single(Transmits(agent));
        agent.HandlePacket(TimeSpan.FromMilliseconds(3), SoPort, Server, Answer(binding.Data.Span, Mapped));
        agent.SetRemoteCredentials(TimeSpan.FromMilliseconds(4), new IceCredentials("peer", "peerpasswordpeerpassword"));
        Assert.True(agent.AddRemoteCandidate(TimeSpan.FromMilliseconds(4), 0, IceCandidate.Parse($"candidate:7 1 TCP {ReflexiveSoPriority()} 203.0.113.9 7001 typ srflx raddr 10.1.0.1 rport 7001 tcptype so")));

        var pair = Assert.Single(agent.Pairs(0));
        Assert.Equal((IceCandidateType.Host, IceTcpType.SimultaneousOpen, SoPort), (pair.Local.Type, pair.Local.TcpType, pair.Local.Socket));
        agent.HandleTimeout(TimeSpan.FromMilliseconds(100));
        var open = Assert.Single(Transmits(agent), t => t.IceTcp == IceTcpTransmitKind.SimultaneousOpen);
        Assert.Equal((SoPort, IPEndPoint.Parse("203.0.113.9:7001")), (open.Source, open.Destination));
    }
}
