using IceSpec.Captures.Analysis;

namespace IceSpec.Cli.Analysis;

/// <summary><c>icespec analyze</c>'s text output: summary, transactions, ICE sessions, TURN allocations, violations, timeline.</summary>
public static class AnalysisText
{
    public static void Write(TextWriter o, string path, AnalysisReport r, bool timeline)
    {
        o.WriteLine($"{path}: {r.Frames} frames, {r.StunMessages} STUN, {r.ChannelDataMessages} ChannelData" +
                    (r.ClassicStunMessages > 0 ? $", {r.ClassicStunMessages} classic STUN (RFC 3489)" : ""));
        var integrity = r.Integrity;
        o.WriteLine($"integrity: {integrity.Verified} verified, {integrity.Failed} failed, {integrity.NoKey} with no key, {integrity.Absent} without MESSAGE-INTEGRITY");
        var t = r.Transactions;
        o.WriteLine();
        o.WriteLine($"transactions: {t.Count} ({t.Answered} answered, {t.Unanswered} unanswered, {t.Retransmitted} retransmitted)" +
                    (t.MedianRttMs is { } median ? $", median RTT {median} ms" : ""));
        foreach (var x in t.Listed)
            o.WriteLine($"  frame {x.RequestFrame,5}  {(x.Classic ? x.Method + " (3489)" : x.Method),-16} {x.Client} → {x.Server}  {Outcome(x)}" +
                        (x.Retransmissions > 0 ? $"  ({x.Retransmissions} retransmissions)" : ""));
        if (t.Listed.Count < t.Count) o.WriteLine($"  … {t.Count - t.Listed.Count} more");

        foreach (var (session, i) in r.IceSessions.Select((s, i) => (s, i + 1)))
        {
            o.WriteLine();
            o.WriteLine($"ICE session {i}: " + string.Join(" ↔ ", session.Agents.Select(a => $"{a.Ufrag} ({a.Role}, {string.Join(" ", a.Addresses)})")));
            foreach (var p in session.Pairs)
            {
                o.WriteLine($"  pair {p.Local} → {p.Remote}{(p.Transport == "tcp" ? " over TCP" : "")} by {p.Agent}: {p.State}, {p.Checks} checks, {p.Successes} ok, {p.Failures} failed" +
                            (p.Nominated ? $", nominated at frame {p.NominatedFrame}" : ""));
                foreach (var transition in p.Transitions) o.WriteLine($"    {transition}");
            }
            o.WriteLine($"  selected: {session.SelectedPair ?? "none"}");
            if (session.SelectedPair is not null)
                o.WriteLine($"  consent checks after selection: {session.ConsentChecksAfterSelection} ({session.ConsentResponsesAfterSelection} answered)");
            o.WriteLine($"  candidates seen: {string.Join(", ", session.CandidatesSeen)}");
        }

        foreach (var a in r.TurnAllocations)
        {
            o.WriteLine();
            o.WriteLine($"TURN allocation {a.Transport.ToUpperInvariant()} {a.Client} → {a.Server}" + (a.Username is null ? "" : $" user {a.Username}") +
                        $": {a.State}, relayed {a.Relayed ?? "-"}");
            o.WriteLine($"  authentication: {a.AuthenticationRounds} round(s) of 401, {a.AuthenticationState}; lifetimes granted [{string.Join(", ", a.LifetimesGranted)}] s; {a.Refreshes} refresh(es)");
            foreach (var p in a.Permissions) o.WriteLine($"  permission {p.Peer}: {p.State} ({p.Installs} install(s))");
            foreach (var c in a.Channels) o.WriteLine($"  channel {c.Channel} → {c.Peer}: {c.State}");
            var d = a.Data;
            o.WriteLine($"  data: ChannelData {d.ChannelDataToServer} to server, {d.ChannelDataFromServer} from server; {d.SendIndications} Send, {d.DataIndications} Data indications; {d.Bytes} bytes");
        }

        WriteMdns(o, r.Mdns);

        o.WriteLine();
        o.WriteLine(r.ViolationCount == 0 ? "violations: none"
            : $"violations: {r.ViolationCount}" + (r.ViolationCount > r.Violations.Count ? $" (the first {r.Violations.Count} listed)" : ""));
        foreach (var v in r.Violations)
        {
            o.WriteLine($"  frame {v.Frame}: {v.Name}{(v.Severity == "violation" ? "" : $" ({v.Severity})")}: {v.Detail}");
            o.WriteLine($"    {v.Section}: {(v.Text.Length == 0 ? "(the spec cites the section only)" : v.Text)}");
            o.WriteLine($"    [{v.Source}]");
        }

        if (!timeline) return;
        o.WriteLine();
        o.WriteLine("timeline:");
        foreach (var e in r.Timeline)
            o.WriteLine($"  {e.TimeMs,10:0.000} ms  frame {e.Frame,5}  {e.From,-22} → {e.To,-22} {e.Label}" +
                        (e.Violations.Count == 0 ? "" : "  !! " + string.Join(", ", e.Violations)));
        if (r.TimelineTruncated) o.WriteLine($"  … (the first {AnalysisLimits.TimelineEntries} messages only)");
    }

    /// <summary>The mDNS names: who asked, who answered with what and how fast, and the candidates each one resolves.</summary>
    private static void WriteMdns(TextWriter o, MdnsSummary m)
    {
        if (m.Messages == 0) return;
        o.WriteLine();
        o.WriteLine($"mDNS: {m.Messages} messages{(m.Malformed > 0 ? $" ({m.Malformed} malformed)" : "")}, {m.Names.Count} names ({m.Names.Count(n => n.Answered)} answered)");
        foreach (var n in m.Names)
        {
            o.WriteLine($"  {n.Name}: " + (n.Answered ? "resolved" : n.Queries.Count > 0 ? "never answered" : "withdrawn"));
            foreach (var q in n.Queries)
                o.WriteLine($"    frame {q.Frame,5}  query {q.Type} from {q.From} to {q.To}{(q.UnicastResponse ? " (QU)" : "")}");
            foreach (var a in n.Answers)
                o.WriteLine($"    frame {a.Frame,5}  answer {a.Type} {a.Address} from {a.From} to {a.To}, TTL {a.Ttl}{(a.Goodbye ? " (goodbye)" : "")}" +
                            (a.QueryFrame is { } qf ? $", {a.DelayMs:0.###} ms after the query of frame {qf}" : ", no query seen"));
            foreach (var c in n.Candidates) o.WriteLine("    " + Describe(n.Name, c));
        }
    }

    /// <summary>"remote host candidate 10.0.1.2:41234 of AGENT = NAME, resolved by frame #7 in 2.1 ms; pair …: Succeeded".</summary>
    public static string Describe(string name, MdnsCandidateReport c)
    {
        var resolved = c.ResolvedByFrame is { } frame ? $"resolved by frame #{frame}" + (c.DelayMs is { } ms ? $" in {ms:0.###} ms" : "") : "never resolved";
        var pair = c.Pair is null ? "" : $"; pair {c.Pair}: {c.PairState}";
        return c.Use switch
        {
            "signalled" => $"signalled candidate {c.Signalled}" + (c.Candidate is null ? $": {resolved}, dropped (draft-ietf-mmusic-mdns-ice-candidates §3.2.1)" : $" = {c.Candidate}, {resolved}") +
                           (c.Candidate is not null && c.Pair is null ? "; no pair checked it" : pair),
            "remote" => $"remote candidate {c.Candidate} of {c.Agent}'s pair = {name}, {resolved}{pair}",
            _ => $"local candidate {c.Candidate} of {c.Agent} = {name} (its own name){pair}",
        };
    }

    private static string Outcome(TransactionReport x) => x.Outcome switch
    {
        "success" => $"success in {x.RttMs} ms (frame {x.ResponseFrame})",
        "error" => $"error {x.ErrorCode} in {x.RttMs} ms (frame {x.ResponseFrame})",
        _ => x.Outcome,
    };
}
