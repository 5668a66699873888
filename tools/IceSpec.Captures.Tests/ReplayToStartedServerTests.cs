using IceSpec.Cli;
using static IceSpec.Captures.Tests.ReplayRun;

namespace IceSpec.Captures.Tests;

/// <summary>
/// <c>icespec replay --impl coturn|icespec</c>: the tool starts the server itself (as the conformance kit's loopback
/// servers: free ports on 127.0.0.1, loopback peers allowed) with the capture's user alice@example.org, replays
/// turnutils_uclient's second allocation (the one with channels) and stops the server by PID.
/// </summary>
[Trait("Category", "interop")]
public class ReplayToStartedServerTests
{
    [Theory]
    [InlineData("coturn-uclient-udp.pcap", "udp")]
    [InlineData("coturn-uclient-tcp.pcap", "tcp")]
    public async Task Coturn_the_captures_own_server_answers_every_request_as_captured(string pcap, string transport)
    {
        var client = await ChannelClientAsync(pcap);

        var (code, output, err) = await RunAsync("replay", Pcap(pcap), "--side", client, "--impl", "coturn",
            "--credentials", Pcap(Path.ChangeExtension(pcap, ".credentials")), "--speed", "10");

        Assert.True(code == ExitCodes.Ok, output + err);
        AssertStartedAndStopped(output);
        Assert.Contains($"(11 over {transport.ToUpperInvariant()})", output);
        // A fresh NONCE in the 401 is used by the next requests (the existing Replayer's rewrite), so the second Allocate succeeds.
        Assert.Matches($@"{transport}  Allocate request\s+→ error 401 \[ERROR-CODE NONCE REALM SOFTWARE FINGERPRINT\] in [\d.]+ ms, integrity missing  ok", output);
        Assert.Matches($@"{transport}  Allocate request\s+→ success \[XOR-RELAYED-ADDRESS XOR-MAPPED-ADDRESS LIFETIME SOFTWARE MESSAGE-INTEGRITY FINGERPRINT\] in [\d.]+ ms, integrity verified  ok", output);
        Assert.Equal(5, CountMatches(output, $@"{transport}  ChannelBind request\s+→ success \[SOFTWARE MESSAGE-INTEGRITY FINGERPRINT\] in [\d.]+ ms, integrity verified  ok"));
        Assert.Contains("no divergence: 11 of 11 request(s) answered as in the capture", output);
    }

    /// <summary>A capture without authentication (one Binding request of turnutils_stunclient): the server is started with the kit's own user.</summary>
    [Fact]
    public async Task Coturn_answers_an_unauthenticated_binding_as_captured()
    {
        var (code, output, err) = await RunAsync("replay", Pcap("coturn-stunclient.pcap"), "--side", "127.0.0.1:60325", "--impl", "coturn");

        Assert.True(code == ExitCodes.Ok, output + err);
        AssertStartedAndStopped(output);
        Assert.Contains("user conformance realm icespec.conformance", output);
        Assert.Matches(@"udp  Binding request\s+→ success \[XOR-MAPPED-ADDRESS MAPPED-ADDRESS RESPONSE-ORIGIN SOFTWARE\] in [\d.]+ ms, integrity missing  ok", output);
    }

    /// <summary>
    /// Our server answers the same requests differently, by design, and the replay shows where:
    /// <list type="bullet">
    /// <item>its 401 carries PASSWORD-ALGORITHMS (RFC 8489 §9.2.4: the server offers the algorithms it supports) and puts
    /// REALM before NONCE and leaves SOFTWARE out (the smallest 401 the RFC allows, against reflection), and its Allocate success puts LIFETIME before XOR-MAPPED-ADDRESS — RFC 8489 §14 fixes no order
    /// apart from MESSAGE-INTEGRITY and FINGERPRINT last; the replay compares attribute types in order, so these count;</item>
    /// <item>it refuses uclient's channel numbers above 0x4FFF with 400 (RFC 8656 §12 narrowed RFC 5766's 0x4000–0x7FFF;
    /// the kit's loopback server runs without <c>--rfc5766-channel-numbers</c>) and accepts those in 0x4000–0x4FFF;</item>
    /// <item>Refresh and CreatePermission are answered as coturn answered them.</item>
    /// </list>
    /// </summary>
    [Fact]
    public async Task IceSpec_server_over_udp_diverges_at_the_401_and_refuses_channel_numbers_above_0x4FFF()
    {
        var client = await ChannelClientAsync("coturn-uclient-udp.pcap");

        var (code, output, err) = await RunAsync("replay", Pcap("coturn-uclient-udp.pcap"), "--side", client, "--impl", "icespec",
            "--credentials", Pcap("coturn-uclient-udp.credentials"), "--speed", "10", "--keep-going");

        Assert.Equal(ExitCodes.Failed, code);
        AssertStartedAndStopped(output);
        Assert.Contains("first divergence: frame 7 (Allocate request): attribute types differ: expected error 401 [ERROR-CODE NONCE REALM SOFTWARE FINGERPRINT], " +
                        "got error 401 [ERROR-CODE REALM NONCE PASSWORD-ALGORITHMS FINGERPRINT]", output);
        Assert.Matches(@"Allocate request\s+→ success \[XOR-RELAYED-ADDRESS LIFETIME XOR-MAPPED-ADDRESS SOFTWARE MESSAGE-INTEGRITY FINGERPRINT\] in [\d.]+ ms, integrity verified  DIVERGES", output);
        // uclient -c on UDP picked channels above 0x4FFF for all five ChannelBinds of this allocation (icespec analyze: channel-number-out-of-range).
        Assert.Equal(5, CountMatches(output, @"ChannelBind request\s+→ error 400 \[ERROR-CODE SOFTWARE MESSAGE-INTEGRITY FINGERPRINT\] in [\d.]+ ms, integrity verified  DIVERGES"));
        Assert.Equal(3, CountMatches(output, @"Refresh request\s+→ success \[LIFETIME SOFTWARE MESSAGE-INTEGRITY FINGERPRINT\] in [\d.]+ ms, integrity verified  ok"));
        Assert.Matches(@"CreatePermission request\s+→ success \[SOFTWARE MESSAGE-INTEGRITY FINGERPRINT\] in [\d.]+ ms, integrity verified  ok", output);
        Assert.Contains("icespec's log kept in", err);
    }

    [Fact]
    public async Task IceSpec_server_over_tcp_accepts_channel_0x41B1_and_refuses_0x6C5A()
    {
        var client = await ChannelClientAsync("coturn-uclient-tcp.pcap");

        var (code, output, _) = await RunAsync("replay", Pcap("coturn-uclient-tcp.pcap"), "--side", client, "--impl", "icespec",
            "--credentials", Pcap("coturn-uclient-tcp.credentials"), "--speed", "10", "--keep-going");

        Assert.Equal(ExitCodes.Failed, code);
        AssertStartedAndStopped(output);
        Assert.Contains("(11 over TCP)", output);
        Assert.Contains("first divergence: frame 15 (Allocate request): attribute types differ", output);
        // The capture's ChannelBinds: 0x6C5A twice (frames 23, 25), then 0x41B1 three times (27, 29, 35).
        Assert.Matches(@"frame    23 .* tcp  ChannelBind request\s+→ error 400 ", output);
        Assert.Matches(@"frame    25 .* tcp  ChannelBind request\s+→ error 400 ", output);
        Assert.Matches(@"frame    27 .* tcp  ChannelBind request\s+→ success \[SOFTWARE MESSAGE-INTEGRITY FINGERPRINT\] .*  ok", output);
        Assert.Matches(@"frame    29 .* tcp  ChannelBind request\s+→ success \[SOFTWARE MESSAGE-INTEGRITY FINGERPRINT\] .*  ok", output);
        Assert.Matches(@"frame    35 .* tcp  ChannelBind request\s+→ success \[SOFTWARE MESSAGE-INTEGRITY FINGERPRINT\] .*  ok", output);
    }

    private static int CountMatches(string text, string pattern) => System.Text.RegularExpressions.Regex.Matches(text, pattern).Count;
}
