using IceSpec.Conformance.Tester;
using IceSpec.Ice;
using IceSpec.Stun;
using static IceSpec.Conformance.Cases.Agent.CheckingSteps;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// How a controlled IUT follows the tester's nominations (RFC 8445 §7.3.1.5, §8.1.1): no selection before one, exactly
/// the nominated pair after one (at once when the pair had succeeded, after its own check succeeds otherwise), and the
/// highest-priority pair when the tester nominates two. The selection is read from the driver's selected-pair events.
/// </summary>
/// <remarks>
/// The tester's two candidates differ only in local preference (65535 and 100): with the IUT's candidate priority D fixed
/// and the tester's G, pair priority 2^32*MIN(G,D) + 2*MAX(G,D) + (G&gt;D?1:0) (§6.1.2.3) grows strictly with G, so the
/// pair to the first is the higher-priority one.
/// </remarks>
internal static class ControlledNominationCases
{
    private const string ConcludeText =
        "Based on local policy, an agent MAY choose to terminate performing the connectivity checks for one or more checklists " +
        "in the checklist set at any time. However, only the controlling agent is allowed to conclude ICE (Section 8).";

    private const string SucceededText =
        "If the controlled agent receives a Binding request with the USE-CANDIDATE attribute set, and if the ICE agent accepts " +
        "the request, the following action is based on the state of the pair computed in Section 7.3.1.4: If the state of this " +
        "pair is Succeeded, it means that the check previously sent by this pair produced a successful response and generated " +
        "a valid pair (Section 7.2.5.3.2). The agent sets the nominated flag value of the valid pair to true.";

    private const string NotYetSucceededText =
        "If the received Binding request triggered a new check to be enqueued in the triggered-check queue (Section 7.3.1.4), " +
        "once the check is sent and if it generates a successful response, and generates a valid pair, the agent sets the " +
        "nominated flag of the pair to true.";

    private const string SeveralText =
        "If more than one candidate pair is nominated by the controlling agent, and if the controlled agent accepts multiple " +
        "nominations requests, the agents MUST produce the selected pairs and use the pairs with the highest priority.";

    private const string TwoCandidates =
        "The tester describes two host candidates (local preferences 65535 and 100, distinct foundations) with end-of-candidates, " +
        "answers every check correctly, checks both pairs until the IUT answers with success and waits until it answered a check " +
        "of the IUT on each (both pairs Succeeded on both sides).";

    private static readonly TimeSpan UnnominatedWindow = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long the tester leaves the IUT's checks unanswered after nominating: far above a loopback round trip, and short
    /// enough that the IUT's check has not timed out yet (a failed triggered check fails the checklist, §7.3.1.5).
    /// </summary>
    private static readonly TimeSpan UnansweredWindow = TimeSpan.FromMilliseconds(300);

    public static IEnumerable<AgentCase> All =>
    [
        AgentCase.Define(8445, "6.1.4.2", 2, RequirementLevel.Must, IceRole.Controlled, "No selected pair before the tester nominates one",
            ConcludeText,
            "The tester describes one host candidate with end-of-candidates, answers every check correctly and checks the pair without " +
            $"USE-CANDIDATE every 0.5 s for {UnnominatedWindow.TotalSeconds:0} s after both directions succeeded. Observed: no selected-pair event.",
            [], NoSelectionBeforeNominationAsync),
        AgentCase.Define(8445, "7.3.1.5", 1, RequirementLevel.Must, IceRole.Controlled, "USE-CANDIDATE on a Succeeded pair selects exactly that pair",
            SucceededText,
            TwoCandidates + " It then nominates the lower-priority pair (USE-CANDIDATE). Observed: the next selected-pair event, and the " +
            "last one 0.5 s later, have that pair's remote.",
            ["PairNomination: NotNominated -> Nominated on UseCandidateReceived"], NominatedSucceededPairAsync),
        AgentCase.Define(8445, "7.3.1.5", 2, RequirementLevel.Must, IceRole.Controlled,
            "USE-CANDIDATE before the pair succeeded: selected once the IUT's own check succeeds, not before", NotYetSucceededText,
            "The tester describes one host candidate (no end-of-candidates), answers nothing, and sends a check with USE-CANDIDATE " +
            "(every 0.5 s until the IUT answers). Observed: no selected-pair event for 0.3 s; then the tester answers the IUT's checks " +
            "correctly, and a selected-pair event with that pair must follow within 5 s (the tester sends no further check).",
            ["PairNomination: NotNominated -> Requested on UseCandidateReceived", "PairNomination: Requested -> Nominated on PairSucceeded"],
            NominatedBeforeSuccessAsync),
        AgentCase.Define(8445, "8.1.1", 4, RequirementLevel.Must, IceRole.Controlled,
            "Two nominations, the higher-priority pair first: the IUT keeps using it", SeveralText,
            TwoCandidates + " It nominates the higher-priority pair, waits for the selection, then nominates the other. Observed: when " +
            "the IUT answers the second nomination with success, no selected-pair event with the lower-priority pair follows within 2 s.",
            [], c => TwoNominationsAsync(c, higherFirst: true)),
        AgentCase.Define(8445, "8.1.1", 5, RequirementLevel.Must, IceRole.Controlled,
            "Two nominations, the lower-priority pair first: the IUT moves to the higher-priority one", SeveralText,
            TwoCandidates + " It nominates the lower-priority pair, waits for the selection, then nominates the other. Observed: when " +
            "the IUT answers the second nomination with success, the selected pair becomes the higher-priority one within 5 s.",
            [], c => TwoNominationsAsync(c, higherFirst: false)),
    ];

    private static async Task<CaseVerdict> NoSelectionBeforeNominationAsync(AgentCaseContext c)
    {
        await c.GatherAsync();
        var socket = c.Tester.OpenSocket();
        await c.DescribeAsync([socket]);
        if (!await c.CheckUntilSuccessAsync(socket)) return CaseVerdict.Fail("the IUT never answered the tester's check with success");
        if (await c.WaitSuccessSentFromAsync(socket, c.StepTimeout) is not { } answered)
            return CaseVerdict.Fail($"the IUT sent no check to the tester's candidate within {c.StepTimeout.TotalSeconds:0} s");
        var end = DateTime.UtcNow + UnnominatedWindow;
        while (DateTime.UtcNow < end && c.Iut.SelectedPairs.Count == 0)
        {
            await c.ExchangeAsync(socket, c.Tester.Messages.Check(c.Check()), timeout: TimeSpan.FromMilliseconds(500));
        }
        var ours = c.Tester.Datagrams.Where(d => !d.Inbound && d.IsRequest).ToList();
        return c.Iut.SelectedPairs is [var pair, ..]
            ? CaseVerdict.Fail($"selected {pair} though the tester never sent USE-CANDIDATE (its checks: {c.Evidence(ours, 3)}; the IUT's check answered: {c.Evidence(answered)})")
            : CaseVerdict.Pass($"no pair selected in {UnnominatedWindow.TotalSeconds:0} s of checks without USE-CANDIDATE ({c.Evidence(ours, 2)}), " +
                               $"both directions succeeded ({c.Evidence(answered)})");
    }

    /// <summary>The two-candidate start: both pairs Succeeded on both sides; null with the reason when the IUT did not get there.</summary>
    private static async Task<(TesterSocket Higher, TesterSocket Lower, string? Problem)> BothPairsSucceededAsync(AgentCaseContext c)
    {
        await c.GatherAsync();
        var higher = c.Tester.OpenSocket();
        var lower = c.Tester.OpenSocket();
        await c.DescribeAsync([higher, lower], lines: Lines([higher, lower], [65535, 100], ["1", "2"]));
        foreach (var socket in new[] { higher, lower })
        {
            if (!await c.CheckUntilSuccessAsync(socket)) return (higher, lower, $"the IUT never answered the tester's check from {socket.LocalEndPoint} with success");
            if (await c.WaitSuccessSentFromAsync(socket, c.StepTimeout) is null)
                return (higher, lower, $"the IUT sent no check to the tester's candidate {socket.LocalEndPoint} within {c.StepTimeout.TotalSeconds:0} s");
        }
        return (higher, lower, null);
    }

    private static async Task<CaseVerdict> NominatedSucceededPairAsync(AgentCaseContext c)
    {
        var (_, lower, problem) = await BothPairsSucceededAsync(c);
        if (problem is not null) return CaseVerdict.Fail(problem);
        if (c.Iut.SelectedPairs is [var early, ..]) return CaseVerdict.Fail($"selected {early} before the tester nominated any pair");
        var (request, response) = await c.NominateOnceAsync(lower);
        if (response?.Stun?.Class != StunClass.Success) return CaseVerdict.Fail($"the IUT did not accept the nomination: {c.Evidence(request, response)}");
        var pair = await c.Iut.WaitNextSelectedPairAsync(0, c.StepTimeout, c.Cancel);
        if (pair is null) return CaseVerdict.Fail($"no pair selected within {c.StepTimeout.TotalSeconds:0} s of the nomination {c.Evidence(request, response)}");
        await Task.Delay(500, c.Cancel);
        var last = c.Iut.LastSelectedPair!;
        return pair.RemoteIs(lower) && last.RemoteIs(lower)
            ? CaseVerdict.Pass($"selected {pair}, the pair nominated by {c.Evidence(request, response)}")
            : CaseVerdict.Fail($"the tester nominated the pair to {lower.LocalEndPoint} ({c.Evidence(request, response)}); the IUT selected {pair}" +
                               (last == pair ? "" : $", then {last}"));
    }

    private static async Task<CaseVerdict> NominatedBeforeSuccessAsync(AgentCaseContext c)
    {
        await c.GatherAsync();
        var socket = c.Tester.OpenSocket();
        c.Tester.Answer = TesterAnswers.Silent;
        await c.DescribeAsync([socket], endOfCandidates: false);
        var (request, response) = await c.NominateOnceAsync(socket);
        if (response?.Stun?.Class != StunClass.Success) return CaseVerdict.Fail($"the IUT did not accept the nomination: {c.Evidence(request, response)}");
        await Task.Delay(UnansweredWindow, c.Cancel);
        if (c.Iut.SelectedPairs is [var early, ..])
            return CaseVerdict.Fail($"selected {early} after the nomination ({c.Evidence(request, response)}) though none of its checks had been answered " +
                                    $"({c.Evidence(c.ChecksTo(socket), 2)})");
        c.Tester.Answer = TesterAnswers.Correct(c.Tester);
        if (await c.WaitSuccessSentFromAsync(socket, c.StepTimeout) is not { } answered)
            return CaseVerdict.Fail($"the IUT sent no check on the nominated pair within {c.StepTimeout.TotalSeconds:0} s of the tester answering");
        var pair = await c.Iut.WaitNextSelectedPairAsync(0, c.StepTimeout, c.Cancel);
        return pair is null
            ? CaseVerdict.Fail($"nominated ({c.Evidence(request, response)}), its check then succeeded ({c.Evidence(answered)}), but no pair selected within " +
                               $"{c.StepTimeout.TotalSeconds:0} s")
            : pair.RemoteIs(socket)
                ? CaseVerdict.Pass($"nothing selected while its checks went unanswered; selected {pair} once its check succeeded ({c.Evidence(request, answered)})")
                : CaseVerdict.Fail($"selected {pair}, not the nominated pair to {socket.LocalEndPoint}");
    }

    private static async Task<CaseVerdict> TwoNominationsAsync(AgentCaseContext c, bool higherFirst)
    {
        var (higher, lower, problem) = await BothPairsSucceededAsync(c);
        if (problem is not null) return CaseVerdict.Fail(problem);
        var (first, second) = higherFirst ? (higher, lower) : (lower, higher);
        var (request1, response1) = await c.NominateOnceAsync(first);
        if (response1?.Stun?.Class != StunClass.Success) return CaseVerdict.Fail($"the IUT did not accept the first nomination: {c.Evidence(request1, response1)}");
        var selected = await c.Iut.WaitNextSelectedPairAsync(0, c.StepTimeout, c.Cancel);
        if (selected is null) return CaseVerdict.Fail($"no pair selected within {c.StepTimeout.TotalSeconds:0} s of the first nomination {c.Evidence(request1, response1)}");
        var known = c.Iut.SelectedPairs.Count;
        var (request2, response2) = await c.NominateOnceAsync(second);
        if (response2 is null) return CaseVerdict.Fail($"the IUT did not answer the second nomination: {c.Evidence(request2)}");
        if (response2.Stun!.Class != StunClass.Success)
            return CaseVerdict.Pass($"the IUT refused the second nomination ({c.Evidence(request2, response2)}): it does not accept several, which the rule allows");
        var nominations = $"nominations {c.Evidence(request1, response1)} then {c.Evidence(request2, response2)}";
        if (higherFirst)
        {
            await Task.Delay(c.QuietWindow * 2, c.Cancel);
            var moved = c.Iut.SelectedPairs.Skip(known).FirstOrDefault(p => p.RemoteIs(lower));
            return moved is null && c.Iut.LastSelectedPair.RemoteIs(higher)
                ? CaseVerdict.Pass($"kept {c.Iut.LastSelectedPair} after {nominations}")
                : CaseVerdict.Fail($"after {nominations} the IUT uses {moved ?? c.Iut.LastSelectedPair}, not the higher-priority pair to {higher.LocalEndPoint}");
        }
        var deadline = DateTime.UtcNow + c.StepTimeout;
        while (!c.Iut.LastSelectedPair.RemoteIs(higher) && DateTime.UtcNow < deadline) await Task.Delay(20, c.Cancel);
        return c.Iut.LastSelectedPair.RemoteIs(higher)
            ? CaseVerdict.Pass($"moved to {c.Iut.LastSelectedPair} after {nominations}")
            : CaseVerdict.Fail($"after {nominations} the IUT still uses {c.Iut.LastSelectedPair}, not the higher-priority pair to {higher.LocalEndPoint}");
    }
}
