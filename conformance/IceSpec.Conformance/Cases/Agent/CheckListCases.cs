using IceSpec.Conformance.Tester;
using IceSpec.Ice;
using static IceSpec.Conformance.Cases.Agent.CheckingSteps;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// The order of the IUT's ordinary checks (RFC 8445 §6.1.4.2) and frozen pairs (§6.1.2.6). Neither section states its
/// procedure with a BCP 14 keyword; like the kit's other procedure cases (triggered checks, nomination) they are MUST
/// cases: the procedure is what an ICE agent does, and with one stream and the priorities below the tester sees it
/// whole. The tester answers nothing, so every check is an ordinary one and every pair stays In-Progress.
/// </summary>
/// <remarks>
/// With a controlling IUT, pair priority = 2^32*MIN(G,D) + 2*MAX(G,D) + (G&gt;D?1:0) (§6.1.2.3) with G its own candidate's
/// priority, the same for every pair: it grows strictly with the tester's candidate priority D, so the order of the
/// tester's priorities is the order of the pair priorities, whatever G is.
/// </remarks>
internal static class CheckListCases
{
    private const string OrderText =
        "If there are one or more candidate pairs in the Waiting state, the agent picks the highest-priority candidate pair (if " +
        "there are multiple pairs with the same priority, the pair with the lowest component ID is picked) in the Waiting " +
        "state, performs a connectivity check on that pair, puts the candidate pair state to In-Progress, and aborts the " +
        "subsequent steps.";

    private const string FrozenText =
        "For each foundation, the agent sets the state of exactly one candidate pair to the Waiting state (unfreezing it). [...] " +
        "If there is no candidate pair in the Waiting state, and if there are one or more pairs in the Frozen state, the agent " +
        "checks the foundation associated with each pair in the Frozen state. For a given foundation, if there is no pair (in " +
        "any checklist in the checklist set) in the Waiting or In-Progress state, the agent puts the candidate pair state to " +
        "Waiting and continues with the next step.";

    /// <summary>Local preferences of the tester's candidates, in the order described: lowest priority first.</summary>
    private static readonly int[] AscendingPreferences = [10000, 20000, 30000, 40000];

    private static readonly int[] SharedFoundationPreferences = [30000, 20000, 10000];
    private static readonly TimeSpan OrderWindow = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan FrozenWindow = TimeSpan.FromSeconds(3);

    public static IEnumerable<AgentCase> All =>
    [
        AgentCase.Define(8445, "6.1.4.2", 1, RequirementLevel.Must, IceRole.Controlling, "Ordinary checks in decreasing pair priority", OrderText,
            $"The tester describes {AscendingPreferences.Length} host candidates with distinct foundations, lowest priority first, with " +
            $"end-of-candidates, and answers nothing for {OrderWindow.TotalSeconds:0} s. Observed: the first check to each of them, in " +
            "kernel receive time order: each must go to a lower-priority candidate than all before it.",
            ["PairPriority"], OrderAsync),
        AgentCase.Define(8445, "6.1.2.6", 2, RequirementLevel.Must, IceRole.Controlling,
            "One pair of a foundation checked at a time: the others stay Frozen while it is In-Progress", FrozenText,
            $"The tester describes {SharedFoundationPreferences.Length} host candidates sharing one foundation (distinct priorities) " +
            $"with end-of-candidates, and answers nothing for {FrozenWindow.TotalSeconds:0} s. Observed: no check to a second candidate " +
            "while the IUT is still sending checks to the first one it checked.",
            ["CandidatePair: Frozen -> Waiting on Unfreeze"], FrozenAsync),
    ];

    private static async Task<CaseVerdict> OrderAsync(AgentCaseContext c)
    {
        await c.GatherAsync();
        c.Tester.Answer = TesterAnswers.Silent;
        var sockets = c.OpenSockets(AscendingPreferences.Length);
        await c.DescribeAsync(sockets, lines: Lines(sockets, AscendingPreferences, ["1", "2", "3", "4"]));
        await Task.Delay(OrderWindow, c.Cancel);
        var firsts = sockets.Select((s, i) => (Preference: AscendingPreferences[i], Check: c.ChecksTo(s).MinBy(d => d.Time)))
            .Where(f => f.Check is not null).OrderBy(f => f.Check!.Time).ToList();
        if (firsts.Count < 2)
            return CaseVerdict.Fail($"the IUT checked {firsts.Count} of the {sockets.Length} candidates in {OrderWindow.TotalSeconds:0} s: no order to judge");
        var order = string.Join(" → ", firsts.Select(f => $"local preference {f.Preference} (frame {f.Check!.Frame})"));
        for (var i = 1; i < firsts.Count; i++)
            if (firsts[i].Preference > firsts[i - 1].Preference)
                return CaseVerdict.Fail($"first checks went to {order}: the pair with local preference {firsts[i].Preference} has a higher " +
                                        $"priority than the one checked before it: {c.Evidence(firsts[i - 1].Check, firsts[i].Check)}");
        return CaseVerdict.Pass($"first checks in decreasing priority: {order}");
    }

    private static async Task<CaseVerdict> FrozenAsync(AgentCaseContext c)
    {
        await c.GatherAsync();
        c.Tester.Answer = TesterAnswers.Silent;
        var sockets = c.OpenSockets(SharedFoundationPreferences.Length);
        await c.DescribeAsync(sockets, lines: Lines(sockets, SharedFoundationPreferences, ["1", "1", "1"]));
        await Task.Delay(FrozenWindow, c.Cancel);
        var checks = c.Tester.Inbound.Where(d => d.IsRequest).OrderBy(d => d.Time).ToList();
        if (checks.Count == 0) return CaseVerdict.Fail($"the IUT sent no check in {FrozenWindow.TotalSeconds:0} s");
        var first = checks[0].Local;
        var lastToFirst = checks.Last(d => d.Local.Equals(first));
        // A pair whose transaction timed out is Failed, and the next pair of the foundation may then be unfrozen.
        var early = checks.FirstOrDefault(d => !d.Local.Equals(first) && d.Time < lastToFirst.Time);
        var others = checks.Where(d => !d.Local.Equals(first)).ToList();
        return early is not null
            ? CaseVerdict.Fail($"checked {early.Local} (same foundation) while still checking {first}: {c.Evidence(checks[0], early, lastToFirst)}")
            : CaseVerdict.Pass($"{checks.Count(d => d.Local.Equals(first))} checks to {first} ({c.Evidence(checks[0])}), " +
                               (others.Count == 0 ? "none to the other candidates of its foundation"
                                   : $"the other candidates only after the last one to it: {c.Evidence(others, 2)}"));
    }
}
