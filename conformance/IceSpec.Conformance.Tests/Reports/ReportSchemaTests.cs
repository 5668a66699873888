using System.Text.Json;
using System.Text.RegularExpressions;
using IceSpec.Cli;
using IceSpec.Conformance.Reports;

namespace IceSpec.Conformance.Tests.Reports;

/// <summary>
/// report.json schema 2 (conformance/REPORT-SCHEMA.md): a schemaVersion, every duration a number of seconds named
/// *Seconds; <c>conformance merge</c> reads a schema 1 report (no schemaVersion, TimeSpan strings, milliseconds; the
/// fixture is written as that version wrote it) and refuses a schema it does not know, naming the file.
/// </summary>
[Trait("Category", "unit")]
public sealed class ReportSchemaTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-schema-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Json_carries_the_schema_version_first_and_every_duration_in_seconds()
    {
        using var json = JsonDocument.Parse(JsonReport.Render(SampleReport.Create()));
        var root = json.RootElement;

        Assert.Equal(("schemaVersion", 2), (root.EnumerateObject().First().Name, root.GetProperty("schemaVersion").GetInt32()));
        Assert.Equal(42.0, root.GetProperty("durationSeconds").GetDouble());
        var cell = root.GetProperty("cells")[0];
        Assert.Equal(0.0215, cell.GetProperty("timeToConnectedSeconds").GetDouble());
        Assert.Equal(0.04, cell.GetProperty("cases")[0].GetProperty("durationSeconds").GetDouble());
        Assert.Equal(1.0, root.GetProperty("agentCases")[0].GetProperty("durationSeconds").GetDouble());
        Assert.Equal(0.003, root.GetProperty("serverCases")[0].GetProperty("durationSeconds").GetDouble());
        Assert.False(root.TryGetProperty("allCases", out _)); // schema 1 repeated every case there
        var names = Properties(root).ToList();
        Assert.DoesNotContain(names, n => n.Name is "duration" or "millisecondsToConnected");
        Assert.All(names.Where(n => n.Name.EndsWith("Seconds", StringComparison.Ordinal)), n => Assert.Contains(n.Value.ValueKind, new[] { JsonValueKind.Number, JsonValueKind.Null }));
        Assert.DoesNotContain(names, n => n.Value.ValueKind == JsonValueKind.String && Regex.IsMatch(n.Value.GetString()!, @"^(\d+\.)?\d\d:\d\d:\d\d"));
    }

    [Fact]
    public void A_schema_1_report_is_read_with_its_durations_in_seconds()
    {
        var report = JsonReport.Read(Fixture());

        Assert.Equal(TimeSpan.FromSeconds(1503.5), report.Duration);
        Assert.Equal(TimeSpan.FromMilliseconds(21.5), report.Cells[0].TimeToConnected);
        Assert.Null(report.Cells[1].TimeToConnected);
        Assert.Equal(TimeSpan.FromSeconds(2.34), report.Cells[0].Cases[0].Duration);
        Assert.Equal(TimeSpan.FromSeconds(86401.5), report.AgentCases[0].Duration);
        Assert.Equal(TimeSpan.FromMilliseconds(3), report.ServerCases[0].Duration);
        Assert.Equal(Cases.CaseOutcome.ExpectedFailure, report.Cells[0].Outcome);
    }

    [Fact]
    public void Merge_writes_schema_2_from_schema_1_shards()
    {
        var shard = Directory.CreateDirectory(Path.Combine(_directory, "old-shard")).FullName;
        File.Copy(Fixture(), Path.Combine(shard, ReportFiles.Json));
        var merged = Path.Combine(_directory, "merged");

        var (exit, _, error) = Run("conformance", "merge", shard, "--out", merged);

        Assert.Equal(ExitCodes.Failed, exit); // the fixture has a failed cell
        Assert.Equal("", error);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(merged, ReportFiles.Json)));
        Assert.Equal(2, json.RootElement.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(1503.5, json.RootElement.GetProperty("durationSeconds").GetDouble());
        Assert.Equal(0.0215, json.RootElement.GetProperty("cells")[0].GetProperty("timeToConnectedSeconds").GetDouble());
    }

    [Theory]
    [InlineData("3", "report.json schema version 3; this icespec reads versions 1 and 2")]
    [InlineData("\"2\"", "schemaVersion must be a positive integer, not \"2\"")]
    [InlineData("0", "schemaVersion must be a positive integer, not 0")]
    public void Merge_refuses_a_schema_it_does_not_know_naming_the_file(string version, string message)
    {
        var shard = Directory.CreateDirectory(Path.Combine(_directory, "shard")).FullName;
        var path = Path.Combine(shard, ReportFiles.Json);
        File.WriteAllText(path, "{\"schemaVersion\": " + version + ", \"durationSeconds\": 1}");

        var (exit, _, error) = Run("conformance", "merge", shard, "--out", Path.Combine(_directory, "merged"));

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.True(error.Contains($"{path}: {message}", StringComparison.Ordinal), error);
    }

    [Fact]
    public void A_schema_1_report_with_a_broken_duration_is_refused_naming_the_file()
    {
        var path = Path.Combine(_directory, ReportFiles.Json);
        File.WriteAllText(path, File.ReadAllText(Fixture()).Replace("\"00:25:03.5000000\"", "\"25 minutes\""));

        var error = Assert.Throws<FormatException>(() => JsonReport.Read(path));

        Assert.StartsWith($"{path}: a schema 1 report.json (no schemaVersion) that cannot be read", error.Message);
    }

    private static string Fixture() => Path.Combine(AppContext.BaseDirectory, "Reports", "Fixtures", "report-schema1.json");

    private static IEnumerable<JsonProperty> Properties(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Properties(p.Value).Prepend(p)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Properties),
        _ => [],
    };

    private static (int Exit, string Out, string Error) Run(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var exit = CliApp.Run(args, new StringReader(""), stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
