using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Cases.Agent;
using IceSpec.Conformance.Lab;
using IceSpec.Conformance.Scenarios;

namespace IceSpec.Conformance.Runner;

/// <summary>
/// Runs the selected ICE agent cases (<see cref="AgentCaseSuite"/>) against every ready implementation, once per
/// nomination mode it has (<see cref="RunSelection.AgentNominations"/>): on loopback, or with the IUT on the controlling
/// host and the tester on the controlled host of a scenario's lab (<see cref="RunSelection.AgentPlacement"/>).
/// </summary>
public static class AgentCaseRunner
{
    public const string Loopback = "loopback";
    public const string None = "none";

    public static async Task<IReadOnlyList<CaseResult>> RunAsync(RunSelection selection, IReadOnlyList<DriverSpec> drivers, List<string> errors,
        IProgress<RunProgress>? progress, CancellationToken ct)
    {
        var results = new List<CaseResult>();
        var selected = AgentCaseSuite.Cases.Where(selection.Selects).ToList();
        if (selection.AgentPlacement == None || selected.Count == 0 || drivers.Count == 0) return results;
        var runs = (from d in drivers
                    from n in selection.AgentNominations.Select(n => RunSelection.EffectiveNomination(n, d)).Distinct()
                    where d.Supports(n) || n == RunSelection.EffectiveNomination("default", d)
                    select (Driver: d, Nomination: n)).ToList();
        bool InShard(DriverSpec d, string n, string caseId) => selection.InShard(Unit(selection.AgentPlacement, AgentCaseSuite.Label(d, n), caseId));
        var total = runs.Sum(r => selected.Count(c => InShard(r.Driver, r.Nomination, c.Id)));
        if (total == 0) return results;
        var done = 0;
        NatLab? lab = null;
        try
        {
            var placement = AgentCasePlacement.Loopback;
            if (selection.AgentPlacement != Loopback)
            {
                var scenario = ScenarioCatalog.Find(selection.AgentPlacement)
                    ?? throw new ArgumentException($"agent cases: unknown placement '{selection.AgentPlacement}'; use loopback, none or a scenario: {string.Join(", ", ScenarioCatalog.All.Select(s => s.Name))}");
                progress?.Report(new RunProgress($"agent cases: building the {scenario.Name} lab", results.Count, total));
                lab = NatLab.Build(scenario.Topology);
                var (iut, tester) = (scenario.ControllingHost(lab), scenario.ControlledHost(lab));
                placement = new AgentCasePlacement(scenario.Name, iut.Address, tester.Address, iut.Namespace, tester.Namespace)
                {
                    TranslatesIutAddresses = lab.Sites[iut.Site - 1].Spec.Nat != NatType.None,
                };
            }
            var targets = runs.Where(r => selected.Any(c => InShard(r.Driver, r.Nomination, c.Id))).Select(r => new AgentCaseTarget(r.Driver, r.Nomination)).ToList();
            var options = new AgentCaseOptions(selection.OutputDirectory, selection.Selects, selection.ExpectedFailures, placement,
                InShard: (t, c) => InShard(t.Driver, t.Nomination, c.Id));
            var reporter = new CaseProgress(r => progress?.Report(new RunProgress(
                $"agent {r.Scenario}/{r.Implementation}: {r.Case.Id} {r.Outcome}", Interlocked.Increment(ref done), total)));
            results.AddRange(await AgentCaseSuite.RunAsync(targets, options, reporter, ct));
        }
        catch (LabException e)
        {
            errors.Add($"agent cases in {selection.AgentPlacement}: the lab failed: {e.Message}");
        }
        finally
        {
            if (lab is not null) await lab.DisposeAsync();
        }
        return results;
    }

    /// <summary>The name of one agent case run as a unit of work (<see cref="Shard"/>).</summary>
    public static string Unit(string placement, string implementation, string caseId) => $"agent {placement}/{implementation} {caseId}";

    private sealed class CaseProgress(Action<CaseResult> report) : IProgress<CaseResult>
    {
        public void Report(CaseResult value) => report(value);
    }
}
