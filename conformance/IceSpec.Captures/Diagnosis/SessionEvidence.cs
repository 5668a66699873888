using System.Net;
using IceSpec.Captures.Analysis;
using IceSpec.Captures.Credentials;
using IceSpec.Stun;

namespace IceSpec.Captures.Diagnosis;

/// <summary>A capture to diagnose: its label in frame references (<c>label#frame</c>) and its path.</summary>
public sealed record DiagnosisInput(string Label, string Path);

/// <summary>
/// Everything <c>icespec diagnose</c> reasons from, read once from one or more captures of the same session:
/// every sighting of every STUN/ChannelData message (<see cref="Sightings"/>), the transactions they form across captures
/// (<see cref="Transactions"/>), the ICE agents by ufrag, the non-STUN datagrams (application data), each capture's
/// streaming analysis (<see cref="CaptureEvidence.Analysis"/>: ICE sessions, TURN allocations, violations), and the
/// credentials.
/// <para>
/// Vantage points: a message captured on the host that sent it still has its initial IP TTL (64, 128 or 255,
/// <see cref="CapturedMessage.AtSender"/>); a capture in which an agent's checks have that TTL is the agent's home
/// capture, so a check that its receiver's home capture does not hold never arrived. A capture on a router sees each
/// forwarded datagram twice (in and out, TTL one lower): the second copy is dropped. Clocks: the captures' clocks are
/// aligned on the first's with the transaction IDs seen in both, as NTP does it — with d₁ the smallest delay one way and
/// d₂ the other way, the offset is (d₁ − d₂)/2 — when that offset exceeds <see cref="AlignThreshold"/> (captures of one
/// machine share its clock).
/// </para>
/// </summary>
public sealed class SessionEvidence
{
    /// <summary>At most this many messages are kept per capture (a diagnosis is of a session, not of a day of traffic).</summary>
    public const int MaxMessagesPerCapture = 200_000;
    public static readonly TimeSpan AlignThreshold = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan RoutedCopyWindow = TimeSpan.FromMilliseconds(2);

    private readonly Dictionary<string, IceAgentEvidence> _agents = new(StringComparer.Ordinal);

    public IReadOnlyList<CaptureEvidence> Captures { get; }
    public IReadOnlyList<Sighting> Sightings { get; }
    public IReadOnlyList<DataSighting> Data { get; }
    /// <summary>ICMP errors about UDP datagrams (destination unreachable, packet too big), on the diagnosis clock.</summary>
    public IReadOnlyList<UnreachableSighting> Unreachables { get; private init; } = [];
    public IReadOnlyDictionary<TransactionKey, EvidenceTransaction> Transactions { get; }
    public IReadOnlyCollection<IceAgentEvidence> Agents => _agents.Values;
    public CaptureCredentials Credentials { get; }
    /// <summary>The agents as signalling showed them (<c>--signalling</c>: SDPs, adapter logs); empty when none was given.</summary>
    public IReadOnlyList<SignalledAgent> Signalling { get; private init; } = [];
    public DateTime Epoch { get; }
    /// <summary>What the reader skipped or cut, for the report.</summary>
    public IReadOnlyList<string> Notes { get; }

    private SessionEvidence(IReadOnlyList<CaptureEvidence> captures, List<Sighting> sightings, List<DataSighting> data,
        CaptureCredentials credentials, List<string> notes)
    {
        Captures = captures;
        Sightings = sightings;
        Data = data;
        Credentials = credentials;
        Notes = notes;
        Epoch = sightings.Count > 0 ? sightings[0].Time : data.Count > 0 ? data[0].Time : DateTime.UnixEpoch;
        var transactions = new Dictionary<TransactionKey, EvidenceTransaction>();
        foreach (var sighting in sightings)
        {
            if (sighting.Stun is not { } stun || !(stun.IsRequest || stun.IsResponse)) continue;
            if (!transactions.TryGetValue(stun.TransactionId, out var transaction))
                transactions[stun.TransactionId] = transaction = new EvidenceTransaction(stun.TransactionId);
            (stun.IsRequest ? transaction.Requests : transaction.Responses).Add(sighting);
        }
        // A response whose request no capture holds tells nothing about a pair.
        Transactions = transactions.Where(t => t.Value.Requests.Count > 0).ToDictionary();
        foreach (var sighting in sightings.Where(s => s.Stun is { IsIceCheck: true }))
        {
            if (EvidenceTransaction.Ufrags(sighting.Stun!.Username!) is not { } ufrags) continue;
            var agent = Agent(ufrags.Sender);
            agent.SentFrom.Add(sighting.Source);
            if (sighting.AtSender) { agent.HostAddresses.Add(sighting.Source); agent.HomeCaptures.Add(sighting.Capture); }
            var role = sighting.Stun.IceControlling is not null ? "controlling" : "controlled";
            if (agent.Roles.Count == 0 || agent.Roles[^1] != role) agent.Roles.Add(role);
        }
    }

    private IceAgentEvidence Agent(string ufrag)
    {
        if (!_agents.TryGetValue(ufrag, out var agent)) _agents[ufrag] = agent = new IceAgentEvidence(ufrag);
        return agent;
    }

    public IceAgentEvidence? AgentByUfrag(string ufrag) => _agents.GetValueOrDefault(ufrag);

    private Dictionary<FrameRef, Sighting>? _byFrame;

    /// <summary>The (first) message a frame holds, or null when the frame holds none that was kept.</summary>
    public Sighting? SightingAt(FrameRef frame)
    {
        if (_byFrame is null)
        {
            _byFrame = [];
            foreach (var sighting in Sightings) _byFrame.TryAdd(sighting.Ref, sighting);
        }
        return _byFrame.GetValueOrDefault(frame);
    }

    /// <summary>
    /// The addresses the captures' mDNS answers gave <paramref name="name"/> (RFC 6762; a goodbye, TTL 0, gives none):
    /// what a signalled <c>.local</c> candidate resolved to (draft-ietf-mmusic-mdns-ice-candidates §3.2.1).
    /// </summary>
    public IReadOnlyList<IPAddress> MdnsAddresses(string name) =>
        [.. Captures.SelectMany(c => c.Analysis.Mdns.Names).Where(n => string.Equals(n.Name, name, StringComparison.OrdinalIgnoreCase))
            .SelectMany(n => n.Answers).Where(a => !a.Goodbye).Select(a => IPAddress.Parse(a.Address)).Distinct()];

    /// <summary>Milliseconds from the diagnosis epoch (the first message seen).</summary>
    public double Ms(DateTime time) => Math.Round((time - Epoch).TotalMilliseconds, 3);

    /// <summary>Whether a capture was taken on the host of the agent with this ufrag.</summary>
    public bool IsHome(string capture, string ufrag) => _agents.TryGetValue(ufrag, out var agent) && agent.HomeCaptures.Contains(capture);

    /// <summary>Captures taken on no agent's host (a router, the public network): they see what crossed them.</summary>
    public IEnumerable<string> TransitCaptures =>
        Captures.Select(c => c.Label).Where(label => !_agents.Values.Any(a => a.HomeCaptures.Contains(label)));

    /// <summary>"frame 12" for a single capture, "controlling#12" for several.</summary>
    public string Describe(FrameRef frame) => Captures.Count == 1 ? $"frame {frame.Frame}" : frame.ToString();

    /// <summary>
    /// As <see cref="Read(IReadOnlyList{DiagnosisInput}, CaptureCredentials)"/>, with what signalling gave each agent: the
    /// passwords it carries verify integrity too (for ufrags <paramref name="credentials"/> has no password for; the
    /// agents' own word first).
    /// </summary>
    public static SessionEvidence Read(IReadOnlyList<DiagnosisInput> inputs, CaptureCredentials credentials, IReadOnlyList<SignalledAgent> signalling)
    {
        var known = new CaptureCredentials();
        foreach (var (ufrag, password) in credentials.IcePasswords) known.TryAddIce($"{ufrag}:{password}", out _);
        foreach (var user in credentials.TurnUsers) known.TryAddTurnUser($"{user.Username}:{user.Realm}:{user.Password}", out _);
        SignallingReader.AddPasswords(known, signalling);
        return new SessionEvidence(Read(inputs, known)) { Signalling = signalling };
    }

    private SessionEvidence(SessionEvidence read)
    {
        (Captures, Sightings, Data, Transactions, Credentials, Notes, Epoch) = (read.Captures, read.Sightings, read.Data, read.Transactions, read.Credentials, read.Notes, read.Epoch);
        Unreachables = read.Unreachables;
        _agents = read._agents;
    }

    /// <summary>Reads the captures (their labels must differ), checks integrity with <paramref name="credentials"/>, merges them.</summary>
    public static SessionEvidence Read(IReadOnlyList<DiagnosisInput> inputs, CaptureCredentials credentials)
    {
        var notes = new List<string>();
        var perCapture = new List<(DiagnosisInput Input, List<Sighting> Sightings, List<DataSighting> Data, List<UnreachableSighting> Unreachables, int Frames, string? Error, AnalysisReport Analysis)>();
        foreach (var input in inputs)
        {
            var keys = new MessageKeys(credentials);
            var analyzer = new CaptureAnalyzer(credentials);
            var sightings = new List<Sighting>();
            var data = new List<DataSighting>();
            var unreachables = new List<UnreachableSighting>();
            var cut = false;
            var (frames, error) = CaptureFile.Stream(input.Path, message =>
            {
                analyzer.Add(message);
                if (sightings.Count >= MaxMessagesPerCapture) { cut = true; return; }
                if (IsRoutedCopy(sightings, message)) return;
                sightings.Add(new Sighting { Capture = input.Label, Captured = message, Stun = Read(message, keys), Time = message.Time });
            }, note => notes.Add($"{input.Label}: {note}"), datagram =>
            {
                if (data.Count < MaxMessagesPerCapture) data.Add(new DataSighting(input.Label, datagram, datagram.Time));
            }, error =>
            {
                if (unreachables.Count < MaxMessagesPerCapture) unreachables.Add(new UnreachableSighting(input.Label, error, error.Time));
            }, analyzer.AddMdns);
            if (cut) notes.Add($"{input.Label}: only the first {MaxMessagesPerCapture} messages are diagnosed");
            if (error is not null) notes.Add(error);
            perCapture.Add((input, sightings, data, unreachables, frames, error, analyzer.Finish(frames)));
        }

        var offsets = perCapture.Select(c => Offset(perCapture[0].Sightings, c.Sightings)).ToList();
        var captures = perCapture.Select((c, i) => new CaptureEvidence(c.Input.Label, c.Input.Path, c.Frames, c.Error, offsets[i], c.Analysis)).ToList();
        var all = perCapture.SelectMany((c, i) => c.Sightings.Select(s => offsets[i] == TimeSpan.Zero ? s
                : new Sighting { Capture = s.Capture, Captured = s.Captured, Stun = s.Stun, Time = s.Time - offsets[i] }))
            .OrderBy(s => s.Time).ThenBy(s => s.Capture, StringComparer.Ordinal).ThenBy(s => s.Captured.Frame).ToList();
        var datagrams = perCapture.SelectMany((c, i) => c.Data.Select(d => d with { Time = d.Time - offsets[i] })).OrderBy(d => d.Time).ToList();
        var unreachable = perCapture.SelectMany((c, i) => c.Unreachables.Select(u => u with { Time = u.Time - offsets[i] })).OrderBy(u => u.Time).ToList();
        for (var i = 1; i < offsets.Count; i++)
            if (offsets[i] != TimeSpan.Zero) notes.Add($"{captures[i].Label}: clock {offsets[i].TotalMilliseconds:0.###} ms ahead of {captures[0].Label}'s (aligned by transaction IDs)");
        return new SessionEvidence(captures, all, datagrams, credentials, notes) { Unreachables = unreachable };
    }

    /// <summary>How long after a datagram an ICMP error about it is taken to be its answer.</summary>
    public static readonly TimeSpan UnreachableWindow = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The ICMP error (in the same capture, within <see cref="UnreachableWindow"/>) that answered a datagram sent from
    /// <paramref name="source"/> to <paramref name="destination"/> at <paramref name="time"/>, or null.
    /// </summary>
    public UnreachableSighting? UnreachableAfter(string capture, IPEndPoint source, IPEndPoint destination, DateTime time) =>
        Unreachables.FirstOrDefault(u => u.Capture == capture && u.Time >= time && u.Time - time <= UnreachableWindow
            && u.Error.Source.Equals(source) && u.Error.Destination.Equals(destination));

    /// <summary>The STUN fields of a message, its integrity checked (RFC 8489 §9.1.3) with the key the credentials give.</summary>
    private static StunEvent? Read(CapturedMessage message, MessageKeys keys)
    {
        if (message.Kind != CapturedKind.Stun || StunMessage.TryParse(message.Bytes, out var parsed) != StunParseStatus.Ok) return null;
        var stun = StunEvent.Read(message, parsed);
        stun.Integrity = StunEvent.CheckIntegrity(parsed, keys.Resolve(parsed)?.Key);
        return stun;
    }

    /// <summary>A router's capture holds a forwarded datagram twice, a few microseconds apart, the second with a lower TTL.</summary>
    private static bool IsRoutedCopy(List<Sighting> sightings, CapturedMessage message)
    {
        for (var i = sightings.Count - 1; i >= 0 && message.Time - sightings[i].Time <= RoutedCopyWindow; i--)
        {
            var earlier = sightings[i].Captured;
            if (earlier.Ttl != message.Ttl && earlier.Relay is null == message.Relay is null && earlier.Source.Equals(message.Source)
                && earlier.Destination.Equals(message.Destination) && earlier.Bytes.AsSpan().SequenceEqual(message.Bytes))
                return true;
        }
        return false;
    }

    /// <summary>
    /// How far <paramref name="other"/>'s clock is ahead of <paramref name="first"/>'s: from the messages both hold, d₁ the
    /// smallest (other − first) of those sent from the first's host, d₂ the smallest (first − other) of those sent from the
    /// other's; (d₁ − d₂)/2, or zero when one direction is missing or the offset is below <see cref="AlignThreshold"/>.
    /// </summary>
    private static TimeSpan Offset(List<Sighting> first, List<Sighting> other)
    {
        if (ReferenceEquals(first, other)) return TimeSpan.Zero;
        var firstSeen = new Dictionary<(TransactionKey, StunClass), Sighting>();
        foreach (var s in first)
            if (s.Stun is { } stun) firstSeen.TryAdd((stun.TransactionId, stun.Class), s);
        TimeSpan? forward = null, backward = null;
        // The first sighting of each message in both captures: a retransmission (same transaction ID) paired with the
        // other capture's first copy would make the delay negative by the retransmission interval.
        var otherSeen = new HashSet<(TransactionKey, StunClass)>();
        foreach (var s in other)
        {
            if (s.Stun is not { } stun || !otherSeen.Add((stun.TransactionId, stun.Class))
                || !firstSeen.TryGetValue((stun.TransactionId, stun.Class), out var mine)) continue;
            if (mine.AtSender && !s.AtSender && (forward is null || s.Time - mine.Time < forward)) forward = s.Time - mine.Time;
            if (s.AtSender && !mine.AtSender && (backward is null || mine.Time - s.Time < backward)) backward = mine.Time - s.Time;
        }
        if (forward is null || backward is null) return TimeSpan.Zero;
        var offset = (forward.Value - backward.Value) / 2;
        return offset.Duration() > AlignThreshold ? offset : TimeSpan.Zero;
    }
}
