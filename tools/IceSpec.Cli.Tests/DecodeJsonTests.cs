using System.Text.Json;

namespace IceSpec.Cli.Tests;

/// <summary><c>icespec decode --json</c>: one parseable object per message with the documented property names.</summary>
[Trait("Category", "unit")]
public class DecodeJsonTests
{
    [Fact]
    public void Sample_IPv4_response_has_every_field()
    {
        var result = CliRunner.Run("decode", "--json", "--password", RfcText.ShortTermPassword, RfcText.SampleIPv4Response);
        Assert.Equal(ExitCodes.Ok, result.ExitCode);

        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        Assert.Equal("Binding", root.GetProperty("method").GetString());
        Assert.Equal("success", root.GetProperty("class").GetString());
        Assert.Equal("0x0101", root.GetProperty("type").GetString());
        Assert.Equal(60, root.GetProperty("length").GetInt32());
        Assert.Equal("b7e7a701bc34d686fa87dfae", root.GetProperty("transactionId").GetString());
        Assert.Equal("ok", root.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("violation").ValueKind);
        Assert.Equal("valid", root.GetProperty("fingerprint").GetString());
        Assert.Equal("verified", root.GetProperty("integrity").GetString());

        var attributes = root.GetProperty("attributes").EnumerateArray().ToList();
        Assert.Equal(["0x8022", "0x0020", "0x0008", "0x8028"], attributes.Select(a => a.GetProperty("type").GetString()));
        var mapped = attributes[1];
        Assert.Equal("XOR-MAPPED-ADDRESS", mapped.GetProperty("name").GetString());
        Assert.Equal(8, mapped.GetProperty("length").GetInt32());
        Assert.Equal("192.0.2.1:32853", mapped.GetProperty("value").GetString());
        Assert.True(mapped.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public void Violation_has_rule_citation_description_and_attribute_type()
    {
        var result = CliRunner.Run("decode", "--json", MalformedInputTests.UnknownComprehensionRequired);
        Assert.Equal(ExitCodes.Failed, result.ExitCode);

        using var json = JsonDocument.Parse(result.Stdout);
        var violation = json.RootElement.GetProperty("violation");
        Assert.Equal("UnknownComprehensionRequired", violation.GetProperty("rule").GetString());
        Assert.StartsWith("RFC 8489 §14", violation.GetProperty("citation").GetString());
        Assert.False(string.IsNullOrEmpty(violation.GetProperty("description").GetString()));
        Assert.Equal("0x7F00", violation.GetProperty("attributeType").GetString());
        var unknown = json.RootElement.GetProperty("attributes")[0];
        Assert.Equal(JsonValueKind.Null, unknown.GetProperty("name").ValueKind);
        Assert.True(unknown.GetProperty("comprehensionRequired").GetBoolean());
    }

    [Fact]
    public void Several_messages_on_stdin_give_one_object_per_line()
    {
        var stdin = RfcText.SampleRequest + "\n" + RfcText.SampleIPv6Response + "\n" + "0001000c\n";
        var result = CliRunner.RunWithStdin(stdin, "decode", "--json");

        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        var documents = lines.Select(l => JsonDocument.Parse(l)).ToList();
        Assert.Equal("request", documents[0].RootElement.GetProperty("class").GetString());
        Assert.Equal("success", documents[1].RootElement.GetProperty("class").GetString());
        Assert.Equal("truncated-header", documents[2].RootElement.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, documents[2].RootElement.GetProperty("method").ValueKind);
        Assert.Equal(ExitCodes.Failed, result.ExitCode);
    }
}
