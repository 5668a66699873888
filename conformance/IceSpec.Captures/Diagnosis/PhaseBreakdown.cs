using System.Net;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Captures.Diagnosis;

/// <summary>
/// Where each agent's time went (RFC 8445 §2's order): gathering (its STUN Binding and TURN Allocate transactions towards
/// servers before its checks, RFC 8445 §5.1.1), its first check (§6.1.4), first success (§7.2.5.3), nomination (§8.1.1: a
/// USE-CANDIDATE check answered — sent by the controlling agent, accepted by the controlled one, §7.3.1.5), first data on
/// the selected pair, and the first consent check after selection (RFC 7675 §5.1). One <see cref="AgentTimeline"/> per
/// agent (ufrag: an ICE restart's new generation is an agent of its own, RFC 8445 §9), shared by the time and liveness rules.
/// </summary>
public static class PhaseBreakdown
{
    public static IReadOnlyList<AgentPhases> Compute(SessionEvidence evidence) =>
        [.. AgentTimeline.All(evidence).Select(t => new AgentPhases(t.Ufrag, t.Role, t.Phases()))];
}

/// <summary>One agent's session as the captures show it, seen from its own capture where there is one.</summary>
public sealed class AgentTimeline
{
    public required string Ufrag { get; init; }
    public required string Role { get; init; }
    /// <summary>Its checks (RFC 8445 §7.2.4), in order of first transmission.</summary>
    public required IReadOnlyList<EvidenceTransaction> Checks { get; init; }
    /// <summary>The checks sent to it (USERNAME starts with its ufrag).</summary>
    public required IReadOnlyList<EvidenceTransaction> Received { get; init; }
    /// <summary>Its Binding and Allocate transactions with servers that started before its first check.</summary>
    public required IReadOnlyList<EvidenceTransaction> Gathering { get; init; }
    public EvidenceTransaction? FirstSuccess { get; init; }
    /// <summary>The USE-CANDIDATE check answered with success: sent (controlling) or answered (controlled).</summary>
    public EvidenceTransaction? Nomination { get; init; }
    /// <summary>The selected pair as this agent sees it (local, remote); for a relayed pair, the TURN 5-tuple that carries it.</summary>
    public IPEndPoint? Local { get; init; }
    public IPEndPoint? Remote { get; init; }
    public CapturedRelay? Relay { get; init; }
    /// <summary>When the agent had its selected pair (the nomination's answer, as the agent saw it).</summary>
    public DateTime? SelectedAt { get; init; }
    /// <summary>Data (non-STUN datagrams, or ChannelData / Send data on a relayed pair) the agent sent and received on the selected pair.</summary>
    public required IReadOnlyList<(FrameRef Frame, DateTime Time, bool Sent)> Data { get; init; }
    /// <summary>Its checks on the selected pair after selection: consent checks (RFC 7675 §5.1).</summary>
    public required IReadOnlyList<EvidenceTransaction> Consent { get; init; }
    /// <summary>Everything the agent sent on the selected pair after selection (checks, answers, indications, data): keepalive evidence (RFC 8445 §11).</summary>
    public required IReadOnlyList<(FrameRef Frame, DateTime Time)> SentOnPair { get; init; }
    /// <summary>Captures the agent's messages are judged in: its home captures, else every capture.</summary>
    public required IReadOnlySet<string> Vantage { get; init; }

    /// <summary>When the generation that replaced it (an ICE restart, RFC 8445 §9) started; <see cref="DateTime.MaxValue"/> when none did.</summary>
    public DateTime Until { get; init; } = DateTime.MaxValue;
    /// <summary>The ufrag of the generation this one replaced, or null.</summary>
    public string? Previous { get; init; }

    public SessionEvidence Evidence { get; private init; } = null!;

    /// <summary>The first transmission of a transaction as the given agent's vantage saw it.</summary>
    public Sighting SentSighting(EvidenceTransaction t) => t.Requests.FirstOrDefault(r => Vantage.Contains(r.Capture)) ?? t.Request;

    /// <summary>Transmissions of a request in the capture of its first sighting (retransmissions: RFC 8489 §6.2.1).</summary>
    public static int Transmissions(EvidenceTransaction t, string capture) => t.Requests.Count(r => r.Capture == capture);

    /// <summary>The answer as the checking agent saw it (its capture, else any).</summary>
    public static Sighting? Answer(SessionEvidence evidence, EvidenceTransaction t)
    {
        var home = t.SenderUfrag is { } u ? evidence.AgentByUfrag(u)?.HomeCaptures : null;
        if (home is null || home.Count == 0)
        {
            // Not a check, or a sender with no capture of its own: the requester's address tells its captures.
            home = t.Request.AtSender ? [t.Request.Capture] : null;
        }
        // An answer its sender's own capture does not hold never reached it.
        return home is null ? t.Responses.FirstOrDefault() : t.Responses.FirstOrDefault(r => home.Contains(r.Capture));
    }

    public static bool Succeeded(SessionEvidence evidence, EvidenceTransaction t) => Answer(evidence, t)?.Stun?.Class == StunClass.Success;

    /// <summary>
    /// When gathering ended: the last answer of its transactions, or for one never answered when the agent gave up on it —
    /// at the earliest one RTO after its last transmission (RFC 8489 §6.2.1: the RTO doubles with each retransmission, so
    /// twice the last interval; 500 ms after a single transmission, RFC 8445 §14.3's minimum) — and the frame that marks it.
    /// </summary>
    public (DateTime End, FrameRef Frame) GatheringEnd(SessionEvidence evidence) =>
        Gathering.Select(g =>
        {
            if (Answer(evidence, g) is { } answer) return (answer.Time, answer.Ref);
            var sent = g.Requests.Where(r => r.Capture == g.Request.Capture).ToList();
            var wait = sent.Count >= 2 ? 2 * (sent[^1].Time - sent[^2].Time) : TimeSpan.FromMilliseconds(500);
            return (sent[^1].Time + wait, sent[^1].Ref);
        }).MaxBy(x => x.Item1);

    public DateTime? FirstCheckAt => Checks.Count > 0 ? SentSighting(Checks[0]).Time : null;

    public IReadOnlyList<Phase> Phases()
    {
        var e = Evidence;
        Phase Of(string name, Sighting? start, Sighting? end) =>
            new(name, start is null ? null : e.Ms(start.Time), end is null ? null : e.Ms(end.Time), start?.Ref, end?.Ref);
        var phases = new List<Phase>();
        if (Gathering.Count > 0)
        {
            var start = SentSighting(Gathering[0]);
            var (end, frame) = GatheringEnd(e);
            phases.Add(new Phase("gathering", e.Ms(start.Time), e.Ms(end), start.Ref, frame));
        }
        phases.Add(Checks.Count > 0 ? Of("first check", SentSighting(Checks[0]), Answer(e, Checks[0])) : new Phase("first check", null, null, null, null));
        phases.Add(FirstSuccess is { } s ? Of("first success", SentSighting(s), Answer(e, s)) : new Phase("first success", null, null, null, null));
        if (Nomination is { } n)
            phases.Add(Role == "controlling" ? Of("nomination", SentSighting(n), Answer(e, n))
                : Of("nomination", n.Requests.FirstOrDefault(r => Vantage.Contains(r.Capture)) ?? n.Request, n.Responses.FirstOrDefault(r => Vantage.Contains(r.Capture)) ?? n.Responses.FirstOrDefault()));
        else phases.Add(new Phase("nomination", null, null, null, null));
        // First data: the first datagram on the selected pair either way, to the first one the other way (data both ways).
        var first = Data.FirstOrDefault();
        var back = first.Frame is null ? default : Data.FirstOrDefault(d => d.Sent != first.Sent);
        phases.Add(new Phase("first data", first.Frame is null ? null : e.Ms(first.Time), back.Frame is null ? null : e.Ms(back.Time), first.Frame, back.Frame));
        phases.Add(Consent.Count > 0 ? Of("consent", SentSighting(Consent[0]), Answer(e, Consent[0])) : new Phase("consent", null, null, null, null));
        return phases;
    }

    /// <summary>Every agent's timeline, ordered by its first check.</summary>
    public static IReadOnlyList<AgentTimeline> All(SessionEvidence evidence)
    {
        var checks = evidence.Transactions.Values.Where(t => t.IsIceCheck).OrderBy(t => t.Request.Time).ToList();
        // ChannelData and Send/Data indications that carried a STUN message: not data.
        var carriers = evidence.Sightings.Where(s => s.Captured.Relay is not null).Select(s => (s.Capture, s.Captured.Frame)).ToHashSet();
        // When each agent (generation) became active: its first check sent or received.
        var starts = evidence.Agents.ToDictionary(a => a.Ufrag, a => checks.Where(t => t.SenderUfrag == a.Ufrag || t.ReceiverUfrag == a.Ufrag)
            .Select(t => t.Request.Time).DefaultIfEmpty(DateTime.MaxValue).Min(), StringComparer.Ordinal);
        var previous = evidence.Agents.ToDictionary(a => a.Ufrag, a => PreviousGeneration(evidence, a, starts), StringComparer.Ordinal);
        return [.. evidence.Agents.Select(a =>
            {
                // Its window: from its start (after the generation it replaced) to the start of the generation that replaced it.
                var next = evidence.Agents.Where(n => previous[n.Ufrag] == a).Select(n => starts[n.Ufrag]).DefaultIfEmpty(DateTime.MaxValue).Min();
                // A new generation's gathering comes after the last answer the old one got (e.g. a TURN re-allocation once the relay was lost).
                var from = previous[a.Ufrag] is { } p
                    ? checks.Where(t => t.SenderUfrag == p.Ufrag).Select(t => Answer(evidence, t)?.Time ?? starts[p.Ufrag]).DefaultIfEmpty(starts[p.Ufrag]).Max()
                    : DateTime.MinValue;
                return Build(evidence, a, checks, carriers, starts[a.Ufrag], next, from, previous[a.Ufrag]?.Ufrag);
            }).OrderBy(t => t.FirstCheckAt ?? DateTime.MaxValue)];
    }

    /// <summary>
    /// RFC 8445 §9: an ICE restart is the same agent checking with a new ufrag ("the agent MUST change both the password
    /// and the username fragment for the data stream being restarted"). The same agent: the same role (§9 keeps
    /// roles), started earlier, and the same sockets on its own host — or, when no socket matches, the same home captures
    /// when no agent of the other role shares them (a capture of one host with both agents on it, e.g. loopback, tells
    /// nothing by itself). The latest such agent is the generation this one replaced.
    /// </summary>
    public static IceAgentEvidence? PreviousGeneration(SessionEvidence evidence, IceAgentEvidence agent, IReadOnlyDictionary<string, DateTime> starts) =>
        evidence.Agents.Where(old => old != agent && old.Role == agent.Role && starts[old.Ufrag] < starts[agent.Ufrag]
                && (old.HostAddresses.Overlaps(agent.HostAddresses)
                    || old.HomeCaptures.Count > 0 && old.HomeCaptures.SetEquals(agent.HomeCaptures)
                        && !evidence.Agents.Any(o => o.Role != old.Role && o.HomeCaptures.SetEquals(old.HomeCaptures))))
            .MaxBy(old => starts[old.Ufrag]);

    private static AgentTimeline Build(SessionEvidence evidence, IceAgentEvidence agent, List<EvidenceTransaction> allChecks,
        HashSet<(string, int)> carriers, DateTime start, DateTime until, DateTime gatheringFrom, string? previous)
    {
        var vantage = agent.HomeCaptures.Count > 0 ? agent.HomeCaptures : evidence.Captures.Select(c => c.Label).ToHashSet();
        Sighting Sent(EvidenceTransaction t) => t.Requests.FirstOrDefault(r => vantage.Contains(r.Capture)) ?? t.Request;
        var mine = allChecks.Where(t => t.SenderUfrag == agent.Ufrag).OrderBy(t => Sent(t).Time).ToList();
        var received = allChecks.Where(t => t.ReceiverUfrag == agent.Ufrag).ToList();
        // Its sockets: where its checks left from, on its own host (a relayed check: the TURN client's address).
        var sockets = mine.SelectMany(t => t.Requests).Where(r => vantage.Contains(r.Capture))
            .Select(r => r.Captured.Relay?.Client ?? r.Source).ToHashSet();
        var firstCheck = mine.Count > 0 ? Sent(mine[0]).Time : DateTime.MaxValue;
        // Its gathering: Binding and Allocate transactions from its sockets before its first check (a new generation's:
        // after the previous generation started, e.g. a TURN re-allocation before the restart).
        var gathering = evidence.Transactions.Values
            .Where(t => !t.IsIceCheck && t.Request.Captured.Relay is null && t.Request.Stun is { } s
                && (s.Method == StunMethods.Binding || s.Method == TurnMethods.Allocate)
                && sockets.Contains(t.Request.Source) && t.Request.Time < firstCheck && t.Request.Time > gatheringFrom)
            .OrderBy(t => t.Request.Time).ToList();
        var firstSuccess = mine.FirstOrDefault(t => Succeeded(evidence, t));

        EvidenceTransaction? nomination;
        IPEndPoint? local = null, remote = null;
        CapturedRelay? relay = null;
        DateTime? selectedAt = null;
        if (agent.Role == "controlling")
        {
            nomination = mine.Where(t => t.Request.Stun!.UseCandidate && Succeeded(evidence, t)).MinBy(t => Answer(evidence, t)!.Time);
            if (nomination is not null)
            {
                var sent = Sent(nomination);
                (local, remote, relay, selectedAt) = (sent.Source, sent.Destination, sent.Captured.Relay, Answer(evidence, nomination)!.Time);
            }
        }
        else
        {
            // RFC 8445 §7.3.1.5: the controlled agent's pair is nominated when it answers a USE-CANDIDATE check with
            // success, and selected once that pair is valid — its own check on it succeeded (before or after).
            var candidates = received.Where(t => t.Request.Stun!.UseCandidate && t.Responses.Any(r => r.Stun?.Class == StunClass.Success))
                .OrderBy(t => t.Responses.First(r => r.Stun?.Class == StunClass.Success).Time).ToList();
            nomination = candidates.FirstOrDefault();
            foreach (var candidate in candidates)
            {
                var arrived = candidate.Requests.FirstOrDefault(r => vantage.Contains(r.Capture) && !r.AtSender)
                    ?? candidate.Requests.FirstOrDefault(r => vantage.Contains(r.Capture)) ?? candidate.Request;
                var answer = candidate.Responses.FirstOrDefault(r => r.Capture == arrived.Capture && r.Stun?.Class == StunClass.Success)
                    ?? candidate.Responses.First(r => r.Stun?.Class == StunClass.Success);
                var valid = mine.Where(t => Sent(t).Source.Equals(arrived.Destination) && Sent(t).Destination.Equals(arrived.Source) && Succeeded(evidence, t))
                    .Select(t => Answer(evidence, t)!.Time).DefaultIfEmpty(DateTime.MaxValue).Min();
                if (valid == DateTime.MaxValue) continue;
                nomination = candidate;
                (local, remote, relay) = (arrived.Destination, arrived.Source, arrived.Captured.Relay);
                selectedAt = valid > answer.Time ? valid : answer.Time;
                break;
            }
        }

        var data = new List<(FrameRef, DateTime, bool)>();
        var consent = new List<EvidenceTransaction>();
        var sentOnPair = new List<(FrameRef, DateTime)>();
        if (local is not null && remote is not null)
        {
            bool Out(IPEndPoint s, IPEndPoint d) => s.Equals(local) && d.Equals(remote);
            bool In(IPEndPoint s, IPEndPoint d) => s.Equals(remote) && d.Equals(local);
            bool OutRelay(Sighting s) => relay is not null && s.Source.Equals(relay.Client) && s.Destination.Equals(relay.Server);
            bool InRelay(Sighting s) => relay is not null && s.Source.Equals(relay.Server) && s.Destination.Equals(relay.Client);
            bool Inside(DateTime time) => time >= start && time < until;
            foreach (var d in evidence.Data.Where(d => vantage.Contains(d.Capture) && Inside(d.Time)))
            {
                if (Out(d.Datagram.Source, d.Datagram.Destination)) data.Add((d.Ref, d.Time, true));
                else if (In(d.Datagram.Source, d.Datagram.Destination)) data.Add((d.Ref, d.Time, false));
            }
            foreach (var s in evidence.Sightings.Where(s => vantage.Contains(s.Capture) && Inside(s.Time)))
            {
                if (s.Captured.Relay is not null)
                {
                    // A relayed check or answer: the carried message is on the relayed 5-tuple (its carrier is not data).
                    if (s.Time >= selectedAt && Out(s.Source, s.Destination)) sentOnPair.Add((s.Ref, s.Time));
                    continue;
                }
                var isData = relay is not null && !carriers.Contains((s.Capture, s.Captured.Frame))
                    && (s.Captured.Kind == CapturedKind.ChannelData
                        || s.Stun is { Class: StunClass.Indication, DataLength: > 0 } ind && (ind.Method == TurnMethods.Send || ind.Method == TurnMethods.Data));
                if (isData && OutRelay(s)) data.Add((s.Ref, s.Time, true));
                else if (isData && InRelay(s)) data.Add((s.Ref, s.Time, false));
                else if (relay is null && s.Time >= selectedAt && Out(s.Source, s.Destination)) sentOnPair.Add((s.Ref, s.Time));
            }
            foreach (var d in data.Where(d => d.Item3 && d.Item2 >= selectedAt)) sentOnPair.Add((d.Item1, d.Item2));
            consent.AddRange(mine.Where(t => t != nomination && Sent(t).Time > selectedAt && Out(Sent(t).Source, Sent(t).Destination)));
        }
        data.Sort((a, b) => a.Item2.CompareTo(b.Item2));
        sentOnPair.Sort((a, b) => a.Item2.CompareTo(b.Item2));
        return new AgentTimeline
        {
            Evidence = evidence,
            Ufrag = agent.Ufrag, Role = agent.Role, Checks = mine, Received = received, Gathering = gathering,
            FirstSuccess = firstSuccess, Nomination = nomination, Local = local, Remote = remote, Relay = relay, SelectedAt = selectedAt,
            Data = data, Consent = consent, SentOnPair = sentOnPair, Vantage = vantage, Until = until, Previous = previous,
        };
    }
}
