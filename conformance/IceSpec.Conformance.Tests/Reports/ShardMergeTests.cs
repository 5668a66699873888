using IceSpec.Cli;
using IceSpec.Conformance.Cases.Agent;
using IceSpec.Conformance.Lab;
using IceSpec.Conformance.Reports;
using IceSpec.Conformance.Runner;

namespace IceSpec.Conformance.Tests.Reports;

/// <summary>
/// <c>--shard K/N</c> slices a run into disjoint parts whose union is the run; <c>conformance merge</c> joins their
/// reports into the report of the whole run: exactly (a report split by the shard function and merged back), and end to
/// end (two real shards against a real single run: the same cases, implementations and outcomes, in the same order).
/// </summary>
[Trait("Category", "unit")]
public sealed class ShardMergeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-shards-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("0/2", "K must be 1..N")]
    [InlineData("3/2", "K must be 1..N")]
    [InlineData("1/0", "K must be 1..N")]
    [InlineData("2", "--shard takes K/N")]
    [InlineData("a/b", "--shard takes K/N")]
    public void A_bad_shard_is_refused_with_the_rule(string text, string message)
    {
        Assert.False(Shard.TryParse(text, out _, out var error));
        Assert.Contains(message, error);
    }

    [Fact]
    public void Every_unit_belongs_to_exactly_one_of_n_shards_and_the_slices_are_balanced()
    {
        var units = AgentCaseSuite.Cases.SelectMany(c => new[] { "icespec/regular", "libnice/aggressive", "pion/regular" }
            .Select(i => AgentCaseRunner.Unit("loopback", i, c.Id))).ToList();
        var shards = Enumerable.Range(1, 4).Select(k => new Shard(k, 4)).ToList();
        Assert.All(units, u => Assert.Equal(1, shards.Count(s => s.Contains(u))));
        Assert.All(shards, s => Assert.InRange(units.Count(s.Contains), units.Count / 8, units.Count / 2));
        Assert.All(units, u => Assert.True(Shard.Whole.Contains(u)));
    }

    [Fact]
    public void A_report_split_by_the_shard_function_merges_back_into_itself()
    {
        var whole = SampleReport.Create().Canonical();
        var shardDirectories = new List<string>();
        for (var k = 1; k <= 3; k++)
        {
            var shard = new Shard(k, 3);
            var part = whole with
            {
                Cells = [.. whole.Cells.Reverse().Where(c => shard.Contains(MatrixRunner.CellUnit(c.Scenario, c.Controlling, c.Controlled, c.Nomination)))],
                AgentCases = [.. whole.AgentCases.Reverse().Where(r => shard.Contains(AgentCaseRunner.Unit(r.Scenario, r.Implementation, r.Case.Id)))],
                ServerCases = [.. whole.ServerCases.Where((_, i) => i % 3 == k - 1)],
            };
            var directory = Path.Combine(_directory, $"shard-{k}");
            ReportFiles.WriteAll(part, directory);
            File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(directory, "server")).FullName, "icespec.log"), $"log of shard {k}\n");
            shardDirectories.Add(directory);
        }

        var merged = ReportMerge.Merge(shardDirectories, Path.Combine(_directory, "merged"));

        Assert.Equal(JsonReport.Render(whole), JsonReport.Render(merged));
        var log = File.ReadAllText(Path.Combine(_directory, "merged", "server", "icespec.log"));
        Assert.Contains("log of shard 1", log);
        Assert.Contains("log of shard 3", log);
    }

    [Fact]
    public void Merging_a_directory_without_a_report_names_it()
    {
        var (exit, _, error) = Run("conformance", "merge", _directory, "--out", Path.Combine(_directory, "merged"));
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains($"{_directory}: no report.json", error);
    }

    [Fact]
    public void Two_real_shards_merged_report_the_same_cases_as_one_run()
    {
        string[] selection = ["--impl", "icespec", "--case", "rfc8445-7.2.2-*,rfc8489-9.2.4-*", "--server-cases", "icespec", "--nomination", "default"];
        var single = Path.Combine(_directory, "single");
        Assert.Equal(ExitCodes.Ok, Run(["conformance", "run", .. selection, "--out", single]).Exit);
        var shards = new[] { "1/2", "2/2" }.Select(k => Path.Combine(_directory, "shard-" + k.Replace('/', '-'))).ToList();
        foreach (var (k, directory) in new[] { "1/2", "2/2" }.Zip(shards))
            Assert.Equal(ExitCodes.Ok, Run(["conformance", "run", .. selection, "--shard", k, "--out", directory]).Exit);
        var merged = Path.Combine(_directory, "merged");
        var (exit, output, _) = Run("conformance", "merge", shards[0], shards[1], "--out", merged);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("wrote", output);
        var (one, joined) = (JsonReport.Read(Path.Combine(single, ReportFiles.Json)), JsonReport.Read(Path.Combine(merged, ReportFiles.Json)));
        var parts = shards.Select(d => JsonReport.Read(Path.Combine(d, ReportFiles.Json))).ToList();
        Assert.All(parts, p => Assert.NotEmpty(p.AllCases));                       // both shards did some of the work
        Assert.Equal(Units(one), Units(joined));
        Assert.Equal(Units(one).Count, parts.Sum(p => Units(p).Count));            // disjoint
        Assert.All(joined.AgentCases.Where(r => r.PcapPath is not null), r => Assert.True(File.Exists(Path.Combine(merged, r.PcapPath!)), r.PcapPath));
    }

    private static List<string> Units(ConformanceReport report) =>
        [.. report.AgentCases.Concat(report.ServerCases).Select(r => $"{r.Scenario} {r.Implementation} {r.Case.Id} {r.Outcome}")];

    private static (int Exit, string Out, string Error) Run(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var exit = CliApp.Run(args, new StringReader(""), stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
