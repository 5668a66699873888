using System.Net;
using System.Net.Sockets;

namespace IceSpec.Ice.Tests.Session;

/// <summary>
/// Issue 14, the session's side of sending: a UDP datagram (direct, or relayed data to a TURN server), and a message
/// queued on an ICE-TCP connection (RFC 4571 framing, RFC 6544) or on the TCP connection to a TURN server (RFC 8656
/// §3.1) allocate nothing in steady state on the session loop's thread (the caller). Real loopback connections; each message is sent once the one before it has arrived,
/// as a paced stream would; allocations are counted with <see cref="GC.GetAllocatedBytesForCurrentThread"/> around
/// Send only, after a warm-up.
/// </summary>
[Trait("Category", "unit")]
public sealed class IceSessionSendAllocationTests
{
    private const int WarmUp = 200;
    private const int Measured = 1000;

    [Fact]
    public async Task Udp_datagrams_allocate_nothing()
    {
        await using var session = IceSession.Create(new IceSessionOptions { Addresses = [IPAddress.Loopback] });
        var local = (await session.GetLocalDescriptionAsync()).Candidates.Single();
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var transmit = new IceTransmit(new IPEndPoint(local.Address.IPAddress!, local.Port), (IPEndPoint)receiver.LocalEndPoint!, new byte[160]);
        long allocated = 0;
        var buffer = new byte[2048];
        for (var i = 0; i < WarmUp + Measured; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            session.SendDatagram(transmit);
            var after = GC.GetAllocatedBytesForCurrentThread();
            if (i >= WarmUp) allocated += after - before;
            Assert.Equal(160, receiver.Receive(buffer)); // it was sent (loopback: never lost)
        }
        Assert.Equal(0, allocated);
    }

    /// <summary>
    /// <see cref="IceSession.TrySend"/> between two connected sessions: nothing allocated on the caller's thread per
    /// datagram (each one is awaited at the far end before the next, outside the measurement).
    /// </summary>
    [Fact]
    public async Task TrySend_allocates_nothing()
    {
        await using var a = IceSession.Create(new IceSessionOptions { Role = IceRole.Controlling, Addresses = [IPAddress.Loopback] });
        await using var b = IceSession.Create(new IceSessionOptions { Role = IceRole.Controlled, Addresses = [IPAddress.Loopback] });
        await IceSessionTests.Exchange(a, b);
        await a.ConnectAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await b.ConnectAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var payload = new byte[160];
        long allocated = 0;
        for (var i = 0; i < WarmUp + Measured; i++)
        {
            payload[0] = (byte)i;
            var before = GC.GetAllocatedBytesForCurrentThread();
            var queued = a.TrySend(payload);
            var after = GC.GetAllocatedBytesForCurrentThread();
            if (i >= WarmUp) allocated += after - before;
            Assert.True(queued);
            var (component, data) = await b.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal((1, 160, (byte)i), (component, data.Length, data[0]));
        }
        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task Ice_tcp_connection_sends_allocate_nothing()
    {
        using var listener = Listen();
        var connecting = IceTcpPeerConnection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, 0), (IPEndPoint)listener.LocalEndPoint!, TimeSpan.FromSeconds(5),
            (int)IceFormulas.MaxTcpFrameLength, CancellationToken.None);
        using var accepted = await listener.AcceptAsync();
        await using var connection = await connecting;
        connection.Start(_ => { }, _ => { });
        using var sink = new Sink(accepted);

        var bytes = SendPaced(message => connection.Send(message), sink, IceTcpFraming.HeaderLength);
        Assert.Equal(0, bytes);
    }

    [Fact]
    public async Task Turn_tcp_connection_sends_allocate_nothing()
    {
        using var listener = Listen();
        await using var connection = new IceTcpRelayConnection(new IPEndPoint(IPAddress.Loopback, 0), (IPEndPoint)listener.LocalEndPoint!, _ => { }, _ => { });
        using var accepted = await listener.AcceptAsync();
        using var sink = new Sink(accepted);

        var bytes = SendPaced(message => connection.Send(message), sink, 0);
        Assert.Equal(0, bytes);
    }

    private static Socket Listen()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        return listener;
    }

    /// <summary>Sends warm-up and measured messages one by one, each after the previous one arrived; returns the bytes allocated by the measured Sends.</summary>
    private static long SendPaced(Action<ReadOnlyMemory<byte>> send, Sink sink, int overhead)
    {
        ReadOnlyMemory<byte> message = new byte[160];
        long expected = 0, allocated = 0;
        for (var i = 0; i < WarmUp + Measured; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            send(message);
            var after = GC.GetAllocatedBytesForCurrentThread();
            if (i >= WarmUp) allocated += after - before;
            expected += message.Length + overhead;
            Assert.True(SpinWait.SpinUntil(() => sink.Received >= expected, TimeSpan.FromSeconds(10)), $"message {i} did not arrive");
        }
        return allocated;
    }

    /// <summary>Reads and counts what arrives on the far end.</summary>
    private sealed class Sink : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private long _received;

        public Sink(Socket socket) => _ = Task.Run(async () =>
        {
            var buffer = new byte[65536];
            try
            {
                while (true)
                {
                    var read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                    if (read == 0) return;
                    Interlocked.Add(ref _received, read);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { }
        });

        public long Received => Interlocked.Read(ref _received);

        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
        }
    }
}
