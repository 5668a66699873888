using System.Text.Json;

namespace IceSpec.Cli.Tests;

/// <summary><c>icespec catalog [--json]</c>: the STUN, TURN and ICE catalogs with the cases that check each row.</summary>
[Trait("Category", "unit")]
public class CatalogCommandTests
{
    [Fact]
    public void Text_lists_requirements_with_citations()
    {
        var result = CliRunner.Run("catalog");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("RFC 8489 §14.7", result.Stdout);
        Assert.Matches(@"stun\.order\.\d{3} +FINGERPRINT last", result.Stdout);
        Assert.Matches(@"(?m)^MUST\s", result.Stdout);
        Assert.Matches(@"turn\.error\.\d{3} +437 Allocation Mismatch .*\[rfc8656-", result.Stdout);
        Assert.Matches(@"ice\.transition\.\d{3} +CandidatePair: ", result.Stdout);
        Assert.Matches(@"Binding request as ice-check: required PRIORITY .*\[.*rfc8445-7\.1\.1-1", result.Stdout);
        Assert.Matches(@"(?m)^  RFC 8445 +\d+ of \d+ +have a case", result.Stdout);
        Assert.Matches(@"(?m)^  RFC 7675 +\d+ of \d+ +have a case", result.Stdout);
    }

    [Fact]
    public void Json_is_an_array_of_requirements()
    {
        var result = CliRunner.Run("catalog", "--json");

        using var json = JsonDocument.Parse(result.Stdout);
        var rows = json.RootElement.GetProperty("requirements").EnumerateArray().ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, r =>
        {
            Assert.False(string.IsNullOrEmpty(r.GetProperty("id").GetString()));
            Assert.False(string.IsNullOrEmpty(r.GetProperty("kind").GetString()));
            Assert.False(string.IsNullOrEmpty(r.GetProperty("subject").GetString()));
            Assert.True(r.TryGetProperty("level", out _));
            Assert.StartsWith("RFC ", r.GetProperty("citation").GetString());
        });
        Assert.Contains(rows, r => r.GetProperty("level").GetString() == "SHOULD");
        Assert.Contains(rows, r => r.GetProperty("id").GetString()!.StartsWith("ice.") && r.GetProperty("cases").GetArrayLength() > 0);
        var coverage = json.RootElement.GetProperty("coverage").EnumerateArray().ToList();
        Assert.Contains(coverage, c => c.GetProperty("rfc").GetInt32() == 8656 && c.GetProperty("covered").GetInt32() > 0);
    }
}
