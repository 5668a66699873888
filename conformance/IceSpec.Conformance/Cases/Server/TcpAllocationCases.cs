using System.Net;
using System.Net.Sockets;
using System.Text;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>
/// TCP allocations (RFC 6062 §5): Allocate over TCP and over UDP (§5.1), Connect to a listening peer, to a peer already
/// connected and to a closed port (§5.2), a peer connecting to the relayed address (§5.3), ConnectionBind (§5.4) and
/// bytes relayed as-is both ways. The peer is a TCP listener of the case on the address the client reaches the server from.
/// </summary>
internal static class TcpAllocationCases
{
    private const string AllocateText =
        "If the client connection transport is not TCP or TLS, the server MUST reject the request with a 400 (Bad Request) error. " +
        "[…] A TCP relayed transport address MUST be allocated.";

    private const string ConnectText =
        "Otherwise, the server MUST initiate an outgoing TCP connection. The local endpoint is the relayed transport address " +
        "associated with the allocation. The remote endpoint is the one indicated by the XOR-PEER-ADDRESS attribute. […] The " +
        "server MUST include the CONNECTION-ID attribute in the Connect success response.";

    private const string AlreadyExistsText =
        "If the server has already successfully processed a Connect request for this allocation with the same XOR-PEER-ADDRESS, " +
        "and the resulting client and peer data connections are either pending or active, it MUST return a 446 (Connection " +
        "Already Exists) error.";

    private const string FailureText =
        "If the connection attempt fails or times out, the server MUST return a 447 (Connection Timeout or Failure) error.";

    private const string BindText =
        "Otherwise, the client connection is now called a client data connection. Data received on it MUST be sent as-is to the " +
        "associated peer data connection. Data received on the associated peer data connection MUST be sent as-is on this client " +
        "data connection.";

    private const string UnknownIdText =
        "If the request does not contain the CONNECTION-ID attribute, or if this attribute does not refer to an existing pending " +
        "connection, the server MUST return a 400 (Bad Request) error.";

    private const string AttemptText =
        "Otherwise, the server sends a ConnectionAttempt indication to the client over the control connection. The indication " +
        "MUST include an XOR-PEER-ADDRESS attribute containing the peer's transport address, as well as a CONNECTION-ID attribute " +
        "uniquely identifying the peer data connection.";

    public static IEnumerable<ServerCase> All =>
    [
        ServerCase.Define(6062, "5.1", 1, RequirementLevel.Must, "A TCP allocation over TCP gets a relayed address; over UDP: 400", AllocateText,
            ["Allocate request as tcp-allocation: required REQUESTED-TRANSPORT"], AllocateAsync),
        ServerCase.Define(6062, "5.2", 1, RequirementLevel.Must, "Connect reaches the peer from the relayed address and answers with CONNECTION-ID", ConnectText,
            ["TurnPeerConnection: Idle -> Connecting on Connect", "TurnPeerConnection: Connecting -> Pending on Connected", "Connect success: required CONNECTION-ID"],
            ConnectAsync),
        ServerCase.Define(6062, "5.2", 2, RequirementLevel.Must, "A second Connect to a peer with a pending connection: 446", AlreadyExistsText,
            ["TurnPeerConnection: Idle -> Connecting on Connect"], AlreadyExistsAsync),
        ServerCase.Define(6062, "5.2", 3, RequirementLevel.Must, "Connect to a closed TCP port: 447", FailureText,
            ["TurnPeerConnection: Connecting -> Closed on ConnectFailed", "Connect error: required ERROR-CODE"], ClosedPortAsync),
        ServerCase.Define(6062, "5.4", 1, RequirementLevel.Must, "After ConnectionBind, bytes go as-is both ways between the data connection and the peer", BindText,
            ["TurnPeerConnection: Pending -> Bound on Bind", "ConnectionBind request: required CONNECTION-ID"], BindAndRelayAsync),
        ServerCase.Define(6062, "5.4", 2, RequirementLevel.Must, "ConnectionBind with a CONNECTION-ID that names no pending connection: 400", UnknownIdText,
            ["ConnectionBind request: required CONNECTION-ID"], UnknownIdAsync),
        ServerCase.Define(6062, "5.3", 1, RequirementLevel.Must, "A peer connecting to the relayed address is announced by ConnectionAttempt and relayed both ways", AttemptText,
            ["TurnPeerConnection: Idle -> Pending on PeerAccepted", "TurnPeerConnection: Pending -> Bound on Bind"], AttemptAsync),
    ];

    private static async Task<CaseVerdict> AllocateAsync(ServerCaseContext context)
    {
        if (context.TcpServer is null) return CaseVerdict.Inconclusive("the target has no TCP port");
        var udp = await context.OpenSessionAsync();
        var overUdp = await udp.AllocateTcpAsync();
        var sent = $"sent an Allocate with REQUESTED-TRANSPORT TCP over UDP {Verdicts.From(udp.Connection)}";
        if (overUdp.ErrorCode != StunErrorCodes.BadRequest) return CaseVerdict.Fail($"{sent}; got {overUdp}, not 400");
        var tcp = await context.OpenTcpSessionAsync();
        var overTcp = await tcp.AllocateTcpAsync();
        return overTcp.IsSuccess && overTcp.XorRelayedAddress is { } relayed
            ? CaseVerdict.Pass($"{sent}: 400; over TCP {Verdicts.From(tcp.Connection)}: relayed address {relayed}")
            : CaseVerdict.Fail($"{sent}: 400; but over TCP {Verdicts.From(tcp.Connection)} got {overTcp}, not a success with XOR-RELAYED-ADDRESS");
    }

    /// <summary>A TCP allocation over a new TCP connection, with a permission for the address the peers live on.</summary>
    private static async Task<TurnSession> TcpAllocationAsync(ServerCaseContext context)
    {
        var session = await context.OpenTcpSessionAsync();
        var reply = await session.AllocateTcpAsync();
        if (!reply.IsSuccess || session.Relayed is null) throw new CaseSetupException($"an Allocate with REQUESTED-TRANSPORT TCP over TCP got {reply}, not a success");
        var permission = await session.CreatePermissionAsync(new IPEndPoint(session.Connection.Local.Address, 0));
        if (!permission.IsSuccess) throw new CaseSetupException($"CreatePermission for {session.Connection.Local.Address} on the TCP allocation got {permission}");
        return session;
    }

    /// <summary>Connect to a new listening peer; the server's connection as the peer accepted it, and the CONNECTION-ID.</summary>
    private static async Task<(TurnSession Session, TcpPeer Peer, TcpClient Accepted, uint ConnectionId)> ConnectedAsync(ServerCaseContext context)
    {
        var session = await TcpAllocationAsync(context);
        var peer = context.OpenTcpPeer(session);
        var reply = await session.ConnectAsync(peer.EndPoint);
        if (!reply.IsSuccess || reply.ConnectionId is not { } id) throw new CaseSetupException($"a Connect to {peer.EndPoint} got {reply}, not a success with CONNECTION-ID");
        var accepted = await peer.AcceptAsync(context.RelayTimeout, context.Cancel)
            ?? throw new CaseSetupException($"a Connect to {peer.EndPoint} succeeded, but no connection reached the peer");
        return (session, peer, accepted, id);
    }

    private static async Task<CaseVerdict> ConnectAsync(ServerCaseContext context)
    {
        if (context.TcpServer is null) return CaseVerdict.Inconclusive("the target has no TCP port");
        var session = await TcpAllocationAsync(context);
        var peer = context.OpenTcpPeer(session);
        var reply = await session.ConnectAsync(peer.EndPoint);
        var sent = $"allocated {session.Relayed} over TCP, permitted {peer.EndPoint.Address}, sent Connect to {peer.EndPoint}";
        if (!reply.IsSuccess) return CaseVerdict.Fail($"{sent}; got {reply}");
        if (reply.ConnectionId is null) return CaseVerdict.Fail($"{sent}; the success response has no CONNECTION-ID");
        var accepted = await peer.AcceptAsync(context.RelayTimeout, context.Cancel);
        if (accepted is null) return CaseVerdict.Fail($"{sent}; a success (CONNECTION-ID {reply.ConnectionId}) but no connection reached the peer");
        var from = (IPEndPoint)accepted.Client.RemoteEndPoint!;
        return from.Equals(session.Relayed)
            ? CaseVerdict.Pass($"{sent}; CONNECTION-ID {reply.ConnectionId}, the peer accepted a connection from {from}")
            : CaseVerdict.Fail($"{sent}; CONNECTION-ID {reply.ConnectionId}, but the connection came from {from}, not the relayed address");
    }

    private static async Task<CaseVerdict> AlreadyExistsAsync(ServerCaseContext context)
    {
        if (context.TcpServer is null) return CaseVerdict.Inconclusive("the target has no TCP port");
        var (session, peer, _, id) = await ConnectedAsync(context);
        var again = await session.ConnectAsync(peer.EndPoint);
        return Verdicts.ExpectError(again, TurnErrorCodes.ConnectionAlreadyExists,
            $"allocated {session.Relayed} over TCP, connected to {peer.EndPoint} (CONNECTION-ID {id}, not yet bound), then sent Connect to it again");
    }

    private static async Task<CaseVerdict> ClosedPortAsync(ServerCaseContext context)
    {
        if (context.TcpServer is null) return CaseVerdict.Inconclusive("the target has no TCP port");
        var session = await TcpAllocationAsync(context);
        // A port that was listening a moment ago and is closed now: the connection is refused at once.
        IPEndPoint closed;
        await using (var gone = new TcpPeer(session.Connection.Local.Address)) closed = gone.EndPoint;
        var reply = await session.ConnectAsync(closed);
        return Verdicts.ExpectError(reply, TurnErrorCodes.ConnectionTimeoutOrFailure,
            $"allocated {session.Relayed} over TCP, permitted {closed.Address}, sent Connect to {closed} where nothing listens");
    }

    private static async Task<CaseVerdict> BindAndRelayAsync(ServerCaseContext context)
    {
        if (context.TcpServer is null) return CaseVerdict.Inconclusive("the target has no TCP port");
        var (session, peer, accepted, id) = await ConnectedAsync(context);
        // Sent by the peer before the ConnectionBind: the server keeps it for the data connection (§5.2, §5.4).
        var early = Encoding.ASCII.GetBytes("peer bytes sent before the bind");
        await accepted.GetStream().WriteAsync(early, context.Cancel);
        var data = await context.ConnectTcpAsync();
        var bound = await session.ConnectionBindAsync(data, id);
        var sent = $"allocated {session.Relayed} over TCP, connected to {peer.EndPoint} (CONNECTION-ID {id}), the peer sent {early.Length} bytes, " +
                   $"then ConnectionBind {Verdicts.From(data)}";
        if (!bound.IsSuccess) return CaseVerdict.Fail($"{sent}; got {bound}");
        return await BothWaysAsync(context, (TcpServerConnection)data, accepted, early, sent);
    }

    private static async Task<CaseVerdict> UnknownIdAsync(ServerCaseContext context)
    {
        if (context.TcpServer is null) return CaseVerdict.Inconclusive("the target has no TCP port");
        var (session, _, _, id) = await ConnectedAsync(context);
        var data = await context.ConnectTcpAsync();
        var wrong = unchecked(id + 0x5A5A5A5A);
        var sent = $"allocated {session.Relayed} over TCP with one pending connection (CONNECTION-ID {id}); sent ConnectionBind of {wrong} {Verdicts.From(data)}";
        try
        {
            return Verdicts.ExpectError(await session.ConnectionBindAsync(data, wrong), StunErrorCodes.BadRequest, sent);
        }
        catch (ServerClosedConnectionException closed)
        {
            return CaseVerdict.Fail($"{sent}; expected error 400, but {closed.Message}");
        }
    }

    private static async Task<CaseVerdict> AttemptAsync(ServerCaseContext context)
    {
        if (context.TcpServer is null) return CaseVerdict.Inconclusive("the target has no TCP port");
        var session = await TcpAllocationAsync(context);
        var peer = context.OpenTcpPeer(session);
        var connection = await peer.ConnectAsync(session.Relayed!, context.RelayTimeout, context.Cancel);
        var sent = $"allocated {session.Relayed} over TCP, permitted {peer.EndPoint.Address}; a peer connected to the relayed address";
        if (connection is null) return CaseVerdict.Fail($"{sent}; the server did not accept the connection");
        var from = (IPEndPoint)connection.Client.LocalEndPoint!;
        var indication = await session.Connection.ReceiveAsync(
            m => StunReply.TryParse(m) is { Method: TurnMethods.ConnectionAttempt, Class: StunClass.Indication }, context.RelayTimeout, context.Cancel);
        if (indication is null) return CaseVerdict.Fail($"{sent} from {from}; no ConnectionAttempt indication came within {context.RelayTimeout.TotalSeconds} s");
        var attempt = StunReply.TryParse(indication)!;
        if (attempt.ConnectionId is not { } id) return CaseVerdict.Fail($"{sent} from {from}; the ConnectionAttempt has no CONNECTION-ID: {attempt}");
        if (!from.Equals(attempt.XorPeerAddress)) return CaseVerdict.Fail($"{sent} from {from}; the ConnectionAttempt's XOR-PEER-ADDRESS is {attempt.XorPeerAddress}");
        var data = await context.ConnectTcpAsync();
        var bound = await session.ConnectionBindAsync(data, id);
        sent += $" from {from}; ConnectionAttempt with CONNECTION-ID {id}; ConnectionBind {Verdicts.From(data)}";
        if (!bound.IsSuccess) return CaseVerdict.Fail($"{sent}; got {bound}");
        return await BothWaysAsync(context, (TcpServerConnection)data, connection, [], sent);
    }

    /// <summary>Peer to client (after <paramref name="alreadySent"/>, which must come first), then client to peer, byte for byte.</summary>
    private static async Task<CaseVerdict> BothWaysAsync(ServerCaseContext context, TcpServerConnection data, TcpClient peer, byte[] alreadySent, string sent)
    {
        var fromPeer = Encoding.ASCII.GetBytes("from the peer, after the bind");
        await peer.GetStream().WriteAsync(fromPeer, context.Cancel);
        byte[] expected = [.. alreadySent, .. fromPeer];
        var received = await data.ReceiveRawAsync(expected.Length, context.RelayTimeout, context.Cancel);
        if (received is null || !received.AsSpan().SequenceEqual(expected))
            return CaseVerdict.Fail($"{sent}; the data connection did not get the peer's {expected.Length} bytes as-is{(received is null ? "" : $" (got '{Encoding.ASCII.GetString(received)}')")}");
        var toPeer = Encoding.ASCII.GetBytes("from the client's data connection");
        await data.SendAsync(toPeer, context.Cancel);
        var atPeer = await TcpPeer.ReceiveAsync(peer, toPeer.Length, context.RelayTimeout, context.Cancel);
        return atPeer is not null && atPeer.AsSpan().SequenceEqual(toPeer)
            ? CaseVerdict.Pass($"{sent}; success; {expected.Length} bytes reached the data connection and {toPeer.Length} the peer, as-is")
            : CaseVerdict.Fail($"{sent}; the peer's {expected.Length} bytes arrived, but the {toPeer.Length} bytes sent on the data connection did not reach the peer as-is");
    }
}
