using System.Text;
using IceSpec.Conformance.Cases;

namespace IceSpec.Conformance.Reports;

/// <summary>
/// The top of the HTML report, one screen for a default run (12 scenarios × 25 ordered pairs, ~94 agent cases × 8
/// implementation labels, ~55 server cases × 2 servers): a legend, the counts by outcome and one compact grid each for
/// the ICE cells (rows scenarios, columns ordered pairs grouped by the controlling implementation), the agent cases
/// (rows implementation labels, columns cases) and the server cases (rows servers, columns cases), and the "failures
/// only" filter. Every mark is a link to the details of its cell or case run, with the outcome in its title tooltip.
/// </summary>
internal static class HtmlOverview
{
    public static void Append(StringBuilder html, ConformanceReport report)
    {
        html.Append("<section id=\"overview\">");
        html.Append("<p class=\"legend\">");
        foreach (var outcome in Enum.GetValues<CaseOutcome>())
            html.Append($"<span title=\"{E(Meaning(outcome))}\"><span class=\"o {HtmlReport.Css(outcome)}\">{HtmlReport.Mark(outcome)}</span> {HtmlReport.Label(outcome)}</span> ");
        html.Append("<span title=\"no cell for this pair in this scenario (not selected, or its shard's report is missing)\"><span class=\"o none\">·</span> not run</span>");
        html.Append(" <label class=\"filter\"><input type=\"checkbox\" id=\"failures-only\"> failures only (failed, unexpected pass)</label>");
        if (report.Errors.Count > 0)
            html.Append($" <a class=\"errors-link\" href=\"#errors\">{report.Errors.Count} lab error{(report.Errors.Count == 1 ? "" : "s")}</a>");
        html.Append("</p>");
        Cells(html, report);
        foreach (var placement in report.AgentCases.GroupBy(r => r.Scenario))
            CaseGrid(html, $"agent-{placement.Key}", $"ICE agent cases, {placement.Key}", [.. placement], HtmlReport.AgentAnchor);
        if (report.ServerCases.Count > 0)
            CaseGrid(html, "server", "Server cases", report.ServerCases, HtmlReport.ServerAnchor);
        html.Append("</section>");
    }

    /// <summary>Rows scenarios, columns every ordered pair (controlling, then controlled); a mark per cell (nomination).</summary>
    private static void Cells(StringBuilder html, ConformanceReport report)
    {
        var scenarios = report.Scenarios.Select(s => s.Name).Concat(report.Cells.Select(c => c.Scenario)).Distinct().ToList();
        if (scenarios.Count == 0) return;
        var titles = report.Scenarios.ToDictionary(s => s.Name, s => s.Title);
        var impls = report.Implementations.Concat(report.Cells.SelectMany(c => (string[])[c.Controlling, c.Controlled])).Distinct().ToList();
        var abbreviations = Abbreviate(impls);
        var byPosition = report.Cells.ToLookup(c => (c.Scenario, c.Controlling, c.Controlled));
        var notRun = scenarios.Sum(s => impls.Sum(a => impls.Count(b => !byPosition.Contains((s, a, b)))));

        html.Append("<div class=\"ov-block\" id=\"overview-cells\"><h2>ICE cells <small>");
        Counts(html, report.Cells.Select(c => c.Outcome), notRun);
        html.Append("</small></h2><table class=\"ov\"><thead><tr><th class=\"corner\" rowspan=\"2\">scenario \\ controlling → controlled</th>");
        foreach (var controlling in impls)
            html.Append($"<th class=\"group g\" colspan=\"{impls.Count}\" title=\"{E(controlling)} controlling\">{E(controlling)}</th>");
        html.Append("</tr><tr>");
        foreach (var _ in impls)
            for (var i = 0; i < impls.Count; i++)
                html.Append($"<th class=\"{(i == 0 ? "g" : "")}\" title=\"{E(impls[i])} controlled\">{E(abbreviations[impls[i]])}</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var scenario in scenarios)
        {
            html.Append($"<tr><th class=\"row\"><a href=\"#scenario-{E(scenario)}\" title=\"{E(titles.GetValueOrDefault(scenario, scenario))}\">{E(scenario)}</a></th>");
            foreach (var controlling in impls)
                for (var i = 0; i < impls.Count; i++)
                {
                    html.Append(i == 0 ? "<td class=\"g\">" : "<td>");
                    var here = byPosition[(scenario, controlling, impls[i])].ToList();
                    foreach (var cell in here)
                        html.Append($"<a class=\"o {HtmlReport.Css(cell.Outcome)}\" href=\"#{E(HtmlReport.Anchor(cell))}\" data-cell=\"{E($"{cell.Scenario}/{cell.Pair}/{cell.Nomination}")}\" title=\"{E(CellTitle(cell))}\">{HtmlReport.Mark(cell.Outcome)}</a>");
                    if (here.Count == 0)
                        html.Append($"<span class=\"o none\" title=\"{E($"{scenario}: {controlling} → {impls[i]}: not run")}\">·</span>");
                    html.Append("</td>");
                }
            html.Append("</tr>");
        }
        html.Append("</tbody></table></div>");
    }

    /// <summary>Rows implementations (or servers), columns cases in the suite's order; a mark per case run.</summary>
    private static void CaseGrid(StringBuilder html, string id, string title, IReadOnlyList<CaseResult> results, Func<CaseResult, string> anchor)
    {
        var cases = results.Select(r => r.Case.Id).Distinct().ToList();
        var rows = results.Select(r => r.Implementation).Distinct().ToList();
        var byRun = results.ToLookup(r => (r.Implementation, r.Case.Id));
        html.Append($"<div class=\"ov-block\" id=\"overview-{E(id)}\"><h2>{E(title)} <small>");
        Counts(html, results.Select(r => r.Outcome), notRun: rows.Sum(row => cases.Count(c => !byRun.Contains((row, c)))));
        html.Append("</small></h2><table class=\"ov dense\"><tbody>");
        foreach (var row in rows)
        {
            html.Append($"<tr><th class=\"row\">{E(row)}</th>");
            foreach (var caseId in cases)
            {
                html.Append("<td>");
                var here = byRun[(row, caseId)].ToList();
                foreach (var r in here)
                    html.Append($"<a class=\"o {HtmlReport.Css(r.Outcome)}\" href=\"#{E(anchor(r))}\" data-run=\"{E($"{r.Scenario}/{r.Implementation}/{r.Case.Id}")}\" title=\"{E($"{r.Case.Id} · {r.Implementation}: {HtmlReport.Label(r.Outcome)} — {ConsoleReport.OneLine(r.Detail)}")}\">{HtmlReport.Mark(r.Outcome)}</a>");
                if (here.Count == 0) html.Append($"<span class=\"o none\" title=\"{E($"{caseId} · {row}: not run")}\">·</span>");
                html.Append("</td>");
            }
            html.Append("</tr>");
        }
        html.Append("</tbody></table></div>");
    }

    /// <summary>"N passed · N failed …" for the outcomes present, then the grid positions left empty.</summary>
    private static void Counts(StringBuilder html, IEnumerable<CaseOutcome> outcomes, int notRun)
    {
        var counts = outcomes.GroupBy(o => o).OrderBy(g => g.Key).Select(g =>
            $"<span class=\"count {HtmlReport.Css(g.Key)}\" data-outcome=\"{HtmlReport.Css(g.Key)}\" data-count=\"{g.Count()}\">{g.Count()} {HtmlReport.Label(g.Key)}</span>").ToList();
        if (notRun > 0) counts.Add($"<span class=\"count none\" data-outcome=\"none\" data-count=\"{notRun}\">{notRun} not run</span>");
        html.AppendJoin(" · ", counts);
    }

    private static string CellTitle(IceCellReport cell) =>
        $"{cell.Scenario}: {cell.Controlling} → {cell.Controlled} ({cell.Nomination} nomination): {HtmlReport.Label(cell.Outcome)}" +
        $"{(cell.Observed is { } observed ? $", {observed} pair" : "")}{(cell.TimeToConnected is { } t ? $", {t.TotalMilliseconds:0} ms" : "")}" +
        $" — {ConsoleReport.OneLine(cell.Detail)}";

    private static string Meaning(CaseOutcome outcome) => outcome switch
    {
        CaseOutcome.Passed => "every case of the cell passed",
        CaseOutcome.Failed => "a case failed: the run fails",
        CaseOutcome.Unsupported => "skipped: the implementation cannot do a step the case needs (driver exit 127, or a capability it does not declare)",
        CaseOutcome.ExpectedFailure => "a known failure: failed, and listed with its evidence in the expected-fail list",
        CaseOutcome.UnexpectedPass => "listed as a known failure but passed: the list is stale and the run fails",
        _ => "the case could not bring about what it checks (e.g. no quota configured)",
    };

    /// <summary>Each name's shortest prefix (2 characters at least) that no other name starts with; the whole name otherwise.</summary>
    internal static IReadOnlyDictionary<string, string> Abbreviate(IReadOnlyList<string> names) => names.ToDictionary(name => name, name =>
        Enumerable.Range(2, Math.Max(0, name.Length - 1)).Select(n => name[..n])
            .FirstOrDefault(prefix => names.All(other => other == name || !other.StartsWith(prefix, StringComparison.Ordinal))) ?? name);

    private static string E(string text) => HtmlReport.E(text);
}
