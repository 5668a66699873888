using IceSpec.Conformance.Tester;
using IceSpec.Ice;
using static IceSpec.Conformance.Cases.Agent.RoleConflictCases;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// A 487 (Role Conflict) answered to the IUT's own check (RFC 8445 §7.2.5.1): the IUT must switch role, check the pair
/// again (it goes to the triggered-check queue) with the new role attribute, and change its tie-breaker. The tester answers
/// the IUT's first check — and its retransmissions — with a 487 signed with the tester's password, every other check with
/// success.
/// </summary>
internal static class RoleConflictResponseCases
{
    private const string SwitchText =
        "If the Binding request generates a 487 (Role Conflict) error response (Section 7.3.1.1), and if the ICE agent included " +
        "an ICE-CONTROLLED attribute in the request, the agent MUST switch to the controlling role. If the agent included an " +
        "ICE-CONTROLLING attribute in the request, the agent MUST switch to the controlled role. Once the agent has switched its " +
        "role, the agent MUST add the candidate pair whose check generated the 487 error response to the triggered-check queue " +
        "associated with the checklist to which the pair belongs, and set the candidate pair state to Waiting. When the " +
        "triggered connectivity check is later performed, the ICE-CONTROLLING/ICE-CONTROLLED attribute of the Binding request " +
        "will indicate the agent's new role.";

    private const string TieBreakerText =
        "Once the agent has switched its role, [...] The agent MUST change the tiebreaker value. (RFC 8445 §16.1: \"An agent MUST " +
        "use the same number for all Binding requests, for all streams, within an ICE session, unless it has received a 487 " +
        "response, in which case it MUST change the number (Section 7.2.5.1).\")";

    private const string Procedure =
        "The tester gathers the IUT, describes one socket and answers the IUT's first check (and its retransmissions) with 487 " +
        "(Role Conflict), every later check with success; it waits for a new check of the IUT (not a retransmission) on the same " +
        "pair carrying the other role attribute, ";

    public static IEnumerable<AgentCase> All =>
    [
        AgentCase.Define(8445, "7.2.5.1", 1, RequirementLevel.Must, IceRole.Controlling,
            "After a 487 to its ICE-CONTROLLING check the IUT checks the pair again with ICE-CONTROLLED", SwitchText,
            Procedure + "which must come within the step timeout.", ["AgentRole: Controlling -> Controlled on RoleConflictResponse", "CandidatePair: InProgress -> Waiting on RoleConflict"],
            c => AfterRoleConflictAsync(c, judgeTieBreaker: false)),
        AgentCase.Define(8445, "7.2.5.1", 2, RequirementLevel.Must, IceRole.Controlled,
            "After a 487 to its ICE-CONTROLLED check the IUT checks the pair again with ICE-CONTROLLING", SwitchText,
            Procedure + "which must come within the step timeout.", ["AgentRole: Controlled -> Controlling on RoleConflictResponse", "CandidatePair: InProgress -> Waiting on RoleConflict"],
            c => AfterRoleConflictAsync(c, judgeTieBreaker: false)),
        AgentCase.Define(8445, "7.2.5.1", 3, RequirementLevel.Must, IceRole.Controlling,
            "After a 487 (controlling IUT) the IUT's checks carry a new tie-breaker", TieBreakerText,
            Procedure + "whose tie-breaker must differ from the one of the check that got the 487 (inconclusive when no such check comes).", [],
            c => AfterRoleConflictAsync(c, judgeTieBreaker: true)),
        AgentCase.Define(8445, "7.2.5.1", 4, RequirementLevel.Must, IceRole.Controlled,
            "After a 487 (controlled IUT) the IUT's checks carry a new tie-breaker", TieBreakerText,
            Procedure + "whose tie-breaker must differ from the one of the check that got the 487 (inconclusive when no such check comes).", [],
            c => AfterRoleConflictAsync(c, judgeTieBreaker: true)),
    ];

    private static async Task<CaseVerdict> AfterRoleConflictAsync(AgentCaseContext c, bool judgeTieBreaker)
    {
        await c.GatherAsync();
        var rejected = new TaskCompletionSource<(TesterDatagram Check, TesterAnswer Answer)>(TaskCreationOptions.RunContinuationsAsynchronously);
        c.Tester.Answer = d =>
        {
            if (!TesterAnswers.IsAuthenticCheck(c.Tester, d)) return null;
            if (!rejected.Task.IsCompleted) rejected.TrySetResult((d, new TesterAnswer(c.Tester.Messages.Error(d.Stun!, Stun.StunErrorCodes.RoleConflict, "Role Conflict"))));
            var (first, conflict) = rejected.Task.Result;
            return d.Stun!.TransactionId == first.Stun!.TransactionId ? conflict : new TesterAnswer(c.Tester.Messages.Success(d.Stun, d.Remote));
        };
        var socket = c.Tester.OpenSocket();
        await c.DescribeAsync([socket]);
        var got = await Task.WhenAny(rejected.Task, Task.Delay(c.StepTimeout, c.Cancel));
        if (got != rejected.Task) return CaseVerdict.Inconclusive($"the IUT sent no check the tester could answer with 487 within {c.StepTimeout.TotalSeconds:0} s");
        var check = rejected.Task.Result.Check;
        var sentRole = RoleOf(check.Stun!);
        if (sentRole != c.IutRole) return CaseVerdict.Inconclusive($"the IUT's first check does not carry {Attribute(c.IutRole)}: {c.Evidence(check)}");
        var newRole = Other(c.IutRole);

        // Retransmissions share the transaction ID; the re-check is a new transaction on the same pair (same 5-tuple).
        var recheck = await c.NextCheckAsync(d => d.Stun!.TransactionId != check.Stun!.TransactionId && d.Remote.Equals(check.Remote)
            && d.Local.Equals(check.Local) && RoleOf(d.Stun) == newRole, afterFrame: check.Frame);
        // The 487 went out before the IUT could act on it, so by now it is recorded.
        var conflict = c.Tester.Datagrams.FirstOrDefault(d => !d.Inbound && d.Frame > check.Frame && d.Stun?.TransactionId == check.Stun!.TransactionId);
        var between = c.Tester.Inbound.Where(d => d.IsRequest && d.Frame > (conflict?.Frame ?? check.Frame) && d.Stun!.TransactionId != check.Stun!.TransactionId
            && (recheck is null || d.Frame < recheck.Frame)).ToList();
        var shown = c.Evidence(new[] { check, conflict }.Concat(between.Take(3)).Append(recheck).OfType<TesterDatagram>(), max: 8);
        if (recheck is null)
            return judgeTieBreaker
                ? CaseVerdict.Inconclusive($"the IUT sent no check with {Attribute(newRole)} after the 487, so no new tie-breaker can be read: {shown}")
                : CaseVerdict.Fail($"after the 487 the IUT sent no new check with {Attribute(newRole)} on the pair within {c.StepTimeout.TotalSeconds:0} s" +
                    $"{(between.Count > 0 ? $" ({between.Count} new checks still with {Attribute(c.IutRole)})" : "")}: {shown}");
        if (!judgeTieBreaker) return CaseVerdict.Pass($"after the 487 the IUT checked the pair again with {Attribute(newRole)}: {shown}");
        var (before, after) = (TieBreakerOf(check.Stun!), TieBreakerOf(recheck.Stun!));
        return before != after
            ? CaseVerdict.Pass($"the tie-breaker changed from {before:x16} to {after:x16}: {shown}")
            : CaseVerdict.Fail($"the IUT kept its tie-breaker {before:x16} after the 487: {shown}");
    }
}
