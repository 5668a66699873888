using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Tester;
using IceSpec.Ice;
using IceSpec.Stun;
using static IceSpec.Conformance.Cases.Agent.CheckingSteps;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// How a controlling IUT nominates: with regular nomination (RFC 8445 §8.1.1) USE-CANDIDATE on one pair only, repeating a
/// check that already succeeded, and that pair selected; with aggressive nomination (RFC 5245 §8.1.1.2, for agents
/// configured so) USE-CANDIDATE on every check and the first pair that succeeds selected.
/// </summary>
internal static class NominationCases
{
    private const string OnePairText =
        "The only requirement is that the agent MUST eventually pick one and only one candidate pair and generate a check for " +
        "that pair with the USE-CANDIDATE attribute set.";

    private const string RepeatText =
        "Once the controlling agent has picked a valid pair for nomination, it repeats the connectivity check that produced this " +
        "valid pair (by enqueueing the pair that generated the check into the triggered-check queue), this time with the " +
        "USE-CANDIDATE attribute (Section 7.2.5.3.4).";

    private const string SelectedText =
        "Once an ICE agent sets the state of the checklist to Completed (when there is a nominated pair for each component of " +
        "the data stream), that pair becomes the selected pair for that agent and is used for sending and receiving data for " +
        "that component of the data stream.";

    // RFC 5245 §8.1.1.2, "Aggressive Nomination".
    private const string AggressiveEveryCheckText =
        "With aggressive nomination, the controlling agent includes the USE-CANDIDATE attribute in every check it sends.";

    private const string AggressiveSelectionText =
        "Once the first check for a component succeeds, it will be added to the valid list and have its nominated flag set. " +
        "When all components have a nominated pair in the valid list, media can begin to flow using the highest priority " +
        "nominated pair.";

    private const int AnsweredCandidates = 3;

    private const string AnsweredProcedure =
        "The tester describes 3 host candidates (distinct foundations) with end-of-candidates and answers every check correctly; " +
        "it waits up to 10 s for the IUT's selected pair, and 0.5 s more.";

    public static IEnumerable<AgentCase> All =>
    [
        AgentCase.Define(8445, "8.1.1", 1, RequirementLevel.Must, IceRole.Controlling, "USE-CANDIDATE on one pair and only one (regular nomination)",
            OnePairText, AnsweredProcedure + " Observed: the tester candidates that received a check with USE-CANDIDATE: exactly one.",
            ["PairNomination: NotNominated -> Requested on UseCandidateSent"], OnePairNominatedAsync) with { Nomination = "regular" },
        AgentCase.Define(8445, "8.1.1", 2, RequirementLevel.Must, IceRole.Controlling,
            "USE-CANDIDATE only on a pair whose check already succeeded (regular nomination)", RepeatText,
            AnsweredProcedure + " Observed: each check with USE-CANDIDATE follows, on the same pair, a check without it that the tester " +
            "answered with success.",
            ["PairNomination: NotNominated -> Requested on UseCandidateSent"], NominatesSucceededPairAsync) with { Nomination = "regular" },
        AgentCase.Define(8445, "8.1.1", 3, RequirementLevel.Must, IceRole.Controlling, "The nominated pair is the selected pair (regular nomination)",
            SelectedText, AnsweredProcedure + " Observed: the last selected-pair event's remote is the candidate whose check with " +
            "USE-CANDIDATE the tester answered with success.",
            ["PairNomination: Requested -> Nominated on PairSucceeded"], SelectsNominatedAsync) with { Nomination = "regular" },
        AgentCase.Define(5245, "8.1.1.2", 1, RequirementLevel.Must, IceRole.Controlling, "Every check carries USE-CANDIDATE (aggressive nomination)",
            AggressiveEveryCheckText, AnsweredProcedure + " Observed: the IUT's first check to each tester candidate carries USE-CANDIDATE.",
            [], EveryCheckNominatesAsync) with { Nomination = "aggressive" },
        AgentCase.Define(5245, "8.1.1.2", 2, RequirementLevel.Must, IceRole.Controlling,
            "The first pair that succeeds is selected without waiting for the others (aggressive nomination)", AggressiveSelectionText,
            "The tester describes two host candidates with end-of-candidates: the higher-priority one answers nothing, the other " +
            "answers correctly. Observed: a selected-pair event within 5 s whose remote is the answering candidate.",
            ["PairNomination: Requested -> Nominated on PairSucceeded"], FirstSucceededSelectedAsync) with { Nomination = "aggressive" },
    ];

    /// <summary>The tester's candidates, all answering; the IUT's selection (null: none within 10 s).</summary>
    private static async Task<(TesterSocket[] Sockets, SelectedPair? Pair)> AnsweredSessionAsync(AgentCaseContext c)
    {
        await c.GatherAsync();
        var sockets = c.OpenSockets(AnsweredCandidates);
        await c.DescribeAsync(sockets);
        var pair = await c.Iut.WaitSelectedPairAsync(c.StepTimeout * 2, c.Cancel);
        await Task.Delay(500, c.Cancel);
        return (sockets, pair);
    }

    private static IReadOnlyList<TesterDatagram> Nominations(AgentCaseContext c) =>
        [.. c.Tester.Inbound.Where(d => d.IsRequest && d.Stun!.UseCandidate).OrderBy(d => d.Time)];

    /// <summary>The tester's success response to <paramref name="request"/>, or null.</summary>
    private static TesterDatagram? SuccessTo(AgentCaseContext c, TesterDatagram request) => c.Tester.Datagrams.FirstOrDefault(d =>
        !d.Inbound && d.Stun is { Class: StunClass.Success } answer && answer.TransactionId == request.Stun!.TransactionId);

    private static async Task<CaseVerdict> OnePairNominatedAsync(AgentCaseContext c)
    {
        var (_, pair) = await AnsweredSessionAsync(c);
        var nominations = Nominations(c);
        var byPair = nominations.GroupBy(d => d.Local).ToList();
        return byPair.Count switch
        {
            0 => CaseVerdict.Fail($"no check with USE-CANDIDATE in {c.StepTimeout.TotalSeconds * 2:0} s" + (pair is null ? "" : $", though it selected {pair}")),
            1 => CaseVerdict.Pass($"USE-CANDIDATE only to {byPair[0].Key} ({byPair[0].Count()} check(s)): {c.Evidence(byPair[0], 2)}"),
            _ => CaseVerdict.Fail($"USE-CANDIDATE on {byPair.Count} pairs: {c.Evidence(byPair.Select(g => g.First()))}"),
        };
    }

    private static async Task<CaseVerdict> NominatesSucceededPairAsync(AgentCaseContext c)
    {
        await AnsweredSessionAsync(c);
        var nominations = Nominations(c);
        if (nominations.Count == 0) return CaseVerdict.Fail($"no check with USE-CANDIDATE in {c.StepTimeout.TotalSeconds * 2:0} s");
        foreach (var nomination in nominations)
        {
            var succeeded = c.Tester.Inbound
                .Where(d => d.IsRequest && !d.Stun!.UseCandidate && d.Local.Equals(nomination.Local) && d.Time < nomination.Time)
                .Select(d => (Check: d, Answer: SuccessTo(c, d)))
                .FirstOrDefault(x => x.Answer is not null && x.Answer.Time < nomination.Time);
            if (succeeded.Answer is null)
                return CaseVerdict.Fail($"a check with USE-CANDIDATE to {nomination.Local} before any check of that pair had succeeded: " +
                                        $"{c.Evidence(c.Tester.Datagrams.Where(d => d.Local.Equals(nomination.Local) && d.Time <= nomination.Time), 4)}");
        }
        var firstNomination = nominations[0];
        var repeated = c.Tester.Inbound.First(d => d.IsRequest && !d.Stun!.UseCandidate && d.Local.Equals(firstNomination.Local) && d.Time < firstNomination.Time);
        return CaseVerdict.Pass($"{nominations.Count} check(s) with USE-CANDIDATE, each on a pair that had succeeded; first: " +
                                $"{c.Evidence(repeated, SuccessTo(c, repeated), firstNomination)}");
    }

    private static async Task<CaseVerdict> SelectsNominatedAsync(AgentCaseContext c)
    {
        var (sockets, pair) = await AnsweredSessionAsync(c);
        var nominated = Nominations(c).Where(d => SuccessTo(c, d) is not null).ToList();
        var last = c.Iut.LastSelectedPair;
        if (last is null) return CaseVerdict.Fail($"no pair selected in {c.StepTimeout.TotalSeconds * 2:0} s" +
                                                  (nominated.Count == 0 ? " and no nomination answered" : $"; nominations: {c.Evidence(nominated, 2)}"));
        if (nominated.Count == 0) return CaseVerdict.Fail($"selected {last} without a check with USE-CANDIDATE that succeeded");
        var socket = sockets.FirstOrDefault(s => last.RemoteIs(s));
        var match = nominated.FirstOrDefault(d => socket is not null && d.Local.Equals(socket.LocalEndPoint));
        return match is not null
            ? CaseVerdict.Pass($"selected {last}, the pair nominated by {c.Evidence(match, SuccessTo(c, match))}")
            : CaseVerdict.Fail($"selected {last}, but nominated (and succeeded) {string.Join(", ", nominated.Select(d => d.Local).Distinct())}: {c.Evidence(nominated, 2)}");
    }

    private static async Task<CaseVerdict> EveryCheckNominatesAsync(AgentCaseContext c)
    {
        var (sockets, _) = await AnsweredSessionAsync(c);
        var firsts = sockets.Select(s => c.ChecksTo(s).MinBy(d => d.Time)).OfType<TesterDatagram>().ToList();
        if (firsts.Count == 0) return CaseVerdict.Fail($"the IUT sent no check in {c.StepTimeout.TotalSeconds * 2:0} s");
        var plain = firsts.FirstOrDefault(d => !d.Stun!.UseCandidate);
        return plain is not null
            ? CaseVerdict.Fail($"a check without USE-CANDIDATE: {c.Evidence(plain)}")
            : CaseVerdict.Pass($"the first check to each of {firsts.Count} candidates carries USE-CANDIDATE: {c.Evidence(firsts, 3)}");
    }

    private static async Task<CaseVerdict> FirstSucceededSelectedAsync(AgentCaseContext c)
    {
        await c.GatherAsync();
        var silent = c.Tester.OpenSocket();
        var answering = c.Tester.OpenSocket();
        c.Tester.Answer = AnswerOn(c.Tester, answering);
        await c.DescribeAsync([silent, answering], lines: Lines([silent, answering], [65535, 100], ["1", "2"]));
        var pair = await c.Iut.WaitSelectedPairAsync(c.StepTimeout, c.Cancel);
        var answered = c.SuccessesSentFrom(answering);
        if (pair is null)
            return CaseVerdict.Fail($"no pair selected within {c.StepTimeout.TotalSeconds:0} s; its checks to the answering candidate: " +
                                    (answered.Count == 0 ? "none" : c.Evidence(c.ChecksTo(answering), 2) + ", answered " + c.Evidence(answered, 2)));
        return pair.RemoteIs(answering)
            ? CaseVerdict.Pass($"selected {pair}, the only pair that succeeded ({c.Evidence(answered, 2)}), while the higher-priority one was still unanswered")
            : CaseVerdict.Fail($"selected {pair}, not the pair to {answering.LocalEndPoint}, the only one that succeeded");
    }
}
