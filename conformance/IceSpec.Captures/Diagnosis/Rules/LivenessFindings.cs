using IceSpec.Ice;

namespace IceSpec.Captures.Diagnosis.Rules;

/// <summary>
/// Liveness after selection: consent freshness (RFC 7675 §5.1: consent checks every 5 s randomized to 4–6 s, consent lost
/// 30 s after the last answer, then the agent must stop sending), keepalives (RFC 8445 §11: something sent on the pair at
/// least every Tr = 15 s), and ICE restarts (RFC 8445 §9: the same agent — same role, same sockets or host — with a new
/// ufrag) with whether they brought the call back and how long that took.
/// </summary>
public sealed class LivenessFindings : IDiagnosisRule
{
    /// <summary>RFC 7675 §5.1: "Consent expires after 30 seconds" without an authenticated answer (ice.spec's ConsentFreshness machine).</summary>
    public static readonly double ConsentTimeoutMs = new ConsentFreshnessMachine().ConsentTimeout.TotalMilliseconds;

    /// <summary>RFC 7675 §5.1: checks every Interval (5 s) "randomized … between 0.8 and 1.2 times the basic period": 4–6 s on average.</summary>
    public static readonly double ConsentMinMs = 0.8 * new ConsentFreshnessMachine().Interval.TotalMilliseconds,
        ConsentMaxMs = 1.2 * new ConsentFreshnessMachine().Interval.TotalMilliseconds;

    /// <summary>
    /// Averages over fewer intervals are noise; and a timer that fires 100 ms late is not a broken one (under load the
    /// agents here slip by tens of ms), so the average may miss the 4–6 s window by this much.
    /// </summary>
    public const int ConsentMinIntervals = 2;
    public const double ConsentSlackMs = 100;

    /// <summary>RFC 8445 §11: "Tr SHOULD be configurable and SHOULD have a default of 15 seconds" (the Keepalive machine's Tr); 1 s of slack for timers and load.</summary>
    public static readonly double KeepaliveMs = new KeepaliveMachine().Tr.TotalMilliseconds;
    public const double KeepaliveSlackMs = 1_000;

    /// <summary>
    /// Checks sent within this time after selection are the nomination's trailing triggered checks (RFC 8445 §7.3.1.4),
    /// not consent checks: they are left out of the consent interval.
    /// </summary>
    public const double AfterSelectionMs = 500;

    /// <summary>Consent is lost only once two checks in a row went unanswered (one lost answer is loss, not lost consent).</summary>
    public const int ConsentLostChecks = 2;

    /// <summary>After consent expired, data within this time is still in flight, not a sender that kept going.</summary>
    public const double CeaseSlackMs = 1_000;

    public IEnumerable<Finding> Diagnose(SessionEvidence evidence)
    {
        var timelines = AgentTimeline.All(evidence);
        var end = evidence.Sightings.Count == 0 ? DateTime.MinValue : evidence.Sightings[^1].Time;
        if (evidence.Data.Count > 0 && evidence.Data[^1].Time > end) end = evidence.Data[^1].Time;
        foreach (var t in timelines.Where(t => t.SelectedAt is not null))
        {
            var (lost, expiredAt) = ConsentLost(evidence, t, end);
            if (lost is not null) yield return lost;
            if (expiredAt is { } expired && SentAfterExpiry(evidence, t, expired) is { } defect) yield return defect;
            if (ConsentInterval(evidence, t) is { } interval) yield return interval;
            if (KeepaliveGap(evidence, t, expiredAt) is { } gap) yield return gap;
        }
        foreach (var restart in Restarts(evidence, timelines)) yield return restart;
    }

    private static double Ms(DateTime later, DateTime earlier) => Math.Round((later - earlier).TotalMilliseconds, 1);

    /// <summary>
    /// Consent checks on the selected pair unanswered from some point to the end: when consent was lost, and when it
    /// expired. RFC 7675 §5.1: "Consent expires after 30 seconds. That is, if a valid STUN Binding response corresponding to
    /// one of the STUN requests sent in the last 30 seconds has not been received …, the endpoint MUST cease transmission on
    /// that 5-tuple."
    /// </summary>
    private static (Finding? Finding, DateTime? ExpiredAt) ConsentLost(SessionEvidence evidence, AgentTimeline t, DateTime end)
    {
        if (t.Consent.Count == 0) return (null, null);
        var lastAnswered = t.Consent.LastOrDefault(c => AgentTimeline.Succeeded(evidence, c));
        var since = lastAnswered is null ? t.SelectedAt!.Value : AgentTimeline.Answer(evidence, lastAnswered)!.Time;
        var unanswered = t.Consent.Where(c => t.SentSighting(c).Time > since && AgentTimeline.Answer(evidence, c) is null).ToList();
        if (unanswered.Count < ConsentLostChecks) return (null, null);
        var expiry = since.AddMilliseconds(ConsentTimeoutMs);
        var reached = end >= expiry;
        // Before the 30 s are up, unanswered checks are lost consent only when the peer fell silent on the pair too: a
        // peer still heard on the 5-tuple after them (its checks, answers or data) means the path works and the checks or
        // their answers were lost on the way (a lossy path), which RFC 7675's 30 s window is there to ride out.
        var firstUnanswered = t.SentSighting(unanswered[0]).Time;
        var peerHeard = evidence.Sightings.Any(s => t.Vantage.Contains(s.Capture) && s.Time > firstUnanswered && s.Time < t.Until
                && s.Source.Equals(t.Remote) && s.Destination.Equals(t.Local))
            || t.Data.Any(d => !d.Sent && d.Time > firstUnanswered);
        if (!reached && peerHeard) return (null, null);
        var lastSent = t.SentOnPair.LastOrDefault();
        var data = t.Data.Where(d => d.Sent).ToList();
        var lastData = data.LastOrDefault();
        var first = t.SentSighting(unanswered[0]);
        var granted = lastAnswered is null ? $"consent held since the selection at {evidence.Ms(since) / 1000:0.0} s (no consent check was ever answered)" : $"the last answer at {evidence.Ms(since) / 1000:0.0} s";
        // The peer's last packet on the pair, as the agent's capture saw it.
        var peerLast = evidence.Sightings.Where(s => t.Vantage.Contains(s.Capture) && s.Time < t.Until && s.Source.Equals(t.Remote) && s.Destination.Equals(t.Local)).Select(s => (s.Ref, s.Time))
            .Concat(t.Data.Where(d => !d.Sent).Select(d => (Ref: d.Frame, d.Time))).DefaultIfEmpty().MaxBy(p => p.Time);
        var stopped = lastData.Frame is null ? "it sent no data on the pair"
            : lastData.Time <= expiry.AddMilliseconds(CeaseSlackMs) ? $"its last data on the pair {evidence.Describe(lastData.Frame)} at {evidence.Ms(lastData.Time):0.0} ms, {Ms(lastData.Time, since) / 1000:0.0} s after consent was last confirmed"
            : $"it still sent data {Ms(lastData.Time, expiry) / 1000:0.0} s after consent expired ({evidence.Describe(lastData.Frame)})";
        var finding = new Finding("consent-lost", FindingCategory.Liveness, reached ? FindingSeverity.Cause : FindingSeverity.Delay,
            $"{t.Ufrag} ({t.Role}) lost consent on {t.Local} → {t.Remote}: its consent checks went unanswered from {evidence.Ms(first.Time) / 1000:0.0} s on " +
            $"({unanswered.Count} checks), {granted}; " +
            (reached ? $"consent expired at {evidence.Ms(expiry) / 1000:0.0} s (30 s later)" : $"the capture ends {Ms(end, since) / 1000:0.0} s after it, before the 30 s expiry") + $"; {stopped}",
            [lastAnswered is null ? SelectionFrame(evidence, t) : AgentTimeline.Answer(evidence, lastAnswered)!.Ref, first.Ref, t.SentSighting(unanswered[^1]).Ref],
            "RFC 7675 §5.1",
            "the peer stopped answering on this 5-tuple (it is gone, or a NAT or relay on the path lost its mapping or allocation: see the other findings); recover with an ICE restart (RFC 8445 §9) as soon as consent checks go unanswered, not only at the 30 s expiry",
            [$"selected at {evidence.Ms(t.SelectedAt!.Value):0.0} ms; consent checks: {t.Consent.Count}, answered: {t.Consent.Count(c => AgentTimeline.Succeeded(evidence, c))}",
             $"unanswered: {string.Join(", ", unanswered.Take(8).Select(c => $"{evidence.Describe(t.SentSighting(c).Ref)} at {evidence.Ms(t.SentSighting(c).Time) / 1000:0.0} s"))}",
             lastSent.Frame is null ? "nothing sent on the pair after selection" : $"last packet it sent on the pair: {evidence.Describe(lastSent.Frame)} at {evidence.Ms(lastSent.Time) / 1000:0.0} s (consent checks' retransmissions included)",
             peerLast.Ref is null ? "nothing from the peer on the pair" : $"the peer's last packet on the pair: {evidence.Describe(peerLast.Ref)} at {evidence.Ms(peerLast.Time) / 1000:0.0} s"]);
        return (finding, reached ? expiry : null);
    }

    /// <summary>The answer that selected the agent's pair (the nomination's, RFC 8445 §8.1.1 / §7.3.1.5).</summary>
    private static FrameRef SelectionFrame(SessionEvidence evidence, AgentTimeline t)
    {
        var nomination = t.Nomination!;
        var answer = t.Role == "controlling" ? AgentTimeline.Answer(evidence, nomination) : nomination.Responses.FirstOrDefault(r => t.Vantage.Contains(r.Capture));
        return (answer ?? nomination.Responses.FirstOrDefault() ?? nomination.Request).Ref;
    }

    /// <summary>RFC 7675 §5.1: once consent expired "the agent MUST cease transmission on that 5-tuple".</summary>
    private static Finding? SentAfterExpiry(SessionEvidence evidence, AgentTimeline t, DateTime expired)
    {
        var late = t.Data.Where(d => d.Sent && d.Time > expired.AddMilliseconds(CeaseSlackMs)).ToList();
        if (late.Count == 0) return null;
        return new Finding("sent-after-consent-expired", FindingCategory.Liveness, FindingSeverity.Defect,
            $"{t.Ufrag} ({t.Role}) kept sending data on {t.Local} → {t.Remote} after its consent expired at {evidence.Ms(expired) / 1000:0.0} s: {late.Count} datagram{(late.Count == 1 ? "" : "s")}, the last {Ms(late[^1].Time, expired) / 1000:0.0} s later",
            [late[0].Frame, late[^1].Frame], "RFC 7675 §5.1",
            "stop sending on a 5-tuple whose consent expired (RFC 7675 §5.1: \"the agent MUST cease transmission on that 5-tuple\") and tell the application (disconnected)",
            [.. late.Take(6).Select(d => $"{evidence.Describe(d.Frame)} at {evidence.Ms(d.Time) / 1000:0.0} s")]);
    }

    /// <summary>The average interval of consent checks while consent held, against RFC 7675 §5.1's 4–6 s.</summary>
    private static Finding? ConsentInterval(SessionEvidence evidence, AgentTimeline t)
    {
        var checks = t.Consent.Select(t.SentSighting)
            .Where(s => Ms(s.Time, t.SelectedAt!.Value) > AfterSelectionMs).OrderBy(s => s.Time).ToList();
        // While consent held: up to and including the first unanswered check (after it an agent may probe faster).
        var firstUnanswered = t.Consent.FirstOrDefault(c => AgentTimeline.Answer(evidence, c) is null);
        if (firstUnanswered is not null) checks = checks.Where(s => s.Time <= t.SentSighting(firstUnanswered).Time).ToList();
        if (checks.Count < ConsentMinIntervals + 1) return null;
        var gaps = checks.Zip(checks.Skip(1), (a, b) => Ms(b.Time, a.Time)).ToList();
        var mean = gaps.Average();
        if (mean >= ConsentMinMs - ConsentSlackMs && mean <= ConsentMaxMs + ConsentSlackMs) return null;
        return new Finding("consent-interval", FindingCategory.Liveness, FindingSeverity.Defect,
            $"{t.Ufrag} ({t.Role}) sent consent checks on {t.Local} → {t.Remote} every {mean / 1000:0.00} s on average ({gaps.Count} intervals), outside RFC 7675's 4–6 s",
            [checks[0].Ref, checks[^1].Ref], "RFC 7675 §5.1",
            mean < ConsentMinMs ? "send consent checks every 5 s randomized to 4–6 s (RFC 7675 §5.1): more often only loads the peer" : "send consent checks every 5 s randomized to 4–6 s (RFC 7675 §5.1): fewer leave too few answers in the 30 s window when some are lost",
            [$"intervals (s): {string.Join(", ", gaps.Take(12).Select(g => (g / 1000).ToString("0.00")))}"]);
    }

    /// <summary>RFC 8445 §11: a gap longer than Tr in what the agent sent on its selected pair while it was in use.</summary>
    private static Finding? KeepaliveGap(SessionEvidence evidence, AgentTimeline t, DateTime? expiredAt)
    {
        var sent = t.SentOnPair.Where(s => expiredAt is null || s.Time <= expiredAt).ToList();
        if (sent.Count == 0) return null;
        var points = new List<(FrameRef? Frame, DateTime Time)> { (null, t.SelectedAt!.Value) };
        points.AddRange(sent.Select(s => ((FrameRef?)s.Frame, s.Time)));
        var worst = points.Zip(points.Skip(1), (a, b) => (From: a, To: b, Gap: Ms(b.Time, a.Time))).MaxBy(g => g.Gap);
        if (worst.Gap <= KeepaliveMs + KeepaliveSlackMs) return null;
        return new Finding("keepalive-gap", FindingCategory.Liveness, FindingSeverity.Defect,
            $"{t.Ufrag} ({t.Role}) sent nothing on its selected pair {t.Local} → {t.Remote} for {worst.Gap / 1000:0.0} s, more than Tr (15 s): the NAT mappings on the path may expire",
            [.. new[] { worst.From.Frame, worst.To.Frame }.OfType<FrameRef>()], "RFC 8445 §11",
            "send a keepalive (a Binding indication, or the consent check of RFC 7675 every 4–6 s) whenever nothing was sent on the pair for Tr = 15 s (RFC 8445 §11)",
            [$"silent from {evidence.Ms(worst.From.Time) / 1000:0.0} s to {evidence.Ms(worst.To.Time) / 1000:0.0} s"]);
    }

    /// <summary>
    /// RFC 8445 §9: an ICE restart is the same agent with a new ufrag (<see cref="AgentTimeline.PreviousGeneration"/>); it
    /// succeeded when the new generation selected a pair and data flowed again.
    /// </summary>
    private static IEnumerable<Finding> Restarts(SessionEvidence evidence, IReadOnlyList<AgentTimeline> timelines)
    {
        foreach (var next in timelines)
        {
            if (next.FirstCheckAt is not { } restartedAt) continue;
            if (timelines.FirstOrDefault(p => p.Ufrag == next.Previous) is not { } previous) continue;
            // When the old generation stopped working: its last answered consent check (or its last data received).
            var lastGood = previous.Consent.Where(c => AgentTimeline.Succeeded(evidence, c)).Select(c => AgentTimeline.Answer(evidence, c)!.Time)
                .Concat(previous.Data.Where(d => !d.Sent).Select(d => d.Time)).Concat(previous.SelectedAt is { } s ? [s] : []).Where(t => t <= restartedAt).DefaultIfEmpty(restartedAt).Max();
            var first = next.SentSighting(next.Checks[0]);
            var dataAgain = next.Data.FirstOrDefault(d => !d.Sent);
            // Succeeded: a new pair selected and data arriving on it again.
            if (next.SelectedAt is { } selected && dataAgain.Frame is not null)
            {
                var details = new List<string>
                {
                    $"old generation {previous.Ufrag}: selected {previous.Local} → {previous.Remote}; last sign of life at {evidence.Ms(lastGood) / 1000:0.0} s",
                    $"new generation {next.Ufrag}: first check {evidence.Describe(first.Ref)} at {evidence.Ms(restartedAt) / 1000:0.0} s, selected {next.Local} → {next.Remote} at {evidence.Ms(selected) / 1000:0.0} s ({Ms(selected, restartedAt):0} ms later)",
                    dataAgain.Frame is null ? "no data received on the new pair in the capture" : $"data received again {evidence.Describe(dataAgain.Frame)} at {evidence.Ms(dataAgain.Time) / 1000:0.0} s",
                };
                yield return new Finding("ice-restart", FindingCategory.Liveness, FindingSeverity.Note,
                    $"{previous.Ufrag} ({next.Role}) restarted ICE as {next.Ufrag} {Ms(restartedAt, lastGood) / 1000:0.0} s after the old pair's last sign of life; the new pair {next.Local} → {next.Remote} was selected {Ms(selected, restartedAt):0} ms after the first new check" +
                    (dataAgain.Frame is null ? "" : $", data flowed again {Ms(dataAgain.Time, lastGood) / 1000:0.0} s after the break"),
                    [first.Ref, SelectionFrame(evidence, next), dataAgain.Frame!],
                    "RFC 8445 §9", "nothing: the restart worked; to shorten the break, restart as soon as consent checks go unanswered (RFC 7675 §5.1) rather than after the 30 s expiry", details);
            }
            else
                yield return new Finding("ice-restart-failed", FindingCategory.Liveness, FindingSeverity.Cause,
                    $"{previous.Ufrag} ({next.Role}) restarted ICE as {next.Ufrag} at {evidence.Ms(restartedAt) / 1000:0.0} s, but " +
                    (next.SelectedAt is null
                        ? $"the new generation selected no pair ({next.Checks.Count} checks, {next.Checks.Count(c => AgentTimeline.Succeeded(evidence, c))} answered with success)"
                        : $"no data arrived on its new pair {next.Local} → {next.Remote} (selected at {evidence.Ms(next.SelectedAt.Value) / 1000:0.0} s)"),
                    [.. new[] { first.Ref }.Concat(next.Checks.Where(c => !AgentTimeline.Succeeded(evidence, c)).Take(3).Select(c => next.SentSighting(c).Ref)).Distinct()], "RFC 8445 §9",
                    "see why the new checks failed (the pair and credential findings): the restart needs the peer's new ufrag and password (RFC 8445 §9), and after a NAT or TURN fault fresh candidates — a new relayed address (RFC 8656 §7) or the peer-reflexive address the NAT gives now",
                    [$"old generation {previous.Ufrag}: selected {previous.Local} → {previous.Remote}",
                     .. next.Checks.Take(6).Select(c => $"{next.SentSighting(c).Source} → {next.SentSighting(c).Destination} ({evidence.Describe(next.SentSighting(c).Ref)}): " +
                         (AgentTimeline.Answer(evidence, c)?.Stun is { } a ? (a.Class == IceSpec.Stun.StunClass.Success ? "success" : $"error {a.ErrorCode}") : "no answer"))]);
        }
    }
}
