using IceSpec.Cli;
using static IceSpec.Captures.Tests.ReplayRun;

namespace IceSpec.Captures.Tests;

/// <summary>
/// <c>icespec replay --impl AGENT</c> on ICE captures: the agent is started through its conformance driver, told the
/// replayed side's ufrag and password and one host candidate (the replaying socket), and the side's checks are sent to
/// its host candidate with USERNAME <c>AGENTUFRAG:SIDEUFRAG</c> and its password; its own checks are answered. Values
/// that must differ (XOR-MAPPED-ADDRESS, USERNAME) are not compared; class, error code and attribute types in order are.
/// </summary>
[Trait("Category", "interop")]
public class ReplayToStartedAgentTests
{
    /// <summary>The two checks of AioC (the first, nominating one; a consent check 4.5 s later), replayed at 20× speed.</summary>
    private static Task<(int Code, string Out, string Err)> ReplayAioControllingAsync(string agent) =>
        RunAsync("replay", Pcap("aioice.pcapng"), "--side", "AioC", "--impl", agent, "--credentials", Pcap("aioice.credentials"), "--speed", "20", "--keep-going");

    [Theory]
    [InlineData("aioice")]
    [InlineData("werift")]
    [InlineData("pion")]
    [InlineData("icespec")]
    public async Task Aioice_controlling_checks_answered_as_aioice_answered_them(string agent)
    {
        var (code, output, err) = await ReplayAioControllingAsync(agent);

        Assert.True(code == ExitCodes.Ok, output + err);
        AssertStartedAndStopped(output);
        Assert.Matches($@"started {agent} \(PID \d+\), controlled, ufrag \S+, host candidate 127\.0\.0\.1:\d+; replaying from 127\.0\.0\.1:\d+ as ufrag AioC", output);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(output,
            @"udp  Binding request\s+→ success \[XOR-MAPPED-ADDRESS MESSAGE-INTEGRITY FINGERPRINT\] in [\d.]+ ms, integrity verified  ok").Count);
        Assert.Contains("no divergence: 2 of 2 request(s) answered as in the capture", output);
        // The agent checked the replaying socket too and got its answers: it connected.
        Assert.Matches($@"{agent}: [1-9]\d* check\(s\) of its own answered; states: checking → connected", output);
    }

    /// <summary>A real difference between implementations, shown: libnice 0.1.21 puts USERNAME in its success responses, aioice does not.</summary>
    [Fact]
    public async Task Aioice_controlling_checks_to_libnice_diverge_by_the_username_in_libnices_responses()
    {
        var (code, output, _) = await ReplayAioControllingAsync("libnice");

        Assert.Equal(ExitCodes.Failed, code);
        AssertStartedAndStopped(output);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(output,
            @"udp  Binding request\s+→ success \[XOR-MAPPED-ADDRESS USERNAME MESSAGE-INTEGRITY FINGERPRINT\] in [\d.]+ ms, integrity verified  DIVERGES").Count);
        Assert.Contains("first divergence: frame 1 (Binding request): attribute types differ: expected success [XOR-MAPPED-ADDRESS MESSAGE-INTEGRITY FINGERPRINT], " +
                        "got success [XOR-MAPPED-ADDRESS USERNAME MESSAGE-INTEGRITY FINGERPRINT]", output);
        Assert.Matches(@"libnice: [1-9]\d* check\(s\) of its own answered; states: checking → connected", output);
    }

    /// <summary>
    /// ICE-TCP (RFC 6544): LnL1's check from its active candidate, replayed as an active candidate of our own over a
    /// connection to libnice's passive one, in RFC 4571 frames: answered as libnice answered it in the capture.
    /// </summary>
    [Fact]
    public async Task Libnice_tcp_check_to_libnice_answered_over_the_connection_as_captured()
    {
        var (code, output, err) = await RunAsync("replay", Pcap("libnice-tcp.pcapng"), "--side", "LnL1", "--impl", "libnice",
            "--credentials", Pcap("libnice-tcp.credentials"), "--speed", "20");

        Assert.True(code == ExitCodes.Ok, output + err);
        AssertStartedAndStopped(output);
        Assert.Matches(@"started libnice \(PID \d+\), controlled, ufrag \S+, passive TCP candidate 127\.0\.0\.1:\d+; replaying as an active TCP candidate", output);
        Assert.Contains("(1 over TCP)", output);
        Assert.Matches(@"tcp  Binding request\s+→ success \[XOR-MAPPED-ADDRESS USERNAME MESSAGE-INTEGRITY FINGERPRINT\] in [\d.]+ ms, integrity verified  ok", output);
        Assert.Contains("no divergence: 1 of 1 request(s) answered as in the capture", output);
    }

    /// <summary>The same capture's controlled side replayed to IceSpec over ICE-TCP: it answers without libnice's USERNAME, shown as the divergence.</summary>
    [Fact]
    public async Task Libnice_tcp_checks_to_IceSpec_diverge_by_the_username_only_libnice_sends()
    {
        var (code, output, _) = await RunAsync("replay", Pcap("libnice-tcp.pcapng"), "--side", "LnR2", "--impl", "icespec",
            "--credentials", Pcap("libnice-tcp.credentials"), "--speed", "20");

        Assert.Equal(ExitCodes.Failed, code);
        AssertStartedAndStopped(output);
        Assert.Matches(@"tcp  Binding request\s+→ success \[XOR-MAPPED-ADDRESS MESSAGE-INTEGRITY FINGERPRINT\] in [\d.]+ ms, integrity verified  DIVERGES", output);
        Assert.Contains("first divergence: frame 4 (Binding request): attribute types differ: expected success [XOR-MAPPED-ADDRESS USERNAME MESSAGE-INTEGRITY FINGERPRINT], " +
                        "got success [XOR-MAPPED-ADDRESS MESSAGE-INTEGRITY FINGERPRINT]", output);
        // IceSpec checked back over the connection the replay opened, and got its answer.
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(output, @"icespec: [1-9]\d* check\(s\) of its own answered"), output);
    }

    /// <summary>The other way round: libnice's controlling checks replayed to aioice, which answers without the USERNAME libnice's peer sent.</summary>
    [Fact]
    public async Task Libnice_controlling_checks_to_aioice_diverge_by_the_missing_username()
    {
        var (code, output, _) = await RunAsync("replay", Pcap("libnice-aggressive.pcapng"), "--side", "LnL1", "--impl", "aioice",
            "--credentials", Pcap("libnice-aggressive.credentials"), "--speed", "20");

        Assert.Equal(ExitCodes.Failed, code);
        AssertStartedAndStopped(output);
        Assert.Contains("first divergence: frame 2 (Binding request): attribute types differ: expected success [XOR-MAPPED-ADDRESS USERNAME MESSAGE-INTEGRITY FINGERPRINT], " +
                        "got success [XOR-MAPPED-ADDRESS MESSAGE-INTEGRITY FINGERPRINT]", output);
    }

    /// <summary>The controlled side's checks: the agent is started controlling (the role opposite to the side's).</summary>
    [Fact]
    public async Task Aioice_controlled_checks_to_a_controlling_pion_are_answered_as_captured()
    {
        var (code, output, err) = await RunAsync("replay", Pcap("aioice.pcapng"), "--side", "AioD", "--impl", "pion",
            "--credentials", Pcap("aioice.credentials"), "--speed", "20");

        Assert.True(code == ExitCodes.Ok, output + err);
        AssertStartedAndStopped(output);
        Assert.Matches(@"started pion \(PID \d+\), controlling, ", output);
        Assert.Contains("no divergence: 2 of 2 request(s) answered as in the capture", output);
    }
}
