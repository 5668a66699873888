using System.Net;
using IceSpec.Cli;
using IceSpec.Conformance.Lab;
using IceSpec.Conformance.Runner;
using static IceSpec.Captures.Tests.ReplayRun;

namespace IceSpec.Captures.Tests;

/// <summary>
/// Replay over TCP against coturn started by the conformance kit's <see cref="LoopbackServers"/> on free ports, reached
/// through a <see cref="TcpTap"/> whose port answers nothing over UDP: a replay that gets its answers can only have got
/// them over TCP, and the tap counts the connections and bytes.
/// </summary>
[Trait("Category", "interop")]
public sealed class ReplayOverTcpTests : IAsyncLifetime
{
    private readonly DirectoryInfo _logs = Directory.CreateTempSubdirectory("icespec-replay-tcp-test-");
    private LoopbackServer _coturn = null!;

    public async Task InitializeAsync() =>
        _coturn = await LoopbackServers.StartAsync(LabServerKind.Coturn, new LoopbackUser("alice", "secret", "example.org"), _logs.FullName, CancellationToken.None);

    public async Task DisposeAsync()
    {
        await _coturn.DisposeAsync();
        _logs.Delete(recursive: true);
    }

    private IPEndPoint Coturn => new(IPAddress.Loopback, _coturn.Target.TcpPort!.Value);

    [Fact]
    public async Task Tcp_capture_is_replayed_over_one_tcp_connection()
    {
        var client = await ChannelClientAsync("coturn-uclient-tcp.pcap");
        await using var tap = new TcpTap(Coturn);

        var (code, output, err) = await RunAsync("replay", Pcap("coturn-uclient-tcp.pcap"), "--side", client, "--target", $"127.0.0.1:{tap.Port}",
            "--credentials", Pcap("coturn-uclient-tcp.credentials"), "--speed", "10");

        Assert.True(code == ExitCodes.Ok, output + err + File.ReadAllText(_coturn.LogPath));
        Assert.Contains("no divergence: 11 of 11 request(s) answered as in the capture", output);
        Assert.Equal(1, tap.Connections);  // the side had one TCP connection in the capture
        Assert.Equal(0, tap.UdpDatagrams);
        // 11 requests written once each (no retransmission over TCP), each at least a 20-byte header; 11 answers back.
        Assert.InRange(tap.BytesToServer, 11 * 20, 11 * 200);
        Assert.InRange(tap.BytesFromServer, 11 * 20, 11 * 200);
    }

    [Fact]
    public async Task Udp_capture_with_transport_tcp_goes_over_tcp()
    {
        var client = await ChannelClientAsync("coturn-uclient-udp.pcap");
        await using var tap = new TcpTap(Coturn);

        var (code, output, err) = await RunAsync("replay", Pcap("coturn-uclient-udp.pcap"), "--side", client, "--target", $"127.0.0.1:{tap.Port}",
            "--credentials", Pcap("coturn-uclient-udp.credentials"), "--speed", "10", "--transport", "tcp");

        Assert.True(code == ExitCodes.Ok, output + err);
        Assert.Contains("(11 over TCP)", output);
        Assert.Contains("no divergence: 11 of 11 request(s) answered as in the capture", output);
        Assert.Equal(1, tap.Connections);
        Assert.Equal(0, tap.UdpDatagrams);
    }

    /// <summary>The capture's second Allocate succeeded with alice's password; signed with another, coturn answers 401.</summary>
    [Fact]
    public async Task Wrong_password_diverges_at_the_authenticated_allocate_and_names_its_frame()
    {
        var client = await ChannelClientAsync("coturn-uclient-udp.pcap");

        var (code, output, _) = await RunAsync("replay", Pcap("coturn-uclient-udp.pcap"), "--side", client, "--target", $"127.0.0.1:{Coturn.Port}",
            "--turn-user", "alice:example.org:not-the-password");

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Matches(@"udp  Allocate request\s+→ error 401 \[ERROR-CODE NONCE REALM SOFTWARE FINGERPRINT\] in [\d.]+ ms, integrity missing  ok", output);
        Assert.Contains("first divergence: frame 9 (Allocate request): expected success [XOR-RELAYED-ADDRESS XOR-MAPPED-ADDRESS LIFETIME SOFTWARE MESSAGE-INTEGRITY FINGERPRINT], got error 401", output);
    }
}
