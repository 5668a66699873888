using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Runner;

namespace IceSpec.Conformance.Reports;

/// <summary>The console side of a run: one progress line per step while running, the matrix tables at the end.</summary>
public static class ConsoleReport
{
    /// <summary>Writes <c>[done/total] message</c> lines (a finished cell also gets its pair and time).</summary>
    public static IProgress<RunProgress> Progress(TextWriter output) => new SynchronousProgress(p =>
    {
        var counter = p.Total > 0 ? $"[{p.Done}/{p.Total}] " : "";
        var cell = p.Cell is { } c ? $" ({c.Observed?.ToString() ?? "no pair"}{(c.TimeToConnected is { } t ? $", {t.TotalMilliseconds:0} ms" : "")})" : "";
        lock (output) output.WriteLine($"{counter}{p.Message}{cell}");
    });

    /// <summary>Per scenario a table, rows controlling and columns controlled; then the totals and the errors.</summary>
    public static void WriteMatrix(ConformanceReport report, TextWriter output)
    {
        foreach (var scenario in report.Scenarios)
        {
            output.WriteLine();
            output.WriteLine($"{scenario.Name}: {scenario.Title} — predicted {scenario.Predicted} ({scenario.Section})");
            var impls = report.Implementations;
            var rows = impls.Select(controlling => (IReadOnlyList<string>)[controlling,
                .. impls.Select(controlled => Cell(report, scenario.Name, controlling, controlled))]).ToList();
            IReadOnlyList<string> header = ["controlling \\ controlled", .. impls];
            var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToList();
            output.WriteLine(Row(header, widths));
            output.WriteLine(string.Join("-+-", widths.Select(w => new string('-', w))));
            foreach (var row in rows) output.WriteLine(Row(row, widths));
        }
        if (report.AgentCases.Count > 0) WriteAgentTable(report.AgentCases, output);
        if (report.ServerCases.Count > 0)
        {
            output.WriteLine();
            foreach (var server in report.ServerCases.GroupBy(r => r.Implementation))
                output.WriteLine($"server cases, {server.Key}: " + string.Join(", ",
                    server.GroupBy(r => r.Outcome).Select(g => $"{g.Count()} {HtmlReport.Label(g.Key)}")));
        }
        WriteFailures(report, output);
        output.WriteLine();
        output.WriteLine(string.Join(", ", Enum.GetValues<CaseOutcome>().Select(o => $"{report.Count(o)} {HtmlReport.Label(o)}")) +
                         $" in {report.Duration.TotalSeconds:0} s");
        foreach (var error in report.Errors) output.WriteLine("error: " + error);
    }

    /// <summary>ICE agent cases: one row per case, one column per implementation (driver/nomination).</summary>
    private static void WriteAgentTable(IReadOnlyList<CaseResult> results, TextWriter output)
    {
        foreach (var placement in results.GroupBy(r => r.Scenario))
        {
            output.WriteLine();
            output.WriteLine($"ICE agent cases ({placement.Key}): the tester against each implementation");
            var impls = placement.Select(r => r.Implementation).Distinct().ToList();
            var rows = placement.GroupBy(r => r.Case.Id).Select(byCase => (IReadOnlyList<string>)[byCase.Key, byCase.First().Case.Level.ToString().ToUpperInvariant(),
                .. impls.Select(i => byCase.FirstOrDefault(r => r.Implementation == i) is { } r ? Short(r.Outcome) : "-")]).ToList();
            IReadOnlyList<string> header = ["case", "level", .. impls];
            var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToList();
            output.WriteLine(Row(header, widths));
            output.WriteLine(string.Join("-+-", widths.Select(w => new string('-', w))));
            foreach (var row in rows) output.WriteLine(Row(row, widths));
        }
    }

    /// <summary>Every failed case and unexpected pass with its one-line reason: target, case ID, the first line of the detail.</summary>
    private static void WriteFailures(ConformanceReport report, TextWriter output)
    {
        var failing = report.Cells.SelectMany(c => c.Cases.Select(r => (Target: $"{c.Scenario}/{c.Pair} {c.Nomination}", Result: r)))
            .Concat(report.AgentCases.Select(r => (Target: $"{r.Scenario}/{r.Implementation}", Result: r)))
            .Concat(report.ServerCases.Select(r => (Target: r.Implementation, Result: r)))
            .Where(x => x.Result.Outcome is CaseOutcome.Failed or CaseOutcome.UnexpectedPass).ToList();
        if (failing.Count == 0) return;
        output.WriteLine();
        output.WriteLine($"Failing ({failing.Count}):");
        foreach (var (target, result) in failing)
            output.WriteLine($"  {HtmlReport.Label(result.Outcome).ToUpperInvariant()} {target} {result.Case.Id}: {OneLine(result.Detail)}");
        foreach (var cell in report.Cells.Where(c => c.Diagnosis is not null && c.Outcome == CaseOutcome.Failed))
            output.WriteLine($"  diagnosis of {cell.Scenario}/{cell.Pair} {cell.Nomination}: {cell.Diagnosis!.Summary}" +
                (cell.Diagnosis.Findings.Count > 0 ? $"; {OneLine(cell.Diagnosis.Findings[0])}" : "") +
                (cell.Diagnosis.Page is { } page ? $" ({page})" : ""));
    }

    /// <summary>The first line of <paramref name="detail"/>, at most 200 characters.</summary>
    internal static string OneLine(string detail)
    {
        var line = detail.Split('\n')[0].Trim();
        return line.Length <= 200 ? line : line[..199] + "…";
    }

    private static string Short(CaseOutcome outcome) => outcome switch
    {
        CaseOutcome.Passed => "ok",
        CaseOutcome.ExpectedFailure => "expected",
        _ => HtmlReport.Label(outcome).ToUpperInvariant(),
    };

    private static string Cell(ConformanceReport report, string scenario, string controlling, string controlled)
    {
        var cells = report.Cells.Where(c => c.Scenario == scenario && c.Controlling == controlling && c.Controlled == controlled).ToList();
        if (cells.Count == 0) return "-";
        return string.Join(" ", cells.Select(c => c.Outcome switch
        {
            CaseOutcome.Passed => $"ok {c.Observed}",
            CaseOutcome.Unsupported => "unsupported",
            _ => $"{HtmlReport.Label(c.Outcome).ToUpperInvariant()} {c.Observed?.ToString() ?? "none"}",
        }));
    }

    private static string Row(IReadOnlyList<string> cells, IReadOnlyList<int> widths) =>
        string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i])));

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class SynchronousProgress(Action<RunProgress> report) : IProgress<RunProgress>
    {
        public void Report(RunProgress value) => report(value);
    }
}
