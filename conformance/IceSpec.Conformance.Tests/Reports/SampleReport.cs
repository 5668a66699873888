using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Reports;
using IceSpec.Conformance.Runner;
using IceSpec.Conformance.Scenarios;

namespace IceSpec.Conformance.Tests.Reports;

/// <summary>
/// A report with every outcome in it: two scenarios × three implementations, one server case of each kind, and the first
/// six agent cases against three implementation/nomination labels.
/// </summary>
internal static class SampleReport
{
    public static readonly string[] Implementations = ["libnice", "aioice", "pion"];

    public static readonly string[] AgentLabels = ["libnice/regular", "libnice/aggressive", "aioice/aggressive"];

    public static ConformanceReport Create()
    {
        var scenarios = new[] { ScenarioCatalog.Find("no-nat")!, ScenarioCatalog.Find("both-symmetric-turn")! };
        var cells = new List<IceCellReport>();
        var outcomes = Enum.GetValues<CaseOutcome>();
        var n = 0;
        foreach (var scenario in scenarios)
            foreach (var a in Implementations)
                foreach (var b in Implementations)
                {
                    var outcome = outcomes[n++ % outcomes.Length];
                    var cases = IceCases.All.Select(info => new CaseResult(info, $"{a}>{b}", scenario.Name, outcome,
                        $"detail <{n}> & more", TimeSpan.FromMilliseconds(40), $"{scenario.Name}/{a}-{b}/public.pcap", $"{scenario.Name}/{a}-{b}/controlling.log")).ToList();
                    cells.Add(new IceCellReport(scenario.Name, a, b, "regular", outcome, "Connected: …", scenario.Prediction.Kind,
                        outcome == CaseOutcome.Failed ? null : scenario.Prediction.Kind, "host 10.1.1.2:1 -> host 10.2.1.2:2",
                        "host 10.2.1.2:2 -> host 10.1.1.2:1", TimeSpan.FromMilliseconds(21.5), cases,
                        [$"{scenario.Name}/{a}-{b}/public.pcap", $"{scenario.Name}/{a}-{b}/controlling.log"]));
                }
        var serverCase = new CaseInfo("rfc8489-10.1.2-1", 8489, "10.1.2", RequirementLevel.Must, "401 without credentials", "RFC 8489 §10.1.2: …");
        var serverCases = outcomes.Select(o => new CaseResult(serverCase, "coturn", "server", o, $"server {o}", TimeSpan.FromMilliseconds(3))).ToList();
        var scenarioReports = scenarios.Select(s => new ScenarioReport(s.Name, s.Title, ScenarioDiagram.Render(s), s.Prediction.Kind,
            s.Prediction.Section, s.Prediction.Reason, ["site 1 (symmetric): mapping AddressAndPortDependent"])).ToList();
        var agentCases = Cases.Agent.AgentCaseSuite.Cases.Take(6).SelectMany(info => AgentLabels.Select(impl =>
            new CaseResult(info, impl, "loopback", outcomes[n++ % outcomes.Length], $"{impl} {info.Id}: frame {n}", TimeSpan.FromSeconds(1),
                $"agent/{impl.Replace('/', '-')}/{info.Id}/tester.pcap", $"agent/{impl.Replace('/', '-')}/{info.Id}/iut.log"))).ToList();
        return new ConformanceReport(DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(42), "Coturn", false, Implementations,
            scenarioReports, cells, serverCases, ["scenario x: the lab failed: example"]) { AgentCases = agentCases };
    }
}
