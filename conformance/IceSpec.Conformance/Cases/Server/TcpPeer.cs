using System.Net;
using System.Net.Sockets;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>
/// A peer for RFC 6062 cases: a TCP listener the server's relay connects to (Connect, §5.2), and connections the peer opens
/// to a relayed address (§5.3). Disposing closes every connection.
/// </summary>
public sealed class TcpPeer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly List<TcpClient> _connections = [];

    public TcpPeer(IPAddress address)
    {
        _listener = new TcpListener(address, 0);
        _listener.Start();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>The next connection the server opened to this peer, or null within <paramref name="timeout"/>.</summary>
    public async Task<TcpClient?> AcceptAsync(TimeSpan timeout, CancellationToken cancel)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        wait.CancelAfter(timeout);
        try
        {
            return Keep(await _listener.AcceptTcpClientAsync(wait.Token));
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Opens a connection from this peer's address to <paramref name="relayed"/>; null if refused or not accepted within <paramref name="timeout"/>.</summary>
    public async Task<TcpClient?> ConnectAsync(IPEndPoint relayed, TimeSpan timeout, CancellationToken cancel)
    {
        var client = Keep(new TcpClient(new IPEndPoint(EndPoint.Address, 0)));
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        wait.CancelAfter(timeout);
        try
        {
            await client.ConnectAsync(relayed, wait.Token);
            return client;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancel.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Exactly <paramref name="count"/> bytes from <paramref name="connection"/>, or null if they do not all come within <paramref name="timeout"/>.</summary>
    public static async Task<byte[]?> ReceiveAsync(TcpClient connection, int count, TimeSpan timeout, CancellationToken cancel)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        wait.CancelAfter(timeout);
        var buffer = new byte[count];
        try
        {
            await connection.GetStream().ReadExactlyAsync(buffer, wait.Token);
            return buffer;
        }
        catch (Exception e) when (e is OperationCanceledException or EndOfStreamException or IOException && !cancel.IsCancellationRequested)
        {
            return null;
        }
    }

    private TcpClient Keep(TcpClient client)
    {
        lock (_connections) _connections.Add(client);
        return client;
    }

    public ValueTask DisposeAsync()
    {
        _listener.Stop();
        lock (_connections)
            foreach (var connection in _connections) connection.Dispose();
        return ValueTask.CompletedTask;
    }
}
