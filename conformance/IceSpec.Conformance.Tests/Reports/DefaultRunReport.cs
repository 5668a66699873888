using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Cases.Agent;
using IceSpec.Conformance.Cases.Server;
using IceSpec.Conformance.Reports;
using IceSpec.Conformance.Runner;
using IceSpec.Conformance.Scenarios;

namespace IceSpec.Conformance.Tests.Reports;

/// <summary>
/// A report the size of a default run: the twelve default scenarios × the 25 ordered pairs of the five bundled
/// implementations (a few pairs of one scenario not run, as when a shard is missing), every agent case against the eight
/// implementation/nomination labels of the published run, every server case against coturn and IceSpec. Outcomes are
/// spread by position: mostly passed, and some of every other kind.
/// </summary>
internal static class DefaultRunReport
{
    public static readonly string[] Implementations = ["icespec", "libnice", "aioice", "werift", "pion"];

    public static readonly string[] AgentLabels =
        ["icespec/regular", "icespec/aggressive", "libnice/regular", "libnice/aggressive", "aioice/aggressive", "werift/regular", "werift/aggressive", "pion/regular"];

    /// <summary>The ordered pairs left out of <c>lossy-10</c> (no cell: "not run").</summary>
    public static readonly (string Controlling, string Controlled)[] NotRunInLossy10 = [("aioice", "pion"), ("werift", "libnice"), ("pion", "pion")];

    public static ConformanceReport Create()
    {
        var scenarios = ScenarioCatalog.Default;
        var cells = new List<IceCellReport>();
        var n = 0;
        foreach (var scenario in scenarios)
            foreach (var a in Implementations)
                foreach (var b in Implementations)
                {
                    if (scenario.Name == "lossy-10" && NotRunInLossy10.Contains((a, b))) continue;
                    var outcome = Spread(n++);
                    var cellName = $"{scenario.Name}/{a}-{b}-default";
                    var cases = IceCases.All.Select((info, i) => new CaseResult(info, $"{a}>{b}", scenario.Name,
                        i == 0 ? outcome : CaseOutcome.Passed, $"case {info.Id} of {cellName}", TimeSpan.FromMilliseconds(250 + i),
                        $"{cellName}/public.pcap", $"{cellName}/controlling.log")).ToList();
                    var connected = outcome is not (CaseOutcome.Failed or CaseOutcome.ExpectedFailure or CaseOutcome.Unsupported);
                    cells.Add(new IceCellReport(scenario.Name, a, b, "default", outcome, $"{(connected ? "Connected" : "Failed")}: cell {n}",
                        scenario.Prediction.Kind, connected ? scenario.Prediction.Kind : null,
                        connected ? "host 10.1.1.2:50000 -> host 10.2.1.2:50001" : null, connected ? "host 10.2.1.2:50001 -> host 10.1.1.2:50000" : null,
                        connected ? TimeSpan.FromMilliseconds(40 + n % 300) : null, cases, [$"{cellName}/public.pcap", $"{cellName}/controlling.log"]));
                }
        var agentCases = AgentCaseSuite.Cases.SelectMany(info => AgentLabels.Select(label => new CaseResult(info, label, "loopback",
            Spread(n++), $"{label} {info.Id}: frame {n}", TimeSpan.FromSeconds(1.5),
            $"agent/{label.Replace('/', '-')}/{info.Id}/tester.pcap", $"agent/{label.Replace('/', '-')}/{info.Id}/iut.log"))).ToList();
        var serverCases = ServerCaseSuite.Cases.SelectMany(info => new[] { "coturn", "icespec" }.Select(server =>
            new CaseResult(info, server, "server", Spread(n++), $"{server} answered {n}", TimeSpan.FromMilliseconds(12), LogPath: $"server/{server}.log"))).ToList();
        var scenarioReports = scenarios.Select(s => new ScenarioReport(s.Name, s.Title, ScenarioDiagram.Render(s), s.Prediction.Kind,
            s.Prediction.Section, s.Prediction.Reason, [])).ToList();
        return new ConformanceReport(DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(25), "Coturn", false, Implementations,
            scenarioReports, cells, serverCases, ["scenario lossy-10: shard 3's report is missing"]) { AgentCases = agentCases };
    }

    /// <summary>Mostly passed; every so often each other outcome (a known failure more often than a new one).</summary>
    private static CaseOutcome Spread(int n) => n switch
    {
        _ when n % 23 == 5 => CaseOutcome.Failed,
        _ when n % 11 == 3 => CaseOutcome.ExpectedFailure,
        _ when n % 13 == 7 => CaseOutcome.Unsupported,
        _ when n % 47 == 20 => CaseOutcome.UnexpectedPass,
        _ when n % 31 == 9 => CaseOutcome.Inconclusive,
        _ => CaseOutcome.Passed,
    };
}
