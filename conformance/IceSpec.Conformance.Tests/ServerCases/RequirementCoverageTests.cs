using IceSpec.Conformance.Cases.Server;
using IceSpec.Conformance.Coverage;
using Xunit.Abstractions;

namespace IceSpec.Conformance.Tests.ServerCases;

public sealed class RequirementCoverageTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_subject_a_case_names_is_in_a_generated_catalog() =>
        Assert.Empty(RequirementCoverage.UnknownSubjects(ServerCaseSuite.All));

    [Fact]
    public void Rows_cover_both_catalogs_and_name_the_cases()
    {
        var rows = RequirementCoverage.Compute();
        Assert.Equal(RequirementCoverage.Catalog.Count(), rows.Count);
        Assert.Contains(rows, r => r.Requirement.Id.StartsWith("stun.") && r.Covered);
        var mismatch = rows.Single(r => r.Requirement.Subject == "437 Allocation Mismatch");
        Assert.True(mismatch.WireObservable);
        Assert.Equal(["rfc8656-7.2-4", "rfc8656-5-1", "rfc8656-5-2", "rfc8656-5-3"], mismatch.CaseIds);
        var method = rows.First(r => r.Requirement.Kind == "method");
        Assert.False(method.WireObservable);
        Assert.False(method.Covered);
    }

    [Fact]
    public void Wire_observable_requirements_without_a_case_are_listed()
    {
        var rows = RequirementCoverage.Compute().Where(r => r.WireObservable).ToArray();
        var covered = rows.Count(r => r.Covered);
        output.WriteLine($"{covered} of {rows.Length} wire-observable requirements have a server case; without one:");
        foreach (var row in rows.Where(r => !r.Covered)) output.WriteLine($"  {row.Requirement.Id,-22} {row.Requirement.Subject}");
        Assert.InRange(covered, 30, rows.Length);
        Assert.Contains(rows, r => !r.Covered && r.Requirement.Subject == "441 Wrong Credentials");
    }
}
