using IceSpec.Conformance.Tester;
using IceSpec.Ice;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// A lite peer (RFC 8445 §2.5, §6.1.1): the tester describes itself with <c>lite: true</c>, never sends a check and only
/// answers. The IUT, a full agent configured controlled, must take the controlling role and nominate.
/// </summary>
internal static class LiteCases
{
    private const string RoleText =
        "One agent full, one lite: The full agent MUST take the controlling role, and the lite agent MUST take the controlled role.";

    private const string NominationText =
        RoleText + " [...] That agent will execute the logic in Section 8.1 to nominate pairs [...] (§7.1.2: The controlling agent " +
        "MUST include the USE-CANDIDATE attribute in order to nominate a candidate pair (Section 8.1.1).)";

    private const string Procedure =
        "The IUT is configured controlled; the tester describes one host candidate as a lite agent (lite: true, end-of-candidates), " +
        "sends no check, and answers the IUT's checks correctly; the IUT's Binding requests are read until it selected a pair (and 0.5 s more).";

    public static IEnumerable<AgentCase> All =>
    [
        AgentCase.Define(8445, "6.1.1", 1, RequirementLevel.Must, IceRole.Controlled, "Facing a lite peer, a full agent configured controlled takes the controlling role",
            RoleText, Procedure + " Every check must carry ICE-CONTROLLING, none ICE-CONTROLLED.",
            ["Binding request as ice-check: one-of ICE-CONTROLLING, ICE-CONTROLLED", "AgentRole: Controlled -> Controlling on PeerIsLite"], TakesControlAsync),
        AgentCase.Define(8445, "6.1.1", 2, RequirementLevel.Must, IceRole.Controlled, "Facing a lite peer that never checks, the full agent nominates with USE-CANDIDATE and selects the pair",
            NominationText, Procedure + " A check with USE-CANDIDATE (and ICE-CONTROLLING) must be answered and the IUT must report the " +
            "tester's candidate as its selected pair.", ["Binding request as ice-check: optional USE-CANDIDATE when ICE-CONTROLLING"], NominatesAsync),
    ];

    private static async Task<(TesterSocket Socket, Adapter.SelectedPair? Pair, IReadOnlyList<TesterDatagram> Checks)> LiteSessionAsync(AgentCaseContext c)
    {
        await c.GatherAsync(testerLite: true);
        var socket = c.Tester.OpenSocket();
        await c.DescribeAsync([socket], lite: true);
        var pair = await c.Iut.WaitSelectedPairAsync(c.StepTimeout * 2, c.Cancel);
        await Task.Delay(500, c.Cancel);
        return (socket, pair, [.. c.Tester.Inbound.Where(d => d.IsRequest)]);
    }

    private static async Task<CaseVerdict> TakesControlAsync(AgentCaseContext c)
    {
        var (_, pair, checks) = await LiteSessionAsync(c);
        if (checks.Count == 0) return CaseVerdict.Fail($"the IUT sent no check to the lite tester (selected pair: {pair?.ToString() ?? "none"})");
        var controlled = checks.FirstOrDefault(d => d.Stun!.IceControlling is null || d.Stun.IceControlled is not null);
        return controlled is null
            ? CaseVerdict.Pass($"all {checks.Count} checks carry ICE-CONTROLLING; first: {c.Evidence(checks[0])}")
            : CaseVerdict.Fail($"a check {(controlled.Stun!.IceControlled is not null ? "with ICE-CONTROLLED" : "without ICE-CONTROLLING")} " +
                $"to a lite peer: {c.Evidence(controlled)}");
    }

    private static async Task<CaseVerdict> NominatesAsync(AgentCaseContext c)
    {
        var (socket, pair, checks) = await LiteSessionAsync(c);
        var nominations = checks.Where(d => d.Stun!.UseCandidate && d.Stun.IceControlling is not null).ToList();
        var answered = nominations.FirstOrDefault(n => c.Tester.Datagrams.Any(d => !d.Inbound && d.IsResponse && d.Stun!.TransactionId == n.Stun!.TransactionId));
        if (answered is null)
            return CaseVerdict.Fail(nominations.Count == 0
                ? $"none of the IUT's {checks.Count} checks carries USE-CANDIDATE with ICE-CONTROLLING{(checks.Count > 0 ? "; first: " + c.Evidence(checks[0]) : "")}"
                : $"no nomination was answered: {c.Evidence(nominations)}");
        if (pair is null) return CaseVerdict.Fail($"the IUT nominated ({c.Evidence(answered)}) but reported no selected pair (states: {string.Join(", ", c.Iut.States)})");
        return pair.Remote == socket.LocalEndPoint.ToString()
            ? CaseVerdict.Pass($"nominated by {c.Evidence(answered)}; selected {pair}")
            : CaseVerdict.Fail($"the IUT selected {pair}, not the tester's candidate {socket.LocalEndPoint}; nomination: {c.Evidence(answered)}");
    }
}
