using System.Net;
using IceSpec.Captures.Analysis;
using IceSpec.Stun;

namespace IceSpec.Captures.Diagnosis.Rules;

/// <summary>
/// mDNS host candidates (draft-ietf-mmusic-mdns-ice-candidates §3.2.1: an agent resolves a peer's ".local" candidate
/// with mDNS, RFC 6762, and ignores the candidate when it does not resolve):
/// <list type="bullet">
/// <item><c>mdns-name-unanswered</c>: a name asked for in the captures and answered in none — the candidate behind it
/// was dropped; a cause when no check of the session succeeded, a note when the session connected another way.</item>
/// <item><c>mdns-answered-late</c>: a name (a unique record: RFC 6762 §6 answers it "within at most 10 ms") answered
/// more than <see cref="LateAfter"/> after the query, and no check ever went to the address it gave — the querier had
/// given up and dropped the candidate.</item>
/// </list>
/// With <c>--signalling</c> each name is tied to the agent and the <c>a=candidate</c> line that carried it.
/// </summary>
public sealed class MdnsFindings : IDiagnosisRule
{
    /// <summary>An answer this long after the query is late: RFC 6762 §5.2 retransmits a query after one second, and aioice gives up then.</summary>
    public static readonly TimeSpan LateAfter = TimeSpan.FromSeconds(1);

    public IEnumerable<Finding> Diagnose(SessionEvidence evidence)
    {
        var names = evidence.Captures.SelectMany(c => c.Analysis.Mdns.Names.Select(n => (Capture: c.Label, Name: n)))
            .GroupBy(n => n.Name.Name, StringComparer.OrdinalIgnoreCase).ToList();
        var connected = evidence.Transactions.Values.Any(t => t.IsIceCheck && t.Responses.Any(r => r.Stun!.Class == StunClass.Success));
        foreach (var name in names)
        {
            var queries = name.SelectMany(n => n.Name.Queries.Select(q => (n.Capture, Query: q))).ToList();
            if (queries.Count == 0) continue;
            var answers = name.SelectMany(n => n.Name.Answers.Where(a => !a.Goodbye).Select(a => (n.Capture, Answer: a))).ToList();
            if (answers.Count == 0) yield return Unanswered(evidence, name.Key, queries, connected);
            else if (Late(evidence, name.Key, queries, answers, connected) is { } late) yield return late;
        }
    }

    private static Finding Unanswered(SessionEvidence evidence, string name, List<(string Capture, MdnsQueryReport Query)> queries, bool connected)
    {
        var owner = Owner(evidence, name);
        var askers = queries.Select(q => q.Query.From).Distinct().ToList();
        var details = new List<string>
        {
            $"{queries.Count} quer{(queries.Count == 1 ? "y" : "ies")} for {name} ({string.Join(", ", queries.Select(q => q.Query.Type).Distinct())}) from {string.Join(", ", askers)}, " +
            $"the first {evidence.Describe(new FrameRef(queries[0].Capture, queries[0].Query.Frame))}; no answer in {(evidence.Captures.Count == 1 ? "the capture" : "any capture")}",
            owner is null ? "the signalling given does not carry this name (--signalling ties it to its agent)" : $"{owner}",
            connected ? "the session connected through other candidates" : "no check of the session succeeded",
        };
        return new Finding("mdns-name-unanswered", FindingCategory.Signalling, connected ? FindingSeverity.Note : FindingSeverity.Cause,
            $"{name} was asked for and never answered: the agent that asked dropped the candidate behind it (draft-ietf-mmusic-mdns-ice-candidates §3.2.1)",
            [.. queries.Select(q => new FrameRef(q.Capture, q.Query.Frame))], "draft-ietf-mmusic-mdns-ice-candidates §3.2.1",
            "mDNS reaches only the querier's link (RFC 6762 §3: 224.0.0.251 / ff02::fb, link-local): put both hosts on one L2 segment with " +
            "nothing filtering UDP 5353 and the name's owner registered and answering; across links, signal host candidates as IP addresses (mDNS off) or rely on srflx/relay candidates",
            details);
    }

    private static Finding? Late(SessionEvidence evidence, string name, List<(string Capture, MdnsQueryReport Query)> queries,
        List<(string Capture, MdnsAnswerReport Answer)> answers, bool connected)
    {
        var first = answers.MinBy(a => a.Answer.TimeMs);
        if (first.Answer.QueryFrame is null || first.Answer.DelayMs is not { } delay || delay < LateAfter.TotalMilliseconds) return null;
        var addresses = answers.Select(a => IPAddress.Parse(a.Answer.Address)).Distinct().ToList();
        if (evidence.Transactions.Values.Any(t => t.IsIceCheck && addresses.Contains(t.Request.Destination.Address))) return null;
        var query = queries.First(q => q.Capture == first.Capture && q.Query.Frame == first.Answer.QueryFrame);
        return new Finding("mdns-answered-late", FindingCategory.Signalling, connected ? FindingSeverity.Defect : FindingSeverity.Cause,
            $"{name} was answered {delay / 1000:0.###} s after the query, and no check ever went to {string.Join(", ", addresses)}: the agent had given up resolving it and dropped the candidate",
            [new FrameRef(query.Capture, query.Query.Frame), new FrameRef(first.Capture, first.Answer.Frame)], "RFC 6762 §6",
            $"the owner of {name} answers a query for its unique record within 10 ms (RFC 6762 §6); a resolver waits for it at least one query interval (RFC 6762 §5.2: 1 s)",
            [$"query {evidence.Describe(new FrameRef(query.Capture, query.Query.Frame))} from {query.Query.From}; answer {evidence.Describe(new FrameRef(first.Capture, first.Answer.Frame))} from {first.Answer.From}: {first.Answer.Address}, {delay:0.###} ms later",
             Owner(evidence, name) ?? "the signalling given does not carry this name (--signalling ties it to its agent)"]);
    }

    /// <summary>"the name is MdnC's candidate host NAME 41969 (controlling.sdp:3)", from the signalling; null without it.</summary>
    private static string? Owner(SessionEvidence evidence, string name)
    {
        var carried = evidence.Signalling.SelectMany(a => a.Candidates.Where(c => c.Candidate.Address.IsMdnsName &&
            string.Equals(c.Candidate.Address.Text, name, StringComparison.OrdinalIgnoreCase)).Select(c => (Agent: a, Candidate: c))).FirstOrDefault();
        return carried.Agent is null ? null
            : $"the name is {carried.Agent.Ufrag}'s candidate {carried.Candidate.Candidate.TypeToken} {name} {carried.Candidate.Candidate.Port} ({carried.Candidate.Origin})";
    }
}
