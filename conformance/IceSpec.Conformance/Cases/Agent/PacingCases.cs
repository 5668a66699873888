using IceSpec.Conformance.Tester;
using IceSpec.Ice;
using static IceSpec.Conformance.Cases.Agent.CheckingSteps;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// Time between the IUT's transactions (RFC 8445 §14.2) and between the transmissions of one transaction (RFC 8445
/// §14.3, RFC 8489 §6.2.1), measured on the kernel receive timestamps of the tester's sockets while the tester answers
/// nothing. Exclusive: no other case runs beside them.
/// </summary>
internal static class PacingCases
{
    private const string PacingText =
        "Regardless of the Ta value chosen for each agent, the combination of all transactions from all agents (if a given " +
        "implementation runs several concurrent agents) MUST NOT be sent more often than once every 5 ms (as though there " +
        "were one global Ta value for pacing all agents).";

    private const string RtoText = "Agents MUST NOT use an RTO value smaller than 500 ms.";

    private const string DoublingText =
        "A client SHOULD retransmit a STUN request message starting with an interval of RTO (\"Retransmission TimeOut\"), " +
        "doubling after each retransmission.";

    private const int PacedCandidates = 6;
    private static readonly TimeSpan PacingWindow = TimeSpan.FromSeconds(3);

    /// <summary>Timer jitter of the IUT allowed below 5 ms (loopback adds none to the kernel timestamps).</summary>
    private const double PacingSlackMilliseconds = 1;

    /// <summary>Timer jitter of the IUT allowed below 500 ms.</summary>
    private const double RtoSlackMilliseconds = 20;

    private static readonly TimeSpan RtoWindow = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan DoublingWindow = TimeSpan.FromSeconds(6.5);

    public static IEnumerable<AgentCase> All =>
    [
        Pacing(1, IceRole.Controlling),
        Pacing(2, IceRole.Controlled),
        AgentCase.Define(8445, "14.3", 1, RequirementLevel.Must, IceRole.Controlling, "No retransmission of a check sooner than 500 ms", RtoText,
            "The tester describes one host candidate with end-of-candidates and answers nothing for 4 s. Observed: the intervals " +
            "between the transmissions of each transaction (same transaction ID), by kernel receive time; the RTO they show (the " +
            "largest of interval k / 2^(k-1), RFC 8489 §6.2.1's doubling) must be at least 500 ms, less " +
            $"{RtoSlackMilliseconds:0} ms.",
            ["MinimumCheckRtoMilliseconds"], RtoAsync) with { Exclusive = true },
        AgentCase.Define(8489, "6.2.1", 1, RequirementLevel.Should, IceRole.Controlling, "Retransmissions of a check double their interval", DoublingText,
            "The tester describes one host candidate with end-of-candidates and answers nothing for 6.5 s. Observed: the first " +
            "check's transmissions (same transaction ID); each interval must be 1.5 to 2.7 times the one before (a first transmission that " +
            "left the IUT late shortens the first interval).",
            [], DoublingAsync) with { Exclusive = true },
    ];

    private static AgentCase Pacing(int ordinal, IceRole role) =>
        AgentCase.Define(8445, "14.2", ordinal, RequirementLevel.Must, role,
            $"Transactions at least 5 ms apart ({(role == IceRole.Controlling ? "controlling" : "controlled")} IUT)", PacingText,
            $"The tester describes {PacedCandidates} host candidates (distinct foundations) with end-of-candidates and answers nothing " +
            $"for {PacingWindow.TotalSeconds:0} s. Observed: the first transmission of each transaction of the IUT (by transaction ID), " +
            $"by kernel receive time; consecutive ones must be 5 ms apart or more (less {PacingSlackMilliseconds:0} ms of timer jitter).",
            ["MinimumPacingMilliseconds"], PacingAsync) with { Exclusive = true };

    private static async Task<CaseVerdict> PacingAsync(AgentCaseContext c)
    {
        await c.GatherAsync();
        c.Tester.Answer = TesterAnswers.Silent;
        await c.DescribeAsync(c.OpenSockets(PacedCandidates));
        await Task.Delay(PacingWindow, c.Cancel);
        var firsts = Transactions(c.Tester.Inbound.Where(d => d.IsRequest)).Select(t => t[0]).ToList();
        if (firsts.Count < 2)
            return CaseVerdict.Fail($"the IUT started {firsts.Count} transaction(s) in {PacingWindow.TotalSeconds:0} s with {PacedCandidates} " +
                                    $"candidate pairs to check: no interval to measure{(firsts.Count == 1 ? ": " + c.Evidence(firsts) : "")}");
        var intervals = firsts.Zip(firsts.Skip(1), (a, b) => (From: a, To: b, Ms: Milliseconds(a, b))).ToList();
        var shortest = intervals.MinBy(i => i.Ms);
        var under = intervals.Count(i => i.Ms < 5 - PacingSlackMilliseconds);
        return under > 0
            ? CaseVerdict.Fail($"{under} of {intervals.Count} intervals between new transactions are under 5 ms; the shortest, " +
                               $"{shortest.Ms:0.000} ms: {c.Evidence(shortest.From, shortest.To)}")
            : CaseVerdict.Pass($"{firsts.Count} transactions, first transmissions at least {shortest.Ms:0.0} ms apart " +
                               $"(frames {firsts[0].Frame}–{firsts[^1].Frame}); closest: {c.Evidence(shortest.From, shortest.To)}");
    }

    /// <summary>One silent tester candidate: the IUT's transactions to it during <paramref name="window"/>.</summary>
    private static async Task<IReadOnlyList<IReadOnlyList<TesterDatagram>>> SilentTransactionsAsync(AgentCaseContext c, TimeSpan window)
    {
        await c.GatherAsync();
        c.Tester.Answer = TesterAnswers.Silent;
        await c.DescribeAsync([c.Tester.OpenSocket()]);
        await Task.Delay(window, c.Cancel);
        return Transactions(c.Tester.Inbound.Where(d => d.IsRequest));
    }

    /// <summary>
    /// The RTO a transaction's transmissions show: the largest of its intervals each divided by 2^(k-1) (RFC 8489 §6.2.1's
    /// doubling). The tester cannot tell an early retransmission from a first transmission that left the IUT late (its
    /// process stalled between stamping the check and sending it): the later intervals, undisturbed, show the RTO. An
    /// agent that does not double shows its fixed interval.
    /// </summary>
    private static (double Rto, int Index) RtoShown(IReadOnlyList<TesterDatagram> transmissions) =>
        transmissions.Zip(transmissions.Skip(1), Milliseconds).Select((ms, k) => (Rto: ms / Math.Pow(2, k), Index: k)).MaxBy(x => x.Rto);

    private static async Task<CaseVerdict> RtoAsync(AgentCaseContext c)
    {
        var transactions = await SilentTransactionsAsync(c, RtoWindow);
        if (transactions.Count == 0) return CaseVerdict.Fail($"the IUT sent no check in {RtoWindow.TotalSeconds:0} s");
        var retransmitted = transactions.Where(t => t.Count > 1).ToList();
        if (retransmitted.Count == 0)
            return CaseVerdict.Pass($"no transaction retransmitted in {RtoWindow.TotalSeconds:0} s ({transactions.Count} transaction(s), " +
                                    $"first {c.Evidence(transactions[0][0])}): no interval under 500 ms");
        var lowest = retransmitted.Select(t => (Transmissions: t, Shown: RtoShown(t))).MinBy(x => x.Shown.Rto);
        var intervals = string.Join(", ", lowest.Transmissions.Zip(lowest.Transmissions.Skip(1), Milliseconds).Select(ms => $"{ms:0.0} ms"));
        return lowest.Shown.Rto < 500 - RtoSlackMilliseconds
            ? CaseVerdict.Fail($"retransmission intervals {intervals}: an RTO of {lowest.Shown.Rto:0.0} ms: {c.Evidence(lowest.Transmissions, 4)}")
            : CaseVerdict.Pass($"{retransmitted.Count} transaction(s) retransmitted, the lowest RTO shown {lowest.Shown.Rto:0.0} ms " +
                               $"(intervals {intervals}): {c.Evidence(lowest.Transmissions, 4)}");
    }

    private static async Task<CaseVerdict> DoublingAsync(AgentCaseContext c)
    {
        var transactions = await SilentTransactionsAsync(c, DoublingWindow);
        if (transactions.Count == 0) return CaseVerdict.Fail($"the IUT sent no check in {DoublingWindow.TotalSeconds:0.0} s");
        var first = transactions[0];
        if (first.Count < 3)
            return CaseVerdict.Fail($"its first check was sent {first.Count} time(s) in {DoublingWindow.TotalSeconds:0.0} s without an answer " +
                                    $"({c.Evidence(first)}; {transactions.Count} transaction(s) in all): fewer than two retransmission intervals");
        var intervals = first.Zip(first.Skip(1), Milliseconds).ToList();
        var listed = string.Join(", ", intervals.Select(ms => $"{ms:0} ms"));
        for (var i = 1; i < intervals.Count; i++)
        {
            var ratio = intervals[i] / intervals[i - 1];
            if (ratio is < 1.5 or > 2.7)
                return CaseVerdict.Fail($"intervals {listed}: the one from frame {first[i].Frame} to frame {first[i + 1].Frame} is {ratio:0.00} " +
                                        $"times the one before, not double: {c.Evidence(first)}");
        }
        return CaseVerdict.Pass($"intervals {listed} double: {c.Evidence(first)}");
    }
}
