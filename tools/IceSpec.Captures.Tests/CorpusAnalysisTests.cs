using System.Text.Json;
using IceSpec.Cli;

namespace IceSpec.Captures.Tests;

/// <summary>
/// Every capture of pcaps/, pcaps/broken/ and pcaps/lab/ analysed with its credentials sidecar (NAME.credentials) equals its
/// expected analysis (NAME.expected.json, reviewed by hand): every field the expected file names must be there with that
/// value; arrays must have the same length. Each broken capture breaks exactly one named rule.
/// </summary>
[Trait("Category", "unit")]
public class CorpusAnalysisTests
{
    public static TheoryData<string> Captures() => new(CaptureNames());

    /// <summary>The captures, relative to pcaps/ ("aioice.pcapng", "broken/libnice-bad-integrity.pcapng").</summary>
    private static List<string> CaptureNames() =>
        new[] { Frames.Pcaps, Path.Combine(Frames.Pcaps, "broken"), Path.Combine(Frames.Pcaps, "lab") }
            .SelectMany(dir => Directory.GetFiles(dir).Where(f => f.EndsWith(".pcap") || f.EndsWith(".pcapng")).Order())
            .Select(file => Path.GetRelativePath(Frames.Pcaps, file)).ToList();

    private static string Base(string capture) => Path.Combine(Frames.Pcaps, capture[..capture.LastIndexOf(".pcap", StringComparison.Ordinal)]);

    private static (int Code, JsonElement Report) Analyze(string capture)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var code = CliApp.Run(["analyze", Path.Combine(Frames.Pcaps, capture), "--json", "--credentials", Base(capture) + ".credentials"],
            new StringReader(""), stdout, stderr);
        Assert.True(stderr.ToString().Length == 0, stderr.ToString());
        return (code, JsonDocument.Parse(stdout.ToString()).RootElement.Clone());
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Analysis_matches_the_expected_file(string capture)
    {
        var expectedPath = Base(capture) + ".expected.json";
        Assert.True(File.Exists(expectedPath), $"{capture} has no expected analysis {expectedPath}");
        var expected = JsonDocument.Parse(File.ReadAllText(expectedPath)).RootElement;
        var (code, actual) = Analyze(capture);

        AssertContains(expected, actual, "$");
        var violations = expected.GetProperty("violations").EnumerateArray().Count(v => v.GetProperty("severity").GetString() == "violation");
        Assert.Equal(violations == 0 ? ExitCodes.Ok : ExitCodes.Failed, code);
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Broken_captures_break_exactly_one_named_rule_real_ones_none(string capture)
    {
        var (_, report) = Analyze(capture);
        var names = report.GetProperty("violations").EnumerateArray()
            .Where(v => v.GetProperty("severity").GetString() == "violation").Select(v => v.GetProperty("name").GetString()).Distinct().ToList();
        if (!capture.StartsWith("broken", StringComparison.Ordinal))
        {
            Assert.Empty(names);
            return;
        }
        Assert.Single(names);
        Assert.All(report.GetProperty("violations").EnumerateArray(), v =>
        {
            Assert.StartsWith("RFC ", v.GetProperty("section").GetString());
            Assert.False(string.IsNullOrEmpty(v.GetProperty("text").GetString()), "a violation without its RFC sentence");
        });
    }

    [Fact]
    public void The_corpus_has_real_libnice_and_aioice_sessions_and_ten_broken_captures()
    {
        var names = CaptureNames();
        Assert.Contains("libnice-aggressive.pcapng", names);
        Assert.Contains("libnice-regular.pcapng", names);
        Assert.Contains("libnice-role-conflict.pcapng", names);
        Assert.Contains("aioice.pcapng", names);
        Assert.Equal(10, names.Count(n => n.StartsWith("broken", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_corpus_has_classic_stun_captures_and_nat_lab_cells_each_lab_capture_under_1_MB()
    {
        var names = CaptureNames();
        foreach (var server in new[] { "coturn", "icespec", "stund" }) Assert.Contains($"classic-stun-{server}.pcapng", names);
        foreach (var cell in new[] { "one-nat", "both-symmetric-turn" })
            foreach (var side in new[] { "controlling", "controlled" })
                Assert.Contains($"lab/{cell}-icespec-libnice-{side}.pcapng", names);
        foreach (var name in names.Where(n => n.StartsWith("lab/", StringComparison.Ordinal)))
            Assert.True(new FileInfo(Path.Combine(Frames.Pcaps, name)).Length < 1_000_000, name + " is over 1 MB");
    }

    /// <summary>Every property of <paramref name="expected"/> is in <paramref name="actual"/> with an equal value (recursively; arrays by length and element).</summary>
    private static void AssertContains(JsonElement expected, JsonElement actual, string path)
    {
        Assert.True(expected.ValueKind == actual.ValueKind, $"{path}: expected {expected.ValueKind} {expected}, got {actual.ValueKind} {actual}");
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in expected.EnumerateObject())
                {
                    Assert.True(actual.TryGetProperty(property.Name, out var value), $"{path}.{property.Name} is missing");
                    AssertContains(property.Value, value, $"{path}.{property.Name}");
                }
                break;
            case JsonValueKind.Array:
                var (e, a) = (expected.EnumerateArray().ToList(), actual.EnumerateArray().ToList());
                Assert.True(e.Count == a.Count, $"{path}: expected {e.Count} elements, got {a.Count}: {actual}");
                for (var i = 0; i < e.Count; i++) AssertContains(e[i], a[i], $"{path}[{i}]");
                break;
            default:
                Assert.True(expected.ToString() == actual.ToString(), $"{path}: expected {expected}, got {actual}");
                break;
        }
    }
}
