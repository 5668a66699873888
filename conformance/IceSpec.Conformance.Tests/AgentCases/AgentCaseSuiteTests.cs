using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Cases.Agent;
using IceSpec.Conformance.Cases.Server;
using IceSpec.Conformance.Runner;
using Xunit.Abstractions;

namespace IceSpec.Conformance.Tests.AgentCases;

/// <summary>
/// The CI subset of the ICE agent cases: every case once against IceSpec's agent (which must pass every MUST case, on
/// loopback, with both nominations), and every family against one third-party implementation with the kit's
/// known-failures list applied (a new failure, or a listed failure that passes for good, fails the test).
/// </summary>
public sealed class AgentCaseSuiteTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-agent-cases-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("regular")]
    [InlineData("aggressive")]
    public async Task IceSpec_passes_every_must_case(string nomination)
    {
        var results = await RunAsync("icespec", nomination, AgentCaseSuite.All, strict: true);
        Assert.Equal(AgentCaseSuite.All.Count, results.Count);
        Assert.DoesNotContain(results, r => r.Case.Level == RequirementLevel.Must && r.Outcome is not (CaseOutcome.Passed or CaseOutcome.Unsupported));
        Assert.Contains(results, r => r.Outcome == CaseOutcome.Passed);
    }

    /// <summary>Which third-party implementation runs each family in CI (the full kit runs them all).</summary>
    public static TheoryData<string, string, string> FamilyRotation()
    {
        string[][] rotation = [["libnice", "regular"], ["pion", "regular"], ["aioice", "aggressive"], ["werift", "regular"], ["libnice", "aggressive"]];
        var data = new TheoryData<string, string, string>();
        for (var i = 0; i < AgentCaseSuite.Families.Count; i++)
            data.Add(AgentCaseSuite.Families[i].Name, rotation[i % rotation.Length][0], rotation[i % rotation.Length][1]);
        return data;
    }

    [Theory]
    [MemberData(nameof(FamilyRotation))]
    public async Task Each_family_runs_against_a_third_party_implementation_as_the_known_failures_say(string family, string driver, string nomination)
    {
        var cases = AgentCaseSuite.Families.Single(f => f.Name == family).Cases;
        var results = await RunAsync(driver, nomination, cases, strict: false);
        Assert.NotEmpty(results);
        Assert.DoesNotContain(results, r => r.Outcome is CaseOutcome.Failed or CaseOutcome.UnexpectedPass);
    }

    private async Task<IReadOnlyList<CaseResult>> RunAsync(string driver, string nomination, IReadOnlyList<AgentCase> cases, bool strict)
    {
        var ids = cases.Select(c => c.Info.Id).ToHashSet();
        var expected = ExpectedFailures.Load(RepositoryFiles.KnownFailures);
        var results = await AgentCaseSuite.RunAsync(DriverRegistry.Get(driver), nomination,
            new AgentCaseOptions(_directory, c => ids.Contains(c.Id) && (strict || c.Level == RequirementLevel.Must), expected), null, CancellationToken.None);
        foreach (var r in results) output.WriteLine($"{r.Implementation} {r.Case.Id} {r.Outcome} ({r.Duration.TotalSeconds:0.0} s): {r.Detail}");
        return results;
    }
}
