using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using IceSpec.Stun.Transports;
using IceSpec.Turn.Client;
using IceSpec.Tests.Observability;
using IceSpec.Turn.Tests.Server;

namespace IceSpec.Turn.Tests.Client;

/// <summary>
/// <see cref="TurnAllocation"/> over TCP when the connection breaks during a re-allocation (RFC 8656 §3.1): our server
/// behind a proxy on loopback that resets connections on cue. A reset the client meets on a write rather than on a read
/// (the fresh-clone CI met one when coturn was killed while the client reconnected) is one failed attempt, told by
/// <see cref="TurnReallocationFailed"/>; the next attempt relays. It used to fault the allocation without a word.
/// </summary>
[Trait("Category", "unit")]
public sealed class TurnAllocationReconnectTests
{
    [Fact]
    public async Task A_reset_met_on_a_write_uses_up_one_attempt_and_the_next_one_relays()
    {
        await using var server = TestServer.Start("allow-loopback-peers");
        await using var proxy = new ResettingProxy(server.Tcp);
        var log = new ListLogger();
        var options = new TurnClientOptions
        {
            Server = proxy.EndPoint.ToString(), Transport = TransportProtocol.Tcp, Username = "alice", Password = "secret", Realm = "example.org",
            ReallocateBackoff = TimeSpan.FromMilliseconds(50), LivenessProbeInterval = null, Logger = log,
        };
        await using var allocation = await TurnClient.AllocateAsync(options);
        var events = Channel.CreateUnbounded<TurnClientEvent>();
        allocation.EventRaised += e => events.Writer.TryWrite(e);

        // The re-allocation's first connection carries the server's 401 and then a reset, so the client's authenticated
        // Allocate is written into a connection that is gone.
        proxy.ResetAfterTheFirstAnswer(connections: 1);
        proxy.ResetAll();

        var seen = new List<TurnClientEvent>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            // (The first allocation's own TurnAllocated may reach the handler only now: it is not the one awaited.)
            while (seen.LastOrDefault() is not TurnAllocated { Reallocated: true }) seen.Add(await events.Reader.ReadAsync(timeout.Token));
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"no re-allocation within 10 s; events: {string.Join(" | ", seen)}");
        }
        var lost = Assert.Single(seen.OfType<TurnAllocationLost>());
        Assert.Equal(TurnAllocationLossCause.ConnectionClosed, lost.Cause);
        var failed = Assert.Single(seen.OfType<TurnReallocationFailed>());
        Assert.True(seen.IndexOf(lost) < seen.IndexOf(failed), string.Join(" | ", seen));
        Assert.Equal(1, failed.Attempt);
        Assert.NotNull(failed.NextAttempt);
        Assert.Contains(log.Lines, l => l.StartsWith("Warning client.reallocation.failed attempt=1 ", StringComparison.Ordinal) && l.EndsWith(" gave_up=False", StringComparison.Ordinal));
        Assert.Equal(3, proxy.Accepted);   // the first allocation's connection, then one per attempt
        using var answered = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await allocation.CreatePermissionAsync(new IPEndPoint(IPAddress.Loopback, 9), answered.Token);   // the new allocation answers
    }

    /// <summary>A TCP proxy to <c>target</c> that can reset (RST) its clients: all at once, or each after the server's first answer.</summary>
    private sealed class ResettingProxy : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly IPEndPoint _target;
        private readonly List<Socket> _sockets = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;
        private int _resetAfterFirstAnswer;
        private int _accepted;

        public ResettingProxy(IPEndPoint target)
        {
            _target = target;
            _listener.Start();
            _accepting = AcceptAsync();
        }

        public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

        public int Accepted => Volatile.Read(ref _accepted);

        public void ResetAfterTheFirstAnswer(int connections) => Volatile.Write(ref _resetAfterFirstAnswer, connections);

        public void ResetAll()
        {
            lock (_sockets) foreach (var socket in _sockets) Reset(socket);
        }

        private static void Reset(Socket socket)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        private async Task AcceptAsync()
        {
            while (true)
            {
                Socket client;
                try
                {
                    client = await _listener.AcceptSocketAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }
                Interlocked.Increment(ref _accepted);
                var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await server.ConnectAsync(_target);
                var resetAfterAnswer = Interlocked.Decrement(ref _resetAfterFirstAnswer) >= 0;
                lock (_sockets) _sockets.AddRange([client, server]);
                _ = CopyAsync(client, server, resetAfterFirst: false);
                _ = CopyAsync(server, client, resetAfterAnswer);
            }
        }

        private async Task CopyAsync(Socket from, Socket to, bool resetAfterFirst)
        {
            var buffer = new byte[65536];
            try
            {
                while (true)
                {
                    var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                    if (read == 0) break;
                    await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
                    if (resetAfterFirst) break;
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
            }
            // One direction ended: the connection ends, the client's side with a reset (as a killed server's would).
            Reset(to);
            Reset(from);
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Stop();
            await _accepting;
            lock (_sockets) foreach (var socket in _sockets) socket.Dispose();
            _stop.Dispose();
        }
    }
}
