using IceSpec.Conformance.Tester;
using IceSpec.Ice;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// Consent freshness after selection (RFC 7675 §5.1): the IUT's consent checks on the selected pair — how often, how
/// randomized — and what it does once the tester stops answering them: data the kit keeps asking it to send must stop
/// within 30 s of the tester's last answer. Long cases (up to ~45 s); they run beside others.
/// </summary>
internal static class ConsentCases
{
    private const string ExpiryText =
        "Consent expires after 30 seconds. That is, if a valid STUN binding response has not been received from the remote " +
        "peer's transport address in 30 seconds, the endpoint MUST cease transmission on that 5-tuple.";

    private const string PeriodText =
        "To prevent synchronization of consent checks, each interval MUST be randomized from between 0.8 and 1.2 times the " +
        "basic period. Implementations SHOULD set a default interval of 5 seconds, resulting in a period between checks of 4 " +
        "to 6 seconds. Implementations MUST NOT set the period between checks to less than 4 seconds.";

    /// <summary>
    /// How late after the 30 s a datagram may still arrive and count as sent in time: the kit asks for one every 0.5 s
    /// through the driver's stdin, and the IUT's own timer and event loop add their delays.
    /// </summary>
    internal static readonly TimeSpan ExpiryTolerance = TimeSpan.FromSeconds(1);

    /// <summary>Consent checks are Binding requests on the pair from this long after selection on (nomination's own checks are over).</summary>
    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Kernel timestamps are exact to well under a millisecond, but a check the IUT decided to send may leave its process
    /// late when the machine is busy (cases run side by side) while the next one leaves on time: the observed period is then
    /// shorter than the IUT's timer. 100 ms covers that and is far from what a wrong period looks like (2 s).
    /// </summary>
    private static readonly TimeSpan TimingTolerance = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Below this spread, periods are "all equal": a fixed timer's own jitter (a few ms here, 21 ms for pion under load).
    /// Four periods drawn uniformly from 0.8–1.2 × 5 s fall within 100 ms of each other with probability about 5·10⁻⁴.
    /// </summary>
    private static readonly TimeSpan EqualSpread = TimeSpan.FromMilliseconds(100);

    private const string PeriodProcedure =
        "The usual session (the tester describes one host candidate and answers every check); once the IUT selected the pair, " +
        "the tester answers everything and records the IUT's Binding requests on the selected pair (one per transaction, from 1 s " +
        "after selection on): the periods between consecutive consent checks are judged from the kernel's receive times.";

    public static IEnumerable<AgentCase> All =>
    [
        AgentCase.Define(7675, "5.1", 1, RequirementLevel.Must, IceRole.Controlled, "Data stops within 30 s once consent checks go unanswered",
            ExpiryText,
            "The usual session with a controlled IUT. After selection the kit asks the IUT to send a datagram every 0.5 s; the tester " +
            "answers the IUT's first Binding request arriving 1 s or more after selection (or stops at 8 s), then answers nothing. " +
            $"Data from the IUT on the selected 5-tuple arriving later than 30 s (+{ExpiryTolerance.TotalSeconds:0} s tolerance) after " +
            "the tester's last success response fails the case.", ["ConsentFreshness: Granted -> Expired on Expiry", "ConsentFreshness.ConsentTimeout", "IceConnection: Connected -> Disconnected on ConsentExpired", "IceConnection: Completed -> Disconnected on ConsentExpired"], ExpiresAsync) with { Timeout = TimeSpan.FromSeconds(60) },
        AgentCase.Define(7675, "5.1", 2, RequirementLevel.Must, IceRole.Controlling, "Consent checks are at least 4 s apart", PeriodText,
            PeriodProcedure + $" Observed for 21 s; any period under 4 s (less {TimingTolerance.TotalMilliseconds:0} ms for the IUT's send path) fails.", ["ConsentFreshness: Idle -> Granted on Start", "ConsentFreshness: Granted -> Granted on NextCheck", "ConsentFreshness.Interval"],
            c => JudgePeriodsAsync(c, TimeSpan.FromSeconds(21), AtLeastFourSeconds)) with { Timeout = TimeSpan.FromSeconds(45) },
        AgentCase.Define(7675, "5.1", 3, RequirementLevel.Must, IceRole.Controlling, "Consent check periods are randomized (0.8–1.2 × the basic period)",
            PeriodText, PeriodProcedure + $" Observed for 27 s (four periods or more): periods all within {EqualSpread.TotalMilliseconds:0} ms " +
            "of each other are not randomized; a longest period more than 1.5 times the shortest (1.2 / 0.8) is outside the range.", ["ConsentFreshness: Granted -> Granted on NextCheck", "ConsentFreshness.Interval"],
            c => JudgePeriodsAsync(c, TimeSpan.FromSeconds(27), Randomized)) with { Timeout = TimeSpan.FromSeconds(50) },
        AgentCase.Define(7675, "5.1", 4, RequirementLevel.Should, IceRole.Controlling, "Consent checks every 4 to 6 s (the default 5 s interval)",
            PeriodText, PeriodProcedure + $" Observed for 21 s: at least two consent checks, every period between 4 and 6 s (± {TimingTolerance.TotalMilliseconds:0} ms).", ["ConsentFreshness.Interval"],
            c => JudgePeriodsAsync(c, TimeSpan.FromSeconds(21), FourToSixSeconds)) with { Timeout = TimeSpan.FromSeconds(45) },
    ];

    private static async Task<CaseVerdict> ExpiresAsync(AgentCaseContext c)
    {
        var answering = true;
        DateTime? lastAnswerFrom = null;
        // Answer while allowed; the first request at or after the cut-off is the last one answered.
        c.Tester.Answer = TesterAnswers.While(c.Tester, d =>
        {
            if (!answering) return false;
            if (lastAnswerFrom is { } cut && d.Time >= cut) answering = false;
            return true;
        });
        var (session, problem) = await SelectedSession.ConnectAsync(c);
        if (session is null) return CaseVerdict.Fail(problem!);
        await using var pump = new DataPump(c);
        lastAnswerFrom = session.SelectedAt + SettleTime;
        var stopBy = session.SelectedAt + TimeSpan.FromSeconds(8);
        while (answering && DateTime.UtcNow < stopBy) await Task.Delay(100, c.Cancel);
        answering = false;
        await Task.Delay(200, c.Cancel);   // an answer being sent as the flag flipped is in the capture by now

        var lastAnswer = c.Tester.Datagrams.Last(d => !d.Inbound && d.IsResponse && d.Stun!.Class == Stun.StunClass.Success);
        var expired = lastAnswer.Time + TimeSpan.FromSeconds(30);
        var limit = expired + ExpiryTolerance;
        var wait = limit + TimeSpan.FromSeconds(2) - DateTime.UtcNow;
        if (wait > TimeSpan.Zero) await Task.Delay(wait, c.Cancel);

        var data = c.Tester.Inbound.Where(d => d.IsData && session.OnPair(d)).ToList();
        var afterAnswer = data.Where(d => d.Time > lastAnswer.Time).ToList();
        if (afterAnswer.Count == 0)
            return CaseVerdict.Inconclusive($"the IUT sent no data on the selected pair after the tester's last answer ({c.Evidence(lastAnswer)}), " +
                $"though the kit asked {pump.Requested} times: nothing to judge");
        var late = data.Where(d => d.Time > limit).ToList();
        var at = (TesterDatagram d) => $"{(d.Time - lastAnswer.Time).TotalSeconds:0.0} s";
        if (late.Count > 0)
            return CaseVerdict.Fail($"data still arrived {at(late[0])} after the tester's last success response ({c.Evidence(lastAnswer)}): " +
                $"{c.Evidence(late, 3)}; last data frame {late[^1].Frame} at {at(late[^1])}");
        var last = afterAnswer[^1];
        return CaseVerdict.Pass($"the last data from the IUT arrived {at(last)} after the tester's last success response " +
            $"({c.Evidence(lastAnswer)}); last data: {c.Evidence(last)}; none after {(limit - lastAnswer.Time).TotalSeconds:0} s " +
            $"(the kit asked for {pump.Requested} datagrams)");
    }

    /// <summary>Runs the session, answers everything for <paramref name="window"/> after selection, and judges the consent checks' periods.</summary>
    private static async Task<CaseVerdict> JudgePeriodsAsync(AgentCaseContext c, TimeSpan window, Func<AgentCaseContext, IReadOnlyList<TesterDatagram>, CaseVerdict> judge)
    {
        var (session, problem) = await SelectedSession.ConnectAsync(c);
        if (session is null) return CaseVerdict.Fail(problem!);
        await Task.Delay(window, c.Cancel);
        return judge(c, session.RequestsOnPair(c.Tester.Inbound, session.SelectedAt + SettleTime));
    }

    private static CaseVerdict AtLeastFourSeconds(AgentCaseContext c, IReadOnlyList<TesterDatagram> checks)
    {
        if (checks.Count < 2) return TooFew(c, checks);
        var periods = SelectedSession.Gaps(checks);
        var shortest = periods.MinBy(p => p.Gap);
        return shortest.Gap < TimeSpan.FromSeconds(4) - TimingTolerance
            ? CaseVerdict.Fail($"{shortest.Gap.TotalSeconds:0.000} s between two consent checks: {c.Evidence(shortest.Before, shortest.After)} " +
                $"(periods: {Periods(periods)})")
            : CaseVerdict.Pass($"{checks.Count} consent checks, periods {Periods(periods)} (frames {checks[0].Frame}–{checks[^1].Frame}); first: {c.Evidence(checks[0])}");
    }

    private static CaseVerdict Randomized(AgentCaseContext c, IReadOnlyList<TesterDatagram> checks)
    {
        if (checks.Count < 4) return TooFew(c, checks);
        var periods = SelectedSession.Gaps(checks);
        var (shortest, longest) = (periods.Min(p => p.Gap), periods.Max(p => p.Gap));
        var evidence = $"{checks.Count} consent checks, frames {string.Join(", ", checks.Select(d => d.Frame))}; periods {Periods(periods)}";
        if (longest - shortest < EqualSpread)
            return CaseVerdict.Fail($"the periods are all equal within {(longest - shortest).TotalMilliseconds:0} ms: not randomized. {evidence}");
        if (longest.TotalMilliseconds > 1.5 * shortest.TotalMilliseconds + TimingTolerance.TotalMilliseconds)
            return CaseVerdict.Fail($"the longest period is {longest.TotalMilliseconds / shortest.TotalMilliseconds:0.00} times the shortest: " +
                $"more than 0.8–1.2 times one basic period allows (1.5). {evidence}");
        return CaseVerdict.Pass($"periods spread over {(longest - shortest).TotalMilliseconds:0} ms, longest/shortest " +
            $"{longest.TotalMilliseconds / shortest.TotalMilliseconds:0.00}. {evidence}");
    }

    private static CaseVerdict FourToSixSeconds(AgentCaseContext c, IReadOnlyList<TesterDatagram> checks)
    {
        if (checks.Count < 2)
            return CaseVerdict.Fail($"{checks.Count} consent check(s) on the selected pair in the window{(checks.Count == 1 ? ": " + c.Evidence(checks[0]) : "")}");
        var periods = SelectedSession.Gaps(checks);
        var outside = periods.FirstOrDefault(p => p.Gap < TimeSpan.FromSeconds(4) - TimingTolerance || p.Gap > TimeSpan.FromSeconds(6) + TimingTolerance);
        return outside.Before is not null
            ? CaseVerdict.Fail($"{outside.Gap.TotalSeconds:0.000} s between two consent checks: {c.Evidence(outside.Before, outside.After)} (periods: {Periods(periods)})")
            : CaseVerdict.Pass($"{checks.Count} consent checks, periods {Periods(periods)} (frames {checks[0].Frame}–{checks[^1].Frame})");
    }

    private static CaseVerdict TooFew(AgentCaseContext c, IReadOnlyList<TesterDatagram> checks) =>
        CaseVerdict.Inconclusive($"the IUT sent {checks.Count} Binding request(s) on the selected pair after selection" +
            $"{(checks.Count > 0 ? " (" + c.Evidence(checks) + ")" : "")}: too few consent checks to judge their periods (rfc7675-5.1-4 asks for them)");

    private static string Periods(IEnumerable<(TimeSpan Gap, TesterDatagram Before, TesterDatagram After)> periods) =>
        string.Join(", ", periods.Select(p => $"{p.Gap.TotalSeconds:0.000} s"));
}
