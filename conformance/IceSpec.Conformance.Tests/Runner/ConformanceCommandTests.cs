using IceSpec.Cli;
using IceSpec.Conformance.Tests.Adapter;
using IceSpec.Conformance.Runner;
using IceSpec.Conformance.Scenarios;

namespace IceSpec.Conformance.Tests.Runner;

/// <summary><c>icespec conformance list|run</c> in-process: the listing, and clear usage errors for bad input (exit 2).</summary>
[Trait("Category", "unit")]
public sealed class ConformanceCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-conformance-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static (int Exit, string Out, string Error) Run(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var exit = CliApp.Run(args, new StringReader(""), stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void List_names_every_driver_scenario_and_ice_case()
    {
        var (exit, output, _) = Run("conformance", "list");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.All(BundledDriverNames.All, name => Assert.Contains($"  {name}", output)); // not DriverRegistry.All: tests in parallel add drivers
        Assert.All(ScenarioCatalog.All, s => Assert.Contains($"  {s.Name}: {s.Title}", output));
        Assert.All(IceCases.All, c => Assert.Contains(c.Id, output));
        Assert.Contains("Server cases", output);
    }

    [Fact]
    public void List_marks_the_mid_call_fault_scenarios_a_default_run_leaves_out()
    {
        var (_, output, _) = Run("conformance", "list");

        var marked = ScenarioCatalog.All.Where(s => output.Contains($"  {s.Name}: {s.Title}\n    mid-call fault: runs when named or with --scenario all")).ToList();
        Assert.Equal(["nat-timeout-idle", "nat-mapping-deleted", "turn-restart"], marked.Select(s => s.Name));
        Assert.All(marked, s => Assert.NotNull(s.MidCall));
        Assert.Contains("  both-symmetric-no-turn: Both sides behind symmetric NATs, no TURN server: ICE must fail\n    predicted to fail (each cell waits the cell timeout)", output);
        var ipv6 = ScenarioCatalog.All.Where(s => output.Contains($"  {s.Name}: {s.Title}\n    IPv6 lab: runs when named or with --scenario all")).ToList();
        Assert.Equal(["dual-stack", "ipv6-only", "family-mismatch-turn", "same-lan-mdns-ipv6", "same-lan-mdns-dual-stack"], ipv6.Select(s => s.Name));
        Assert.Equal(ScenarioCatalog.All.Count - 9, ScenarioCatalog.Default.Count);
    }

    [Theory]
    [InlineData("--scenario", "nope", "unknown scenario 'nope'; known: no-nat")]
    [InlineData("--impl", "nope", "unknown driver 'nope'")]
    [InlineData("--nomination", "eager", "unknown nomination 'eager'")]
    [InlineData("--server", "stunnel", "--server must be coturn or icespec")]
    [InlineData("--server-cases", "all", "--server-cases takes coturn, icespec or none")]
    [InlineData("--timeout", "0", "--timeout is 1 to 600 seconds")]
    public void Bad_selections_are_usage_errors_that_name_the_problem(string option, string value, string message)
    {
        var (exit, _, error) = Run("conformance", "run", option, value, "--out", _directory);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains(message, error);
    }

    [Fact]
    public void An_expected_fail_line_without_a_reason_names_the_file_and_line()
    {
        var list = Path.Combine(_directory, "expected.txt");
        File.WriteAllText(list, "# known\nrfc8445-12.1-1 no-nat/*>pion   pion drops the first datagram\nrfc8445-8.1.2-1 coturn\n");

        var (exit, _, error) = Run("conformance", "run", "--expected-fail", list, "--out", _directory);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains($"{list}:3", error);
    }

    [Fact]
    public void A_missing_expected_fail_file_is_a_usage_error()
    {
        var (exit, _, error) = Run("conformance", "run", "--expected-fail", Path.Combine(_directory, "absent.txt"), "--out", _directory);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("absent.txt", error);
    }
}
