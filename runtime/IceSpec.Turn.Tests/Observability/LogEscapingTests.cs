using System.Net;
using System.Text;
using System.Text.Json;
using IceSpec.Turn.Server;
using IceSpec.Turn.Tests.Server;
using Microsoft.Extensions.Logging;

namespace IceSpec.Turn.Tests.Observability;

/// <summary>Client data in the server's log lines: control and bidirectional characters escaped, in both formats.</summary>
[Trait("Category", "unit")]
public sealed class LogEscapingTests
{
    /// <summary>NUL, ESC (a terminal colour sequence) and U+202E RIGHT-TO-LEFT OVERRIDE in a USERNAME.</summary>
    private const string HostileUser = "eve\0\u001b[31m\u202Egnp.exe";

    [Theory]
    [InlineData("kv")]
    [InlineData("json")]
    public async Task A_hostile_username_reaches_the_log_file_escaped_and_the_line_still_parses(string format)
    {
        var directory = Directory.CreateTempSubdirectory("icespec-log-");
        try
        {
            var logFile = Path.Combine(directory.FullName, "turn.log");
            var options = TurnServerConfig.Build(
            [
                new("listening-ip", "127.0.0.1", "test"), new("listening-port", "0", "test"), new("no-tcp", null, "test"),
                new("realm", "example.org", "test"), new("user", "alice:secret", "test"),
                new("log-file", logFile, "test"), new("log-format", format, "test"),
            ]);
            await using (var host = TurnServerHost.Start(options))
            {
                using var client = new UdpTestClient();
                var server = host.Listening[0].Endpoint.ToIPEndPoint();
                var challenge = client.Request(server, TestMessages.Allocate())!;
                var credentials = LongTermCredentials.For(HostileUser, "whatever", challenge.Realm!, challenge.Nonce!);
                Assert.Equal(401, client.Request(server, TestMessages.Allocate(credentials))!.ErrorCode);
            }

            var bytes = await File.ReadAllBytesAsync(logFile);
            var line = Assert.Single(Encoding.UTF8.GetString(bytes).Split('\n'), l => l.Contains("auth.failed"));
            Assert.DoesNotContain((byte)0x00, bytes);
            Assert.DoesNotContain((byte)0x1B, bytes);
            Assert.Equal(-1, bytes.AsSpan().IndexOf("\u202E"u8));
            if (format == "json")
            {
                // Valid JSON whose string is the USERNAME exactly as sent.
                using var json = JsonDocument.Parse(line);
                Assert.Equal(HostileUser, json.RootElement.GetProperty("user").GetString());
                Assert.Equal("auth.failed", json.RootElement.GetProperty("event").GetString());
            }
            else
            {
                Assert.Contains(@" user=""eve\u0000\u001B[31m\u202Egnp.exe"" ", line);
                Assert.StartsWith("time=", line);
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("\u0085", @"\u0085")] // C1 NEXT LINE
    [InlineData("\u007F", @"\u007F")] // DEL
    [InlineData("\u009B", @"\u009B")] // C1 CSI
    [InlineData("\u202A\u202B\u202C\u202D", @"\u202A\u202B\u202C\u202D")] // embeddings, pop, LRO
    [InlineData("\u2066\u2067\u2068\u2069", @"\u2066\u2067\u2068\u2069")] // isolates
    [InlineData("\u200E\u200F", @"\u200E\u200F")] // LRM, RLM
    [InlineData("a\tb\r\n", @"a\tb\r\n")]
    public void Each_class_of_dangerous_character_is_escaped_in_both_formats(string value, string escaped)
    {
        var lines = new List<string>();
        foreach (var format in new[] { TurnLogFormat.KeyValue, TurnLogFormat.Json })
            new TurnLogLineProvider(lines.Add, LogLevel.Debug, format).CreateLogger("test")
                .LogWarning(new EventId(1, "test.event"), "user={user}", value);
        Assert.Equal($"user=\"{escaped}\"", lines[0][lines[0].IndexOf("user=", StringComparison.Ordinal)..]);
        Assert.EndsWith($",\"user\":\"{escaped}\"}}", lines[1]);
        using var json = JsonDocument.Parse(lines[1]);
        Assert.Equal(value.Replace((char)0xD800, '\uFFFD'), json.RootElement.GetProperty("user").GetString());
    }

    [Fact]
    public void A_lone_surrogate_becomes_the_replacement_character_so_json_stays_valid_unicode()
    {
        // Built here: xunit's serialisation of InlineData would already have replaced it.
        var lone = new string(['a', (char)0xD800, 'b']);
        Each_class_of_dangerous_character_is_escaped_in_both_formats(lone, @"a\uFFFDb");
    }

    [Fact]
    public void Plain_values_stay_bare_and_null_values_are_left_out()
    {
        var lines = new List<string>();
        new TurnLogLineProvider(lines.Add, LogLevel.Debug).CreateLogger("test")
            .LogInformation(new EventId(1, "allocation.created"), "client={client} relay6={relay6} lifetime={lifetime}", IPEndPoint.Parse("192.0.2.1:5000"), null, 600);
        Assert.EndsWith(" level=info event=allocation.created client=192.0.2.1:5000 lifetime=600", Assert.Single(lines));
    }
}
