using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Lab;
using IceSpec.Conformance.Reports;
using IceSpec.Conformance.Scenarios;

namespace IceSpec.Conformance.Runner;

/// <summary>Where a run is: a message, cells done out of all, and the cell just finished (if any).</summary>
public sealed record RunProgress(string Message, int Done, int Total, IceCellReport? Cell = null);

/// <summary>
/// Runs a selection: per scenario one lab (built, its NATs measured, a STUN/TURN server started, torn down after), every
/// ordered pair of implementations × nomination mode in it; then the ICE agent cases (the tester against each
/// implementation); then the server cases against each selected server. Lab and driver errors become report
/// errors, never exceptions (except cancellation).
/// </summary>
public static class MatrixRunner
{
    public static async Task<ConformanceReport> RunAsync(RunSelection selection, IProgress<RunProgress>? progress, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var errors = new List<string>();
        var drivers = selection.Implementations.Select(DriverRegistry.Get).ToList();
        var scenarios = selection.Scenarios.Select(name => ScenarioCatalog.Find(name)
            ?? throw new ArgumentException($"unknown scenario '{name}'; known: {string.Join(", ", ScenarioCatalog.All.Select(s => s.Name))}")).ToList();
        foreach (var nomination in selection.Nominations)
            if (!RunSelection.NominationModes.Contains(nomination))
                throw new ArgumentException($"unknown nomination '{nomination}'; known: {string.Join(", ", RunSelection.NominationModes)}");
        Directory.CreateDirectory(selection.OutputDirectory);

        var runIce = IceCases.All.Concat(IceCases.ScenarioSpecific).Any(selection.Selects);
        var runAgent = selection.AgentPlacement != AgentCaseRunner.None && Cases.Agent.AgentCaseSuite.Cases.Any(selection.Selects);
        var ready = new List<DriverSpec>();
        foreach (var driver in runIce || runAgent ? drivers : [])
        {
            progress?.Report(new RunProgress($"preparing driver {driver.Name}", 0, 0));
            try
            {
                await DriverRegistry.PrepareAsync(driver, ct);
                ready.Add(driver);
            }
            catch (Exception e) when (e is DriverException or IOException or InvalidOperationException)
            {
                errors.Add($"driver {driver.Name} could not be prepared: {e.Message.Split('\n')[0]}");
            }
        }

        // "default" resolves per controlling driver; a mode asked twice (default = regular, and regular) runs once.
        var pairs = runIce
            ? (from a in ready from b in ready from n in selection.Nominations.Select(n => RunSelection.EffectiveNomination(n, a)).Distinct() select (a, b, n)).ToList()
            : [];
        bool Runs(Scenario s, (DriverSpec a, DriverSpec b, string n) p) =>
            selection.SelectsPair(s.Name, p.a.Name, p.b.Name) && selection.InShard(CellUnit(s.Name, p.a.Name, p.b.Name, p.n));
        var total = scenarios.Sum(s => pairs.Count(p => Runs(s, p)));
        var cells = new List<IceCellReport>();
        var scenarioReports = new List<ScenarioReport>();
        foreach (var scenario in runIce ? scenarios.Where(s => pairs.Any(p => Runs(s, p))) : [])
        {
            progress?.Report(new RunProgress($"{scenario.Name}: building the lab", cells.Count, total));
            var measured = new List<string>();
            try
            {
                await using var lab = NatLab.Build(scenario.Topology);
                measured.AddRange(await MeasureNatsAsync(lab, errors, scenario, ct));
                var server = await LabServers.StartAsync(lab, selection.Server, Path.Combine(selection.OutputDirectory, scenario.Name), ct);
                foreach (var (controlling, controlled, nomination) in pairs.Where(p => Runs(scenario, p)))
                {
                    progress?.Report(new RunProgress($"{scenario.Name}: {controlling.Name}>{controlled.Name} {nomination}", cells.Count, total));
                    var cell = await IceCellRunner.RunAsync(lab, scenario, server, controlling, controlled, nomination, selection, ct);
                    cells.Add(cell);
                    progress?.Report(new RunProgress($"{scenario.Name}: {cell.Pair} {nomination}: {cell.Outcome}", cells.Count, total, cell));
                }
            }
            catch (LabException e)
            {
                errors.Add($"scenario {scenario.Name}: the lab failed: {e.Message}");
            }
            scenarioReports.Add(new ScenarioReport(scenario.Name, scenario.Title, ScenarioDiagram.Render(scenario),
                scenario.Prediction.Kind, scenario.Prediction.Section, scenario.Prediction.Reason, measured));
        }

        var agentCases = await AgentCaseRunner.RunAsync(selection, ready, errors, progress, ct);
        var serverCases = await ServerCaseRunner.RunAsync(selection, errors, progress, ct);
        return new ConformanceReport(started, DateTimeOffset.UtcNow - started, selection.Server.ToString(), selection.Strict,
            [.. ready.Select(d => d.Name)], scenarioReports, cells, serverCases, errors) { AgentCases = agentCases }.Canonical();
    }

    /// <summary>The name of an ICE cell as a unit of work (<see cref="Shard"/>).</summary>
    public static string CellUnit(string scenario, string controlling, string controlled, string nomination) =>
        $"cell {scenario}/{controlling}>{controlled} {nomination}";

    /// <summary>Probes every NAT of the lab; a NAT that does not behave as its type claims is a lab error.</summary>
    private static async Task<List<string>> MeasureNatsAsync(NatLab lab, List<string> errors, Scenario scenario, CancellationToken ct)
    {
        var lines = new List<string>();
        foreach (var site in lab.Sites.Where(s => !s.Spec.UdpBlocked))
        {
            var nat = site.Spec.Nat;
            var measured = await NatProbe.MeasureAsync(lab, site.Hosts[0], ct);
            var agrees = measured.Mapping == nat.Mapping() && measured.Filtering == nat.Filtering();
            lines.Add($"site {site.Number} ({nat.Name()}): {measured}" + (agrees ? "" : " — NOT as claimed"));
            if (!agrees) errors.Add($"scenario {scenario.Name}: site {site.Number} should be a {nat.Name()} NAT but measured {measured}");
        }
        return lines;
    }
}
