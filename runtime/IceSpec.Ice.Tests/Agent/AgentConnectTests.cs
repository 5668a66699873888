using System.Net;
using System.Text;
using IceSpec.Stun;

namespace IceSpec.Ice.Tests.Agent;

/// <summary>Two sans-IO agents on one virtual clock: connecting, nominating, pacing, data.</summary>
[Trait("Category", "unit")]
public sealed class AgentConnectTests
{
    [Theory]
    [InlineData(IceNomination.Regular)]
    [InlineData(IceNomination.Aggressive)]
    public void Host_candidates_connect_and_carry_data_both_ways(IceNomination nomination)
    {
        var pair = new AgentPair(AgentPair.Options(IceRole.Controlling, nomination), AgentPair.Options(IceRole.Controlled, nomination));
        pair.A.AddSocket("192.0.2.1", 5000);
        pair.B.AddSocket("192.0.2.2", 6000);
        pair.GatherAndExchange();

        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(5)));
        var selectedA = pair.A.Agent.SelectedPair(0)!;
        var selectedB = pair.B.Agent.SelectedPair(0)!;
        Assert.Equal(IPEndPoint.Parse("192.0.2.2:6000"), selectedA.Remote.Address);
        Assert.Equal(IPEndPoint.Parse("192.0.2.1:5000"), selectedB.Remote.Address);
        Assert.True(selectedA.Nominated && selectedB.Nominated);
        Assert.Equal(CheckListState.Completed, pair.A.Agent.GetCheckListState(0));
        Assert.Equal(CheckListState.Completed, pair.B.Agent.GetCheckListState(0));

        var (atB, atA) = pair.Exchange("ping from A"u8.ToArray(), "pong from B"u8.ToArray());
        Assert.Equal("ping from A", Encoding.UTF8.GetString(atB!));
        Assert.Equal("pong from B", Encoding.UTF8.GetString(atA!));

        // Regular nomination sends USE-CANDIDATE only after a valid pair; aggressive puts it in every check.
        var checks = pair.A.EventsOf<IceCheckSent>().ToList();
        if (nomination == IceNomination.Regular) Assert.False(checks[0].UseCandidate);
        Assert.True(checks.Exists(c => c.UseCandidate));
        Assert.True(checks.TrueForAll(c => c.UseCandidate) == (nomination == IceNomination.Aggressive));
    }

    [Fact]
    public void Connectivity_checks_of_one_agent_are_paced_by_Ta()
    {
        var options = AgentPair.Options(IceRole.Controlling) with { Pacing = TimeSpan.FromMilliseconds(20) };
        var pair = new AgentPair(options, AgentPair.Options(IceRole.Controlled) with { Pacing = TimeSpan.FromMilliseconds(20) });
        // Three interfaces on A, two on B: six pairs of six foundations (RFC 8445 §5.1.1.3), none frozen behind another.
        foreach (var address in new[] { "192.0.2.1", "192.0.2.3", "192.0.2.5" }) pair.A.AddSocket(address, 5000);
        foreach (var address in new[] { "192.0.2.2", "192.0.2.4" }) pair.B.AddSocket(address, 6000);
        var fromA = pair.A.Sockets.Select(s => s.Address).ToHashSet();
        pair.Network.Drop = (_, to, _) => fromA.Contains(to.Address); // nothing reaches A: its 6 pairs stay unanswered
        pair.GatherAndExchange();
        pair.Network.RunUntil(() => false, TimeSpan.FromSeconds(1));

        // A new check is a new transaction; retransmissions follow the RTO, not Ta.
        var firstSends = pair.Network.Log
            .Where(p => fromA.Contains(p.From.Address) && IsRequest(p.Data))
            .GroupBy(p => Convert.ToHexString(p.Data, 8, 12))
            .Select(g => g.Min(p => p.At)).Order().ToList();
        Assert.Equal(6, firstSends.Count);
        for (var i = 1; i < firstSends.Count; i++)
            Assert.True(firstSends[i] - firstSends[i - 1] >= TimeSpan.FromMilliseconds(20), $"checks {i - 1} and {i} were {(firstSends[i] - firstSends[i - 1]).TotalMilliseconds} ms apart");
        Assert.True(firstSends[^1] - firstSends[0] < TimeSpan.FromMilliseconds(6 * 20 + 10), "the checks should not be slower than Ta either");

        static bool IsRequest(byte[] data) => StunMessage.TryParse(data, out var m) == StunParseStatus.Ok && m.Class == StunClass.Request;
    }

    [Theory]
    [InlineData(20, 20)]   // both announce a=ice-pacing:20: Ta 20 ms
    [InlineData(null, 50)] // the peer announces none: it counts as RFC 8445 §14.2's 50 ms, the larger value wins
    [InlineData(80, 80)]   // the peer announces more: its Ta
    public void An_agent_paces_its_checks_by_the_larger_of_its_own_and_the_announced_Ta(int? peerAnnounced, int expectedMs)
    {
        var proposed = TimeSpan.FromMilliseconds(20);
        var pair = new AgentPair(AgentPair.Options(IceRole.Controlling) with { Pacing = proposed }, AgentPair.Options(IceRole.Controlled) with { Pacing = proposed });
        foreach (var address in new[] { "192.0.2.1", "192.0.2.3", "192.0.2.5" }) pair.A.AddSocket(address, 5000);
        foreach (var address in new[] { "192.0.2.2", "192.0.2.4" }) pair.B.AddSocket(address, 6000);
        var fromA = pair.A.Sockets.Select(s => s.Address).ToHashSet();
        pair.Network.Drop = (_, to, _) => fromA.Contains(to.Address); // nothing reaches A: its 6 pairs stay unanswered
        // What IceSession.SetRemoteDescription does with the peer's a=ice-pacing (RFC 8839 §5.5), before its credentials.
        pair.A.Agent.SetRemotePacing(peerAnnounced is { } ms ? TimeSpan.FromMilliseconds(ms) : null);
        pair.GatherAndExchange();
        pair.Network.RunUntil(() => false, TimeSpan.FromSeconds(1));

        var firstSends = pair.Network.Log
            .Where(p => fromA.Contains(p.From.Address) && IsRequest(p.Data))
            .GroupBy(p => Convert.ToHexString(p.Data, 8, 12))
            .Select(g => g.Min(p => p.At)).Order().ToList();
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), pair.A.Agent.Pacing);
        Assert.Equal(6, firstSends.Count);
        var gaps = firstSends.Zip(firstSends.Skip(1), (a, b) => (b - a).TotalMilliseconds).ToList();
        Assert.All(gaps, gap => Assert.InRange(gap, expectedMs, expectedMs + 5));

        static bool IsRequest(byte[] data) => StunMessage.TryParse(data, out var m) == StunParseStatus.Ok && m.Class == StunClass.Request;
    }

    [Fact]
    public void Two_streams_with_two_components_each_select_a_pair_per_component()
    {
        var pair = new AgentPair(AgentPair.Options(IceRole.Controlling), AgentPair.Options(IceRole.Controlled), streams: 2, components: 2);
        var port = 5000;
        for (var s = 0; s < 2; s++)
            for (var c = 1; c <= 2; c++)
            {
                pair.A.AddSocket("192.0.2.1", port, s, c);
                pair.B.AddSocket("192.0.2.2", port + 1000, s, c);
                port++;
            }
        pair.GatherAndExchange();
        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(10)));
        for (var s = 0; s < 2; s++)
            for (var c = 1; c <= 2; c++)
            {
                var selected = pair.A.Agent.SelectedPair(s, c)!;
                Assert.Equal(c, selected.Component);
                Assert.Equal(selected.Local.Socket.Port + 1000, selected.Remote.Address.Port);
            }
    }

    [Theory]
    [InlineData(0.2, 3)]
    [InlineData(0.3, 11)]
    public void Connects_despite_loss_and_reordering(double loss, int seed)
    {
        var pair = new AgentPair(AgentPair.Options(IceRole.Controlling), AgentPair.Options(IceRole.Controlled), seed);
        pair.A.AddSocket("192.0.2.1", 5000);
        pair.B.AddSocket("192.0.2.2", 6000);
        pair.Network.LossRate = loss;
        pair.Network.Jitter = TimeSpan.FromMilliseconds(30);
        pair.GatherAndExchange();
        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(30)));
        Assert.True(pair.Network.Log.Count > 4);
    }
}
