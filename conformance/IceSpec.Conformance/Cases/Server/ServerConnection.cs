using System.Net;
using System.Net.Sockets;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>
/// One client 5-tuple to the server under test. Messages that arrive while a case waits for something else (a Data
/// indication during a request, say) are kept and handed to the next receive that wants them, so none is lost.
/// </summary>
public abstract class ServerConnection : IAsyncDisposable
{
    private readonly List<byte[]> _unclaimed = [];

    public abstract IPEndPoint Local { get; }

    public abstract IPEndPoint Remote { get; }

    /// <summary>"udp" or "tcp".</summary>
    public abstract string Transport { get; }

    public abstract Task SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancel);

    /// <summary>The next whole message (a datagram, or one STUN/ChannelData message cut from the stream), or null on timeout.</summary>
    protected abstract Task<byte[]?> ReceiveNextAsync(TimeSpan timeout, CancellationToken cancel);

    /// <summary>The first message, kept or new, that <paramref name="wanted"/> accepts within <paramref name="timeout"/>; null if none came.</summary>
    public async Task<byte[]?> ReceiveAsync(Func<byte[], bool> wanted, TimeSpan timeout, CancellationToken cancel)
    {
        var kept = _unclaimed.FindIndex(m => wanted(m));
        if (kept >= 0)
        {
            var message = _unclaimed[kept];
            _unclaimed.RemoveAt(kept);
            return message;
        }
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return null;
            var next = await ReceiveNextAsync(left, cancel);
            if (next is null) return null;
            if (wanted(next)) return next;
            _unclaimed.Add(next);
        }
    }

    /// <summary>Everything that arrives within <paramref name="window"/> (kept messages included): for "the server stays silent" checks.</summary>
    public async Task<IReadOnlyList<byte[]>> DrainAsync(TimeSpan window, CancellationToken cancel)
    {
        var all = new List<byte[]>(_unclaimed);
        _unclaimed.Clear();
        var deadline = DateTime.UtcNow + window;
        while (DateTime.UtcNow < deadline)
        {
            var next = await ReceiveNextAsync(deadline - DateTime.UtcNow, cancel);
            if (next is null) break;
            all.Add(next);
        }
        return all;
    }

    public abstract ValueTask DisposeAsync();
}

/// <summary>A connected UDP socket: only the server's datagrams reach it.</summary>
public sealed class UdpServerConnection : ServerConnection
{
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[65536];

    private UdpServerConnection(Socket socket) => _socket = socket;

    /// <summary>
    /// Local ports this process has used towards a server: an allocation belongs to its 5-tuple (RFC 8656 §2.2), and a
    /// server may keep a deleted one a moment (coturn about a second), so a case must not inherit another's port.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(IPEndPoint Server, int Port), byte> UsedPorts = new();

    public static UdpServerConnection Open(IPEndPoint server)
    {
        var held = new List<Socket>();
        try
        {
            for (var attempt = 0; attempt < 64; attempt++)
            {
                var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                held.Add(socket);
                socket.Connect(server);
                if (!UsedPorts.TryAdd((server, ((IPEndPoint)socket.LocalEndPoint!).Port), 0)) continue; // kept open: the next bind gets another port
                held.Remove(socket);
                return new UdpServerConnection(socket);
            }
            throw new IOException($"no local UDP port towards {server} that this run has not used yet");
        }
        finally
        {
            foreach (var socket in held) socket.Dispose();
        }
    }

    public override IPEndPoint Local => (IPEndPoint)_socket.LocalEndPoint!;

    public override IPEndPoint Remote => (IPEndPoint)_socket.RemoteEndPoint!;

    public override string Transport => "udp";

    public override async Task SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancel) =>
        await _socket.SendAsync(message, SocketFlags.None, cancel);

    protected override async Task<byte[]?> ReceiveNextAsync(TimeSpan timeout, CancellationToken cancel)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        wait.CancelAfter(timeout);
        try
        {
            var length = await _socket.ReceiveAsync(_buffer, SocketFlags.None, wait.Token);
            return _buffer.AsSpan(0, length).ToArray();
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            throw new CaseSetupException($"{Remote} refused UDP (ICMP port unreachable): is the server listening there?");
        }
    }

    public override ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
