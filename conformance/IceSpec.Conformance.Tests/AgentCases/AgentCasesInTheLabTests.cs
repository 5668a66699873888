using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Lab;
using IceSpec.Conformance.Reports;
using IceSpec.Conformance.Runner;

namespace IceSpec.Conformance.Tests.AgentCases;

/// <summary>
/// Agent cases inside a NAT lab: the IUT on the controlling host of <c>one-nat</c> (behind a port-restricted NAT), the
/// tester on the controlled host; the tester sees the IUT's checks from the NAT's address, so a case that matches sources
/// to the IUT's candidates is inconclusive there, never failed; the lab's namespaces are gone afterwards.
/// </summary>
[Trait("Category", "lab")]
[Collection("lab")]
public sealed class AgentCasesInTheLabTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-agent-lab-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_tester_and_the_iut_run_in_the_lab_namespaces_and_the_lab_is_torn_down()
    {
        var before = LabSweep.ListLabNamespaces().ToHashSet();
        var selection = new RunSelection(["icespec"], [], ["default"], ["rfc8445-7.2.2-1", "rfc8445-7.1.1-1"], false, null, _directory,
            AgentPlacement: "one-nat", AgentNominations: ["default"]);

        var report = await MatrixRunner.RunAsync(selection, null, CancellationToken.None);

        Assert.Empty(report.Errors);
        Assert.Equal(2, report.AgentCases.Count);
        Assert.All(report.AgentCases, r => Assert.Equal("one-nat", r.Scenario));
        Assert.Equal(CaseOutcome.Passed, report.AgentCases.Single(r => r.Case.Id == "rfc8445-7.2.2-1").Outcome);
        var priority = report.AgentCases.Single(r => r.Case.Id == "rfc8445-7.1.1-1");
        Assert.Equal(CaseOutcome.Inconclusive, priority.Outcome);
        Assert.Contains("198.51.100.", priority.Detail);   // the NAT's external address, where the checks came from
        Assert.True(File.Exists(Path.Combine(_directory, report.AgentCases[0].PcapPath!)));
        Assert.DoesNotContain(LabSweep.ListLabNamespaces(), n => !before.Contains(n) && n.StartsWith($"{LabSweep.NamePrefix}{Environment.ProcessId}-"));
    }
}
