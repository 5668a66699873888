using System.Text.Json;
using System.Xml.Linq;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Reports;

namespace IceSpec.Conformance.Tests.Reports;

/// <summary>The JSON, JUnit, Markdown and console renderings are well-formed and count what the report holds.</summary>
[Trait("Category", "unit")]
public sealed class ReportFormatTests
{
    private readonly ConformanceReport _report = SampleReport.Create();

    [Fact]
    public void Json_is_well_formed_and_holds_every_cell_and_case()
    {
        using var json = JsonDocument.Parse(JsonReport.Render(_report));

        var cells = json.RootElement.GetProperty("cells");
        Assert.Equal(_report.Cells.Count, cells.GetArrayLength());
        Assert.Equal("unsupported", cells[2].GetProperty("outcome").GetString());
        Assert.Equal(_report.ServerCases.Count, json.RootElement.GetProperty("serverCases").GetArrayLength());
        Assert.Equal("rfc8445-8.1.2-1", cells[0].GetProperty("cases")[0].GetProperty("case").GetProperty("id").GetString());
    }

    [Fact]
    public void JUnit_is_well_formed_with_failures_skips_and_one_suite_per_scenario()
    {
        var xml = XDocument.Parse(JUnitReport.Render(_report).ToString());

        var root = xml.Root!;
        var all = _report.AllCases.ToList();
        var failures = all.Count(c => c.Outcome is CaseOutcome.Failed or CaseOutcome.UnexpectedPass) + _report.Errors.Count;
        Assert.Equal(all.Count + _report.Errors.Count, (int)root.Attribute("tests")!);
        Assert.Equal(failures, (int)root.Attribute("failures")!);
        Assert.Equal(failures, root.Descendants("failure").Count());
        Assert.Equal(all.Count(c => c.Outcome is CaseOutcome.Unsupported or CaseOutcome.Inconclusive), root.Descendants("skipped").Count());
        Assert.Equal(["ice.no-nat", "ice.both-symmetric-turn", "agent.loopback", "server", "lab"], root.Elements("testsuite").Select(s => (string)s.Attribute("name")!));
    }

    [Fact]
    public void Agent_cases_are_in_every_rendering()
    {
        using var json = JsonDocument.Parse(JsonReport.Render(_report));
        Assert.Equal(_report.AgentCases.Count, json.RootElement.GetProperty("agentCases").GetArrayLength());

        var suite = XDocument.Parse(JUnitReport.Render(_report).ToString()).Root!.Elements("testsuite").Single(s => (string?)s.Attribute("name") == "agent.loopback");
        Assert.Equal(_report.AgentCases.Count, suite.Elements("testcase").Count());

        var markdown = MarkdownReport.Render(_report);
        Assert.Contains("| case | level | IUT | checks | libnice/regular | libnice/aggressive | aioice/aggressive |", markdown);
        foreach (var id in _report.AgentCases.Select(r => r.Case.Id).Distinct()) Assert.Contains($"| `{id}` | MUST |", markdown);
        Assert.Contains("✘", markdown);
    }

    [Fact]
    public void The_console_gives_each_failing_case_its_one_line_reason()
    {
        var console = new StringWriter();
        ConsoleReport.WriteMatrix(_report, console);
        var text = console.ToString();
        var failing = _report.AllCases.Count(r => r.Outcome is CaseOutcome.Failed or CaseOutcome.UnexpectedPass);
        Assert.Contains($"Failing ({failing}):", text);
        var agentFailure = _report.AgentCases.First(r => r.Outcome == CaseOutcome.Failed);
        Assert.Contains($"  FAILED loopback/{agentFailure.Implementation} {agentFailure.Case.Id}: {agentFailure.Detail}", text);
        Assert.Contains("ICE agent cases (loopback)", text);
    }
}
