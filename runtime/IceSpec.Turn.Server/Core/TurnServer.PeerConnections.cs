using System.Buffers;
using System.Buffers.Binary;
using IceSpec.Stun;
using Microsoft.Extensions.Logging;

namespace IceSpec.Turn.Server;

/// <summary>What the driver does for a peer data connection of a TCP allocation (RFC 6062).</summary>
public enum TurnPeerConnectionAction : byte
{
    /// <summary>
    /// RFC 6062 §5.2: open a TCP connection from <see cref="TurnPeerConnectionCommand.Relay"/>'s address to
    /// <see cref="TurnPeerConnectionCommand.Peer"/>, then report <see cref="TurnServer.HandlePeerConnected"/> or
    /// <see cref="TurnServer.HandlePeerConnectFailed"/>. Do not read from it until it is bound: the kernel's receive buffer
    /// is the buffer §5.2 asks for, and its window tells the peer how much room is left.
    /// </summary>
    Connect,

    /// <summary>
    /// RFC 6062 §5.4: the client connection <see cref="TurnPeerConnectionCommand.DataConnection"/> is now a client data
    /// connection. After the ConnectionBind success response already queued for it, relay bytes as-is between it and the
    /// peer data connection, both ways, until either closes; then report <see cref="TurnServer.HandlePeerConnectionClosed"/>.
    /// </summary>
    Bind,

    /// <summary>RFC 6062 §5.2, §5.5: close the peer data connection, and its client data connection when bound (or stop connecting).</summary>
    Close,
}

/// <summary>One instruction of the core to its driver about a peer data connection (<see cref="TurnServer.PollPeerConnectionCommand"/>).</summary>
public readonly record struct TurnPeerConnectionCommand(
    TurnPeerConnectionAction Action, uint ConnectionId, TurnRelayPort Relay, TurnEndpoint Peer, TurnFlow DataConnection)
{
    public override string ToString() => $"{Action} #{ConnectionId} {Relay} <-> {Peer}" + (Action == TurnPeerConnectionAction.Bind ? $" data {DataConnection}" : "");
}

/// <summary>
/// TCP allocations (RFC 6062 §5): Connect (§5.2), peer connections accepted on the relayed address (§5.3),
/// ConnectionBind (§5.4), and closing (§5.5). Each peer data connection is a generated <see cref="TurnPeerConnectionMachine"/>;
/// the sockets are the driver's, told what to do through <see cref="PollPeerConnectionCommand"/>.
/// </summary>
public sealed partial class TurnServer
{
    private readonly Dictionary<uint, PeerConnection> _peerConnections = new();
    private readonly Dictionary<TurnFlow, PeerConnection> _dataConnections = new();
    private readonly Queue<TurnPeerConnectionCommand> _peerCommands = new();

    /// <summary>The next thing to do with a peer data connection; poll after every call, after the transmits.</summary>
    public bool PollPeerConnectionCommand(out TurnPeerConnectionCommand command) => _peerCommands.TryDequeue(out command);

    /// <summary>Peer data connections of every TCP allocation (connecting, pending or bound).</summary>
    public int PeerConnectionCount => _peerConnections.Count;

    /// <summary>The state of a peer data connection, or null when there is none with this CONNECTION-ID (for tests and diagnostics).</summary>
    public TurnPeerConnectionState? PeerConnectionState(uint connectionId) =>
        _peerConnections.TryGetValue(connectionId, out var connection) ? connection.Machine.State : null;

    /// <summary>
    /// RFC 6062 §5.2: the TCP connection of a <see cref="TurnPeerConnectionAction.Connect"/> is established. False when the
    /// core no longer wants it (timed out, allocation gone): the driver closes it.
    /// </summary>
    public bool HandlePeerConnected(TimeSpan now, uint connectionId)
    {
        if (now >= _nextTimer) HandleTimeout(now);
        if (!_peerConnections.TryGetValue(connectionId, out var connection) || !connection.Machine.Fire(TurnPeerConnectionEvent.Connected, now)) return false;
        Schedule(connection.Allocation);
        // §5.2: the success response carries the CONNECTION-ID that the ConnectionBind will name.
        var buffer = ArrayPool<byte>.Shared.Rent(ControlBufferSize);
        var builder = new StunMessageBuilder(buffer, new StunMessageType(TurnMethods.Connect, StunClass.Success), connection.ConnectTransactionId);
        builder.AddConnectionId(connectionId);
        Finish(ref builder, buffer, connection.Allocation.Flow, connection.ConnectCredential);
        _log.PeerConnection("connected", connection.Allocation.Flow.Remote, connectionId, connection.Machine.Peer);
        return true;
    }

    /// <summary>RFC 6062 §5.2: the TCP connection of a <see cref="TurnPeerConnectionAction.Connect"/> failed: 447.</summary>
    public void HandlePeerConnectFailed(TimeSpan now, uint connectionId, string? reason = null)
    {
        if (now >= _nextTimer) HandleTimeout(now);
        if (!_peerConnections.TryGetValue(connectionId, out var connection) || !connection.Machine.Fire(TurnPeerConnectionEvent.ConnectFailed, now)) return;
        SendConnectFailure(connection, reason ?? "connection failed");
        ForgetPeerConnection(connection, "connect-failed", close: false);
    }

    /// <summary>
    /// RFC 6062 §5.3: a peer connected to the relayed address <paramref name="relay"/>. True: the core sent a ConnectionAttempt
    /// indication and the connection is pending as <paramref name="connectionId"/>. False: the driver closes it at once (no
    /// permission for the peer, peer policy, limit, or no TCP allocation there).
    /// </summary>
    public bool HandlePeerAccepted(TimeSpan now, TurnRelayPort relay, in TurnEndpoint peer, out uint connectionId)
    {
        if (now >= _nextTimer) HandleTimeout(now);
        connectionId = 0;
        if (relay.Owner is not Allocation { IsActive: true, IsTcp: true } allocation) return false;
        // §5.3: "If no permission for this peer has been set, the server MUST close the connection with the peer immediately".
        string? refusal = !allocation.HasPermission(peer) ? "no-permission"
            : !_options.PeerPolicy.IsAllowed(peer) || IsOwnEndpoint(peer) ? "peer-policy"
            : allocation.PeerConnections.Count >= _options.MaxPeerConnectionsPerAllocation ? "max-peer-connections"
            : null;
        if (refusal is not null)
        {
            if (refusal == "no-permission") Counters.DroppedNoPermission++;
            _log.PeerConnection("refused-" + refusal, allocation.Flow.Remote, 0, peer);
            return false;
        }
        var machine = NewPeerConnectionMachine(peer);
        machine.Fire(TurnPeerConnectionEvent.PeerAccepted, now);
        var connection = Track(allocation, machine, null, default);

        // §5.3: a ConnectionAttempt indication with XOR-PEER-ADDRESS and CONNECTION-ID over the control connection.
        var buffer = ArrayPool<byte>.Shared.Rent(ControlBufferSize);
        Span<byte> transactionId = stackalloc byte[StunHeader.TransactionIdLength];
        NextTransactionId(transactionId);
        var builder = new StunMessageBuilder(buffer, new StunMessageType(TurnMethods.ConnectionAttempt, StunClass.Indication), transactionId);
        builder.AddXorPeerAddress(peer.ToStunAddress());
        builder.AddConnectionId(machine.ConnectionId);
        if (allocation.ClientUsesFingerprint) builder.AddFingerprint();
        Enqueue(allocation.Flow, allocation.Flow.Local, allocation.Flow.Remote, buffer, builder.Length);
        _log.PeerConnection("accepted", allocation.Flow.Remote, machine.ConnectionId, peer);
        connectionId = connection.Id;
        return true;
    }

    /// <summary>RFC 6062 §5.5: the peer data connection (or, once bound, its client data connection) closed.</summary>
    public void HandlePeerConnectionClosed(TimeSpan now, uint connectionId)
    {
        if (now >= _nextTimer) HandleTimeout(now);
        if (_peerConnections.TryGetValue(connectionId, out var connection)) ClosePeerConnection(connection, now, "closed");
    }

    /// <summary>RFC 6062 §5.2: Connect on the control connection of a TCP allocation.</summary>
    private void HandleConnect(TimeSpan now, in TurnFlow flow, in StunMessage message, in Credential credential)
    {
        // §5.2: no allocation on this connection: 437; another user's: 441.
        if (!TryGetOwnAllocation(flow, message, credential, out var allocation)) return;
        if (!allocation.IsTcp)
        {
            SendError(flow, message, StunErrorCodes.BadRequest, "Connect needs a TCP allocation", credential);
            return;
        }
        // §5.2: an invalid XOR-PEER-ADDRESS is a 400; a peer the local policy forbids a 403 (never an open relay).
        if (!message.TryGetXorPeerAddress(out var address) || address.Port == 0)
        {
            SendError(flow, message, StunErrorCodes.BadRequest, "malformed XOR-PEER-ADDRESS (or port 0)", credential);
            return;
        }
        var peer = TurnEndpoint.From(address);
        if (!CheckPeer(flow, message, credential, allocation, peer)) return;
        if (IsOwnEndpoint(peer))
        {
            SendError(flow, message, TurnErrorCodes.Forbidden, "peer address not allowed", credential);
            return;
        }
        // RFC 8656 §9 as for UDP relaying: data goes only to a peer whose IP address has a permission.
        if (!allocation.HasPermission(peer))
        {
            allocation.DroppedNoPermission++;
            SendError(flow, message, TurnErrorCodes.Forbidden, "no permission for the peer", credential);
            return;
        }
        if (allocation.PeerConnections.Count >= _options.MaxPeerConnectionsPerAllocation)
        {
            SendError(flow, message, TurnErrorCodes.InsufficientCapacity, "too many peer connections", credential);
            return;
        }
        // §5.2: a connection to this peer in progress, pending or bound: TurnPeerConnection's guard refuses Connect (446).
        var machine = NewPeerConnectionMachine(peer);
        foreach (var other in allocation.PeerConnections.Values)
            if (other.Machine.Peer == peer) machine.PeerAlreadyConnected = true;
        if (!machine.Fire(TurnPeerConnectionEvent.Connect, now))
        {
            SendError(flow, message, TurnErrorCodes.ConnectionAlreadyExists, null, credential);
            return;
        }
        var connection = Track(allocation, machine, message.TransactionId.ToArray(), credential);
        _peerCommands.Enqueue(new TurnPeerConnectionCommand(TurnPeerConnectionAction.Connect, connection.Id, allocation.RelayFor(peer.Family)!, peer, default));
        _log.PeerConnection("connecting", flow.Remote, connection.Id, peer);
    }

    /// <summary>RFC 6062 §5.4: ConnectionBind on a new client connection turns it into the data connection of a pending peer connection.</summary>
    private void HandleConnectionBind(TimeSpan now, in TurnFlow flow, in StunMessage message, in Credential credential)
    {
        // §5.4: "If the client connection transport is not TCP or TLS, the server MUST return a 400 (Bad Request) error."
        if (!flow.IsStream)
        {
            SendError(flow, message, StunErrorCodes.BadRequest, "ConnectionBind needs a TCP or TLS connection", credential);
            return;
        }
        // A control connection or a data connection already bound is not a new connection.
        if (_allocations.ContainsKey(flow) || _dataConnections.ContainsKey(flow))
        {
            SendError(flow, message, StunErrorCodes.BadRequest, "ConnectionBind on a connection already in use", credential);
            return;
        }
        // §5.4: a CONNECTION-ID that names no pending peer data connection is a 400.
        message.TryGetConnectionId(out var connectionId);
        if (!_peerConnections.TryGetValue(connectionId, out var connection) || connection.Machine.State != TurnPeerConnectionState.Pending)
        {
            SendError(flow, message, StunErrorCodes.BadRequest, "unknown CONNECTION-ID", credential);
            return;
        }
        // The data connection is the allocation's: the user that made it (441 otherwise, as for the allocation's other requests).
        if (!string.Equals(connection.Allocation.Username, credential.Username, StringComparison.Ordinal))
        {
            SendError(flow, message, TurnErrorCodes.WrongCredentials, null, credential);
            return;
        }
        connection.Machine.Fire(TurnPeerConnectionEvent.Bind, now);
        connection.DataFlow = flow;
        _dataConnections[flow] = connection;
        Schedule(connection.Allocation);

        var buffer = ArrayPool<byte>.Shared.Rent(ControlBufferSize);
        var builder = new StunMessageBuilder(buffer, new StunMessageType(TurnMethods.ConnectionBind, StunClass.Success), message.TransactionId);
        Finish(ref builder, buffer, flow, credential);
        var allocation = connection.Allocation;
        _peerCommands.Enqueue(new TurnPeerConnectionCommand(TurnPeerConnectionAction.Bind, connectionId, allocation.RelayFor(connection.Machine.Peer.Family)!,
            connection.Machine.Peer, flow));
        _log.PeerConnection("bound", flow.Remote, connectionId, connection.Machine.Peer);
    }

    /// <summary>Fires the timers of an allocation's peer connections: a Connect that timed out gets 447, an unbound connection is closed (§5.2).</summary>
    private void TickPeerConnections(Allocation allocation, TimeSpan now)
    {
        if (allocation.PeerConnections.Count == 0) return;
        foreach (var connection in allocation.PeerConnections.Values.ToArray())
        {
            var before = connection.Machine.State;
            connection.Machine.HandleTimeout(now);
            if (!connection.Machine.IsFinal) continue;
            if (before == TurnPeerConnectionState.Connecting)
            {
                SendConnectFailure(connection, "connection timed out");
                ForgetPeerConnection(connection, "connect-timeout", close: true);
            }
            else ForgetPeerConnection(connection, "bind-timeout", close: true);
        }
    }

    /// <summary>RFC 6062 §5.5: closes every peer data connection of an allocation that is going away.</summary>
    private void ClosePeerConnections(Allocation allocation, TimeSpan now)
    {
        foreach (var connection in allocation.PeerConnections.Values.ToArray()) ClosePeerConnection(connection, now, "allocation-deleted");
    }

    private void ClosePeerConnection(PeerConnection connection, TimeSpan now, string reason)
    {
        connection.Machine.Fire(TurnPeerConnectionEvent.Close, now);
        ForgetPeerConnection(connection, reason, close: true);
    }

    private void ForgetPeerConnection(PeerConnection connection, string reason, bool close)
    {
        _peerConnections.Remove(connection.Id);
        connection.Allocation.PeerConnections.Remove(connection.Id);
        if (connection.DataFlow is { } data) _dataConnections.Remove(data);
        if (close && connection.Allocation.RelayFor(connection.Machine.Peer.Family) is { } relay)
            _peerCommands.Enqueue(new TurnPeerConnectionCommand(TurnPeerConnectionAction.Close, connection.Id, relay, connection.Machine.Peer, connection.DataFlow ?? default));
        _log.PeerConnection(reason, connection.Allocation.Flow.Remote, connection.Id, connection.Machine.Peer);
    }

    /// <summary>A client data connection closed: its peer data connection goes too (§5.5). False when it was not one.</summary>
    private bool CloseDataConnection(in TurnFlow flow, TimeSpan now)
    {
        if (!_dataConnections.TryGetValue(flow, out var connection)) return false;
        ClosePeerConnection(connection, now, "client-data-connection-closed");
        return true;
    }

    /// <summary>RFC 6062 §5.2: 447 to the Connect still waiting for its answer.</summary>
    private void SendConnectFailure(PeerConnection connection, string detail)
    {
        Counters.ErrorResponses++;
        var buffer = ArrayPool<byte>.Shared.Rent(ControlBufferSize);
        var builder = new StunMessageBuilder(buffer, new StunMessageType(TurnMethods.Connect, StunClass.Error), connection.ConnectTransactionId);
        builder.AddErrorCode(TurnErrorCodes.ConnectionTimeoutOrFailure, Reason(TurnErrorCodes.ConnectionTimeoutOrFailure, detail));
        Finish(ref builder, buffer, connection.Allocation.Flow, connection.ConnectCredential);
    }

    private PeerConnection Track(Allocation allocation, TurnPeerConnectionMachine machine, byte[]? connectTransactionId, in Credential credential)
    {
        var connection = new PeerConnection(allocation, machine) { ConnectTransactionId = connectTransactionId, ConnectCredential = credential };
        _peerConnections[connection.Id] = connection;
        allocation.PeerConnections[connection.Id] = connection;
        Counters.PeerConnectionsOpened++;
        Schedule(allocation);
        return connection;
    }

    private TurnPeerConnectionMachine NewPeerConnectionMachine(in TurnEndpoint peer)
    {
        var machine = new TurnPeerConnectionMachine { ConnectionId = NewConnectionId(), Peer = peer };
        if (_options.PeerConnectTimeout is { } connect) machine.ConnectTimeout = connect;
        if (_options.PeerConnectionBindTimeout is { } bind) machine.BindTimeout = bind;
        return machine;
    }

    /// <summary>
    /// RFC 6062 §6.2.1: a CONNECTION-ID "uniquely identifies a peer data connection": random (a ConnectionBind cannot guess
    /// another client's), never 0, never one in use.
    /// </summary>
    private uint NewConnectionId()
    {
        Span<byte> bytes = stackalloc byte[4];
        _random(bytes);
        var id = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        // A random source that repeats itself (a test's) must not hang the server: the next free value after it.
        while (id == 0 || _peerConnections.ContainsKey(id)) id++;
        return id;
    }
}
