using IceSpec.Conformance.Tester;
using IceSpec.Ice;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// ICE restarts (RFC 8445 §9), delivered through the adapter (conformance/ADAPTER.md): the IUT restarting itself (the
/// <c>restart</c> command) and the tester restarting (a new <c>remote-description</c> with new credentials and a new
/// candidate). After the tester's restart the IUT's checks to the new candidate must use the new credentials and keep the
/// IUT's role.
/// </summary>
internal static class RestartCases
{
    private const string ChangeBothText =
        "To restart ICE, an agent MUST change both the password and the username fragment for the data stream(s) being restarted.";

    private const string NewCredentialsText =
        "(RFC 8445 §9) To restart ICE, an agent MUST change both the password and the username fragment for the data stream(s) " +
        "being restarted. (§7.2.2) The username for the credential is formed by concatenating the username fragment provided by " +
        "the peer with the username fragment of the ICE agent sending the request, separated by a colon (\":\"). [...] A " +
        "connectivity-check Binding request MUST utilize the STUN short-term credential mechanism. [...] The password is equal " +
        "to the password provided by the peer.";

    private const string RolesText =
        "As described in Section 6.1.1, agents MUST NOT redetermine the roles as part as an ICE restart, unless certain criteria " +
        "that require the roles to be redetermined are fulfilled.";

    private const string PeerRestartProcedure =
        "The usual session; then the tester restarts: new ufrag and password, a new socket, and a new remote-description with " +
        "them (the IUT's driver restarts its agent and prints the new generation's local-description). The tester answers checks " +
        "of both generations. The IUT's checks to the new socket (until 1 s after the first) are read.";

    public static IEnumerable<AgentCase> All =>
    [
        AgentCase.Define(8445, "9", 1, RequirementLevel.Must, IceRole.Controlling, "An ICE restart changes both the ufrag and the password",
            ChangeBothText, "The usual session; then the kit sends restart; the IUT's next local-description must have a new ice-ufrag " +
            "and a new ice-pwd.", [], ChangesBothAsync) with { Requires = ["restart"] },
        AgentCase.Define(8445, "9", 2, RequirementLevel.Must, IceRole.Controlling, "After the tester restarts, checks use the new ufrags and password (controlling IUT)",
            NewCredentialsText, PeerRestartProcedure, ["Binding request as ice-check: required USERNAME", "IceConnection: Completed -> Checking on Restart", "IceConnection: Connected -> Checking on Restart"],
            c => AfterPeerRestartAsync(c, trickled: false, NewCredentials)) with { Requires = ["restart"] },
        AgentCase.Define(8445, "9", 3, RequirementLevel.Must, IceRole.Controlled, "After the tester restarts, checks use the new ufrags and password (controlled IUT)",
            NewCredentialsText, PeerRestartProcedure, ["Binding request as ice-check: required USERNAME", "IceConnection: Completed -> Checking on Restart", "IceConnection: Connected -> Checking on Restart"],
            c => AfterPeerRestartAsync(c, trickled: false, NewCredentials)) with { Requires = ["restart"] },
        AgentCase.Define(8445, "9", 4, RequirementLevel.Must, IceRole.Controlling, "A controlling agent stays controlling across a restart",
            RolesText, PeerRestartProcedure + " Each must carry ICE-CONTROLLING.", ["Binding request as ice-check: one-of ICE-CONTROLLING, ICE-CONTROLLED"],
            c => AfterPeerRestartAsync(c, trickled: false, SameRole)) with { Requires = ["restart"] },
        AgentCase.Define(8445, "9", 5, RequirementLevel.Must, IceRole.Controlled, "A controlled agent stays controlled across a restart",
            RolesText, PeerRestartProcedure + " Each must carry ICE-CONTROLLED.", ["Binding request as ice-check: one-of ICE-CONTROLLING, ICE-CONTROLLED"],
            c => AfterPeerRestartAsync(c, trickled: false, SameRole)) with { Requires = ["restart"] },
        AgentCase.Define(8445, "9", 6, RequirementLevel.Must, IceRole.Controlling, "A candidate trickled after the tester's restart is checked with the new credentials",
            NewCredentialsText, "As rfc8445-9-2, but the restarted description has no candidate and no end-of-candidates (RFC 8838 §15: " +
            "Trickle ICE goes on after a restart); the new socket's candidate is trickled once the IUT printed its new description.",
            ["Binding request as ice-check: required USERNAME"], c => AfterPeerRestartAsync(c, trickled: true, NewCredentials))
            with { Requires = ["restart", "trickle"] },
    ];

    private static async Task<CaseVerdict> ChangesBothAsync(AgentCaseContext c)
    {
        var (session, problem) = await SelectedSession.ConnectAsync(c);
        if (session is null) return CaseVerdict.Fail(problem!);
        var before = c.Description!.Credentials;
        await c.Iut.SendRestartAsync(c.Cancel);
        var after = (await c.Iut.NextDescriptionAsync(c.StepTimeout, c.Cancel)).Credentials;
        var shown = $"before: ice-ufrag '{before.Ufrag}' ice-pwd '{before.Password}'; after: ice-ufrag '{after.Ufrag}' ice-pwd '{after.Password}'";
        var same = (after.Ufrag == before.Ufrag ? "the ufrag" : null, after.Password == before.Password ? "the password" : null) switch
        {
            (null, null) => null,
            (var u, null) => u,
            (null, var p) => p,
            (var u, var p) => $"{u} and {p}",
        };
        return same is null ? CaseVerdict.Pass(shown) : CaseVerdict.Fail($"{same} did not change ({shown})");
    }

    /// <summary>
    /// The tester restarts (new credentials, a new socket), waits for the IUT's new description and judges the IUT's
    /// checks to the new socket with <paramref name="judge"/>.
    /// </summary>
    private static async Task<CaseVerdict> AfterPeerRestartAsync(AgentCaseContext c, bool trickled,
        Func<AgentCaseContext, IceCredentials, TesterDatagram, string?> judge)
    {
        var (session, problem) = await SelectedSession.ConnectAsync(c);
        if (session is null) return CaseVerdict.Fail(problem!);
        var previous = c.Tester.Credentials;
        var previousIut = c.Description!.Credentials;
        c.Tester.RenewCredentials();
        c.Tester.Answer = TesterAnswers.AcrossRestart(c.Tester, previous);
        var restarted = c.Tester.OpenSocket();
        var mark = c.Tester.LastFrame;
        var line = AgentCaseContext.CandidateLine(restarted, foundation: "2");
        // The restart is a new remote-description whatever the first one was (DescribeAsync only trickles to an answerer
        // that had the tester's credentials first: it would never see the new ones).
        await c.Iut.SendRemoteDescriptionAsync(c.Tester.Credentials, trickled ? [] : [line], endOfCandidates: !trickled, lite: false, c.Cancel);
        var description = await c.Iut.NextDescriptionAsync(c.StepTimeout, c.Cancel);
        c.Tester.SetIut(description.Credentials);
        if (trickled)
        {
            await c.Iut.SendRemoteCandidateAsync(line, c.Cancel);
            await c.Iut.SendEndOfCandidatesAsync(c.Cancel);
        }
        var first = await c.NextCheckAsync(d => d.Local.Equals(restarted.LocalEndPoint), c.StepTimeout * 2, mark);
        var restartedIut = $"the IUT's new ice-ufrag '{description.Credentials.Ufrag}' (was '{previousIut.Ufrag}'), the tester's new " +
            $"'{c.Tester.Credentials.Ufrag}' (was '{previous.Ufrag}')";
        if (first is null) return CaseVerdict.Fail($"the IUT sent no check to the tester's new candidate {restarted.LocalEndPoint} after the restart ({restartedIut})");
        await Task.Delay(TimeSpan.FromSeconds(1), c.Cancel);
        var checks = c.Tester.Inbound.Where(d => d.Frame > mark && d.IsRequest && d.Local.Equals(restarted.LocalEndPoint)).ToList();
        foreach (var check in checks)
            if (judge(c, previous, check) is { } wrong) return CaseVerdict.Fail($"{wrong}: {c.Evidence(check)} ({restartedIut})");
        return CaseVerdict.Pass($"all {checks.Count} checks to the new candidate after the restart are right; first: {c.Evidence(checks[0])} ({restartedIut})");
    }

    private static string? NewCredentials(AgentCaseContext c, IceCredentials previous, TesterDatagram d)
    {
        var expected = $"{c.Tester.Credentials.Ufrag}:{c.Tester.Iut!.Ufrag}";
        if (d.Stun!.Username != expected)
            return $"USERNAME is '{d.Stun.Username}', not '{expected}'" + (d.Stun.Username?.StartsWith(previous.Ufrag + ":", StringComparison.Ordinal) == true
                ? " (the tester's ufrag before the restart)" : "");
        if (!d.Stun.IntegrityValidWith(c.Tester.Key))
            return d.Stun.IntegrityValidWith(Stun.StunKey.ShortTerm(previous.Password))
                ? "MESSAGE-INTEGRITY is computed with the tester's password before the restart"
                : "MESSAGE-INTEGRITY does not verify with the tester's new password";
        return null;
    }

    private static string? SameRole(AgentCaseContext c, IceCredentials previous, TesterDatagram d) => c.IutRole == IceRole.Controlling
        ? d.Stun!.IceControlling is null || d.Stun.IceControlled is not null ? "the controlling IUT's check after the restart carries no ICE-CONTROLLING" : null
        : d.Stun!.IceControlled is null || d.Stun.IceControlling is not null ? "the controlled IUT's check after the restart carries no ICE-CONTROLLED" : null;
}
