using System.Net;
using System.Text;

namespace IceSpec.Captures.Diagnosis;

/// <summary>The diagnosis as HTML: a section for <c>analyze --html</c>, and a page of its own for the kit's failed cells.</summary>
public static class DiagnosisHtml
{
    /// <summary>An <c>&lt;h2&gt;Diagnosis&lt;/h2&gt;</c> section: the summary, the findings best first, the pairs, the phases.</summary>
    public static string Section(DiagnosisReport diagnosis)
    {
        var s = new StringBuilder();
        var single = diagnosis.Captures.Count == 1;
        s.AppendLine($"<section class=\"diagnosis\"><h2>Diagnosis</h2><p><b>{E(diagnosis.Summary)}</b></p>");
        foreach (var note in diagnosis.Notes) s.AppendLine($"<p class=\"rfc\">note: {E(note)}</p>");
        if (diagnosis.Findings.Count == 0) s.AppendLine("<p>No findings.</p>");
        else
        {
            s.AppendLine("<ol class=\"findings\">");
            foreach (var f in diagnosis.Findings)
            {
                s.Append($"<li class=\"{f.Severity.ToString().ToLowerInvariant()}\"><b>[{f.Severity.ToString().ToLowerInvariant()}]</b> {E(f.Verdict)}<br>");
                s.Append($"<span class=\"rfc\"><code>{E(f.Kind)}</code> · {E(f.Section)} · {E(DiagnosisText.Frames(f.Frames, single))}</span><br>fix: {E(f.Fix)}");
                if (f.Details.Count > 0) s.Append("<ul>" + string.Concat(f.Details.Select(d => $"<li>{E(d)}</li>")) + "</ul>");
                s.AppendLine("</li>");
            }
            s.AppendLine("</ol>");
        }
        if (diagnosis.Pairs.Count > 0)
        {
            s.AppendLine("<h3>Pairs</h3><table><tr><th>agent</th><th>local</th><th>remote</th><th>last seen</th><th>checks</th><th>detail</th></tr>");
            foreach (var p in diagnosis.Pairs)
                s.AppendLine($"<tr><td>{E(p.Agent)}</td><td>{E(p.Local)}</td><td>{E(p.Remote)}{(p.Transport == "tcp" ? " (TCP)" : "")}</td><td>{E(p.Outcome)}{(p.Nominated ? ", nominated" : "")}</td><td>{p.Checks}</td><td>{E(p.Detail)}</td></tr>");
            s.AppendLine("</table>");
        }
        foreach (var agent in diagnosis.Phases)
        {
            s.AppendLine($"<h3>Phases of {E(agent.Agent)} ({E(agent.Role)})</h3><table><tr><th>phase</th><th>start ms</th><th>end ms</th><th>frames</th></tr>");
            foreach (var phase in agent.Phases)
                s.AppendLine($"<tr><td>{E(phase.Name)}</td><td>{phase.StartMs?.ToString("0.0") ?? "-"}</td><td>{phase.EndMs?.ToString("0.0") ?? "-"}</td>" +
                             $"<td>{E(string.Join(" … ", new[] { phase.StartFrame, phase.EndFrame }.OfType<FrameRef>().Distinct().Select(f => single ? f.Frame.ToString() : f.ToString())))}</td></tr>");
            s.AppendLine("</table>");
        }
        s.AppendLine("</section>");
        return s.ToString();
    }

    /// <summary>A page of its own (the kit writes one per failed ICE cell).</summary>
    public static string Page(DiagnosisReport diagnosis, string title) =>
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">" +
        $"<title>{E(title)}: icespec diagnose</title><style>{Style}</style></head><body><h1>{E(title)}</h1>\n{Section(diagnosis)}</body></html>\n";

    /// <summary>The section's styles (analyze's page adds them to its own).</summary>
    public const string Style =
        "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:16px;color:#1f2328} .rfc{color:#57606a} li{margin-bottom:8px} " +
        ".findings li.cause b{color:#cf222e} .findings li.defect b{color:#bc4c00} .findings li.delay b{color:#9a6700} " +
        "table{border-collapse:collapse;margin:6px 0} td,th{border:1px solid #d0d7de;padding:2px 6px;font-size:13px;text-align:left}";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
