using System.Text.Json;
using IceSpec.Cli;

namespace IceSpec.Captures.Tests;

/// <summary><c>icespec decode</c> on classic STUN (RFC 3489): stund's capture in text and JSON, the filters, and hex input.</summary>
[Trait("Category", "unit")]
public class ClassicDecodeCommandTests
{
    private static readonly string Stund = Path.Combine(Frames.Pcaps, "classic-stun-stund.pcapng");

    private static (int Code, string Out, string Err) Run(params string[] args) => CliInProcess.Run(args);

    private static List<JsonElement> Json(string output) => CliInProcess.JsonLines(output);

    private static string? Attribute(JsonElement message, string name) =>
        message.GetProperty("attributes").EnumerateArray().Where(a => a.GetProperty("name").GetString() == name)
            .Select(a => a.GetProperty("value").GetString()).FirstOrDefault();

    [Fact]
    public void Json_labels_every_message_classic_with_a_32_digit_id_and_no_fingerprint_check()
    {
        var (code, output, _) = Run("decode", Stund, "--json");

        Assert.Equal(ExitCodes.Ok, code);
        var messages = Json(output);
        Assert.Equal(9, messages.Count);
        Assert.All(messages, m =>
        {
            Assert.Equal("classic-stun", m.GetProperty("kind").GetString());
            Assert.True(m.GetProperty("classic").GetBoolean());
            Assert.Equal("Binding", m.GetProperty("method").GetString());
            Assert.Matches("^[0-9a-f]{32}$", m.GetProperty("transactionId").GetString());
            Assert.Equal(JsonValueKind.Null, m.GetProperty("fingerprint").ValueKind);
            Assert.Equal("missing", m.GetProperty("integrity").GetString());
        });
        var responses = messages.Where(m => m.GetProperty("class").GetString() == "success").ToList();
        Assert.Equal(4, responses.Count);
        Assert.All(responses, r => Assert.Equal(Attribute(r, "MAPPED-ADDRESS"), Attribute(r, "XOR-MAPPED-ADDRESS")));
        // RFC 3489 §11.2.3: CHANGED-ADDRESS is the server's other address and port (the last request went to 127.0.0.2).
        Assert.Equal(["127.0.0.2:3479", "127.0.0.2:3479", "127.0.0.2:3479", "127.0.0.1:3478"], responses.Select(r => Attribute(r, "CHANGED-ADDRESS")));
    }

    [Fact]
    public void Text_says_classic_stun_on_the_header_line()
    {
        var (code, output, _) = Run("decode", Stund);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("Binding success response  classic STUN (RFC 3489)  type 0x0101  length 68  transaction ", output);
        Assert.Contains("CHANGE-REQUEST", output);
        Assert.Contains("change IP yes, change port no", output);
    }

    [Fact]
    public void Filters_transaction_of_32_digits_and_method()
    {
        var first = Json(Run("decode", Stund, "--json").Out)[0].GetProperty("transactionId").GetString()!;

        var (code, output, _) = Run("decode", Stund, "--json", "--transaction", first.ToUpperInvariant());
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal([1, 2], Json(output).Select(m => m.GetProperty("frame").GetInt32()));

        Assert.Equal(9, Json(Run("decode", Stund, "--json", "--method", "Binding").Out).Count);
        var (_, none, err) = Run("decode", Stund, "--method", "Allocate");
        Assert.Empty(none);
        Assert.Contains("no STUN, ChannelData, mDNS or ICMP messages match the filters", err);
    }

    [Fact]
    public void Hex_classic_message_is_decoded_as_classic_and_an_rfc5389_one_is_not()
    {
        var (code, output, _) = Run("decode", "0001000801b06d10539e9c4b3fbbe11742941e7a0003000400000000", "--json");
        Assert.Equal(ExitCodes.Ok, code);
        var message = Json(output).Single();
        Assert.True(message.GetProperty("classic").GetBoolean());
        Assert.Equal("CHANGE-REQUEST", message.GetProperty("attributes")[0].GetProperty("name").GetString());

        var modern = Json(Run("decode", Convert.ToHexStringLower(Frames.Stun(0x0001, 5)), "--json").Out).Single();
        Assert.False(modern.GetProperty("classic").GetBoolean());
        Assert.Equal("missing", modern.GetProperty("fingerprint").GetString());
    }
}
