using IceSpec.Conformance.Tester;
using IceSpec.Ice;
using IceSpec.Stun;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// Trickle ICE (RFC 8838): the tester describes itself without candidates and without end-of-candidates, then trickles
/// them one at a time; the IUT must keep checking while more may come (§8) and ignore what comes after
/// end-of-candidates (§14).
/// </summary>
internal static class TrickleCases
{
    private const string RunningText =
        "Therefore, a Trickle ICE agent MUST keep each checklist in the Running state as long as it expects candidate pairs to be " +
        "incrementally added to the checklist. After that, the checklist state is set according to the procedures in [RFC8445].";

    private const string IgnoreText =
        "After an agent has received an end-of-candidates indication, it MUST ignore any newly received candidates for that data " +
        "stream or data session.";

    /// <summary>How long after its only pair failed the IUT is watched before the next candidate is trickled.</summary>
    private static readonly TimeSpan AfterFailure = TimeSpan.FromSeconds(3);

    public static IEnumerable<AgentCase> All =>
    [
        AgentCase.Define(8838, "8", 1, RequirementLevel.Must, IceRole.Controlling, "No failure while candidates may still be trickled: a later candidate is checked",
            RunningText,
            "The tester describes itself with no candidate and no end-of-candidates, then trickles candidate A, whose socket answers " +
            "every check with a signed 400 (Bad Request) error: an unrecoverable error, so the IUT's only pair fails (RFC 8445 " +
            $"§7.2.5.2.4). {AfterFailure.TotalSeconds:0} s later it trickles candidate B, which answers correctly. The IUT must not " +
            "report the failed state before B, and must check B.", ["CheckList: Running -> Failed on AllFailed"], KeepsRunningAsync)
        with { Requires = ["trickle"], Timeout = TimeSpan.FromSeconds(40) },
        AgentCase.Define(8838, "14", 1, RequirementLevel.Must, IceRole.Controlling, "Candidates trickled after end-of-candidates are ignored",
            IgnoreText,
            "The tester describes candidate A (a socket that never answers) without end-of-candidates, sends end-of-candidates, " +
            "then trickles candidate B 0.5 s later. The IUT must send no check to B within 3 s (it keeps checking A meanwhile).",
            ["RemoteCandidates: Trickling -> Ended on EndOfCandidates"], IgnoresAfterEndAsync)
        with { Requires = ["trickle"] },
    ];

    private static async Task<CaseVerdict> KeepsRunningAsync(AgentCaseContext c)
    {
        await c.GatherAsync();
        var failing = c.Tester.OpenSocket();
        var good = c.Tester.OpenSocket();
        c.Tester.Answer = d => !TesterAnswers.IsAuthenticCheck(c.Tester, d) ? null
            : d.Local.Equals(failing.LocalEndPoint) ? new TesterAnswer(c.Tester.Messages.Error(d.Stun!, 400, "Bad Request"))
            : new TesterAnswer(c.Tester.Messages.Success(d.Stun!, d.Remote));
        await c.DescribeAsync([], endOfCandidates: false);
        await c.Iut.SendRemoteCandidateAsync(AgentCaseContext.CandidateLine(failing, foundation: "1"), c.Cancel);
        var first = await c.NextCheckAsync(d => d.Local.Equals(failing.LocalEndPoint), c.StepTimeout * 2);
        if (first is null) return CaseVerdict.Fail($"the IUT sent no check to the trickled candidate A {failing.LocalEndPoint}");
        await Task.Delay(AfterFailure, c.Cancel);
        var trickledAt = c.Tester.LastFrame;
        if (c.Iut.States.Contains("failed"))
            return CaseVerdict.Fail($"the IUT reported 'failed' before end-of-candidates, while more candidates could come " +
                $"(states: {string.Join(", ", c.Iut.States)}); its check to A and the 400 answer: {c.Evidence(first, Answer(c, first))}");
        await c.Iut.SendRemoteCandidateAsync(AgentCaseContext.CandidateLine(good, foundation: "2"), c.Cancel);
        var toGood = await c.NextCheckAsync(d => d.Local.Equals(good.LocalEndPoint), c.StepTimeout, trickledAt);
        if (toGood is null)
            return CaseVerdict.Fail($"no check to the candidate B {good.LocalEndPoint} trickled after A failed (states: " +
                $"{string.Join(", ", c.Iut.States)}); A: {c.Evidence(first, Answer(c, first))}");
        return CaseVerdict.Pass($"A failed ({c.Evidence(first, Answer(c, first))}) and the IUT kept running; B was checked: {c.Evidence(toGood)} " +
            $"(states: {string.Join(", ", c.Iut.States)})");
    }

    private static async Task<CaseVerdict> IgnoresAfterEndAsync(AgentCaseContext c)
    {
        await c.GatherAsync();
        var silent = c.Tester.OpenSocket();
        var late = c.Tester.OpenSocket();
        c.Tester.Answer = TesterAnswers.While(c.Tester, d => d.Local.Equals(late.LocalEndPoint));
        await c.DescribeAsync([silent], endOfCandidates: false);
        await c.Iut.SendEndOfCandidatesAsync(c.Cancel);
        await Task.Delay(500, c.Cancel);
        var trickledAt = c.Tester.LastFrame;
        await c.Iut.SendRemoteCandidateAsync(AgentCaseContext.CandidateLine(late, foundation: "2"), c.Cancel);
        var toLate = await c.NextCheckAsync(d => d.Local.Equals(late.LocalEndPoint), c.QuietWindow * 3, trickledAt);
        if (toLate is not null)
            return CaseVerdict.Fail($"the IUT checked candidate B {late.LocalEndPoint}, trickled after end-of-candidates: {c.Evidence(toLate)}");
        var toSilent = c.Tester.Inbound.Where(d => d.IsRequest && d.Local.Equals(silent.LocalEndPoint)).ToList();
        return toSilent.Count == 0
            ? CaseVerdict.Inconclusive($"the IUT sent no check at all, not even to the described candidate A {silent.LocalEndPoint}: nothing shows it was running")
            : CaseVerdict.Pass($"no check to B {late.LocalEndPoint} in {(c.QuietWindow * 3).TotalSeconds:0} s after it was trickled past " +
                $"end-of-candidates, while the IUT checked A: {c.Evidence(toSilent, 2)}");
    }

    private static TesterDatagram? Answer(AgentCaseContext c, TesterDatagram request) =>
        c.Tester.Datagrams.FirstOrDefault(d => !d.Inbound && d.Stun?.TransactionId == request.Stun!.TransactionId && d.Stun.Class == StunClass.Error);
}
