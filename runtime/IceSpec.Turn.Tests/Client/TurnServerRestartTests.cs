using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using IceSpec.Turn.Client;
using IceSpec.Turn.Tests.Server;
using IceSpec.Stun.Transports;
using Xunit.Abstractions;

namespace IceSpec.Turn.Tests.Client;

/// <summary>
/// The TURN server restarted under a live allocation, on loopback: our server (stopped and started again on the same
/// port) and coturn (killed and started again, its own instance). With detection on, the client reports
/// <see cref="TurnAllocationLost"/>, allocates again and relays through the new relayed address; with it off (no probe,
/// no re-allocation) the same restart goes unnoticed over UDP and ends the allocation over TCP.
/// </summary>
[Trait("Category", "interop")]
public sealed class TurnServerRestartTests(ITestOutputHelper output)
{
    /// <summary>Short, so the test is quick: the default is 15 s (TurnClientOptions.LivenessProbeInterval).</summary>
    private static readonly TimeSpan Probe = TimeSpan.FromSeconds(2);
    /// <summary>
    /// Long enough for the client's fourth re-allocation attempt (TurnClientOptions.ReallocateBackoff 1 s, doubling: 1, 3,
    /// 7, 15 s after the loss) plus two probe intervals: an attempt made while the restarted server is still coming up
    /// fails, and under load (a full CI run) the third one came too late for the 12 s this used to be.
    /// </summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15) + 2 * Probe;
    /// <summary>How long the detection-off twin watches for a loss: over twice the probe interval the tests use.</summary>
    private static readonly TimeSpan WatchTime = TimeSpan.FromSeconds(5);

    public enum ServerKind { IceSpec, Coturn }

    public static TheoryData<ServerKind, TransportProtocol> Cases => new()
    {
        { ServerKind.IceSpec, TransportProtocol.Udp },
        { ServerKind.IceSpec, TransportProtocol.Tcp },
        { ServerKind.Coturn, TransportProtocol.Udp },
        { ServerKind.Coturn, TransportProtocol.Tcp },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_restarted_server_is_noticed_and_a_new_allocation_relays(ServerKind kind, TransportProtocol transport)
    {
        await using var server = await RestartableServer.StartAsync(kind);
        await using var peer = new EchoPeer();
        var options = server.Options(transport) with { LivenessProbeInterval = Probe };
        await using var allocation = await TurnClient.AllocateAsync(options);
        var events = Watch(allocation);
        await RelayAsync(allocation, peer, "before");
        var before = allocation.RelayedAddress;

        await server.RestartAsync();
        var restarted = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(Patience);
        TurnAllocationLost? lost = null;
        TurnAllocated? reallocated = null;
        try
        {
            while (reallocated is null)
            {
                var next = await events.ReadAsync(timeout.Token);
                output.WriteLine($"{restarted.Elapsed.TotalMilliseconds:0} ms: {next}");
                if (next is TurnAllocationLost l) lost = l;
                if (next is TurnAllocated { Reallocated: true } a) reallocated = a;
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"no re-allocation within {Patience.TotalSeconds} s of the restart (lost: {lost?.ToString() ?? "not noticed"}); {server.Describe()}");
        }
        output.WriteLine($"{kind} over {transport}: {lost} ; re-allocated {reallocated.RelayedAddresses[0]} {restarted.Elapsed.TotalMilliseconds:0} ms after the restart");

        Assert.NotNull(lost);
        Assert.Equal(transport == TransportProtocol.Udp ? TurnAllocationLossCause.AllocationMismatch : TurnAllocationLossCause.ConnectionClosed, lost.Cause);
        Assert.Equal(new[] { before }, lost.LostRelayedAddresses);
        Assert.Equal(reallocated.RelayedAddresses, allocation.RelayedAddresses);
        // The old permission died with the old allocation: a new one, then data flows through the new relayed address.
        await RelayAsync(allocation, peer, "after");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task With_detection_off_the_restart_is_not_recovered(ServerKind kind, TransportProtocol transport)
    {
        await using var server = await RestartableServer.StartAsync(kind);
        await using var peer = new EchoPeer();
        var options = server.Options(transport) with { LivenessProbeInterval = null, ReallocateOnLoss = false };
        await using var allocation = await TurnClient.AllocateAsync(options);
        var events = Watch(allocation);
        await RelayAsync(allocation, peer, "before");

        await server.RestartAsync();
        await Task.Delay(WatchTime);
        var seen = new List<TurnClientEvent>();
        while (events.TryRead(out var e)) seen.Add(e);
        Assert.DoesNotContain(seen, e => e is TurnAllocated { Reallocated: true });
        if (transport == TransportProtocol.Udp)
        {
            // Nothing is asked of the server before the permission refresh (240 s): the client keeps sending into the void.
            Assert.DoesNotContain(seen, e => e is TurnAllocationLost);
            await allocation.SendAsync(peer.EndPoint, "lost"u8.ToArray());
            using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await allocation.ReceiveAsync(quiet.Token));
        }
        else
        {
            // The connection closed with the server: the allocation ends (as before this option existed).
            Assert.Throws<InvalidOperationException>(() => { _ = allocation.SendAsync(peer.EndPoint, "lost"u8.ToArray()); });
        }
    }

    private static ChannelReader<TurnClientEvent> Watch(TurnAllocation allocation)
    {
        var events = Channel.CreateUnbounded<TurnClientEvent>();
        allocation.EventRaised += e => events.Writer.TryWrite(e);
        return events.Reader;
    }

    private static async Task RelayAsync(TurnAllocation allocation, EchoPeer peer, string text)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await allocation.CreatePermissionAsync(peer.EndPoint, timeout.Token);
        await allocation.SendAsync(peer.EndPoint, System.Text.Encoding.ASCII.GetBytes(text), timeout.Token);
        var echoed = await allocation.ReceiveAsync(timeout.Token);
        Assert.Equal(text, System.Text.Encoding.ASCII.GetString(echoed.Data.Span));
    }

    /// <summary>A UDP peer on 127.0.0.1 that echoes every datagram to its sender (the relayed address).</summary>
    private sealed class EchoPeer : IAsyncDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public EchoPeer()
        {
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _loop = Task.Run(async () =>
            {
                var buffer = new byte[2048];
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        var got = await _socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                        await _socket.SendToAsync(buffer.AsMemory(0, got.ReceivedBytes), got.RemoteEndPoint, _stop.Token);
                    }
                    catch (SocketException)
                    {
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            });
        }

        public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            await _loop;
            _socket.Dispose();
            _stop.Dispose();
        }
    }

    /// <summary>Our server (in process) or a coturn of the test's own, restartable on the same port.</summary>
    private sealed class RestartableServer : IAsyncDisposable
    {
        private TestServer? _icespec;
        private CoturnFixture? _coturn;

        public static async Task<RestartableServer> StartAsync(ServerKind kind)
        {
            var server = new RestartableServer();
            if (kind == ServerKind.IceSpec) server._icespec = TestServer.Start("allow-loopback-peers");
            else
            {
                server._coturn = new CoturnFixture();
                await server._coturn.InitializeAsync();
            }
            return server;
        }

        public TurnClientOptions Options(TransportProtocol transport) => _coturn is { } coturn
            ? coturn.Options(transport)
            : new TurnClientOptions { Server = _icespec!.Udp.ToString(), Transport = transport, Username = "alice", Password = "secret", Realm = "example.org" };

        /// <summary>For a failure message: coturn's log tail, or our server's port.</summary>
        public string Describe() => _coturn is { } coturn ? $"coturn's log:\n{coturn.LogTail()}" : $"our server on {_icespec!.Udp}";

        public async Task RestartAsync()
        {
            if (_coturn is { } coturn)
            {
                await coturn.RestartServerAsync();
                return;
            }
            var port = _icespec!.Udp.Port;
            await _icespec.DisposeAsync();
            _icespec = TestServer.Start("allow-loopback-peers", $"listening-port={port}");
        }

        public async ValueTask DisposeAsync()
        {
            if (_icespec is not null) await _icespec.DisposeAsync();
            if (_coturn is not null) await _coturn.DisposeAsync();
        }
    }
}
