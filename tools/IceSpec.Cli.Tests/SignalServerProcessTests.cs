using System.Net;
using System.Text.RegularExpressions;
using IceSpec.Turn.Tests.Client;

namespace IceSpec.Cli.Tests;

/// <summary>
/// Two <c>icespec ice</c> processes connect through a real <c>icespec signal-server</c> process on loopback: directly,
/// and relay to relay through an <c>icespec turn-server</c> whose REST secret the signal server mints credentials for.
/// Every process is stopped by its PID (disposal), also when the test fails.
/// </summary>
[Trait("Category", "unit")]
public sealed class SignalServerProcessTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Two_ice_processes_connect_through_the_signal_server_and_exchange_lines()
    {
        await using var server = await StartSignalServerAsync([]);
        var (offer, answer) = await ConnectAsync(server.Url + "/host-room", []);
        Assert.Matches(@"connected: host 127\.0\.0\.1:\d+ <-> host 127\.0\.0\.1:\d+", offer);
        Assert.Contains("TURN servers: none", offer);
        Assert.Contains("< hello from answer", offer);
        Assert.Contains("< hello from offer", answer);
    }

    [Fact]
    public async Task Two_relay_only_ice_processes_connect_with_the_TURN_credentials_the_signal_server_mints()
    {
        var turnPort = FreePorts.Find([IPAddress.Loopback], 1, 1)[0];
        var relayPorts = FreePorts.FindRange([IPAddress.Loopback], 20);
        await using var turn = CliProcess.Start(["turn-server", "--listening-ip", "127.0.0.1", "--listening-port", $"{turnPort}", "--min-port", $"{relayPorts}",
            "--max-port", $"{relayPorts + 19}", "--realm", "signal-test", "--static-auth-secret", "turn-rest-secret", "--allow-loopback-peers"]);
        await turn.WaitForLineAsync("listening udp", Startup);
        await using var server = await StartSignalServerAsync(["--turn-secret", "turn-rest-secret", "--turn-server", $"127.0.0.1:{turnPort}"]);

        var (offer, answer) = await ConnectAsync(server.Url + "/relay-room", ["--relay-only"]);

        Assert.Matches(@"connected: relay 127\.0\.0\.1:\d+ <-> relay 127\.0\.0\.1:\d+", offer);
        Assert.Matches(@"connected: relay 127\.0\.0\.1:\d+ <-> relay 127\.0\.0\.1:\d+", answer);
        Assert.Matches($@"TURN servers: 127\.0\.0\.1:{turnPort} as \d+:[0-9a-f]+", offer);   // EXPIRY:PEER
        Assert.Contains("< hello from answer", offer);
    }

    [Fact]
    public async Task A_peer_that_leaves_is_told_to_the_other_ice_process()
    {
        await using var server = await StartSignalServerAsync([]);
        string[] Args(string side) => ["ice", side, "--signal", server.Url + "/leave-room", "--signal-secret", "room-secret", "--address", "127.0.0.1", "--timeout", "20"];
        await using var stays = CliProcess.Start(Args("offer"), input: []);
        await using var leaves = CliProcess.Start(Args("answer"), input: []);
        await stays.WaitForLineAsync("connected:", Startup);
        await leaves.WaitForLineAsync("connected:", Startup);
        leaves.CloseInput();
        Assert.Equal(0, await leaves.WaitForExitAsync(Startup));
        var peer = Regex.Match(leaves.Stderr, "as peer ([0-9a-f]+)").Groups[1].Value;
        await WaitUntilAsync(() => stays.Stderr.Contains($"signal: peer {peer} left the room"), stays);
        stays.CloseInput();
    }

    [Theory]
    [InlineData("--listen=nonsense", "--listen: 'nonsense' is not IP:PORT")]
    [InlineData("--listen=203.0.113.5:9000", "cannot listen on 203.0.113.5:9000")]
    [InlineData("--turn-server=127.0.0.1:3478", "need --turn-secret")]
    [InlineData("--max-message-bytes=10", "--max-message-bytes is 1024 to 1048576")]
    [InlineData("--fleet=http://redis:6379 --turn-secret=t", "--fleet: 'http://redis:6379' is not redis://HOST:PORT")]
    public void Bad_options_are_refused_with_a_message_that_names_them(string options, string message)
    {
        var (code, _, errors) = CliRunner.Run(["signal-server", "--secret", "s", .. options.Split(' ')]);
        Assert.NotEqual(0, code);
        Assert.Contains(message, errors);
    }

    [Fact]
    public void The_signal_server_needs_a_secret()
    {
        var (code, _, errors) = CliRunner.Run("signal-server", "--listen", "127.0.0.1:0");
        Assert.Equal(2, code);
        Assert.Contains("--secret is required", errors);
    }

    private static async Task<(string Offer, string Answer)> ConnectAsync(string url, string[] extra)
    {
        string[] Args(string side) => ["ice", side, "--signal", url, "--signal-secret", "room-secret", "--address", "127.0.0.1", "--timeout", "20", .. extra];
        await using var offer = CliProcess.Start(Args("offer"), input: ["hello from offer"]);
        await using var answer = CliProcess.Start(Args("answer"), input: ["hello from answer"]);
        await WaitUntilAsync(() => offer.Stdout.Contains("< hello from answer") && answer.Stdout.Contains("< hello from offer"), offer, answer);
        offer.CloseInput();
        answer.CloseInput();
        var codes = new[] { await offer.WaitForExitAsync(Startup), await answer.WaitForExitAsync(Startup) };
        var transcript = $"--- offer ---\n{offer.Stdout}\n{offer.Stderr}\n--- answer ---\n{answer.Stdout}\n{answer.Stderr}";
        Assert.True(codes is [0, 0], transcript);
        return (offer.Stdout + "\n" + offer.Stderr, answer.Stdout + "\n" + answer.Stderr);
    }

    private static async Task WaitUntilAsync(Func<bool> done, params CliProcess[] watched)
    {
        for (var waited = TimeSpan.Zero; waited < TimeSpan.FromSeconds(40); waited += TimeSpan.FromMilliseconds(100))
        {
            if (done()) return;
            await Task.Delay(100);
        }
        Assert.Fail("not seen within 40 s:\n" + string.Join("\n---\n", watched.Select(p => p.Stdout + "\n" + p.Stderr)));
    }

    private static async Task<SignalServerProcess> StartSignalServerAsync(string[] extra)
    {
        var process = CliProcess.Start(["signal-server", "--listen", "127.0.0.1:0", "--secret", "room-secret", .. extra]);
        try
        {
            return new SignalServerProcess(process, "ws://" + (await process.WaitForLineAsync("listening ws://", Startup)));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    private sealed class SignalServerProcess(CliProcess process, string url) : IAsyncDisposable
    {
        public string Url { get; } = url;

        public ValueTask DisposeAsync() => process.DisposeAsync();
    }
}
