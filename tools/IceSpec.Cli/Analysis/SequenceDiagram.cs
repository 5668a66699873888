using System.Globalization;
using System.Net;
using System.Text;
using IceSpec.Captures.Analysis;
using IceSpec.Captures.Diagnosis;

namespace IceSpec.Cli.Analysis;

/// <summary>
/// The timeline as a sequence diagram: one lane per address (in order of first appearance), one arrow per message
/// coloured by class (request, success, error, indication, ChannelData, mDNS), messages that break a rule marked in red with
/// the violation's name. <see cref="Svg"/> is the bare drawing; <see cref="Html"/> adds a legend and the violations with
/// their RFC text.
/// </summary>
public static class SequenceDiagram
{
    /// <summary>Drawing more arrows than this makes an unreadable picture; the rest is left out and said so.</summary>
    public const int MaxArrows = 400;

    private const int LaneWidth = 300, Left = 150, Top = 70, Row = 26, Right = 230;
    private const string ViolationColour = "#d1242f", WarningColour = "#9a6700";

    /// <summary>A pause longer than this between two messages gets its own row saying how long it was.</summary>
    private static readonly double GapMs = 1000;

    public static readonly (string Class, string Colour, string Name)[] Classes =
    [
        ("request", "#1f6feb", "request"),
        ("success", "#1a7f37", "success response"),
        ("error", "#d1242f", "error response"),
        ("indication", "#8250df", "indication"),
        ("channeldata", "#6e7781", "ChannelData"),
        ("mdns", "#bf8700", "mDNS (RFC 6762)"),
    ];

    public static string Svg(AnalysisReport report, string title)
    {
        var entries = report.Timeline.Take(MaxArrows).ToList();
        var lanes = entries.SelectMany(e => new[] { e.From, e.To }).Distinct().ToList();
        var gaps = entries.Skip(1).Where((e, i) => e.TimeMs - entries[i].TimeMs > GapMs).Count();
        var width = Left + Math.Max(1, lanes.Count) * LaneWidth + Right;
        var height = Top + (entries.Count + gaps) * Row + 50;
        var warnings = report.Violations.Where(v => v.Severity != "violation").Select(v => (v.Frame, v.Name)).ToHashSet();
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">""").AppendLine();
        s.AppendLine("<defs>");
        foreach (var (cls, colour, _) in Classes)
            s.Append(CultureInfo.InvariantCulture, $"""<marker id="arrow-{cls}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="11" markerHeight="11" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>""").AppendLine();
        s.AppendLine("</defs>");
        s.Append(CultureInfo.InvariantCulture, $"""<rect width="{width}" height="{height}" fill="white"/>""").AppendLine();
        if (title.Length > 0) s.Append(CultureInfo.InvariantCulture, $"""<text x="10" y="20" font-size="15" font-weight="bold">{Escape(title)}</text>""").AppendLine();
        s.Append(CultureInfo.InvariantCulture, $"""<text x="10" y="{Top - 8}" fill="#57606a">time (ms)  frame</text>""").AppendLine();
        for (var i = 0; i < lanes.Count; i++)
        {
            var x = LaneX(i);
            s.Append(CultureInfo.InvariantCulture, $"""<rect x="{x - 105}" y="30" width="210" height="24" rx="4" fill="#f6f8fa" stroke="#8c959f"/>""");
            s.Append(CultureInfo.InvariantCulture, $"""<text x="{x}" y="47" text-anchor="middle" font-weight="bold">{Escape(lanes[i])}</text>""");
            s.Append(CultureInfo.InvariantCulture, $"""<line x1="{x}" y1="54" x2="{x}" y2="{height - 30}" stroke="#d0d7de" stroke-dasharray="4 3"/>""").AppendLine();
        }
        var row = 0;
        for (var index = 0; index < entries.Count; index++, row++)
        {
            var e = entries[index];
            if (index > 0 && e.TimeMs - entries[index - 1].TimeMs > GapMs)
            {
                var gapY = Top + row * Row + Row / 2;
                s.Append(CultureInfo.InvariantCulture, $"""<text x="{Left + 10}" y="{gapY + 4}" fill="#57606a" font-style="italic">⋯ {(e.TimeMs - entries[index - 1].TimeMs) / 1000:0.###} s later ⋯</text>""").AppendLine();
                row++;
            }
            var y = Top + row * Row + Row / 2;
            var colour = Classes.FirstOrDefault(c => c.Class == e.Class).Colour ?? "#000";
            int from = lanes.IndexOf(e.From), to = lanes.IndexOf(e.To);
            double x1 = LaneX(from), x2 = LaneX(to);
            var bad = e.Violations.Count > 0;
            var onlyWarnings = bad && e.Violations.All(name => warnings.Contains((e.Frame, name)));
            var markColour = onlyWarnings ? WarningColour : ViolationColour;
            if (bad) s.Append(CultureInfo.InvariantCulture, $"""<rect x="{Left - 10}" y="{y - Row / 2 + 1}" width="{width - Left}" height="{Row - 2}" fill="{(onlyWarnings ? "#fff8c5" : "#ffebe9")}"/>""");
            s.Append(CultureInfo.InvariantCulture, $"""<text x="10" y="{y + 4}" fill="#57606a">{e.TimeMs:0.000}  #{e.Frame}</text>""");
            s.Append(CultureInfo.InvariantCulture, $"""<line x1="{x1}" y1="{y + 6}" x2="{x2}" y2="{y + 6}" stroke="{colour}" stroke-width="{(bad ? 2.2 : 1.4)}" marker-end="url(#arrow-{e.Class})"/>""");
            s.Append(CultureInfo.InvariantCulture, $"""<text x="{(x1 + x2) / 2}" y="{y + 1}" text-anchor="middle" font-size="11" fill="{colour}">{Escape(e.Label)}</text>""");
            if (bad)
                s.Append(CultureInfo.InvariantCulture, $"""<text x="{Math.Max(x1, x2) + 12}" y="{y + 4}" fill="{markColour}" font-weight="bold">⚠ {Escape(string.Join(", ", e.Violations))}</text>""");
            s.AppendLine();
        }
        if (report.Timeline.Count > entries.Count || report.TimelineTruncated)
            s.Append(CultureInfo.InvariantCulture, $"""<text x="10" y="{height - 12}" fill="#57606a">… only the first {entries.Count} messages are drawn</text>""").AppendLine();
        s.AppendLine("</svg>");
        return s.ToString();
    }

    /// <summary>The page: the diagnosis first when there is one (why), then the diagram and the violations (what).</summary>
    public static string Html(AnalysisReport report, string title, DiagnosisReport? diagnosis = null)
    {
        var s = new StringBuilder();
        s.AppendLine("<!DOCTYPE html>");
        s.AppendLine($"<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{Escape(title)}: icespec analyze</title>");
        s.AppendLine("<style>body{font-family:'DejaVu Sans',Arial,sans-serif;margin:16px;color:#1f2328} .legend span{display:inline-block;margin-right:18px} " +
                     ".swatch{display:inline-block;width:22px;height:4px;vertical-align:middle;margin-right:6px} li{margin-bottom:8px} .rfc{color:#57606a} " +
                     DiagnosisHtml.Style + "</style></head><body>");
        s.AppendLine($"<h1>{Escape(title)}</h1>");
        s.AppendLine($"<p>{report.Frames} frames, {report.StunMessages} STUN and {report.ChannelDataMessages} ChannelData messages; " +
                     $"{report.Transactions.Count} transactions ({report.Transactions.Unanswered} unanswered); {report.Violations.Count} violation(s).</p>");
        s.Append("<p class=\"legend\">");
        foreach (var (_, colour, name) in Classes) s.Append($"<span><i class=\"swatch\" style=\"background:{colour}\"></i>{name}</span>");
        s.AppendLine($"<span style=\"color:{ViolationColour}\">⚠ violation</span><span style=\"color:{WarningColour}\">⚠ warning</span></p>");
        if (diagnosis is not null) s.AppendLine(DiagnosisHtml.Section(diagnosis));
        s.AppendLine(Svg(report, ""));
        if (report.Mdns.Names.Count > 0)
        {
            // The names and the candidates they resolve (draft-ietf-mmusic-mdns-ice-candidates §3.2), as the text output says them.
            s.AppendLine($"<h2>mDNS names</h2><p>{report.Mdns.Messages} mDNS messages{(report.Mdns.Malformed > 0 ? $" ({report.Mdns.Malformed} malformed)" : "")}.</p><ul>");
            foreach (var n in report.Mdns.Names)
            {
                s.Append($"<li><b>{Escape(n.Name)}</b>: {(n.Answered ? "resolved" : n.Queries.Count > 0 ? "never answered" : "withdrawn")}<ul>");
                foreach (var q in n.Queries) s.Append($"<li>#{q.Frame}: query {Escape(q.Type)} from {Escape(q.From)}{(q.UnicastResponse ? " (QU)" : "")}</li>");
                foreach (var a in n.Answers)
                {
                    var delay = a.QueryFrame is { } qf ? string.Create(CultureInfo.InvariantCulture, $", {a.DelayMs:0.###} ms after #{qf}") : "";
                    s.Append($"<li>#{a.Frame}: answer {Escape(a.Address)} from {Escape(a.From)}, TTL {a.Ttl}{(a.Goodbye ? " (goodbye)" : "")}{delay}</li>");
                }
                foreach (var c in n.Candidates) s.Append($"<li>{Escape(AnalysisText.Describe(n.Name, c))}</li>");
                s.AppendLine("</ul></li>");
            }
            s.AppendLine("</ul>");
        }
        if (report.Violations.Count > 0)
        {
            s.AppendLine("<h2>Violations</h2><ol>");
            foreach (var v in report.Violations)
                s.AppendLine($"<li><b>{Escape(v.Name)}</b> (frame {v.Frame}{(v.Severity == "violation" ? "" : ", " + v.Severity)}): {Escape(v.Detail)}<br>" +
                             $"<span class=\"rfc\">{Escape(v.Section)}: {Escape(v.Text)} [{Escape(v.Source)}]</span></li>");
            s.AppendLine("</ol>");
        }
        s.AppendLine("</body></html>");
        return s.ToString();
    }

    private static int LaneX(int lane) => Left + lane * LaneWidth + LaneWidth / 2;

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
