using System.Net;

namespace IceSpec.Ice.Tests.Agent;

/// <summary>
/// Regular nomination without a fixed wait (RFC 8445 §8.1.1 leaves the stopping criterion to the agent: IceAgent.Timers.cs,
/// MaybeNominate) and the nominating check ahead of ordinary triggered checks, still one check per Ta (§6.1.4.2, §14.2).
/// Virtual time: these check what the agent decides and when, not how fast the process runs.
/// </summary>
[Trait("Category", "unit")]
public sealed class AgentNominationTests
{
    private static readonly TimeSpan Ta = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void A_higher_priority_pair_that_can_no_longer_win_does_not_hold_the_nomination()
    {
        var pair = new AgentPair(AgentPair.Options(IceRole.Controlling) with { Pacing = Ta }, AgentPair.Options(IceRole.Controlled));
        var dead = pair.A.AddSocket("192.0.2.1", 5000);   // first: the highest local preference, so the best pair
        var alive = pair.A.AddSocket("192.0.2.3", 5000);
        pair.B.AddSocket("192.0.2.2", 6000);
        // The best pair's path is dead: its check stays In-Progress, retransmitted for seconds (RFC 8445 §14.3).
        pair.Network.Drop = (from, to, _) => from.Address.Equals(dead.Address) || to.Address.Equals(dead.Address);
        pair.GatherAndExchange();
        var start = pair.Network.Now;
        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(5)));

        var firstValid = pair.A.EventsOf<IcePairStateChanged>().First(e => e.To == CandidatePairState.Succeeded).Time;
        var nominating = pair.A.EventsOf<IceCheckSent>().First(c => c.UseCandidate);
        // RTT here is 2 ms, so the bound is Ta: the dead pair's check (sent at the start) can no longer win when the
        // other pair succeeds, and the nomination takes the next paced slot. A fixed 500 ms wait fails this.
        Assert.True(nominating.Time - firstValid <= Ta,
            $"USE-CANDIDATE sent {(nominating.Time - firstValid).TotalMilliseconds} ms after the first valid pair (at most Ta = {Ta.TotalMilliseconds} ms)");
        Assert.Equal(alive, pair.A.Agent.SelectedPair(0)!.Local.Socket);
        Assert.True(pair.Network.Now - start < TimeSpan.FromMilliseconds(200), $"connected after {(pair.Network.Now - start).TotalMilliseconds} ms");
        // The dead pair was not given up on: its check is still being retransmitted, it simply no longer holds the nomination.
        Assert.Contains(pair.A.Agent.Pairs(0), p => p.Local.Socket.Equals(dead) && p.State == CandidatePairState.InProgress);
    }

    [Fact]
    public void A_higher_priority_pair_queued_for_a_triggered_check_is_waited_for()
    {
        // A's best pair loses its first check, and the peer's check on it arrives late (a slow path toward A's best
        // address), after the peer's check on the lower pair: the lower pair is valid first while the best pair waits in
        // the triggered queue. The peer reached us on it, so it can still win: the nomination waits for its check.
        var pair = new AgentPair(AgentPair.Options(IceRole.Controlling) with { Pacing = Ta },
            AgentPair.Options(IceRole.Controlled) with { Pacing = TimeSpan.FromMilliseconds(5) });
        var best = pair.A.AddSocket("192.0.2.1", 5000);
        var lower = pair.A.AddSocket("192.0.2.3", 5000);
        pair.B.AddSocket("192.0.2.2", 6000);
        pair.Network.Drop = (from, to, _) =>
        {
            pair.Network.Latency = TimeSpan.FromMilliseconds(to.Equals(best) ? 48 : 1);
            return from.Equals(best) && pair.Network.Now < TimeSpan.FromMilliseconds(10);
        };
        pair.GatherAndExchange();
        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(5)));

        var firstValid = pair.A.EventsOf<IcePairStateChanged>().First(e => e.To == CandidatePairState.Succeeded);
        Assert.Equal(lower, firstValid.Pair.Local.Socket);
        Assert.Equal(best, pair.A.EventsOf<IceCheckSent>().First(c => c.UseCandidate).Pair.Local.Socket);
        Assert.Equal(best, pair.A.Agent.SelectedPair(0)!.Local.Socket);
    }

    [Fact]
    public void The_nominating_check_goes_before_ordinary_triggered_checks_and_keeps_Ta()
    {
        // B checks every 5 ms from four addresses, so A's triggered-check queue fills faster than A's Ta drains it.
        var pair = new AgentPair(AgentPair.Options(IceRole.Controlling) with { Pacing = Ta },
            AgentPair.Options(IceRole.Controlled) with { Pacing = TimeSpan.FromMilliseconds(5) });
        pair.A.AddSocket("192.0.2.1", 5000);
        var b1 = pair.B.AddSocket("192.0.2.2", 6000);
        foreach (var address in new[] { "192.0.2.4", "192.0.2.6", "192.0.2.8" }) pair.B.AddSocket(address, 6000);
        // A's first check to B's best address is lost: that pair becomes valid only through its triggered check, after
        // the peer's checks from the other addresses have queued theirs.
        var dropUntil = TimeSpan.FromMilliseconds(40);
        pair.Network.Drop = (_, to, _) => to.Equals(b1) && pair.Network.Now < dropUntil;
        pair.GatherAndExchange();
        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(5)));

        var firstValid = pair.A.EventsOf<IcePairStateChanged>().First(e => e.To == CandidatePairState.Succeeded).Time;
        var checks = pair.A.EventsOf<IceCheckSent>().ToList();
        var next = checks.First(c => c.Time >= firstValid);
        Assert.True(next.UseCandidate, $"the check after the first valid pair went to {next.Pair} without USE-CANDIDATE (queued behind ordinary triggered checks)");
        Assert.True(next.Triggered);
        // Still paced: one new check per Ta (RFC 8445 §14.2).
        for (var i = 1; i < checks.Count; i++)
            Assert.True(checks[i].Time - checks[i - 1].Time >= Ta, $"checks {i - 1} and {i} {(checks[i].Time - checks[i - 1].Time).TotalMilliseconds} ms apart");
        Assert.Equal(b1, pair.A.Agent.SelectedPair(0)!.Remote.Address);
    }
}
