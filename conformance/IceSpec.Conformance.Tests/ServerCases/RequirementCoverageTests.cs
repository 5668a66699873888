using IceSpec.Conformance.Cases.Server;
using IceSpec.Conformance.Coverage;
using Xunit.Abstractions;

namespace IceSpec.Conformance.Tests.ServerCases;

[Trait("Category", "unit")]
public sealed class RequirementCoverageTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_subject_a_case_names_is_in_a_generated_catalog() =>
        Assert.Empty(RequirementCoverage.UnknownSubjects(RequirementCoverage.AllCases));

    [Fact]
    public void A_subject_no_catalog_has_is_reported() =>
        Assert.Equal(["Binding request as ice-check: required NOTHING"],
            RequirementCoverage.UnknownSubjects([new CaseCoverage("rfc8445-7.1.1-1", ["Binding request as ice-check: required PRIORITY", "Binding request as ice-check: required NOTHING"])]));

    [Fact]
    public void Coverage_is_given_per_rfc_for_the_three_catalogs()
    {
        var perRfc = RequirementCoverage.PerRfc(RequirementCoverage.Compute());
        foreach (var rfc in perRfc) output.WriteLine($"RFC {rfc.Rfc}: {rfc.Covered} of {rfc.WireObservable}");
        Assert.Contains(perRfc, r => r.Rfc == 8489 && r.Covered > 0);
        Assert.Contains(perRfc, r => r.Rfc == 8656 && r.Covered > 0);
        Assert.Contains(perRfc, r => r.Rfc == 8445 && r.Covered > 0);
        Assert.All(perRfc, r => Assert.InRange(r.Covered, 0, r.WireObservable));
    }

    [Fact]
    public void The_agent_cases_cover_the_ice_check_rules_they_name()
    {
        var rows = RequirementCoverage.Compute();
        var priority = rows.Single(r => r.Requirement.Subject == "Binding request as ice-check: required PRIORITY");
        Assert.Contains("rfc8445-7.1.1-1", priority.CaseIds);
        Assert.Contains(IceSpec.Conformance.Runner.ConnectivityCheckCase.Info.Id, priority.CaseIds);
        var withoutAgentCases = RequirementCoverage.Compute(RequirementCoverage.AllCases.Where(c => !c.CaseId.StartsWith("rfc8445-7.1.1-")));
        Assert.DoesNotContain("rfc8445-7.1.1-1", withoutAgentCases.Single(r => r.Requirement.Subject == priority.Requirement.Subject).CaseIds);
    }

    [Fact]
    public void Rows_cover_both_catalogs_and_name_the_cases()
    {
        var rows = RequirementCoverage.Compute();
        Assert.Equal(RequirementCoverage.Catalog.Count(), rows.Count);
        Assert.Contains(rows, r => r.Requirement.Id.StartsWith("stun.") && r.Covered);
        Assert.Contains(rows, r => r.Requirement.Id.StartsWith("turn.") && r.Covered);
        Assert.Contains(rows, r => r.Requirement.Id.StartsWith("ice.") && r.Covered);
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
        output.WriteLine($"{covered} of {rows.Length} wire-observable requirements have a case; without one:");
        foreach (var row in rows.Where(r => !r.Covered)) output.WriteLine($"  {row.Requirement.Id,-22} {row.Requirement.Subject}");
        Assert.InRange(covered, 30, rows.Length);
        Assert.Contains(rows, r => !r.Covered && r.Requirement.Subject == "441 Wrong Credentials");
    }
}

