using System.Text.RegularExpressions;
using IceSpec.Turn.Server;

namespace IceSpec.Turn.Tests.Server;

/// <summary>
/// coturn's own test clients against our server: <c>turnutils_uclient</c> relaying through us to
/// <c>turnutils_peer</c> (UDP and TCP to the server, channels and Send indications, several clients, long-term and REST
/// API credentials), and <c>turnutils_stunclient</c>. uclient exits 0 even when nothing was relayed, so its report is
/// parsed: every message sent must come back (<c>tot_recv_msgs</c>) and <c>Total lost packets 0</c>. coturn missing is a
/// failure with a message, never a skip. Each case has its own server, peer and ports, so the cases run in parallel.
/// </summary>
public static partial class CoturnInterop
{
    /// <summary>Messages per client: small, to keep CI time down (uclient starts sending ~4 s after start).</summary>
    public const int Messages = 20;

    /// <summary>Our server (loopback peers allowed: the peer is on loopback; coturn's channel numbers accepted) + a peer + uclient.</summary>
    public static async Task RelayAsync(string[] uclientFlags, int clients, string[]? serverSettings = null, string user = "alice", string password = "secret",
        int length = 100)
    {
        await using var server = TestServer.Start([.. (serverSettings ?? []), "allow-loopback-peers", "rfc5766-channel-numbers"]);
        var peerPort = FreePort.UdpPair();
        using var peer = ExternalProcess.Start("turnutils_peer", "-L", "127.0.0.1", "-p", peerPort.ToString());
        var useTcp = uclientFlags.Contains("-t") || uclientFlags.Contains("-T");
        var port = (useTcp ? server.Tcp : server.Udp).Port;
        string[] arguments =
        [
            .. uclientFlags, "-c", "-n", Messages.ToString(), "-l", length.ToString(), "-m", clients.ToString(), "-z", "5",
            "-p", port.ToString(), "-u", user, "-w", password, "-e", "127.0.0.1", "-r", peerPort.ToString(), "127.0.0.1",
        ];
        using var uclient = ExternalProcess.Start("turnutils_uclient", arguments);
        var exited = await uclient.WaitForExitAsync(TimeSpan.FromSeconds(45));
        var report = $"turnutils_uclient {string.Join(' ', arguments)}\n{uclient.Output}\n--- server log ---\n{string.Join('\n', server.Log.TakeLast(30))}";
        Assert.True(exited, "uclient did not finish in 45 s:\n" + report);
        // With -T (RFC 6062) each client is a pair of TCP allocations that connect to each other's relayed address: twice the messages.
        var streams = uclientFlags.Contains("-T") ? 2 : 1;
        AssertAllRelayed(uclient.Output, Messages * clients * streams, report);
        Assert.Equal(0, server.Host.Counters.InternalErrors);
    }

    public static void AssertAllRelayed(string output, int expected, string report)
    {
        var totals = TotalsLine().Matches(output);
        Assert.True(totals.Count > 0, "no final 'tot_send_msgs=…, tot_recv_msgs=…' line:\n" + report);
        var last = totals[^1];
        Assert.True(int.Parse(last.Groups[1].Value) == expected, $"sent {last.Groups[1].Value}, expected {expected}:\n" + report);
        Assert.True(int.Parse(last.Groups[2].Value) == expected, $"received {last.Groups[2].Value} of {expected}:\n" + report);
        Assert.True(LostLine().IsMatch(output), "not 'Total lost packets 0':\n" + report);
    }

    [GeneratedRegex(@"start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex TotalsLine();

    [GeneratedRegex(@"Total lost packets 0 \(")]
    private static partial Regex LostLine();
}

// One class per case: xunit runs classes in parallel, so the cases (each ~5 s of uclient) overlap.

[Trait("Category", "interop")]
public sealed class UclientUdpChannelTests
{
    [Fact]
    public Task Uclient_udp_channels_all_relayed() => CoturnInterop.RelayAsync([], clients: 1);
}

[Trait("Category", "interop")]
public sealed class UclientUdpSendIndicationTests
{
    [Fact]
    public Task Uclient_udp_send_indications_all_relayed() => CoturnInterop.RelayAsync(["-s"], clients: 1);
}

[Trait("Category", "interop")]
public sealed class UclientTcpChannelTests
{
    [Fact]
    public Task Uclient_tcp_channels_all_relayed() =>
        // 101 bytes: ChannelData on the stream is padded to 104 both ways (RFC 8656 §12.5).
        CoturnInterop.RelayAsync(["-t"], clients: 1, length: 101);
}

[Trait("Category", "interop")]
public sealed class UclientTcpSendIndicationTests
{
    [Fact]
    public Task Uclient_tcp_send_indications_all_relayed() => CoturnInterop.RelayAsync(["-t", "-s"], clients: 1);
}

[Trait("Category", "interop")]
public sealed class UclientTcpRelayTests
{
    [Fact]
    public Task Uclient_tcp_relay_rfc6062_all_relayed() =>
        // -T: TCP allocations (RFC 6062) in pairs: one Connects to the other's relayed address (Connect, ConnectionAttempt,
        // two ConnectionBinds), then raw bytes both ways.
        CoturnInterop.RelayAsync(["-T"], clients: 1);
}

[Trait("Category", "interop")]
public sealed class UclientThreeClientsTests
{
    [Fact]
    public Task Uclient_udp_three_clients_all_relayed() => CoturnInterop.RelayAsync([], clients: 3);
}

[Trait("Category", "interop")]
public sealed class UclientPortableSocketsTests
{
    [Fact]
    public Task Uclient_udp_portable_socket_path_all_relayed() =>
        // The .NET asynchronous socket path (used off Linux) instead of the epoll engine.
        CoturnInterop.RelayAsync([], clients: 2, serverSettings: ["portable-sockets"]);
}

[Trait("Category", "interop")]
public sealed class UclientRestApiTests
{
    [Fact]
    public Task Uclient_rest_api_secret_all_relayed() =>
        // -W: uclient mints "<timestamp>:<user>" and base64(HMAC-SHA1(secret, username)) itself, as coturn's REST API clients do.
        CoturnInterop.RelayAsync(["-W", "north-secret"], clients: 1, serverSettings: ["static-auth-secret=north-secret"], user: "erin", password: "unused");
}

[Trait("Category", "interop")]
public sealed class StunClientTests
{
    [Fact]
    public async Task Stunclient_reports_the_clients_mapped_address()
    {
        await using var server = TestServer.Start("stun-only");
        using var stunclient = ExternalProcess.Start("turnutils_stunclient", "-p", server.Udp.Port.ToString(), "-L", "127.0.0.1", "127.0.0.1");
        Assert.True(await stunclient.WaitForExitAsync(TimeSpan.FromSeconds(20)), "turnutils_stunclient did not finish:\n" + stunclient.Output);
        var reported = Regex.Match(stunclient.Output, @"UDP reflexive addr: 127\.0\.0\.1:(\d+)");
        Assert.True(reported.Success, "no reflexive address in:\n" + stunclient.Output);
        // The port it reports is the one our server saw the request come from.
        Assert.Contains(server.Log, line => line.Contains($"event=binding client=127.0.0.1:{reported.Groups[1].Value} "));
    }

    [Fact]
    public async Task Stunclient_rfc5780_sees_response_origin_and_other_address()
    {
        await using var server = TestServer.Start("stun-only", "alt-listening-ip=127.0.0.2", "alt-listening-port=0");
        using var stunclient = ExternalProcess.Start("turnutils_stunclient", "-f", "-p", server.Udp.Port.ToString(), "-L", "127.0.0.1", "127.0.0.1");
        Assert.True(await stunclient.WaitForExitAsync(TimeSpan.FromSeconds(20)), "turnutils_stunclient did not finish:\n" + stunclient.Output);
        var output = stunclient.Output;
        Assert.Contains($"Response origin: : 127.0.0.1:{server.Udp.Port}", output);
        Assert.Matches(@"Other addr: : 127\.0\.0\.2:\d+", output);
        Assert.Matches(@"Response origin: : 127\.0\.0\.2:\d+", output); // a CHANGE-REQUEST answered from the other address
        Assert.Contains("UDP reflexive addr: 127.0.0.1:", output);
    }
}
