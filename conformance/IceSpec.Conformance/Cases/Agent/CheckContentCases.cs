using IceSpec.Conformance.Tester;
using IceSpec.Ice;
using IceSpec.Ice.Sdp;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// What every connectivity check of the IUT carries (RFC 8445 §7.1, §7.2.2, §7.2.4): the tester describes one
/// candidate, answers every check correctly and, when the IUT is controlled, nominates; then each Binding request the
/// IUT sent is read against the rule.
/// </summary>
internal static class CheckContentCases
{
    private const string UsernameText =
        "A connectivity-check Binding request MUST utilize the STUN short-term credential mechanism. " +
        "The username for the credential is formed by concatenating the username fragment provided by the peer with the " +
        "username fragment of the ICE agent sending the request, separated by a colon (\":\").";

    private const string IntegrityText =
        "A connectivity-check Binding request MUST utilize the STUN short-term credential mechanism. [...] The password is equal " +
        "to the password provided by the peer.";

    private const string FingerprintText = "The FINGERPRINT mechanism MUST be used for connectivity checks.";

    private const string PriorityText =
        "The PRIORITY attribute MUST be included in a Binding request and be set to the value computed by the algorithm in " +
        "Section 5.1.2 for the local candidate, but with the candidate type preference of peer-reflexive candidates.";

    private const string Procedure =
        "The tester describes one host candidate with end-of-candidates, answers every check correctly and, when the IUT is " +
        "controlled, nominates (RFC 8445 §8.1.1); every Binding request the IUT sends until it selected a pair (and 0.5 s more) is read.";

    public static IEnumerable<AgentCase> All =>
    [
        .. BothRoles(8445, "7.2.2", 1, "USERNAME is the tester's ufrag, a colon, the IUT's ufrag", UsernameText,
            ["Binding request as ice-check: required USERNAME"], Username),
        .. BothRoles(8445, "7.2.2", 3, "MESSAGE-INTEGRITY computed with the tester's password", IntegrityText,
            ["Binding request as ice-check: required MESSAGE-INTEGRITY"], Integrity),
        .. BothRoles(8445, "7.2.4", 1, "FINGERPRINT present and correct", FingerprintText, [], Fingerprint),
        .. BothRoles(8445, "7.1.1", 1, "PRIORITY: the local candidate's priority with a peer-reflexive type preference", PriorityText,
            ["Binding request as ice-check: required PRIORITY", "CandidatePriority"], Priority),
        AgentCase.Define(8445, "5.1.2.2", 1, RequirementLevel.Should, IceRole.Controlling, "PRIORITY uses the RECOMMENDED peer-reflexive type preference 110",
            "The RECOMMENDED values for type preferences are 126 for host candidates, 110 for peer-reflexive candidates, 100 for " +
            "server-reflexive candidates, and 0 for relayed candidates.", Procedure, ["PeerReflexiveTypePreference"],
            c => EveryCheckAsync(c, "carries PRIORITY with type preference 110", d => d.Stun!.Priority is { } p && p >> 24 != 110
                ? $"PRIORITY {p} has type preference {p >> 24}" : null)),
        AgentCase.Define(8445, "7.1.3", 1, RequirementLevel.Must, IceRole.Controlling, "A controlling agent's checks carry ICE-CONTROLLING",
            "The controlling agent MUST include the ICE-CONTROLLING attribute in a Binding request.", Procedure,
            ["Binding request as ice-check: one-of ICE-CONTROLLING, ICE-CONTROLLED"],
            c => EveryCheckAsync(c, "carries ICE-CONTROLLING (and not ICE-CONTROLLED)", d => d.Stun!.IceControlling is null || d.Stun.IceControlled is not null
                ? "it has " + (d.Stun.IceControlled is null ? "no ICE-CONTROLLING" : "ICE-CONTROLLED") : null)),
        AgentCase.Define(8445, "7.1.3", 2, RequirementLevel.Must, IceRole.Controlled, "A controlled agent's checks carry ICE-CONTROLLED",
            "The controlled agent MUST include the ICE-CONTROLLED attribute in a Binding request.", Procedure,
            ["Binding request as ice-check: one-of ICE-CONTROLLING, ICE-CONTROLLED"],
            c => EveryCheckAsync(c, "carries ICE-CONTROLLED (and not ICE-CONTROLLING)", d => d.Stun!.IceControlled is null || d.Stun.IceControlling is not null
                ? "it has " + (d.Stun.IceControlling is null ? "no ICE-CONTROLLED" : "ICE-CONTROLLING") : null)),
        AgentCase.Define(8445, "7.1.2", 2, RequirementLevel.Must, IceRole.Controlled, "A controlled agent never sends USE-CANDIDATE",
            "The controlled agent MUST NOT include the USE-CANDIDATE attribute in a Binding request.", Procedure,
            ["Binding request as ice-check: optional USE-CANDIDATE when ICE-CONTROLLING"],
            c => EveryCheckAsync(c, "has no USE-CANDIDATE", d => d.Stun!.UseCandidate ? "it carries USE-CANDIDATE" : null)),
    ];

    private static IEnumerable<AgentCase> BothRoles(int rfc, string section, int ordinal, string title, string text, string[] covers,
        Func<AgentCaseContext, TesterDatagram, string?> problem) =>
    [
        AgentCase.Define(rfc, section, ordinal, RequirementLevel.Must, IceRole.Controlling, title + " (controlling IUT)", text, Procedure, covers,
            c => EveryCheckAsync(c, title, d => problem(c, d))),
        AgentCase.Define(rfc, section, ordinal + 1, RequirementLevel.Must, IceRole.Controlled, title + " (controlled IUT)", text, Procedure, covers,
            c => EveryCheckAsync(c, title, d => problem(c, d))),
    ];

    private static string? Username(AgentCaseContext c, TesterDatagram d)
    {
        var expected = $"{c.Tester.Credentials.Ufrag}:{c.Tester.Iut!.Ufrag}";
        return d.Stun!.Username == expected ? null : d.Stun.Username is null ? "it has no USERNAME" : $"USERNAME is '{d.Stun.Username}', not '{expected}'";
    }

    private static string? Integrity(AgentCaseContext c, TesterDatagram d) =>
        !d.Stun!.HasMessageIntegrity ? "it has no MESSAGE-INTEGRITY"
        : d.Stun.IntegrityValidWith(c.Tester.Key) ? null : "its MESSAGE-INTEGRITY does not verify with the tester's password";

    private static string? Fingerprint(AgentCaseContext c, TesterDatagram d) =>
        !d.Stun!.HasFingerprint ? "it has no FINGERPRINT" : d.Stun.FingerprintValid ? null : "its FINGERPRINT is wrong";

    /// <summary>
    /// RFC 8445 §5.1.2.1/§5.1.2.2: the check's PRIORITY keeps the local candidate's local preference and component (its
    /// low 24 bits) and replaces the type preference with the peer-reflexive one, which MUST differ from the host one
    /// ("MUST be different for candidates of different types").
    /// </summary>
    private static string? Priority(AgentCaseContext c, TesterDatagram d)
    {
        if (d.Stun!.Priority is not { } priority) return "it has no PRIORITY";
        if (c.Description!.At(d.Remote) is not { } local)
            throw new TranslatedSourceException($"the check came from {d.Remote}, which is none of the IUT's candidates ({string.Join(" | ", c.Description.Lines)})");
        if ((priority & 0xFFFFFF) != (local.Priority & 0xFFFFFF))
            return $"PRIORITY {priority} has local preference {(priority >> 8) & 0xFFFF} and component {256 - (priority & 0xFF)}, " +
                   $"the candidate {local.Format()} has {(local.Priority >> 8) & 0xFFFF} and {local.ComponentId}";
        if (priority >> 24 == local.Priority >> 24)
            return $"PRIORITY {priority} has the type preference of the {local.TypeToken} candidate it comes from ({priority >> 24}), " +
                   "not a peer-reflexive one (RFC 8445 §5.1.2.2: type preferences MUST be different for candidates of different types)";
        return null;
    }

    /// <summary>Runs the usual session and checks every Binding request the IUT sent with <paramref name="problem"/>.</summary>
    internal static async Task<CaseVerdict> EveryCheckAsync(AgentCaseContext c, string rule, Func<TesterDatagram, string?> problem)
    {
        var checks = await SessionChecksAsync(c);
        if (checks.Count == 0) return CaseVerdict.Fail("the IUT sent no check within the session");
        foreach (var check in checks)
        {
            string? wrong;
            try
            {
                wrong = problem(check);
            }
            catch (TranslatedSourceException e) when (c.Placement.TranslatesIutAddresses)
            {
                return CaseVerdict.Inconclusive($"{e.Message}: in {c.Placement.Name} a NAT translates the IUT's addresses; {c.Evidence(check)}");
            }
            catch (TranslatedSourceException e)
            {
                wrong = e.Message;
            }
            if (wrong is not null) return CaseVerdict.Fail($"{wrong}: {c.Evidence(check)}");
        }
        return CaseVerdict.Pass($"all {checks.Count} checks: {rule} (frames {checks[0].Frame}–{checks[^1].Frame}); first: {c.Evidence(checks[0])}");
    }

    /// <summary>The IUT's Binding requests during the usual session (<see cref="AgentCaseContext.ConnectAsync"/>) and 0.5 s after it.</summary>
    internal static async Task<IReadOnlyList<TesterDatagram>> SessionChecksAsync(AgentCaseContext c)
    {
        await c.ConnectAsync();
        await Task.Delay(500, c.Cancel);
        return [.. c.Tester.Inbound.Where(d => d.IsRequest)];
    }

    /// <summary>A check's source is not one of the IUT's candidates: a failure on loopback, unjudgeable behind a NAT.</summary>
    private sealed class TranslatedSourceException(string message) : Exception(message);
}
