using System.Text.Json;
using IceSpec.Cli;

namespace IceSpec.Captures.Tests;

/// <summary><c>icespec decode FILE.pcap</c> run in-process: integrity with coturn's credentials, filters, JSON, bad files.</summary>
[Trait("Category", "unit")]
public class DecodeCaptureCommandTests
{
    private static readonly string Udp = Path.Combine(Frames.Pcaps, "coturn-uclient-udp.pcap");
    private static readonly string Tcp = Path.Combine(Frames.Pcaps, "coturn-uclient-tcp.pcap");
    private static readonly string[] LongTerm = ["--username", "alice", "--realm", "example.org", "--password", "secret"];

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var code = CliApp.Run(args, new StringReader(""), stdout, stderr);
        var all = stdout.ToString() + stderr;
        Assert.DoesNotContain("Exception", all);
        Assert.DoesNotContain("   at ", all);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static List<JsonElement> Json(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    [Theory]
    [InlineData("coturn-uclient-udp.pcap")]
    [InlineData("coturn-uclient-tcp.pcap")]
    public void Coturn_capture_every_authenticated_message_verifies_with_alice_long_term_md5(string name)
    {
        var (code, output, _) = Run(["decode", Path.Combine(Frames.Pcaps, name), "--json", .. LongTerm]);

        Assert.Equal(ExitCodes.Ok, code);
        var messages = Json(output);
        var signed = messages.Where(m => m.GetProperty("kind").GetString() == "stun" &&
                                         m.GetProperty("attributes").EnumerateArray().Any(a => a.GetProperty("type").GetString() == "0x0008")).ToList();
        Assert.True(signed.Count >= 10, $"only {signed.Count} messages with MESSAGE-INTEGRITY");
        Assert.All(signed, m => Assert.Equal("verified", m.GetProperty("integrity").GetString()));
        Assert.All(signed, m => Assert.Equal("long-term MD5 key, OpaqueString", m.GetProperty("integrityChecks").GetProperty("key").GetString()));
        Assert.Contains(messages, m => m.GetProperty("kind").GetString() == "channeldata");
    }

    [Fact]
    public void Wrong_password_fails_integrity()
    {
        var (code, output, _) = Run("decode", Udp, "--username", "alice", "--realm", "example.org", "--password", "wrong");
        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("integrity: failed", output);
    }

    [Fact]
    public void Text_prefixes_each_message_with_frame_time_transport_and_addresses()
    {
        var (code, output, _) = Run("decode", Tcp);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Matches(@"(?m)^frame \d+  \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z  TCP  127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+$", output);
        Assert.Contains("error response  type 0x0113", output);
        Assert.Contains("ERROR-CODE", output);
        Assert.Matches(@"(?m)^ChannelData  channel 0x[0-9A-F]{4}  length 100$", output);
    }

    [Fact]
    public void Json_has_the_capture_fields_first_then_the_decode_fields()
    {
        var (_, output, _) = Run("decode", Udp, "--json");
        var first = Json(output)[0];
        Assert.Equal(["frame", "time", "transport", "src", "dst", "kind", "method", "class", "type"],
            first.EnumerateObject().Take(9).Select(p => p.Name));
        Assert.Equal(1, first.GetProperty("frame").GetInt32());
        Assert.Equal("udp", first.GetProperty("transport").GetString());
    }

    [Fact]
    public void Filters_method_transaction_port_address()
    {
        var all = Json(Run("decode", Udp, "--json").Out);

        var binds = Json(Run("decode", Udp, "--json", "--method", "ChannelBind").Out);
        Assert.NotEmpty(binds);
        Assert.All(binds, m => Assert.Equal("0x0009", "0x" + (Convert.ToInt32(m.GetProperty("type").GetString(), 16) & 0x3EEF).ToString("X4")));

        var channelData = Json(Run("decode", Udp, "--json", "--method", "channeldata").Out);
        Assert.NotEmpty(channelData);
        Assert.All(channelData, m => Assert.Equal("channeldata", m.GetProperty("kind").GetString()));

        var id = all[0].GetProperty("transactionId").GetString()!;
        var transaction = Json(Run("decode", Udp, "--json", "--transaction", id.ToUpperInvariant()).Out);
        Assert.Equal(2, transaction.Count); // the request and its response
        Assert.All(transaction, m => Assert.Equal(id, m.GetProperty("transactionId").GetString()));

        var serverPort = all[0].GetProperty("dst").GetString()!.Split(':')[1];
        var port = Json(Run("decode", Udp, "--json", "--port", serverPort).Out);
        Assert.True(port.Count > 0 && port.Count <= all.Count);
        Assert.All(port, m => Assert.True(m.GetProperty("src").GetString()!.EndsWith(":" + serverPort) || m.GetProperty("dst").GetString()!.EndsWith(":" + serverPort)));

        Assert.Equal(all.Count, Json(Run("decode", Udp, "--json", "--address", "127.0.0.1").Out).Count);
        var none = Run("decode", Udp, "--address", "192.0.2.7");
        Assert.Equal("", none.Out);
        Assert.Contains("no STUN, ChannelData, mDNS or ICMP messages match the filters", none.Err);
    }

    [Fact]
    public void Bad_filter_values_are_usage_errors()
    {
        Assert.Equal(ExitCodes.Usage, Run("decode", Udp, "--address", "not-an-ip").Code);
        Assert.Equal(ExitCodes.Usage, Run("decode", Udp, "--transaction", "abc").Code);
        Assert.Equal(ExitCodes.Usage, Run("decode", "000100002112a442000000000000000000000000", "--port", "3478").Code);
    }

    [Fact]
    public void Missing_file_is_exit_2_with_a_clear_message()
    {
        var (code, _, err) = Run("decode", "/nonexistent/file.pcap");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("no such file", err);
    }

    [Fact]
    public void Not_a_capture_is_exit_2_with_a_clear_message()
    {
        var path = Path.Combine(Path.GetTempPath(), $"icespec-{Guid.NewGuid():N}.pcap");
        File.WriteAllText(path, "this is not a capture file, just some text long enough to have a header\n");
        try
        {
            var (code, _, err) = Run("decode", path);
            Assert.Equal(ExitCodes.Usage, code);
            Assert.Contains("not a readable pcap/pcapng capture", err);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Truncated_capture_prints_what_was_read_then_exit_2()
    {
        var bytes = File.ReadAllBytes(Udp);
        var path = Path.Combine(Path.GetTempPath(), $"icespec-{Guid.NewGuid():N}.pcap");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        try
        {
            var (code, output, err) = Run("decode", path);
            Assert.Equal(ExitCodes.Usage, code);
            Assert.StartsWith("frame 1 ", output);
            Assert.Contains("truncated", err);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
