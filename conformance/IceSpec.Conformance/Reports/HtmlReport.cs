using System.Net;
using System.Text;
using IceSpec.Conformance.Cases;

namespace IceSpec.Conformance.Reports;

/// <summary>
/// The report as one static HTML file (inline CSS and script, nothing loaded from elsewhere: it opens offline): the
/// overview (<see cref="HtmlOverview"/>); per scenario its drawing, prediction and an implementation × implementation
/// matrix (rows controlling, columns controlled); per cell its cases with the RFC text and links to its pcaps and logs
/// (relative paths: keep the file in the output directory); the agent and server cases tables.
/// </summary>
public static class HtmlReport
{
    public static void Write(ConformanceReport report, string path) => File.WriteAllText(path, Render(report));

    public static string Render(ConformanceReport report)
    {
        var html = new StringBuilder();
        html.Append($"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>IceSpec conformance report</title>
            <style>{HtmlStyle.Css}</style></head><body>
            <h1>IceSpec conformance report</h1>
            <p class="meta">Started {E(report.StartedAt.ToString("u"))} · {report.Duration.TotalSeconds:0} s · STUN/TURN server: {E(report.Server)}{(report.Strict ? " · strict (SHOULD cases)" : "")} · implementations: {E(string.Join(", ", report.Implementations))}</p>
            <p class="totals">cases: {Totals(report)}</p>
            """);
        HtmlOverview.Append(html, report);
        if (report.Errors.Count > 0)
            html.Append("<div class=\"errors\" id=\"errors\"><h2>Errors</h2><ul>").AppendJoin("", report.Errors.Select(e => $"<li>{E(e)}</li>")).Append("</ul></div>");
        foreach (var scenario in report.Scenarios) Scenario(html, report, scenario);
        foreach (var placement in report.AgentCases.GroupBy(r => r.Scenario)) AgentCases(html, placement.Key, [.. placement]);
        if (report.ServerCases.Count > 0) ServerCases(html, report.ServerCases);
        RequirementCoverageSection(html);
        html.Append($"<script>{HtmlScript.Js}</script></body></html>\n");
        return html.ToString();
    }

    private static string Totals(ConformanceReport report) => string.Join(" ",
        Enum.GetValues<CaseOutcome>().Select(o => $"<span class=\"badge {Css(o)}\">{report.Count(o)} {Label(o)}</span>"));

    private static void Scenario(StringBuilder html, ConformanceReport report, ScenarioReport scenario)
    {
        var cells = report.Cells.Where(c => c.Scenario == scenario.Name).ToList();
        var impls = report.Implementations;
        html.Append($"""
            <section class="scenario" id="scenario-{E(scenario.Name)}">
            <h2>{E(scenario.Name)} <small>{E(scenario.Title)}</small></h2>
            <pre class="diagram">{E(scenario.Diagram)}</pre>
            <p class="prediction">Predicted selected pair: <b>{scenario.Predicted}</b> ({E(scenario.Section)}): {E(scenario.Reason)}</p>
            """);
        if (scenario.MeasuredNats.Count > 0)
            html.Append("<p class=\"measured\">Measured NATs: ").AppendJoin("; ", scenario.MeasuredNats.Select(E)).Append("</p>");
        html.Append("<table class=\"matrix\"><thead><tr><th class=\"corner\">controlling ↓ · controlled →</th>");
        foreach (var controlled in impls) html.Append($"<th>{E(controlled)}</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var controlling in impls)
        {
            html.Append($"<tr><th>{E(controlling)}</th>");
            foreach (var controlled in impls)
            {
                var here = cells.Where(c => c.Controlling == controlling && c.Controlled == controlled).ToList();
                var outcome = IceCellReport.Worst(here.Select(c => c.Outcome));
                html.Append($"<td class=\"cell {(here.Count == 0 ? "none" : Css(outcome))}\" data-outcome=\"{(here.Count == 0 ? "none" : outcome)}\">");
                foreach (var cell in here)
                    html.Append($"<a href=\"#{E(Anchor(cell))}\"><span class=\"mark\">{Mark(cell.Outcome)}</span> {E(cell.Nomination)} · {cell.Observed?.ToString() ?? "—"}{(cell.TimeToConnected is { } t ? $" · {t.TotalMilliseconds:0} ms" : "")}</a>");
                if (here.Count == 0) html.Append("not run");
                html.Append("</td>");
            }
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");
        foreach (var cell in cells) Cell(html, cell);
        html.Append("</section>");
    }

    private static void Cell(StringBuilder html, IceCellReport cell)
    {
        html.Append($"""
            <details class="cell-details {Css(cell.Outcome)}" id="{E(Anchor(cell))}"><summary><span class="mark">{Mark(cell.Outcome)}</span> {E(cell.Scenario)}: {E(cell.Controlling)} (controlling) → {E(cell.Controlled)} (controlled), {E(cell.Nomination)} nomination — {Label(cell.Outcome)}</summary>
            <p>Controlling pair: <code>{E(cell.ControllingPair ?? "none")}</code> · controlled pair: <code>{E(cell.ControlledPair ?? "none")}</code> · predicted {cell.Predicted}, observed {cell.Observed?.ToString() ?? "none"}</p>
            <p class="detail">{E(cell.Detail)}</p>
            <p class="artifacts">
            """);
        html.AppendJoin(" · ", cell.Artifacts.Select(a => $"<a href=\"{E(a)}\">{E(Path.GetFileName(a))}</a>"));
        html.Append("</p>");
        if (cell.Diagnosis is { } diagnosis)
        {
            html.Append($"<div class=\"diagnosis\"><p><b>Diagnosis</b>{(diagnosis.Page is { } page ? $" (<a href=\"{E(page)}\">diagnosis.html</a>)" : "")}: {E(diagnosis.Summary)}</p>");
            if (diagnosis.Findings.Count > 0) html.Append("<ol>" + string.Concat(diagnosis.Findings.Take(5).Select(f => $"<li>{E(f)}</li>")) + "</ol>");
            html.Append("</div>");
        }
        CaseTable(html, cell.Cases);
        html.Append("</details>");
    }

    /// <summary>
    /// The ICE agent cases of one placement: one row per case (ID, level, the IUT's role, the RFC text and what the
    /// tester does), one column per implementation (driver/nomination): the outcome, its evidence and the case's
    /// tester.pcap and IUT log.
    /// </summary>
    private static void AgentCases(StringBuilder html, string placement, IReadOnlyList<CaseResult> results)
    {
        var impls = results.Select(r => r.Implementation).Distinct().ToList();
        var cases = Cases.Agent.AgentCaseSuite.All.ToDictionary(c => c.Info.Id);
        html.Append($"<section class=\"scenario\" id=\"agent-{E(placement)}\"><h2>ICE agent cases <small>the tester against each implementation, {E(placement)}</small></h2>");
        html.Append("<table class=\"cases\"><thead><tr><th>case</th><th>level</th><th>IUT</th><th>what it checks (RFC text) and how</th>");
        foreach (var impl in impls) html.Append($"<th>{E(impl)}</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var byCase in results.GroupBy(r => r.Case.Id))
        {
            var info = byCase.First().Case;
            var role = cases.TryGetValue(info.Id, out var known) ? known.IutRole.ToString().ToLowerInvariant() : "";
            html.Append($"<tr id=\"agent-{E(placement)}-{E(info.Id)}\" class=\"{RowClass(byCase)}\"><td><code>{E(info.Id)}</code></td><td>{info.Level.ToString().ToUpperInvariant()}</td><td>{E(role)}</td>")
                .Append($"<td><b>{E(info.Title)}</b><br><span class=\"rfc\">{E(info.RequirementText)}</span>")
                .Append(known is null ? "" : $"<br><span class=\"procedure\">{E(known.Procedure)}</span>").Append("</td>");
            foreach (var impl in impls)
            {
                var r = byCase.FirstOrDefault(x => x.Implementation == impl);
                if (r is null)
                {
                    html.Append("<td>not run</td>");
                    continue;
                }
                var links = string.Join(" · ", new[] { (r.PcapPath, "tester.pcap"), (r.LogPath, "iut.log") }
                    .Where(l => l.Item1 is not null).Select(l => $"<a href=\"{E(l.Item1!)}\">{l.Item2}</a>"));
                html.Append($"<td class=\"server {Css(r.Outcome)}\"><details id=\"{E(AgentAnchor(r))}\"><summary><span class=\"badge {Css(r.Outcome)}\">{Label(r.Outcome)}</span></summary>")
                    .Append($"<div class=\"detail\">{E(r.Detail)}</div><div class=\"artifacts\">{links}</div></details></td>");
            }
            html.Append("</tr>");
        }
        html.Append("</tbody></table></section>");
    }

    /// <summary>One row per case, one column per server: the outcome and what was sent and received.</summary>
    private static void ServerCases(StringBuilder html, IReadOnlyList<CaseResult> results)
    {
        var servers = results.Select(r => r.Implementation).Distinct().ToList();
        html.Append("<section class=\"scenario\" id=\"server-cases\"><h2>Server cases <small>black-box STUN/TURN requests</small></h2>");
        html.Append("<table class=\"cases\"><thead><tr><th>case</th><th>level</th><th>what it checks (RFC text)</th>");
        foreach (var server in servers) html.Append($"<th>{E(server)}</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var byCase in results.GroupBy(r => r.Case.Id))
        {
            var info = byCase.First().Case;
            html.Append($"<tr class=\"{RowClass(byCase)}\"><td><code>{E(info.Id)}</code></td><td>{info.Level.ToString().ToUpperInvariant()}</td>")
                .Append($"<td><b>{E(info.Title)}</b><br><span class=\"rfc\">{E(info.RequirementText)}</span></td>");
            foreach (var server in servers)
            {
                var r = byCase.FirstOrDefault(x => x.Implementation == server);
                html.Append(r is null ? "<td>not run</td>"
                    : $"<td class=\"server {Css(r.Outcome)}\" id=\"{E(ServerAnchor(r))}\"><span class=\"badge {Css(r.Outcome)}\">{Label(r.Outcome)}</span><div class=\"detail\">{E(r.Detail)}</div></td>");
            }
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");
        if (results.FirstOrDefault(r => r.LogPath is not null) is not null)
            html.Append("<p class=\"artifacts\">Server logs: ").AppendJoin(" · ", results.Where(r => r.LogPath is not null)
                .Select(r => (r.Implementation, r.LogPath!)).Distinct().Select(l => $"<a href=\"{E(l.Item2)}\">{E(l.Implementation)}</a>")).Append("</p>");
        html.Append("</section>");
    }

    /// <summary>
    /// Which wire-observable requirements of the generated STUN, TURN and ICE catalogs have a case (server, agent or
    /// cell case), per RFC, and the list of those that do not yet (the catalogs are the starting list of what the kit checks).
    /// </summary>
    private static void RequirementCoverageSection(StringBuilder html)
    {
        var all = IceSpec.Conformance.Coverage.RequirementCoverage.Compute();
        var rows = all.Where(r => r.WireObservable).ToList();
        var covered = rows.Count(r => r.Covered);
        html.Append($"<section class=\"scenario\" id=\"coverage\"><h2>Requirement coverage <small>{covered} of {rows.Count} wire-observable requirements of the generated STUN, TURN and ICE catalogs have a case</small></h2>");
        html.Append("<table class=\"cases\"><thead><tr><th>RFC</th><th>wire-observable</th><th>with a case</th></tr></thead><tbody>");
        foreach (var rfc in IceSpec.Conformance.Coverage.RequirementCoverage.PerRfc(all))
            html.Append($"<tr><td>RFC {rfc.Rfc}</td><td>{rfc.WireObservable}</td><td>{rfc.Covered} ({100.0 * rfc.Covered / Math.Max(1, rfc.WireObservable):0}%)</td></tr>");
        html.Append("</tbody></table>");
        html.Append("<details><summary>Without a case yet</summary><table class=\"cases\"><thead><tr><th>requirement</th><th>kind</th><th>citation</th></tr></thead><tbody>");
        foreach (var row in rows.Where(r => !r.Covered))
            html.Append($"<tr class=\"uncovered\"><td><code>{E(row.Requirement.Subject)}</code></td><td>{E(row.Requirement.Kind)}</td><td class=\"rfc\">{E(row.Requirement.Citation)}</td></tr>");
        html.Append("</tbody></table></details>");
        html.Append("<details><summary>Covered</summary><table class=\"cases\"><thead><tr><th>requirement</th><th>cases</th></tr></thead><tbody>");
        foreach (var row in rows.Where(r => r.Covered))
            html.Append($"<tr class=\"covered\"><td><code>{E(row.Requirement.Subject)}</code></td><td>{E(string.Join(", ", row.CaseIds))}</td></tr>");
        html.Append("</tbody></table></details></section>");
    }

    private static void CaseTable(StringBuilder html, IReadOnlyList<CaseResult> results)
    {
        html.Append("<table class=\"cases\"><thead><tr>")
            .Append("<th>case</th><th>level</th><th>outcome</th><th>what it checks (RFC text)</th><th>detail</th></tr></thead><tbody>");
        foreach (var r in results)
        {
            html.Append($"<tr class=\"{Css(r.Outcome)}\">")
                .Append($"<td><code>{E(r.Case.Id)}</code></td><td>{r.Case.Level.ToString().ToUpperInvariant()}</td>")
                .Append($"<td><span class=\"badge {Css(r.Outcome)}\">{Label(r.Outcome)}</span></td>")
                .Append($"<td><b>{E(r.Case.Title)}</b><br><span class=\"rfc\">{E(r.Case.RequirementText)}</span></td>")
                .Append($"<td class=\"detail\">{E(r.Detail)}</td></tr>");
        }
        html.Append("</tbody></table>");
    }

    internal static string Anchor(IceCellReport cell) => $"cell-{cell.Scenario}-{cell.Controlling}-{cell.Controlled}-{cell.Nomination}";

    internal static string AgentAnchor(CaseResult run) => $"agent-{run.Scenario}-{run.Implementation}-{run.Case.Id}";

    internal static string ServerAnchor(CaseResult run) => $"server-{run.Implementation}-{run.Case.Id}";

    /// <summary>Failed and unexpected pass: what makes a run exit 1, and what the "failures only" filter keeps.</summary>
    private static bool IsFailing(CaseOutcome outcome) => outcome is CaseOutcome.Failed or CaseOutcome.UnexpectedPass;

    /// <summary>A case's row in the agent or server table: "failing" keeps it under the "failures only" filter.</summary>
    private static string RowClass(IEnumerable<CaseResult> runs) => runs.Any(r => IsFailing(r.Outcome)) ? "failing" : "not-failing";

    internal static string Css(CaseOutcome outcome) => outcome switch
    {
        CaseOutcome.Passed => "passed",
        CaseOutcome.Failed => "failed",
        CaseOutcome.Unsupported => "unsupported",
        CaseOutcome.ExpectedFailure => "expected",
        CaseOutcome.Inconclusive => "inconclusive",
        _ => "unexpected",
    };

    internal static string Label(CaseOutcome outcome) => outcome switch
    {
        CaseOutcome.ExpectedFailure => "expected failure",
        CaseOutcome.UnexpectedPass => "unexpected pass",
        _ => outcome.ToString().ToLowerInvariant(),
    };

    internal static string Mark(CaseOutcome outcome) => outcome switch
    {
        CaseOutcome.Passed => "✔",
        CaseOutcome.Failed => "✘",
        CaseOutcome.Unsupported => "∅",
        CaseOutcome.ExpectedFailure => "≈",
        CaseOutcome.Inconclusive => "?",
        _ => "!",
    };

    internal static string E(string text) => WebUtility.HtmlEncode(JUnitReport.XmlSafe(text));
}
