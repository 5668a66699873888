using IceSpec.Conformance.Tester;
using IceSpec.Ice;
using IceSpec.Stun;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// The selected pair with no data flowing (RFC 8445 §11): the IUT keeps it alive at least every Tr and still answers the
/// tester's checks there. What a keepalive indication carries is not judged: an agent running consent freshness
/// (RFC 7675) keeps the pair alive with its consent checks and sends none, as every implementation here does.
/// </summary>
internal static class KeepaliveCases
{
    private const string AnswerText =
        "Though Binding Indications are used for keepalives, an agent MUST be prepared to receive a connectivity check as well. " +
        "If a connectivity check is received, a response is generated as discussed in [RFC5389], but there is no impact on ICE " +
        "processing otherwise.";

    private const string TrText =
        "An agent MUST send a keepalive on each candidate pair that is used for sending data if no packet has been sent on that " +
        "pair in the last Tr seconds. Agents SHOULD use a Tr value of 15 seconds. Agents MAY use a bigger value but MUST NOT use " +
        "a value smaller than 15 seconds.";

    /// <summary>How long the selected pair is watched with no data: two Tr periods (15 s) and a margin.</summary>
    private static readonly TimeSpan Watch = TimeSpan.FromSeconds(32);

    private static readonly TimeSpan Tr = TimeSpan.FromSeconds(15);

    /// <summary>A gap may exceed Tr by this much (the IUT's timer granularity) and still count as Tr.</summary>
    private static readonly TimeSpan TrTolerance = TimeSpan.FromMilliseconds(500);

    private const string WatchProcedure =
        "The usual session with a controlling IUT (the tester answers every check); no data is sent; the tester watches what the IUT " +
        "sends on the selected pair for 32 s after selection.";

    public static IEnumerable<AgentCase> All =>
    [
        AgentCase.Define(8445, "11", 1, RequirementLevel.Must, IceRole.Controlling, "Answers the tester's check on the selected pair after selection (controlling IUT)",
            AnswerText, AnswerProcedure, ["Binding request as ice-check: required USERNAME"], AnswersAfterSelectionAsync),
        AgentCase.Define(8445, "11", 2, RequirementLevel.Must, IceRole.Controlled, "Answers the tester's check on the selected pair after selection (controlled IUT)",
            AnswerText, AnswerProcedure, ["Binding request as ice-check: required USERNAME"], AnswersAfterSelectionAsync),
        AgentCase.Define(8445, "11", 3, RequirementLevel.Should, IceRole.Controlling, "Something is sent on the selected pair at least every Tr = 15 s",
            TrText, WatchProcedure + " The longest silence of the IUT on the pair (from its last packet before selection to the end of the " +
            $"watch) must not exceed 15 s (+{TrTolerance.TotalMilliseconds:0} ms).", ["Keepalive: Running -> Running on Quiet", "Keepalive.Tr"], KeptAliveAsync) with { Timeout = TimeSpan.FromSeconds(55) },
    ];

    private const string AnswerProcedure =
        "The usual session; 1 s after selection the tester sends a check of its own on the selected pair (USERNAME, PRIORITY, its role " +
        "attribute, MESSAGE-INTEGRITY, FINGERPRINT; no USE-CANDIDATE), as a consent check (RFC 7675) does. The IUT must answer with a " +
        "success response signed with its password whose XOR-MAPPED-ADDRESS is the tester's socket.";

    private static async Task<CaseVerdict> AnswersAfterSelectionAsync(AgentCaseContext c)
    {
        var (session, problem) = await SelectedSession.ConnectAsync(c);
        if (session is null) return CaseVerdict.Fail(problem!);
        await Task.Delay(TimeSpan.FromSeconds(1), c.Cancel);
        var (request, response) = await c.ExchangeAsync(session.Socket, c.Tester.Messages.Check(c.Check()), session.IutAddress);
        if (response is null) return CaseVerdict.Fail($"no response within {c.StepTimeout.TotalSeconds:0} s to {c.Evidence(request)}");
        var wrong = response.Stun!.Class != StunClass.Success ? "it is not a success response"
            : !response.Stun.IntegrityValidWith(c.Tester.IutKey!) ? "its MESSAGE-INTEGRITY does not verify with the IUT's password"
            : !session.Socket.LocalEndPoint.Equals(response.Stun.XorMappedAddress) ? $"its XOR-MAPPED-ADDRESS is {response.Stun.XorMappedAddress?.ToString() ?? "missing"}, not {session.Socket.LocalEndPoint}"
            : null;
        return wrong is null
            ? CaseVerdict.Pass($"answered after selection: {c.Evidence(request, response)}")
            : CaseVerdict.Fail($"{wrong}: {c.Evidence(request, response)}");
    }

    private static async Task<CaseVerdict> KeptAliveAsync(AgentCaseContext c)
    {
        var (session, problem) = await SelectedSession.ConnectAsync(c);
        if (session is null) return CaseVerdict.Fail(problem!);
        await Task.Delay(Watch, c.Cancel);
        var end = session.SelectedAt + Watch;
        var sent = c.Tester.Inbound.Where(d => session.OnPair(d) && d.Time <= end).ToList();
        var before = sent.LastOrDefault(d => d.Frame <= session.SelectedFrame);
        if (before is null) return CaseVerdict.Fail($"the tester saw nothing from the IUT's {session.IutAddress} before selection ({session.Pair})");
        var watched = sent.Where(d => d.Frame >= before.Frame).ToList();
        var gaps = SelectedSession.Gaps(watched);
        var longest = gaps.Count > 0 ? gaps.MaxBy(g => g.Gap) : default;
        var tail = end - watched[^1].Time;
        if (tail > Tr + TrTolerance && (gaps.Count == 0 || tail > longest.Gap))
            return CaseVerdict.Fail($"nothing on the selected pair for the last {tail.TotalSeconds:0.0} s of the watch, after {c.Evidence(watched[^1])}");
        if (gaps.Count > 0 && longest.Gap > Tr + TrTolerance)
            return CaseVerdict.Fail($"{longest.Gap.TotalSeconds:0.0} s of silence on the selected pair between {c.Evidence(longest.Before, longest.After)}");
        return CaseVerdict.Pass($"{watched.Count - 1} packets on the selected pair in {Watch.TotalSeconds:0} s after selection, longest silence " +
            $"{Math.Max(tail.TotalSeconds, gaps.Count > 0 ? longest.Gap.TotalSeconds : 0):0.0} s; frames {watched[0].Frame}–{watched[^1].Frame}");
    }
}
