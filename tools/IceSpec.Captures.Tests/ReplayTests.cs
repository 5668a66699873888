using IceSpec.Cli;
using static IceSpec.Captures.Tests.ReplayRun;

namespace IceSpec.Captures.Tests;

/// <summary>
/// <c>icespec replay --target</c> against a live aioice 0.8 agent (Debian's /usr/bin/python3) started with the captured
/// agent's credentials and killed by PID when the test ends; and the command's usage errors. Replays to servers and
/// agents the tool starts itself (<c>--impl</c>): <see cref="ReplayToStartedServerTests"/>, <see cref="ReplayToStartedAgentTests"/>;
/// over TCP: <see cref="ReplayOverTcpTests"/>.
/// </summary>
[Trait("Category", "interop")]
public class ReplayTests
{
    private static string AioiceTarget => Path.Combine(Frames.Pcaps, "peers", "aioice_target.py");

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
    public async Task Controlling_agents_checks_replayed_to_a_live_aioice_agent_are_answered_as_captured()
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
    public async Task Target_with_another_password_diverges_at_the_first_check()
    {
        var (peer, port) = await StartAioiceAsync("SomeOtherPasswordForAioD");
        await using var _ = peer;

        var (code, output, _) = await RunAsync("replay", Pcap("aioice.pcapng"), "--side", "AioC", "--target", $"127.0.0.1:{port}",
            "--credentials", Pcap("aioice.credentials"));

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Matches(@"first divergence: frame 1 \(Binding request\): expected success \[XOR-MAPPED-ADDRESS MESSAGE-INTEGRITY FINGERPRINT\], got error 400", output);
    }

    [Theory]
    [InlineData("--target", "nowhere", "--target: 'nowhere' is not HOST:PORT")]
    [InlineData("--side", "NoSuchUfrag", "--side: no address or ICE ufrag 'NoSuchUfrag' sends requests in the capture")]
    public async Task Bad_options_are_usage_errors(string option, string value, string message)
    {
        var args = new List<string> { "replay", Pcap("aioice.pcapng"), "--side", "AioC", "--target", "127.0.0.1:9" };
        args[args.IndexOf(option) + 1] = value;
        var (code, _, err) = await RunAsync([.. args]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(message, err);
    }

    [Theory]
    [InlineData("aioice.pcapng AioC --impl libnice --target 127.0.0.1:9", "--target and --impl exclude each other")]
    [InlineData("aioice.pcapng AioC", "give --target HOST:PORT (a running target) or --impl NAME (one the tool starts)")]
    [InlineData("aioice.pcapng AioC --impl str0m --credentials aioice.credentials", "--impl: unknown implementation 'str0m'; known: coturn, icespec, libnice, aioice, werift, pion")]
    [InlineData("aioice.pcapng AioC --impl coturn --credentials aioice.credentials",
        "--impl coturn is a STUN/TURN server, but the side's requests are ICE connectivity checks: use an ICE agent (icespec, libnice, aioice, werift, pion, chromium)")]
    [InlineData("coturn-uclient-udp.pcap 127.0.0.1:57735 --impl libnice --credentials coturn-uclient-udp.credentials",
        "--impl libnice is an ICE agent, but the side's requests are not ICE checks (no ICE-CONTROLLING/ICE-CONTROLLED): use a STUN/TURN server (coturn, icespec)")]
    [InlineData("aioice.pcapng AioC --impl libnice",
        "--impl libnice needs the password of the side's ufrag 'AioC' (to be its remote description): --ice-credentials AioC:PASSWORD or --credentials FILE")]
    [InlineData("coturn-uclient-udp.pcap 127.0.0.1:57735 --impl coturn --turn-user bob:example.org:x",
        "--impl coturn needs the long-term credential of the side's user 'alice' in realm 'example.org' (the server is started with it): --turn-user alice:example.org:PASSWORD or --credentials FILE")]
    [InlineData("aioice.pcapng AioC --impl aioice --transport tcp --credentials aioice.credentials",
        "--impl aioice: the side's checks went over TCP and aioice's driver offers no ICE-TCP (RFC 6544) candidates")]
    [InlineData("aioice.pcapng AioC --target 127.0.0.1:9 --transport sctp", "Argument 'sctp' not recognized. Must be one of:")]
    public async Task Impl_and_transport_misuse_are_usage_errors_naming_the_fix(string arguments, string message)
    {
        // Words are: capture, side, then options; a file name after --credentials is one of pcaps/.
        var words = arguments.Split(' ');
        var args = new List<string> { "replay", Pcap(words[0]), "--side", words[1] };
        for (var i = 2; i < words.Length; i++) args.Add(words[i - 1] == "--credentials" ? Pcap(words[i]) : words[i]);

        var (code, output, err) = await RunAsync([.. args]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(message, err);
        Assert.DoesNotContain("started", output);
    }

    /// <summary>SIGTERM (as Ctrl-C) in the 5.7 s pause before the capture's last Refresh: the replay stops coturn by PID and says so.</summary>
    [Fact]
    public async Task Interrupted_replay_stops_the_implementation_it_started()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "icespec.dll");
        await using var run = PeerProcess.Start(PeerProcess.DotnetHost, cli, "replay", Pcap("coturn-uclient-udp.pcap"), "--side", "127.0.0.1:57735",
            "--impl", "coturn", "--credentials", Pcap("coturn-uclient-udp.credentials"));
        var coturn = int.Parse((await run.WaitForLineAsync("started coturn (PID ", TimeSpan.FromSeconds(60))).Split(')')[0]);
        await run.WaitForLineAsync("  frame    23 ", TimeSpan.FromSeconds(30));  // the last request before the pause
        Assert.True(Directory.Exists($"/proc/{coturn}"), "coturn should run during the replay");

        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", run.Pid.ToString()])) await kill.WaitForExitAsync();
        var code = await run.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(code == ExitCodes.Interrupted, run.Output);
        Assert.Contains("icespec: interrupted; coturn stopped", run.Output);
        Assert.False(Directory.Exists($"/proc/{coturn}"), $"coturn (PID {coturn}) still runs: {run.Output}");
        var kept = run.Output.Split('\n').Single(l => l.Contains("coturn's log kept in "));
        Directory.Delete(kept[(kept.IndexOf(" in ", StringComparison.Ordinal) + 4)..], recursive: true);
    }

    /// <summary>Run as its own process with a PATH that has no turnserver: the error says what to install.</summary>
    [Fact]
    public async Task Impl_coturn_not_installed_says_what_to_install()
    {
        var empty = Directory.CreateTempSubdirectory("icespec-empty-path-");
        try
        {
            var cli = Path.Combine(AppContext.BaseDirectory, "icespec.dll");
            await using var run = PeerProcess.StartWithEnvironment(PeerProcess.DotnetHost, new() { ["PATH"] = empty.FullName }, cli, "replay",
                Pcap("coturn-uclient-udp.pcap"), "--side", "127.0.0.1:57735", "--impl", "coturn", "--credentials", Pcap("coturn-uclient-udp.credentials"));
            var code = await run.WaitForExitAsync(TimeSpan.FromSeconds(60));

            Assert.True(code == ExitCodes.Setup, run.Output);
            Assert.Contains("icespec: cannot start coturn: coturn is not installed (no turnserver on PATH): apt-get install coturn, or run scripts/install-deps.sh", run.Output);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }
}
