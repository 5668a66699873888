using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Lab;
using IceSpec.Conformance.Runner;
using IceSpec.Conformance.Scenarios;

namespace IceSpec.Conformance.Tests.Runner;

/// <summary>
/// The CI subset: every scenario once, with one ordered pair each, rotating over the bundled drivers so that every driver
/// is the controlling and the controlled agent at least once. Each cell must pass against its prediction, or fail only
/// where the kit's known-failures list (what ./run.sh passes) says an implementation does, with its evidence.
/// </summary>
[Collection("lab")]
public sealed class CiSubsetTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("icespec-ci-subset-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    /// <summary>Scenario i runs drivers[i] → drivers[i+1] (mod n): with 10 scenarios and 5 drivers everyone plays both roles twice.</summary>
    public static Dictionary<string, IReadOnlyList<string>> Rotation(IReadOnlyList<string> drivers) =>
        ScenarioCatalog.All.Select((s, i) => (s.Name, Pair: $"{drivers[i % drivers.Count]}>{drivers[(i + 1) % drivers.Count]}"))
            .ToDictionary(x => x.Name, x => (IReadOnlyList<string>)[x.Pair]);

    [Fact]
    public async Task Every_scenario_and_every_driver_once()
    {
        string[] drivers = ["icespec", "libnice", "aioice", "werift", "pion"];
        var rotation = Rotation(drivers);
        var selection = new RunSelection(drivers, [.. ScenarioCatalog.All.Select(s => s.Name)], ["default"], [], false,
            KnownFailures.Load(), _out, LabServerKind.Coturn, Pairs: rotation, AgentPlacement: AgentCaseRunner.None);

        var report = await MatrixRunner.RunAsync(selection, null, CancellationToken.None);

        Assert.Empty(report.Errors);
        Assert.Equal(ScenarioCatalog.All.Count, report.Cells.Count);
        Assert.All(drivers, d => Assert.Contains(report.Cells, c => c.Controlling == d));
        Assert.All(drivers, d => Assert.Contains(report.Cells, c => c.Controlled == d));
        Assert.All(report.Cells, cell => Assert.True(cell.Outcome is CaseOutcome.Passed or CaseOutcome.ExpectedFailure,
            $"{cell.Scenario} {cell.Pair} {cell.Nomination}: predicted {cell.Predicted}, observed {cell.Observed}; {cell.Detail}; " +
            string.Join("; ", cell.Cases.Where(c => c.Outcome is not (CaseOutcome.Passed or CaseOutcome.ExpectedFailure)).Select(c => $"{c.Case.Id}: {c.Detail}"))));
        Assert.DoesNotContain(LabSweep.ListLabNamespaces(), n => n.StartsWith($"{LabSweep.NamePrefix}{Environment.ProcessId}-"));
    }
}
