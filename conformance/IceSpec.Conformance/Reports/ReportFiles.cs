namespace IceSpec.Conformance.Reports;

/// <summary>The report files of a run, written into its output directory beside the cells' pcaps and logs.</summary>
public static class ReportFiles
{
    public const string Json = "report.json";
    public const string JUnit = "junit.xml";
    public const string Html = "report.html";
    public const string Markdown = "report.md";

    /// <summary>Writes report.json, junit.xml, report.html and report.md into <paramref name="directory"/>; returns their paths.</summary>
    public static IReadOnlyList<string> WriteAll(ConformanceReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        var json = Path.Combine(directory, Json);
        var junit = Path.Combine(directory, JUnit);
        var html = Path.Combine(directory, Html);
        JsonReport.Write(report, json);
        JUnitReport.Write(report, junit);
        HtmlReport.Write(report, html);
        var markdown = Path.Combine(directory, Markdown);
        MarkdownReport.Write(report, markdown);
        return [json, junit, html, markdown];
    }
}
