using System.Net;
using IceSpec.Captures.Diagnosis;
using IceSpec.Captures.Mdns;

namespace IceSpec.Captures.Analysis;

/// <summary>
/// Ties the mDNS traffic of a capture to the ICE candidates it resolves (draft-ietf-mmusic-mdns-ice-candidates §3.2: an
/// agent resolves a peer's ".local" host candidate with mDNS, RFC 6762, before pairing it). Each name asked for (A, AAAA
/// or ANY question) or answered (A/AAAA record of a response, answer or additional section): who asked (frame, QU bit),
/// who answered with which address (frame, delay since the query it answers, TTL, goodbye); at the end the candidates
/// and pairs of the capture's ICE checks that use each resolved address, and, given the signalling, the signalled
/// candidates that carry each name (the name and port of an <c>a=candidate</c> line: an exact tie).
/// </summary>
public sealed class MdnsTracker(DateTime epoch)
{
    private sealed class Name(string text)
    {
        public string Text { get; } = text;
        public List<(MdnsQueryReport Report, DateTime Time, IPEndPoint From, ushort Type)> Queries { get; } = [];
        public List<MdnsAnswerReport> Answers { get; } = [];
    }

    private readonly Dictionary<string, Name> _names = new(StringComparer.OrdinalIgnoreCase);
    private int _messages, _malformed;

    private double Ms(DateTime time) => Math.Round((time - epoch).TotalMilliseconds, 3);

    public void Add(CapturedMdns mdns)
    {
        _messages++;
        if (mdns.Message is not { } message)
        {
            _malformed++;
            return;
        }
        if (!message.IsResponse)
        {
            foreach (var q in message.Questions.Where(q => q.Type is MdnsMessage.TypeA or MdnsMessage.TypeAaaa or MdnsMessage.TypeAny))
                if (NameFor(q.Name) is { } name && name.Queries.Count < AnalysisLimits.MdnsEventsPerName)
                    name.Queries.Add((new MdnsQueryReport(mdns.Frame, Ms(mdns.Time), mdns.Source.ToString(), mdns.Destination.ToString(), q.TypeName, q.UnicastResponse),
                        mdns.Time, mdns.Source, q.Type));
            return;
        }
        // RFC 6762 §6: answers in the answer section, related records (the other address family) in the additional
        // section; the authority section of a query holds a prober's proposed records (§8.2), not answers.
        foreach (var r in message.Records.Where(r => r.Section != MdnsSection.Authority && r.Address is not null))
        {
            if (NameFor(r.Name) is not { } name || name.Answers.Count >= AnalysisLimits.MdnsEventsPerName) continue;
            var query = Answered(name, r.Type, mdns);
            name.Answers.Add(new MdnsAnswerReport(mdns.Frame, Ms(mdns.Time), mdns.Source.ToString(), mdns.Destination.ToString(),
                r.Address!.ToString(), r.TypeName, r.Ttl, r.CacheFlush, r.IsGoodbye, query?.Report.Frame,
                query is { } q ? Math.Round((mdns.Time - q.Time).TotalMilliseconds, 3) : null));
        }
    }

    /// <summary>
    /// The query a record answers: the latest one for its name before it whose type the record fits (A, AAAA, or ANY);
    /// a unicast reply (RFC 6762 §6.7) answers the querier it is sent to.
    /// </summary>
    private static (MdnsQueryReport Report, DateTime Time, IPEndPoint From, ushort Type)? Answered(Name name, ushort type, CapturedMdns answer)
    {
        for (var i = name.Queries.Count - 1; i >= 0; i--)
        {
            var q = name.Queries[i];
            if (q.Time > answer.Time || (q.Type != type && q.Type != MdnsMessage.TypeAny)) continue;
            if (!answer.Multicast && !q.From.Equals(answer.Destination)) continue;
            return q;
        }
        return null;
    }

    private Name? NameFor(string text)
    {
        if (_names.TryGetValue(text, out var name)) return name;
        if (_names.Count >= AnalysisLimits.MdnsNames) return null;
        return _names[text] = new Name(text);
    }

    /// <summary>The report, with each name's address tied to the pairs of <paramref name="sessions"/> and to the <paramref name="signalled"/> candidates.</summary>
    public MdnsSummary Finish(IReadOnlyList<IceSessionReport> sessions, IReadOnlyList<SignalledAgent> signalled)
    {
        var names = _names.Values.Select(n => new MdnsNameReport(n.Text, [.. n.Queries.Select(q => q.Report)], n.Answers,
            [.. Signalled(n, signalled, sessions), .. Paired(n, sessions)])).ToList();
        return new MdnsSummary(_messages, _malformed, names);
    }

    /// <summary>The first answer that gave <paramref name="address"/> for the name (not a goodbye).</summary>
    private static MdnsAnswerReport? Resolution(Name name, IPAddress address) =>
        name.Answers.FirstOrDefault(a => !a.Goodbye && IPAddress.Parse(a.Address).Equals(address));

    /// <summary>Pairs whose remote (the checker's peer) or local address is one the name resolved to.</summary>
    private static IEnumerable<MdnsCandidateReport> Paired(Name name, IReadOnlyList<IceSessionReport> sessions)
    {
        var addresses = name.Answers.Where(a => !a.Goodbye).Select(a => IPAddress.Parse(a.Address)).Distinct().ToList();
        foreach (var pair in sessions.SelectMany(s => s.Pairs))
            foreach (var (end, use) in new[] { (pair.Remote, "remote"), (pair.Local, "local") })
                if (IPEndPoint.TryParse(end, out var endpoint) && addresses.FirstOrDefault(endpoint.Address.Equals) is { } address)
                {
                    var resolution = Resolution(name, address)!;
                    yield return new MdnsCandidateReport(end, use, pair.Agent, $"{pair.Local} → {pair.Remote}", pair.State,
                        resolution.Frame, resolution.DelayMs, null);
                }
    }

    /// <summary>Signalled candidates whose connection address is the name (RFC 8839 §5.1: an FQDN): the name and port tie them exactly.</summary>
    private static IEnumerable<MdnsCandidateReport> Signalled(Name name, IReadOnlyList<SignalledAgent> signalled, IReadOnlyList<IceSessionReport> sessions)
    {
        foreach (var agent in signalled)
            foreach (var candidate in agent.Candidates.Where(c => c.Candidate.Address.IsMdnsName &&
                         string.Equals(c.Candidate.Address.Text, name.Text, StringComparison.OrdinalIgnoreCase)))
            {
                var line = $"{candidate.Candidate.TypeToken} {name.Text} {candidate.Candidate.Port} of {agent.Ufrag} ({candidate.Origin})";
                var resolution = name.Answers.FirstOrDefault(a => !a.Goodbye);
                if (resolution is null)
                {
                    yield return new MdnsCandidateReport(null, "signalled", agent.Ufrag, null, null, null, null, line);
                    continue;
                }
                var endpoint = new IPEndPoint(IPAddress.Parse(resolution.Address), candidate.Candidate.Port).ToString();
                var pair = sessions.SelectMany(s => s.Pairs).Where(p => p.Remote == endpoint)
                    .OrderByDescending(p => p.State == "Succeeded").FirstOrDefault();
                yield return new MdnsCandidateReport(endpoint, "signalled", agent.Ufrag, pair is null ? null : $"{pair.Local} → {pair.Remote}",
                    pair?.State, resolution.Frame, resolution.DelayMs, line);
            }
    }
}

/// <summary>The mDNS of a capture: messages read (malformed among them) and every name asked for or answered.</summary>
public sealed record MdnsSummary(int Messages, int Malformed, IReadOnlyList<MdnsNameReport> Names)
{
    public static readonly MdnsSummary None = new(0, 0, []);
}

/// <summary>One name: its queries, the answers for it, and the ICE candidates that carry it or its addresses.</summary>
public sealed record MdnsNameReport(string Name, IReadOnlyList<MdnsQueryReport> Queries, IReadOnlyList<MdnsAnswerReport> Answers,
    IReadOnlyList<MdnsCandidateReport> Candidates)
{
    /// <summary>Some answer gave it an address (a goodbye, TTL 0, withdraws one: RFC 6762 §10.1).</summary>
    public bool Answered => Answers.Any(a => !a.Goodbye);
}

/// <summary>A question for the name: frame, time since the capture's first message, who asked (to where), type, QU bit (RFC 6762 §5.4).</summary>
public sealed record MdnsQueryReport(int Frame, double TimeMs, string From, string To, string Type, bool UnicastResponse);

/// <summary>An address record for the name; <see cref="QueryFrame"/> and <see cref="DelayMs"/>: the query it answers, when one was seen.</summary>
public sealed record MdnsAnswerReport(int Frame, double TimeMs, string From, string To, string Address, string Type, uint Ttl, bool CacheFlush,
    bool Goodbye, int? QueryFrame, double? DelayMs);

/// <summary>
/// A candidate tied to the name. <see cref="Use"/>: "remote" — a pair's remote address is one the name resolved to
/// (the checking agent resolved the peer's candidate); "local" — the name's owner checks from it; "signalled" — an
/// <c>a=candidate</c> line carries the name (<see cref="Signalled"/>; <see cref="Candidate"/> null when it was never resolved).
/// </summary>
public sealed record MdnsCandidateReport(string? Candidate, string Use, string Agent, string? Pair, string? PairState, int? ResolvedByFrame,
    double? DelayMs, string? Signalled);
