using System.Text.Json;

namespace IceSpec.Cli.Tests;

/// <summary><c>icespec catalog [--json]</c>.</summary>
public class CatalogCommandTests
{
    [Fact]
    public void Text_ListsRequirementsWithCitations()
    {
        var result = CliRunner.Run("catalog");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("RFC 8489 §14.7", result.Stdout);
        Assert.Matches(@"stun\.order\.\d{3} +FINGERPRINT last", result.Stdout);
        Assert.Matches(@"(?m)^MUST\s", result.Stdout);
    }

    [Fact]
    public void Json_IsAnArrayOfRequirements()
    {
        var result = CliRunner.Run("catalog", "--json");

        using var json = JsonDocument.Parse(result.Stdout);
        var rows = json.RootElement.EnumerateArray().ToList();
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
    }
}
