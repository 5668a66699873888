using System.Text;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Cases.Agent;

namespace IceSpec.Conformance.Reports;

/// <summary>
/// The ICE agent cases as Markdown tables (one per placement): a row per case (ID, level, the IUT's role, title), a
/// column per implementation — what conformance/README.md publishes, taken from a run's <c>report.md</c> as it is.
/// </summary>
public static class MarkdownReport
{
    public static void Write(ConformanceReport report, string path) => File.WriteAllText(path, Render(report));

    public static string Render(ConformanceReport report)
    {
        var text = new StringBuilder();
        text.Append($"<!-- icespec conformance run, {report.StartedAt:u}, {report.Duration.TotalSeconds:0} s -->\n");
        var roles = AgentCaseSuite.All.ToDictionary(c => c.Info.Id, c => c.IutRole.ToString().ToLowerInvariant());
        foreach (var placement in report.AgentCases.GroupBy(r => r.Scenario))
        {
            var impls = placement.Select(r => r.Implementation).Distinct().ToList();
            text.Append($"\nICE agent cases, {placement.Key}: ");
            text.AppendJoin(", ", Enum.GetValues<CaseOutcome>().Select(o => (o, n: placement.Count(r => r.Outcome == o))).Where(x => x.n > 0)
                .Select(x => $"{x.n} {HtmlReport.Label(x.o)}"));
            text.Append("\n\n| case | level | IUT | checks | ").AppendJoin(" | ", impls).Append(" |\n");
            text.Append("|---|---|---|---|").Append(string.Concat(impls.Select(_ => "---|"))).Append('\n');
            foreach (var byCase in placement.GroupBy(r => r.Case.Id))
            {
                var info = byCase.First().Case;
                text.Append($"| `{info.Id}` | {info.Level.ToString().ToUpperInvariant()} | {roles.GetValueOrDefault(info.Id, "")} | {Escape(info.Title)} | ");
                text.AppendJoin(" | ", impls.Select(i => byCase.FirstOrDefault(r => r.Implementation == i) is { } r ? Mark(r.Outcome) : "–"));
                text.Append(" |\n");
            }
        }
        text.Append("\n✔ passed · ✘ failed · ≈ expected failure (known, with evidence) · ∅ unsupported · ? inconclusive · ! unexpected pass\n");
        return text.ToString();
    }

    private static string Mark(CaseOutcome outcome) => outcome switch
    {
        CaseOutcome.Passed => "✔",
        CaseOutcome.Failed => "✘",
        CaseOutcome.ExpectedFailure => "≈",
        CaseOutcome.Unsupported => "∅",
        CaseOutcome.Inconclusive => "?",
        _ => "!",
    };

    private static string Escape(string text) => text.Replace("|", "\\|");
}
