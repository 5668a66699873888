using IceSpec.Ice;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Captures.Diagnosis.Rules;

/// <summary>
/// Where the time went before the call could carry data, compared with what RFC 8445's pacing allows (§14.2: one new
/// check per Ta, default 50 ms; §14.3: retransmissions after RTO ≥ 500 ms): checks held back until gathering finished,
/// nomination delayed after a valid pair existed, checks answered only after retransmission, checks paced slower or faster
/// than Ta allows, and a check its receiver was slow to answer. Each finding names the stall and what it cost in ms.
/// </summary>
public sealed class TimeFindings : IDiagnosisRule
{
    /// <summary>RFC 8445 §14.2: "ICE agents SHOULD use a default Ta value, 50 ms".</summary>
    public const double TaMs = IceFormulas.DefaultPacingMilliseconds;

    /// <summary>RFC 8445 §14.2: all transactions "MUST NOT be sent more often than once every 5 ms".</summary>
    public const double MinPacingMs = IceFormulas.MinimumPacingMilliseconds;

    /// <summary>
    /// Gathering slower than this held the checks back by more than the transactions need: a STUN Binding is one round
    /// trip, a TURN Allocate two (its 401 challenge, RFC 8656 §7.2), and paced at Ta (RFC 8445 §5.1.1) a handful of them
    /// fit in well under 500 ms on any path ICE runs on; RFC 8489 §6.2.1's first retransmission alone comes after the
    /// initial RTO (500 ms, stun.spec's StunClientTransaction machine), so gathering that lasted longer lost a request or
    /// waited on a server that did not answer.
    /// </summary>
    public static readonly double SlowGatheringMs = new StunClientTransactionMachine().Rto.TotalMilliseconds;

    /// <summary>
    /// After the first valid pair, a nomination that is not waiting for anything needs one Ta (RFC 8445 §6.1.4.2: the
    /// USE-CANDIDATE check is a triggered check, sent at the next tick) and a round trip; three Ta (150 ms) leave room for
    /// a triggered check queued before it. Beyond that the controlling agent chose to wait (§8.1.1 leaves when to stop
    /// checking to it).
    /// </summary>
    public const double NominationSlackMs = 3 * TaMs;

    /// <summary>
    /// Pacing slower than twice Ta (100 ms between new checks, as a median over at least <see cref="PacingMinChecks"/>
    /// checks) is a Ta the agent chose above the default, not jitter; a median ignores the gaps while the agent had
    /// nothing to check (waiting for the peer's candidates or for answers).
    /// </summary>
    public const double SlowPacingMs = 2 * TaMs;
    public const int PacingMinChecks = 4;

    /// <summary>
    /// Faster than allowed: <see cref="FastBurst"/> new checks with every gap under 5 ms (RFC 8445 §14.2's floor). One short
    /// gap happens when an ordinary and a triggered check go out together; three in a row is no pacing at all.
    /// </summary>
    public const int FastBurst = 4;

    /// <summary>
    /// A receiver that held a check longer than this before answering was not ready (RFC 8445 §7.3: it "MUST immediately
    /// generate a response", even before it has the peer's candidates). A stack answers in under a millisecond; a JIT-compiled
    /// one's first answer can take tens of ms (IceSpec's CLI ~50 ms before its first check): 200 ms is well clear of both.
    /// </summary>
    public const double SlowAnswerMs = 200;

    /// <summary>
    /// RFC 8445 §14.3: "For connectivity checks, RTO SHOULD be configurable and SHOULD have a default of: RTO = MAX (500ms,
    /// Ta * (Num-Waiting + Num-In-Progress))" — a check sent again sooner than 500 ms retransmits below the floor. A tenth
    /// of it is left for timer and capture jitter (an agent at exactly 500 ms is not early).
    /// </summary>
    public const double EarlyRetransmissionMs = 0.9 * IceFormulas.MinimumCheckRtoMilliseconds;

    public IEnumerable<Finding> Diagnose(SessionEvidence evidence)
    {
        var timelines = AgentTimeline.All(evidence);
        foreach (var t in timelines)
        {
            if (HeldBackByGathering(evidence, t) is { } held) yield return held;
            if (NominationDelayed(evidence, t) is { } late) yield return late;
            if (Retransmissions(evidence, t) is { } lost) yield return lost;
            if (EarlyRetransmissions(evidence, t) is { } early) yield return early;
            foreach (var pacing in Pacing(evidence, t)) yield return pacing;
        }
        foreach (var slow in SlowAnswers(evidence, timelines)) yield return slow;
    }

    private static double Ms(DateTime later, DateTime earlier) => Math.Round((later - earlier).TotalMilliseconds, 1);

    /// <summary>Checks that began only once gathering (with a TURN allocation or a slow server) had finished.</summary>
    private static Finding? HeldBackByGathering(SessionEvidence evidence, AgentTimeline t)
    {
        if (t.Gathering.Count == 0 || t.FirstCheckAt is not { } firstCheck) return null;
        var start = t.SentSighting(t.Gathering[0]);
        // The end of gathering: the last answer, or when the agent gave up on a request never answered.
        var (endTime, endFrame) = t.GatheringEnd(evidence);
        var took = Ms(endTime, start.Time);
        // RFC 8445 §5.1.1.1: host candidates exist before any server is asked (they are the sockets the requests leave
        // from); §6.1.4 / RFC 8838 §2: checks on them need not wait for the server-reflexive and relayed ones.
        // Held back: the first check came only after the last answer, and right after it (within what signalling the
        // description takes, bounded by the same 500 ms); a check long after gathering waited for something else (a restart).
        if (took <= SlowGatheringMs || firstCheck < endTime || Ms(firstCheck, endTime) > SlowGatheringMs) return null;
        var slow = t.Gathering.Where(g => g.Requests.Count(r => r.Capture == g.Request.Capture) > 1 || AgentTimeline.Answer(evidence, g) is null).ToList();
        var turn = t.Gathering.Any(g => g.Request.Stun!.Method == TurnMethods.Allocate);
        return new Finding("checks-held-back-by-gathering", FindingCategory.Time, FindingSeverity.Delay,
            $"{t.Ufrag} ({t.Role}) started checking only after gathering finished: gathering {(turn ? "(with a TURN allocation) " : "")}took {took:0} ms " +
            $"({evidence.Describe(start.Ref)} … {evidence.Describe(endFrame)}), its first check {Ms(firstCheck, endTime):0} ms later, while its host candidates ({string.Join(", ", t.Gathering.Select(g => g.Request.Source).Distinct())}) existed from the start",
            [.. new[] { start.Ref, endFrame, t.SentSighting(t.Checks[0]).Ref }.Distinct()], "RFC 8445 §5.1.1, RFC 8838 §2",
            "send the host candidates as soon as they exist and start their checks (trickle ICE, RFC 8838), or bound the wait for slow servers; a server that needs retransmissions is unreachable or overloaded",
            [$"cost: about {took:0} ms before the first check, against the {2 * TaMs:0}–{SlowGatheringMs:0} ms a Binding and an Allocate need",
             .. slow.Select(g => $"{g.Request.Stun!.MethodName} {g.Request.Source} → {g.Request.Destination}: {g.Requests.Count(r => r.Capture == g.Request.Capture)} transmission(s), " +
                 (AgentTimeline.Answer(evidence, g) is { } a ? $"answered after {Ms(a.Time, g.Request.Time):0} ms ({evidence.Describe(a.Ref)})" : "never answered: the agent waited for its time-out"))]);
    }

    /// <summary>
    /// Regular nomination sent long after the controlling agent had a valid pair. RFC 8445 §8.1.1: "Once the controlling
    /// agent has picked a valid pair for nomination, it repeats the connectivity check that produced this valid pair …
    /// this time with the USE-CANDIDATE attribute"; when it picks is its choice, the time it took is what this measures.
    /// </summary>
    private static Finding? NominationDelayed(SessionEvidence evidence, AgentTimeline t)
    {
        if (t.Role != "controlling" || t.Nomination is not { } nomination || t.FirstSuccess is not { } first) return null;
        var valid = AgentTimeline.Answer(evidence, first)!;
        var sent = t.SentSighting(nomination);
        var delay = Ms(sent.Time, valid.Time);
        if (delay <= NominationSlackMs) return null;
        // What the agent was waiting for: its checks in flight (sent, not answered) when the first pair became valid.
        var pending = t.Checks.Where(c => c != first && t.SentSighting(c).Time <= valid.Time
            && (AgentTimeline.Answer(evidence, c) is not { } a || a.Time > valid.Time)).ToList();
        return new Finding("nomination-delayed", FindingCategory.Time, FindingSeverity.Delay,
            $"{t.Ufrag} (controlling) nominated {delay:0} ms after its first valid pair {t.SentSighting(first).Source} → {t.SentSighting(first).Destination}: " +
            $"regular nomination waited {Ms(sent.Time, valid.Time) - TaMs:0} ms beyond the one Ta its USE-CANDIDATE check needs" +
            (pending.Count > 0 ? $", while {pending.Count} higher-priority check{(pending.Count == 1 ? " was" : "s were")} still unanswered" : ""),
            [valid.Ref, sent.Ref], "RFC 8445 §8.1.1",
            "nominate once the valid pair is the best that can still succeed: bound the wait for pending higher-priority pairs (IceSpec: IceAgentOptions.NominationWait, 500 ms) or nominate aggressively where the peer allows it",
            [$"first valid pair at {evidence.Ms(valid.Time):0.0} ms ({evidence.Describe(valid.Ref)}), USE-CANDIDATE check at {evidence.Ms(sent.Time):0.0} ms ({evidence.Describe(sent.Ref)})",
             .. pending.Take(6).Select(c => $"pending: {t.SentSighting(c).Source} → {t.SentSighting(c).Destination} ({evidence.Describe(t.SentSighting(c).Ref)}): " +
                 (AgentTimeline.Answer(evidence, c) is { } a ? $"answered {Ms(a.Time, valid.Time):0} ms later" : "never answered"))]);
    }

    /// <summary>
    /// Checks (before the pair was selected) answered only after the agent retransmitted them. RFC 8489 §6.2.1: "the client
    /// SHOULD retransmit a STUN request message starting with an interval of RTO, doubling after each retransmission";
    /// RFC 8445 §14.3 sets that RTO for checks to at least 500 ms, so each loss costs at least that.
    /// </summary>
    private static Finding? Retransmissions(SessionEvidence evidence, AgentTimeline t)
    {
        var until = t.SelectedAt ?? DateTime.MaxValue;
        // Answered with success: a check answered with an error each time it was sent is the credentials' or the role's
        // problem (see those findings), not loss.
        var answered = t.Checks.Where(c => t.SentSighting(c).Time <= until && AgentTimeline.Succeeded(evidence, c)).ToList();
        var retransmitted = answered.Where(c => AgentTimeline.Transmissions(c, t.SentSighting(c).Capture) > 1 && !ReceiverHeldIt(evidence, c)).ToList();
        if (retransmitted.Count == 0) return null;
        // The path's round trip: the fastest check answered at its first transmission.
        var rtts = answered.Except(retransmitted).Select(c => Ms(AgentTimeline.Answer(evidence, c)!.Time, t.SentSighting(c).Time)).ToList();
        var rtt = rtts.Count > 0 ? rtts.Min() : 0;
        var costs = retransmitted.Select(c => (Check: c, Cost: Ms(AgentTimeline.Answer(evidence, c)!.Time, t.SentSighting(c).Time) - rtt)).ToList();
        var worst = costs.MaxBy(c => c.Cost).Check;
        var sent = worst.Requests.Where(r => r.Capture == t.SentSighting(worst).Capture).ToList();
        var extra = retransmitted.Sum(c => AgentTimeline.Transmissions(c, t.SentSighting(c).Capture) - 1);
        var firstAnswer = t.FirstSuccess is { } fs && retransmitted.Contains(fs) ? $"; its first success was one of them ({costs.First(c => c.Check == fs).Cost:0} ms late)" : "";
        return new Finding("check-retransmissions", FindingCategory.Time, FindingSeverity.Delay,
            $"{retransmitted.Count} check{(retransmitted.Count == 1 ? " of " + t.Ufrag + " was" : "s of " + t.Ufrag + " were")} answered only after {extra} retransmission{(extra == 1 ? "" : "s")} (a request or its answer lost): " +
            $"{costs.Sum(c => c.Cost):0} ms lost in all, the worst {costs.Max(c => c.Cost):0} ms{firstAnswer}",
            [sent[0].Ref, sent[^1].Ref, AgentTimeline.Answer(evidence, worst)!.Ref], "RFC 8445 §14.3, RFC 8489 §6.2.1",
            "loss on the path: each lost check costs its RTO (RFC 8445 §14.3: at least 500 ms); check the path's loss (see the pairs' outcomes), or give the agents more pairs to try in parallel",
            [rtts.Count > 0 ? $"round trip of checks answered at once: {rtt:0.0} ms" : "no check was answered at its first transmission: the costs include the round trip",
             .. costs.Take(8).Select(c => $"{t.SentSighting(c.Check).Source} → {t.SentSighting(c.Check).Destination}: sent {AgentTimeline.Transmissions(c.Check, t.SentSighting(c.Check).Capture)} times " +
                 $"({evidence.Describe(t.SentSighting(c.Check).Ref)}), answered {evidence.Describe(AgentTimeline.Answer(evidence, c.Check)!.Ref)}, {c.Cost:0} ms late{Where(evidence, c.Check)}")]);
    }

    /// <summary>
    /// Checks (before the pair was selected) sent a second time sooner than RFC 8445 §14.3's RTO floor allows
    /// (<see cref="EarlyRetransmissionMs"/>): the agent retransmits faster than the RFC's congestion safety assumes
    /// (§14.1: the formulas keep the rate of STUN transactions constant whatever the number of pairs).
    /// </summary>
    private static Finding? EarlyRetransmissions(SessionEvidence evidence, AgentTimeline t)
    {
        var until = t.SelectedAt ?? DateTime.MaxValue;
        var early = new List<(Sighting First, Sighting Again)>();
        foreach (var check in t.Checks)
        {
            var first = t.SentSighting(check);
            if (first.Time > until) continue;
            var again = check.Requests.Where(r => r.Capture == first.Capture && r.Time > first.Time).MinBy(r => r.Time);
            if (again is not null && Ms(again.Time, first.Time) < EarlyRetransmissionMs) early.Add((first, again));
        }
        if (early.Count == 0) return null;
        var gaps = early.Select(e => Ms(e.Again.Time, e.First.Time)).ToList();
        return new Finding("checks-retransmitted-early", FindingCategory.Time, FindingSeverity.Defect,
            $"{t.Ufrag} ({t.Role}) retransmitted {early.Count} check{(early.Count == 1 ? "" : "s")} after {gaps.Min():0}–{gaps.Max():0} ms, " +
            $"below the {IceFormulas.MinimumCheckRtoMilliseconds:0} ms RTO floor for connectivity checks",
            [early[0].First.Ref, early[0].Again.Ref], "RFC 8445 §14.3",
            $"retransmit a check no sooner than RTO = MAX({IceFormulas.MinimumCheckRtoMilliseconds:0} ms, Ta × (Num-Waiting + Num-In-Progress)) after it was sent (RFC 8445 §14.3), doubling after each retransmission (RFC 8489 §6.2.1)",
            [.. early.Take(8).Select(e => $"{e.First.Source} → {e.First.Destination}: sent at {evidence.Ms(e.First.Time):0.0} ms ({evidence.Describe(e.First.Ref)}), again {Ms(e.Again.Time, e.First.Time):0} ms later ({evidence.Describe(e.Again.Ref)})")]);
    }

    /// <summary>
    /// Whether the receiver's own capture shows every transmission arriving and its first answer only after the last of
    /// them: nothing was lost, the receiver answered late (the sender's RTO was shorter than its answer took; see
    /// slow-first-answer) — not a retransmission after loss.
    /// </summary>
    private static bool ReceiverHeldIt(SessionEvidence evidence, EvidenceTransaction check)
    {
        var home = evidence.AgentByUfrag(check.ReceiverUfrag!)?.HomeCaptures;
        if (home is null || home.Count == 0) return false;
        var capture = check.Request.Capture;
        var arrived = check.Requests.Where(r => home.Contains(r.Capture)).ToList();
        var answer = check.Responses.FirstOrDefault(r => home.Contains(r.Capture));
        return answer is not null && arrived.Count > 0 && arrived.Count >= check.Requests.Count(r => r.Capture == capture)
            && answer.Time >= arrived[^1].Time;
    }

    /// <summary>Which way the loss was, when the receiver's capture is there: how many transmissions arrived, how many answers.</summary>
    private static string Where(SessionEvidence evidence, EvidenceTransaction check)
    {
        var home = evidence.AgentByUfrag(check.ReceiverUfrag!)?.HomeCaptures;
        var sender = evidence.AgentByUfrag(check.SenderUfrag!)?.HomeCaptures;
        if (home is null || home.Count == 0 || sender is null || sender.Count == 0 || home.SetEquals(sender)) return "";
        var arrived = check.Requests.Count(r => home.Contains(r.Capture));
        var answers = check.Responses.Count(r => home.Contains(r.Capture));
        var back = check.Responses.Count(r => sender.Contains(r.Capture));
        return $"; {arrived} arrived at {check.ReceiverUfrag}, {answers} answer{(answers == 1 ? "" : "s")} sent, {back} came back";
    }

    /// <summary>The first checks of the agent's pairs paced slower than Ta, or faster than RFC 8445 §14.2 allows.</summary>
    private static IEnumerable<Finding> Pacing(SessionEvidence evidence, AgentTimeline t)
    {
        // RFC 8445 §6.1.4.2 paces the checks of the checklist's pairs: the first check of each pair (later ones on the same
        // pair are triggered again by the peer's checks or retries, paced by what they answer).
        var sent = t.Checks.Select(t.SentSighting).OrderBy(s => s.Time)
            .DistinctBy(s => (s.Source, s.Destination)).ToList();
        if (sent.Count < 2) yield break;
        var gaps = sent.Zip(sent.Skip(1), (a, b) => Ms(b.Time, a.Time)).ToList();
        // Faster than allowed: FastBurst checks in a row, each gap under 5 ms.
        for (var i = 0; i + FastBurst - 1 <= gaps.Count; i++)
        {
            if (!gaps.Skip(i).Take(FastBurst - 1).All(g => g < MinPacingMs)) continue;
            var end = i + FastBurst - 1;
            while (end < gaps.Count && gaps[end] < MinPacingMs) end++;
            var burst = sent.Skip(i).Take(end - i + 1).ToList();
            yield return new Finding("checks-paced-too-fast", FindingCategory.Time, FindingSeverity.Defect,
                $"{t.Ufrag} ({t.Role}) sent the first checks of {burst.Count} pairs in {Ms(burst[^1].Time, burst[0].Time):0.0} ms, each less than {MinPacingMs:0} ms after the one before: no pacing (RFC 8445 §14.2 floor: one transaction per 5 ms)",
                [burst[0].Ref, burst[^1].Ref], "RFC 8445 §14.2",
                "pace checks (ordinary and triggered) at Ta, 50 ms by default and never under 5 ms (RFC 8445 §6.1.4.2, §14.2): a burst of checks through a NAT can overflow its binding table and loses more to congestion",
                [.. burst.Take(8).Select(s => $"{evidence.Describe(s.Ref)} at {evidence.Ms(s.Time):0.0} ms: {s.Source} → {s.Destination}")]);
            break;
        }
        if (sent.Count < PacingMinChecks) yield break;
        var median = gaps.Order().ElementAt(gaps.Count / 2);
        if (median <= SlowPacingMs) yield break;
        var cost = (median - TaMs) * gaps.Count;
        yield return new Finding("checks-paced-slowly", FindingCategory.Time, FindingSeverity.Delay,
            $"{t.Ufrag} ({t.Role}) paced the first checks of its {sent.Count} pairs {median:0} ms apart (median), not Ta's {TaMs:0} ms: about {cost:0} ms more than RFC 8445's pacing needs for {sent.Count} pairs",
            [sent[0].Ref, sent[^1].Ref], "RFC 8445 §14.2",
            $"use Ta = {TaMs:0} ms (RFC 8445 §14.2 default); a larger Ta must be announced (a=ice-pacing, RFC 8839 §5.5) and costs Ta per pair",
            [$"{sent.Count} pairs first checked from {evidence.Ms(sent[0].Time):0.0} to {evidence.Ms(sent[^1].Time):0.0} ms; gaps (ms): {string.Join(", ", gaps.Take(12).Select(g => g.ToString("0")))}"]);
    }

    /// <summary>Checks whose receiver held them before answering (its own capture shows the arrival and the late answer).</summary>
    private static IEnumerable<Finding> SlowAnswers(SessionEvidence evidence, IReadOnlyList<AgentTimeline> timelines)
    {
        foreach (var t in timelines)
        {
            var home = evidence.AgentByUfrag(t.Ufrag)?.HomeCaptures;
            if (home is null || home.Count == 0) continue;
            // The first check it answered late, as its own capture saw the arrival and its answer.
            foreach (var check in t.Received.OrderBy(c => c.Request.Time))
            {
                var arrived = check.Requests.FirstOrDefault(r => home.Contains(r.Capture));
                var answer = check.Responses.FirstOrDefault(r => home.Contains(r.Capture));
                if (arrived is null || answer is null) continue;
                var held = Ms(answer.Time, arrived.Time);
                if (held <= SlowAnswerMs) continue;
                var tries = check.Requests.Count(r => r.Capture == arrived.Capture);
                yield return new Finding("slow-first-answer", FindingCategory.Time, FindingSeverity.Delay,
                    $"{t.Ufrag} ({t.Role}) answered the check from {arrived.Source} {held:0} ms after it arrived ({tries} transmission{(tries == 1 ? "" : "s")} reached it): the first answer waited on the agent (not yet ready for checks, or busy), not on the network",
                    [arrived.Ref, answer.Ref], "RFC 8445 §7.3",
                    "answer checks as soon as the local credentials exist, before the peer's candidates arrive (RFC 8445 §7.3: \"the agent MUST immediately generate a response\"); start the agent before signalling its description",
                    [$"arrived {evidence.Describe(arrived.Ref)} at {evidence.Ms(arrived.Time):0.0} ms, answered {evidence.Describe(answer.Ref)} at {evidence.Ms(answer.Time):0.0} ms"]);
                break;
            }
        }
    }
}
