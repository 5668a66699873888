using System.Net;
using System.Text.Json;
using IceSpec.Captures.Credentials;
using IceSpec.Cli;

namespace IceSpec.Captures.Tests;

/// <summary>Per-message keys: ICE short-term by USERNAME's receiver ufrag and transaction, TURN long-term by user; the CLI options and file.</summary>
[Trait("Category", "unit")]
public class CredentialTests
{
    private static readonly IPEndPoint Left = IPEndPoint.Parse("10.0.0.1:5000");
    private static readonly IPEndPoint Right = IPEndPoint.Parse("10.0.0.2:6000");

    /// <summary>L (ufrag "lfrg", password "lpassword-0123456789ab") checks R ("rfrg"); R answers; then R checks L.</summary>
    private static byte[][] IceExchange() =>
    [
        Frames.Udp(Left, Right, IceMessages.Check(1, "rfrg:lfrg", "rpassword-0123456789ab", controlling: true)),
        Frames.Udp(Right, Left, IceMessages.Success(1, Left, "rpassword-0123456789ab")),
        Frames.Udp(Right, Left, IceMessages.Check(2, "lfrg:rfrg", "lpassword-0123456789ab", controlling: false)),
        Frames.Udp(Left, Right, IceMessages.Success(2, Right, "lpassword-0123456789ab")),
    ];

    private static (int Code, List<JsonElement> Messages, string Err) Decode(string path, params string[] options)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var code = CliApp.Run(["decode", path, "--json", .. options], new StringReader(""), stdout, stderr);
        var messages = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        return (code, messages, stderr.ToString());
    }

    private static string[] Integrity(List<JsonElement> messages) => messages.Select(m => m.GetProperty("integrity").GetString()!).ToArray();

    [Fact]
    public void Ice_checks_and_responses_are_verified_with_the_receiving_agents_password()
    {
        using var file = new TempFile(".pcap");
        Frames.WritePcap(file.Path, IceExchange());

        var (code, messages, _) = Decode(file.Path, "--ice-credentials", "lfrg:lpassword-0123456789ab,rfrg:rpassword-0123456789ab");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(["verified", "verified", "verified", "verified"], Integrity(messages));
        Assert.Equal("short-term key of ufrag rfrg", messages[1].GetProperty("integrityChecks").GetProperty("key").GetString());
        Assert.Equal("short-term key of ufrag lfrg", messages[2].GetProperty("integrityChecks").GetProperty("key").GetString());
    }

    [Fact]
    public void Only_one_agents_password_leaves_the_other_direction_with_no_key()
    {
        using var file = new TempFile(".pcap");
        Frames.WritePcap(file.Path, IceExchange());
        var (code, messages, _) = Decode(file.Path, "--ice-credentials", "rfrg:rpassword-0123456789ab");
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(["verified", "verified", "no key", "no key"], Integrity(messages));
    }

    [Fact]
    public void Swapped_passwords_fail_integrity()
    {
        using var file = new TempFile(".pcap");
        Frames.WritePcap(file.Path, IceExchange());
        var (code, messages, _) = Decode(file.Path, "--ice-credentials", "lfrg:rpassword-0123456789ab,rfrg:lpassword-0123456789ab");
        Assert.Equal(ExitCodes.Failed, code);
        Assert.Equal(["failed", "failed", "failed", "failed"], Integrity(messages));
    }

    [Theory]
    [InlineData("coturn-uclient-udp.pcap")]
    [InlineData("coturn-uclient-tcp.pcap")]
    public void Turn_user_verifies_coturns_capture_from_the_option_and_from_a_file(string name)
    {
        var path = Path.Combine(Frames.Pcaps, name);
        var (code, messages, _) = Decode(path, "--turn-user", "alice:example.org:secret");
        Assert.Equal(ExitCodes.Ok, code);
        var signed = messages.Where(m => m.GetProperty("kind").GetString() == "stun" && m.GetProperty("integrity").GetString() != "missing").ToList();
        Assert.True(signed.Count >= 10);
        Assert.All(signed, m => Assert.Equal("verified", m.GetProperty("integrity").GetString()));

        using var file = new TempFile(".credentials");
        File.WriteAllText(file.Path, "# coturn's test user\nturn-user alice:example.org:wrong\n");
        var (failedCode, failed, _) = Decode(path, "--credentials", file.Path);
        Assert.Equal(ExitCodes.Failed, failedCode);
        Assert.All(failed.Where(m => m.GetProperty("kind").GetString() == "stun" && m.GetProperty("integrity").GetString() != "missing"),
            m => Assert.Equal("failed", m.GetProperty("integrity").GetString()));
    }

    [Theory]
    [InlineData("--ice-credentials", "nocolon", "is not ufrag:password")]
    [InlineData("--ice-credentials", "a:b:c", "is not ufrag:password")]
    [InlineData("--turn-user", "alice:secret", "is not user:realm:password")]
    [InlineData("--credentials", "/nonexistent/creds", "--credentials: /nonexistent/creds")]
    public void Bad_credential_options_are_usage_errors(string option, string value, string message)
    {
        var (code, _, err) = Decode(Path.Combine(Frames.Pcaps, "coturn-stunclient.pcap"), option, value);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(message, err);
    }

    [Fact]
    public void Credentials_file_bad_line_names_file_and_line()
    {
        using var file = new TempFile(".credentials");
        File.WriteAllText(file.Path, "ice-credentials a:b\nturn-password x\n");
        var credentials = new CaptureCredentials();
        Assert.False(credentials.TryLoad(file.Path, out var error));
        Assert.Equal($"{file.Path}:2: unknown entry 'turn-password' (expected ice-credentials or turn-user)", error);
    }
}

/// <summary>A temporary file deleted on dispose.</summary>
internal sealed class TempFile(string extension) : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"icespec-{Guid.NewGuid():N}{extension}");
    public void Dispose() => File.Delete(Path);
}
