using IceSpec.Cli;

namespace IceSpec.Captures.Tests;

/// <summary>
/// <c>icespec replay</c> against live peers: aioice 0.8 (Debian's /usr/bin/python3) started with the captured agent's
/// credentials, and coturn 4.6 started with the captured user; each peer is killed by PID when the test ends.
/// </summary>
public class ReplayTests
{
    private static string Pcap(string name) => Path.Combine(Frames.Pcaps, name);
    private static string AioiceTarget => Path.Combine(Frames.Pcaps, "peers", "aioice_target.py");

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var code = await Task.Run(() => CliApp.Run(args, new StringReader(""), stdout, stderr));
        Assert.DoesNotContain("Exception", stdout.ToString() + stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static async Task<(PeerProcess Peer, int Port)> StartAioiceAsync(string password)
    {
        var peer = PeerProcess.Start("/usr/bin/python3", AioiceTarget, "AioD", password, "AioC", "AioiceControllingPass01", "controlled", "60");
        try
        {
            return (peer, int.Parse(await peer.WaitForLineAsync("port ", TimeSpan.FromSeconds(20))));
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task ControllingAgentsChecks_ReplayedToALiveAioiceAgent_AreAnsweredAsCaptured()
    {
        var (peer, port) = await StartAioiceAsync("AioiceControlledPass002");
        await using var _ = peer;

        var (code, output, _) = await RunAsync("replay", Pcap("aioice.pcapng"), "--side", "AioC", "--target", $"127.0.0.1:{port}",
            "--credentials", Pcap("aioice.credentials"), "--speed", "20");

        Assert.True(code == ExitCodes.Ok, output + peer.Output);
        Assert.Matches(@"Binding request\s+→ success \[XOR-MAPPED-ADDRESS MESSAGE-INTEGRITY FINGERPRINT\] in [\d.]+ ms, integrity verified  ok", output);
        Assert.Contains("no divergence: 2 of 2 request(s) answered as in the capture", output);
    }

    [Fact]
    public async Task TargetWithAnotherPassword_DivergesAtTheFirstCheck()
    {
        var (peer, port) = await StartAioiceAsync("SomeOtherPasswordForAioD");
        await using var _ = peer;

        var (code, output, _) = await RunAsync("replay", Pcap("aioice.pcapng"), "--side", "AioC", "--target", $"127.0.0.1:{port}",
            "--credentials", Pcap("aioice.credentials"));

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Matches(@"first divergence: frame 1 \(Binding request\): expected success \[XOR-MAPPED-ADDRESS MESSAGE-INTEGRITY FINGERPRINT\], got error 400", output);
    }

    [Fact]
    public async Task TurnClientsRequests_ReplayedToALiveCoturn_AreAnsweredAsCaptured_WithTheNewNonce()
    {
        var port = PeerProcess.FreePort();
        var relays = PeerProcess.FreeRange(20);
        var work = Directory.CreateTempSubdirectory("icespec-replay-coturn-");
        try
        {
            await using var coturn = PeerProcess.Start("turnserver", "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
                $"--listening-port={port}", $"--min-port={relays}", $"--max-port={relays + 19}", "--lt-cred-mech", "--user=alice:secret",
                "--realm=example.org", "--allow-loopback-peers", "--no-tls", "--no-dtls", "--no-cli", $"--userdb={work.FullName}/turndb",
                $"--pidfile={work.FullName}/pid", $"--log-file={work.FullName}/log", "--simple-log");
            await Task.Delay(1500); // coturn answers once its listener is up; replay retransmits meanwhile too

            // The capture's second allocation (the one with channels and data) is made from this client address.
            var (_, analysis, _) = await RunAsync("analyze", Pcap("coturn-uclient-udp.pcap"), "--json");
            var client = System.Text.Json.JsonDocument.Parse(analysis).RootElement.GetProperty("turnAllocations")
                .EnumerateArray().Single(a => a.GetProperty("channels").GetArrayLength() > 0).GetProperty("client").GetString()!;

            var (code, output, _) = await RunAsync("replay", Pcap("coturn-uclient-udp.pcap"), "--side", client, "--target", $"127.0.0.1:{port}",
                "--credentials", Pcap("coturn-uclient-udp.credentials"), "--speed", "10");

            Assert.True(code == ExitCodes.Ok, output + coturn.Output);
            Assert.Contains("Allocate request           → error 401 [ERROR-CODE NONCE REALM SOFTWARE FINGERPRINT]", output);
            Assert.Matches(@"Allocate request\s+→ success \[XOR-RELAYED-ADDRESS XOR-MAPPED-ADDRESS LIFETIME SOFTWARE MESSAGE-INTEGRITY FINGERPRINT\] in [\d.]+ ms, integrity verified  ok", output);
            Assert.Contains("no divergence: 11 of 11 request(s) answered as in the capture", output);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("--target", "nowhere", "--target: 'nowhere' is not HOST:PORT")]
    [InlineData("--side", "NoSuchUfrag", "--side: no address or ICE ufrag 'NoSuchUfrag' sends requests in the capture")]
    public async Task BadOptions_AreUsageErrors(string option, string value, string message)
    {
        var args = new List<string> { "replay", Pcap("aioice.pcapng"), "--side", "AioC", "--target", "127.0.0.1:9" };
        args[args.IndexOf(option) + 1] = value;
        var (code, _, err) = await RunAsync([.. args]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(message, err);
    }
}
