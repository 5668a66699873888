using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Cases.Agent;
using IceSpec.Conformance.Cases.Server;
using Xunit.Abstractions;

namespace IceSpec.Conformance.Tests.AgentCases;

/// <summary>
/// The CI subset of the ICE agent cases, run once for the class (<see cref="AgentCaseCiRun"/>) and judged per part:
/// every case against IceSpec's agent in both nominations (it must pass every MUST case), and every family against one
/// third-party implementation with the kit's known-failures list applied (a new failure, or a listed failure that
/// passes for good, fails the test).
/// </summary>
[Trait("Category", "interop")]
public sealed class AgentCaseSuiteTests(AgentCaseCiRun run, ITestOutputHelper output) : IClassFixture<AgentCaseCiRun>
{
    [Theory]
    [InlineData("regular")]
    [InlineData("aggressive")]
    public async Task IceSpec_passes_every_must_case(string nomination)
    {
        var results = (await run.Results).Where(r => r.Implementation == $"icespec/{nomination}").ToList();
        Print(results);
        Assert.Equal(AgentCaseSuite.All.Count, results.Count);
        Assert.DoesNotContain(results, r => r.Case.Level == RequirementLevel.Must && r.Outcome is not (CaseOutcome.Passed or CaseOutcome.Unsupported or CaseOutcome.Inconclusive));
        Assert.Contains(results, r => r.Outcome == CaseOutcome.Passed);
    }

    public static TheoryData<string> FamilyNames() => [.. AgentCaseSuite.Families.Select(f => f.Name)];

    [Theory]
    [MemberData(nameof(FamilyNames))]
    public async Task Each_family_runs_against_a_third_party_implementation_as_the_known_failures_say(string family)
    {
        var target = AgentCaseCiRun.ThirdPartyFor(family);
        var ids = AgentCaseSuite.Families.Single(f => f.Name == family).Cases.Select(c => c.Info.Id).ToHashSet();
        var results = (await run.Results).Where(r => r.Implementation == target && ids.Contains(r.Case.Id)).ToList();
        Print(results);
        Assert.NotEmpty(results);
        Assert.DoesNotContain(results, r => r.Outcome is CaseOutcome.Failed or CaseOutcome.UnexpectedPass);
    }

    private void Print(IEnumerable<CaseResult> results)
    {
        foreach (var r in results) output.WriteLine($"{r.Implementation} {r.Case.Id} {r.Outcome} ({r.Duration.TotalSeconds:0.0} s): {r.Detail}");
    }
}

/// <summary>
/// One run of the CI subset, shared by the tests of <see cref="AgentCaseSuiteTests"/>: IceSpec (regular and aggressive)
/// with every case, SHOULD ones included; each family's MUST cases against the third-party implementation the rotation
/// gives it. All units side by side, as the kit runs them.
/// </summary>
public sealed class AgentCaseCiRun : IDisposable
{
    private static readonly string[] Rotation = ["libnice/regular", "pion/regular", "aioice/aggressive", "werift/regular", "libnice/aggressive"];
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-agent-ci-").FullName;

    public AgentCaseCiRun() => Results = RunAsync();

    public Task<IReadOnlyList<CaseResult>> Results { get; }

    /// <summary>Which third-party implementation runs a family in CI (the full kit runs them all).</summary>
    public static string ThirdPartyFor(string family)
    {
        var index = AgentCaseSuite.Families.Select(f => f.Name).ToList().IndexOf(family);
        return Rotation[index % Rotation.Length];
    }

    private async Task<IReadOnlyList<CaseResult>> RunAsync()
    {
        var labels = new[] { "icespec/regular", "icespec/aggressive" }.Concat(AgentCaseSuite.Families.Select(f => ThirdPartyFor(f.Name))).Distinct();
        var targets = labels.Select(l => new AgentCaseTarget(DriverRegistry.Get(l.Split('/')[0]), l.Split('/')[1])).ToList();
        bool Runs(AgentCaseTarget target, CaseInfo info) => target.Driver.Name == "icespec"
            || (info.Level == RequirementLevel.Must && AgentCaseSuite.Families.Any(f => ThirdPartyFor(f.Name) == target.Label && f.Cases.Any(c => c.Info.Id == info.Id)));
        var options = new AgentCaseOptions(_directory, _ => true, ExpectedFailures.Load(RepositoryFiles.KnownFailures), InShard: Runs);
        return await AgentCaseSuite.RunAsync(targets, options, null, CancellationToken.None);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
