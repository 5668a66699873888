using IceSpec.Conformance.Tester;
using IceSpec.Ice;
using IceSpec.Stun;
using static IceSpec.Conformance.Cases.Agent.ServerSideSteps;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// Role conflicts detected by the IUT as server (RFC 8445 §7.3.1.1): the tester's check claims the IUT's own role with the
/// lowest or highest tie-breaker, or the other role. The IUT must answer 487 and keep its role, or answer with success
/// and switch, exactly as its own tie-breaker (read from its checks) against the tester's decides; the role it ends up
/// in is read from its next checks.
/// </summary>
internal static class RoleConflictCases
{
    private const string ControllingText =
        "If the agent is in the controlling role, and the ICE-CONTROLLING attribute is present in the request: If the agent's " +
        "tiebreaker value is larger than or equal to the contents of the ICE-CONTROLLING attribute, the agent generates a Binding " +
        "error response and includes an ERROR-CODE attribute with a value of 487 (Role Conflict) but retains its role. If the " +
        "agent's tiebreaker value is less than the contents of the ICE-CONTROLLING attribute, the agent switches to the controlled role.";

    private const string ControlledText =
        "If the agent is in the controlled role, and the ICE-CONTROLLED attribute is present in the request: If the agent's " +
        "tiebreaker value is larger than or equal to the contents of the ICE-CONTROLLED attribute, the agent switches to the " +
        "controlling role. If the agent's tiebreaker value is less than the contents of the ICE-CONTROLLED attribute, the agent " +
        "generates a Binding error response and includes an ERROR-CODE attribute with a value of 487 (Role Conflict) but retains its role.";

    private const string NoConflictText =
        "If the agent is in the controlled role and the ICE-CONTROLLING attribute was present in the request, or if the agent was " +
        "in the controlling role and the ICE-CONTROLLED attribute was present in the request, there is no conflict.";

    private const string Procedure =
        "The tester gathers the IUT, describes one socket and leaves the IUT's checks unanswered; it reads the IUT's tie-breaker " +
        "from its first check, then sends, from a socket it never advertised, a correct check with {0}. The response must be " +
        "what §7.3.1.1 decides from the two tie-breakers; after a 487 the tester switches role and checks again with a new " +
        "tie-breaker (§7.2.5.1). A success makes the IUT check the new peer-reflexive pair (§7.3.1.3, §7.3.1.4): its next new " +
        "check (not a retransmission) must carry the role attribute of the role it must then have.";

    public static IEnumerable<AgentCase> All =>
    [
        Define(1, IceRole.Controlling, TesterRole.Controlling, 0, "Controlling IUT, ICE-CONTROLLING with tie-breaker 0: 487, the IUT stays controlling",
            ControllingText, ["487 Role Conflict", "AgentRole: Controlling -> Controlling on PeerClaimsControlling"]),
        Define(2, IceRole.Controlling, TesterRole.Controlling, ulong.MaxValue,
            "Controlling IUT, ICE-CONTROLLING with tie-breaker 2^64-1: success, the IUT switches to controlled",
            ControllingText, ["AgentRole: Controlling -> Controlled on PeerClaimsControlling"]),
        Define(3, IceRole.Controlled, TesterRole.Controlled, 0, "Controlled IUT, ICE-CONTROLLED with tie-breaker 0: success, the IUT switches to controlling",
            ControlledText, ["AgentRole: Controlled -> Controlling on PeerClaimsControlled"]),
        Define(4, IceRole.Controlled, TesterRole.Controlled, ulong.MaxValue,
            "Controlled IUT, ICE-CONTROLLED with tie-breaker 2^64-1: 487, the IUT stays controlled",
            ControlledText, ["487 Role Conflict", "AgentRole: Controlled -> Controlled on PeerClaimsControlled"]),
        Define(5, IceRole.Controlled, TesterRole.Controlling, 0, "Controlled IUT, ICE-CONTROLLING (tie-breaker 0): no conflict, success, the IUT stays controlled",
            NoConflictText, []),
        Define(6, IceRole.Controlling, TesterRole.Controlled, ulong.MaxValue,
            "Controlling IUT, ICE-CONTROLLED (tie-breaker 2^64-1): no conflict, success, the IUT stays controlling", NoConflictText, []),
    ];

    private static AgentCase Define(int ordinal, IceRole iutRole, TesterRole claimed, ulong tieBreaker, string title, string text, string[] covers) =>
        AgentCase.Define(8445, "7.3.1.1", ordinal, RequirementLevel.Must, iutRole, title, text,
            string.Format(Procedure, $"{Attribute(claimed)} and tie-breaker {tieBreaker}"), covers, c => ConflictAsync(c, claimed, tieBreaker));

    private static async Task<CaseVerdict> ConflictAsync(AgentCaseContext c, TesterRole claimed, ulong tieBreaker)
    {
        await c.GatherAsync();
        c.Tester.Answer = TesterAnswers.Silent;
        var socket = c.Tester.OpenSocket();
        await c.DescribeAsync([socket]);
        var first = await c.NextCheckAsync();
        var ours = first is null ? null : RoleOf(first.Stun!) == c.IutRole ? TieBreakerOf(first.Stun!) : null;
        if (first is null || ours is not { } iutTieBreaker)
            return CaseVerdict.Inconclusive(first is null ? "the IUT sent no check after the description, so its tie-breaker is unknown"
                : $"the IUT's first check does not carry the role attribute of its role ({c.IutRole}): {c.Evidence(first)}");

        // RFC 8445 §7.3.1.1: the IUT's tie-breaker against the tester's decides who switches.
        var conflict = Claims(claimed) == c.IutRole;
        var rejects = conflict && (c.IutRole == IceRole.Controlling ? iutTieBreaker >= tieBreaker : iutTieBreaker < tieBreaker);
        var finalRole = conflict && !rejects ? Other(c.IutRole) : c.IutRole;
        var expected = rejects ? "error 487" : "a success response";
        var setting = $"the IUT's tie-breaker is {iutTieBreaker:x16} (its first check, frame {first.Frame}), the tester's {tieBreaker:x16}";

        var unadvertised = c.Tester.OpenSocket();
        var (request, response) = await CheckAsync(c, unadvertised, c.Check() with { Role = claimed, TieBreaker = tieBreaker });
        var frames = new List<TesterDatagram?> { first, request, response };
        string Shown() => c.Evidence(frames.OfType<TesterDatagram>().OrderBy(d => d.Frame), max: 8);
        if (response?.Stun is not { } answer) return CaseVerdict.Fail($"{setting}; the check with {Attribute(claimed)} got no response, not {expected}: {Exchange(c, request, response)}");
        var got = answer.Class == StunClass.Error ? $"error {answer.ErrorCode}" : "a success response";
        if ((answer.Class == StunClass.Error && answer.ErrorCode == StunErrorCodes.RoleConflict) != rejects || (!rejects && answer.Class != StunClass.Success))
            return CaseVerdict.Fail($"{setting}; the check with {Attribute(claimed)} got {got}, not {expected}: {Shown()}");
        if (rejects)
        {
            // RFC 8445 §7.2.5.1: the tester takes the other role, a new tie-breaker, and checks again; no conflict remains.
            var (again, againResponse) = await CheckAsync(c, unadvertised, c.Check() with { Role = Opposite(claimed), TieBreaker = ~tieBreaker });
            frames.AddRange([again, againResponse]);
            if (againResponse?.Stun?.Class != StunClass.Success)
                return CaseVerdict.Fail($"{setting}; after the 487 the tester switched to {Attribute(Opposite(claimed))}, which must not conflict, and got " +
                    $"{againResponse?.Stun?.Summary ?? "no response"}: {Shown()}");
        }
        // A check first sent after the IUT's (last) response was made in the role that response left it in; a
        // retransmission of an earlier one repeats its old bytes.
        var answered = frames.OfType<TesterDatagram>().Max(d => d.Frame);
        var earlier = c.Tester.Inbound.Where(d => d.IsRequest && d.Frame <= answered).Select(d => d.Stun!.TransactionId).ToHashSet();
        var next = await c.NextCheckAsync(d => !earlier.Contains(d.Stun!.TransactionId), afterFrame: answered);
        if (next is null) return CaseVerdict.Inconclusive($"{setting}; the IUT answered {got} as it must but sent no new check within {c.StepTimeout.TotalSeconds:0} s, so its role cannot be read: {Shown()}");
        frames.Add(next);
        var role = RoleOf(next.Stun!);
        return role == finalRole
            ? CaseVerdict.Pass($"{setting}; {got}, and the IUT's next new check carries {Attribute(finalRole)}: {Shown()}")
            : CaseVerdict.Fail($"{setting}; {got} as it must, but the IUT's next new check carries {(role is { } r ? Attribute(r) : "no role attribute")}, " +
                $"not {Attribute(finalRole)} ({(finalRole == c.IutRole ? "it must keep its role" : "it must switch role")}): {Shown()}");
    }

    /// <summary>The role a check's attribute claims (ICE-CONTROLLING wins if both are there), or null.</summary>
    internal static IceRole? RoleOf(TesterStun check) =>
        check.IceControlling is not null ? IceRole.Controlling : check.IceControlled is not null ? IceRole.Controlled : null;

    internal static ulong? TieBreakerOf(TesterStun check) => check.IceControlling ?? check.IceControlled;

    internal static string Attribute(IceRole role) => role == IceRole.Controlling ? "ICE-CONTROLLING" : "ICE-CONTROLLED";

    internal static IceRole Other(IceRole role) => role == IceRole.Controlling ? IceRole.Controlled : IceRole.Controlling;

    private static string Attribute(TesterRole role) => Attribute(Claims(role));

    private static IceRole Claims(TesterRole role) => role == TesterRole.Controlling ? IceRole.Controlling : IceRole.Controlled;

    private static TesterRole Opposite(TesterRole role) => role == TesterRole.Controlling ? TesterRole.Controlled : TesterRole.Controlling;
}
