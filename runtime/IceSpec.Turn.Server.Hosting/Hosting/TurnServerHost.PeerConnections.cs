using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace IceSpec.Turn.Server;

/// <summary>
/// The socket of one RFC 6062 peer data connection: connected by a Connect (§5.2) or accepted on a TCP relayed address
/// (§5.3). Not read until bound: the kernel's receive buffer holds what the peer sends meanwhile, and the TCP window
/// tells the peer how much room is left (§5.2, §5.3: "The server adjusts its advertised TCP receive window").
/// </summary>
internal sealed class PeerDataConnection(uint id, TurnEndpoint relay, TurnEndpoint peer, Socket socket)
{
    private int _closed;

    public uint Id { get; } = id;

    public TurnEndpoint Relay { get; } = relay;

    public TurnEndpoint Peer { get; } = peer;

    public Socket Socket { get; } = socket;

    /// <summary>Cancels a connect in progress and the relaying of a bound connection.</summary>
    public CancellationTokenSource Closing { get; } = new();

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        Closing.Cancel();
        Socket.Dispose();
    }
}

/// <summary>
/// TCP allocations (RFC 6062): the accept loop of each TCP relayed address, the connects the core asks for, and the
/// byte-for-byte relaying between a client data connection and its peer data connection.
/// </summary>
public sealed partial class TurnServerHost
{
    /// <summary>Bytes copied per read in each direction of a bound data connection.</summary>
    private const int DataConnectionBufferSize = 16 * 1024;

    private readonly ConcurrentDictionary<uint, PeerDataConnection> _peerDataConnections = new();

    /// <summary>Peer data connections open now (connecting, pending or bound).</summary>
    public int PeerDataConnectionCount => _peerDataConnections.Count;

    /// <summary>Does what the core asked for a peer data connection. Called under the lock: nothing here blocks.</summary>
    private void Execute(in TurnPeerConnectionCommand command)
    {
        switch (command.Action)
        {
            case TurnPeerConnectionAction.Connect:
                StartConnect(command);
                break;
            case TurnPeerConnectionAction.Bind:
                if (_peerDataConnections.TryGetValue(command.ConnectionId, out var peer) &&
                    _connections.TryGetValue((command.DataConnection.Local, command.DataConnection.Remote), out var client))
                    client.BoundPeer = peer; // its read loop sees it after this flush and starts relaying
                break;
            case TurnPeerConnectionAction.Close:
                if (_peerDataConnections.TryRemove(command.ConnectionId, out var closing)) closing.Close();
                break;
        }
    }

    /// <summary>RFC 6062 §5.2: a TCP connection from the relayed transport address to the peer; the core hears how it went.</summary>
    private void StartConnect(TurnPeerConnectionCommand command)
    {
        var ip = command.Relay.Address.ToIPEndPoint().Address;
        var socket = UdpRelayPortProvider.NewTcpRelaySocket(ip);
        var connection = new PeerDataConnection(command.ConnectionId, command.Relay.Address, command.Peer, socket);
        _peerDataConnections[command.ConnectionId] = connection;
        _ = Task.Run(async () =>
        {
            string? failure = null;
            try
            {
                socket.Bind(command.Relay.Address.ToIPEndPoint());
                await socket.ConnectAsync(command.Peer.ToIPEndPoint(), connection.Closing.Token).ConfigureAwait(false);
                socket.NoDelay = true;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                failure = e is SocketException socketError ? socketError.SocketErrorCode.ToString() : "closed";
                Log.PeerConnectionError(command.ConnectionId, command.Relay.Address, command.Peer, e.GetType().Name, e.Message);
            }
            var now = Now;
            lock (_gate)
            {
                if (failure is null)
                {
                    if (!_core.HandlePeerConnected(now, command.ConnectionId) && _peerDataConnections.TryRemove(command.ConnectionId, out _)) connection.Close();
                }
                else
                {
                    if (_peerDataConnections.TryRemove(command.ConnectionId, out _)) connection.Close();
                    _core.HandlePeerConnectFailed(now, command.ConnectionId, failure);
                }
                Flush();
            }
        });
    }

    /// <summary>RFC 6062 §5.3: accepts peers on a TCP relayed address until the allocation closes it.</summary>
    private void StartAcceptingPeers(TcpRelayPort relay) => _ = Task.Run(async () =>
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested && !relay.Closed)
        {
            Socket socket;
            TurnEndpoint peer;
            try
            {
                socket = await relay.Listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (SocketException) when (!relay.Closed)
            {
                continue;
            }
            catch (Exception)
            {
                return; // closed with its allocation, or the host is stopping
            }
            try
            {
                peer = TurnEndpoint.From((IPEndPoint)socket.RemoteEndPoint!);
                socket.NoDelay = true;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                socket.Dispose();
                continue;
            }
            var now = Now;
            lock (_gate)
            {
                // §5.3: no permission (or policy, or limit): "the server MUST close the connection with the peer immediately".
                if (_core.HandlePeerAccepted(now, relay, peer, out var id)) _peerDataConnections[id] = new PeerDataConnection(id, relay.Address, peer, socket);
                else socket.Dispose();
                Flush();
            }
        }
    });

    /// <summary>
    /// RFC 6062 §5.4: bytes as-is both ways between the client data connection and the peer data connection, until either
    /// ends; then both close (§5.5) and the core forgets the pair.
    /// </summary>
    private async Task RelayDataConnection(Stream client, PeerDataConnection peer, byte[] unread, CancellationToken token)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(token, peer.Closing.Token);
        var peerStream = new NetworkStream(peer.Socket, ownsSocket: false);
        try
        {
            if (unread.Length > 0)
            {
                await peerStream.WriteAsync(unread, both.Token).ConfigureAwait(false);
                _core.Metrics.RelayedOnDataConnection(toPeer: true, unread.Length);
            }
            var toPeer = CopyCounted(client, peerStream, toPeer: true, both.Token);
            var toClient = CopyCounted(peerStream, client, toPeer: false, both.Token);
            await Task.WhenAny(toPeer, toClient).ConfigureAwait(false);
            both.Cancel();
            await Task.WhenAll(toPeer, toClient).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // One side closed or failed: the other goes too (§5.5).
        }
        finally
        {
            await peerStream.DisposeAsync().ConfigureAwait(false);
            _peerDataConnections.TryRemove(peer.Id, out _);
            peer.Close();
            var now = Now;
            lock (_gate)
            {
                _core.HandlePeerConnectionClosed(now, peer.Id);
                Flush();
            }
        }
    }

    /// <summary>One direction of a data connection, every write counted in the relayed bytes (the server's meter).</summary>
    private async Task CopyCounted(Stream from, Stream to, bool toPeer, CancellationToken token)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(DataConnectionBufferSize);
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer.AsMemory(0, DataConnectionBufferSize), token).ConfigureAwait(false)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), token).ConfigureAwait(false);
                _core.Metrics.RelayedOnDataConnection(toPeer, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void ClosePeerDataConnections()
    {
        foreach (var connection in _peerDataConnections.Values) connection.Close();
        _peerDataConnections.Clear();
    }
}
