using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace IceSpec.Turn.Benchmarks;

/// <summary>
/// The peers: one UDP socket each on 127.0.200.1, .2, … (port picked by the kernel), a thread each that records the
/// client→peer latency of every probe, stamps it and sends it back to the relayed address it came from.
/// </summary>
public sealed class EchoPeers : IDisposable
{
    private readonly List<Socket> _sockets = [];
    private readonly List<Thread> _threads = [];
    private readonly LatencyRecorder _latencies;
    private long _received;
    private volatile bool _stopping;

    public EchoPeers(int count, LatencyRecorder latencies)
    {
        _latencies = latencies;
        for (var i = 0; i < count; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4 << 20, SendBufferSize = 4 << 20, ReceiveTimeout = 500 };
            socket.Bind(new IPEndPoint(IPAddress.Parse($"127.0.200.{i + 1}"), 0));
            _sockets.Add(socket);
            Endpoints.Add((IPEndPoint)socket.LocalEndPoint!);
            var thread = new Thread(() => Echo(socket)) { IsBackground = true, Name = $"peer {i + 1}" };
            _threads.Add(thread);
            thread.Start();
        }
    }

    public List<IPEndPoint> Endpoints { get; } = [];

    /// <summary>Probes that reached a peer.</summary>
    public long Received => Interlocked.Read(ref _received);

    private void Echo(Socket socket)
    {
        var buffer = new byte[2048];
        var from = new SocketAddress(AddressFamily.InterNetwork);
        while (!_stopping)
        {
            int length;
            try
            {
                length = socket.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut) { continue; } // look at _stopping
            catch (SocketException) { return; }
            catch (ObjectDisposedException) { return; }
            var now = Stopwatch.GetTimestamp();
            if (!Probe.TryRead(buffer.AsSpan(0, length), out _, out var sent, out _)) continue;
            Interlocked.Increment(ref _received);
            _latencies.ToPeer(sent, now);
            Probe.StampPeer(buffer, Stopwatch.GetTimestamp());
            try
            {
                socket.SendTo(buffer.AsSpan(0, length), SocketFlags.None, from);
            }
            catch (SocketException) { } // a full buffer or a closed relay port: the answer is lost, and counted so
        }
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var socket in _sockets) socket.Dispose();
        foreach (var thread in _threads) thread.Join(TimeSpan.FromSeconds(2));
    }
}
