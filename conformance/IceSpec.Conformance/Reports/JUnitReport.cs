using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using IceSpec.Conformance.Cases;

namespace IceSpec.Conformance.Reports;

/// <summary>
/// The report as JUnit XML for CI systems: one test suite per scenario (and one for the agent cases of each placement, one for the server cases), one test case per
/// case result. Failed and unexpected passes are failures, unsupported and inconclusive cases are skipped, expected
/// failures pass with a note. Text is stripped of characters XML cannot hold (servers send NUL-padded reason phrases).
/// </summary>
public static class JUnitReport
{
    public static XDocument Render(ConformanceReport report)
    {
        var suites = report.Cells
            .GroupBy(c => c.Scenario)
            .Select(g => Suite($"ice.{g.Key}", g.SelectMany(cell => cell.Cases.Select(r => (r, $"{cell.Pair} {cell.Nomination} {r.Case.Id}")))))
            .ToList();
        suites.AddRange(report.AgentCases.GroupBy(r => r.Scenario)
            .Select(g => Suite($"agent.{g.Key}", g.Select(r => (r, $"{r.Implementation} {r.Case.Id}")))));
        if (report.ServerCases.Count > 0)
            suites.Add(Suite("server", report.ServerCases.Select(r => (r, $"{r.Implementation} {r.Case.Id}"))));
        if (report.Errors.Count > 0)
            suites.Add(new XElement("testsuite", new XAttribute("name", "lab"), new XAttribute("tests", report.Errors.Count),
                new XAttribute("failures", report.Errors.Count),
                report.Errors.Select((e, i) => new XElement("testcase", new XAttribute("classname", "lab"), new XAttribute("name", $"error {i + 1}"),
                    new XElement("failure", new XAttribute("message", XmlSafe(e)))))));
        var all = report.AllCases.ToList();
        return new XDocument(new XElement("testsuites",
            new XAttribute("name", "icespec conformance"),
            new XAttribute("tests", all.Count + report.Errors.Count),
            new XAttribute("failures", all.Count(IsFailure) + report.Errors.Count),
            new XAttribute("skipped", all.Count(IsSkipped)),
            new XAttribute("time", Seconds(report.Duration)),
            suites));
    }

    public static void Write(ConformanceReport report, string path) => Render(report).Save(path);

    private static XElement Suite(string name, IEnumerable<(CaseResult Result, string Name)> cases)
    {
        var list = cases.ToList();
        return new XElement("testsuite",
            new XAttribute("name", name),
            new XAttribute("tests", list.Count),
            new XAttribute("failures", list.Count(c => IsFailure(c.Result))),
            new XAttribute("skipped", list.Count(c => IsSkipped(c.Result))),
            new XAttribute("time", Seconds(TimeSpan.FromTicks(list.Sum(c => c.Result.Duration.Ticks)))),
            list.Select(c => TestCase(name, c.Name, c.Result)));
    }

    private static XElement TestCase(string suite, string name, CaseResult result)
    {
        var element = new XElement("testcase",
            new XAttribute("classname", suite),
            new XAttribute("name", name),
            new XAttribute("time", Seconds(result.Duration)));
        if (result.PcapPath is not null) element.Add(new XElement("properties",
            new XElement("property", new XAttribute("name", "pcap"), new XAttribute("value", result.PcapPath)),
            new XElement("property", new XAttribute("name", "log"), new XAttribute("value", result.LogPath ?? ""))));
        var text = XmlSafe($"{result.Case.Title}\n{result.Case.RequirementText}\n{result.Detail}");
        switch (result.Outcome)
        {
            case CaseOutcome.Failed:
            case CaseOutcome.UnexpectedPass:
                element.Add(new XElement("failure", new XAttribute("message", XmlSafe($"{result.Outcome}: {result.Detail}")), text));
                break;
            case CaseOutcome.Unsupported:
            case CaseOutcome.Inconclusive:
                element.Add(new XElement("skipped", new XAttribute("message", XmlSafe($"{HtmlReport.Label(result.Outcome)}: {result.Detail}"))));
                break;
            case CaseOutcome.ExpectedFailure:
                element.Add(new XElement("system-out", XmlSafe($"expected failure: {result.Detail}")));
                break;
        }
        return element;
    }

    private static bool IsFailure(CaseResult result) => result.Outcome is CaseOutcome.Failed or CaseOutcome.UnexpectedPass;

    private static bool IsSkipped(CaseResult result) => result.Outcome is CaseOutcome.Unsupported or CaseOutcome.Inconclusive;

    /// <summary><paramref name="text"/> without the characters XML 1.0 forbids (NUL and other C0 controls but tab, CR, LF).</summary>
    internal static string XmlSafe(string text) =>
        text.Any(c => !XmlConvert.IsXmlChar(c)) ? new string([.. text.Where(XmlConvert.IsXmlChar)]) : text;

    private static string Seconds(TimeSpan duration) => duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
}
