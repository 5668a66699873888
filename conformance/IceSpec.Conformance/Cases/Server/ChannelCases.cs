using System.Text;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>ChannelBind (RFC 8656 §12.2) and ChannelData relaying (§12.5, §12.6).</summary>
internal static class ChannelCases
{
    private const string ChannelBindText =
        "The server checks the following: The request contains both a CHANNEL-NUMBER and an XOR-PEER-ADDRESS attribute; The " +
        "channel number is in the range 0x4000 through 0x4FFF (inclusive); The channel number is not currently bound to a different " +
        "transport address (same transport address is OK); The transport address is not currently bound to a different channel " +
        "number. If any of these tests fail, the server replies with a 400 (Bad Request) error.";

    public static IEnumerable<ServerCase> All =>
    [
        ServerCase.Define(8656, "12.2", 1, RequirementLevel.Must, "ChannelBind of 0x4000 to a peer succeeds", ChannelBindText,
            ["TurnChannelBinding: Unbound -> Bound on Bind", "channel-numbers"], context => BindAsync(context, TurnRanges.ChannelNumbersLow, expectSuccess: true)),
        ServerCase.Define(8656, "12.2", 2, RequirementLevel.Must, "ChannelBind of 0x3FFF (below the range): 400", ChannelBindText,
            ["channel-numbers"], context => BindAsync(context, 0x3FFF, expectSuccess: false)),
        ServerCase.Define(8656, "12.2", 3, RequirementLevel.Must, "ChannelBind of 0x5000 (above RFC 8656's 0x4FFF): 400", ChannelBindText,
            ["channel-numbers"], context => BindAsync(context, 0x5000, expectSuccess: false)),
        ServerCase.Define(8656, "12.2", 4, RequirementLevel.Must, "ChannelBind of a bound channel to another peer: 400", ChannelBindText,
            ["TurnChannelBinding: Bound -> Bound on Bind"], ChannelToOtherPeerAsync),
        ServerCase.Define(8656, "12.2", 5, RequirementLevel.Must, "ChannelBind of a bound peer to another channel: 400", ChannelBindText,
            ["TurnChannelBinding: Unbound -> Bound on Bind"], PeerToOtherChannelAsync),
        ServerCase.Define(8656, "12.6", 1, RequirementLevel.Must, "ChannelData from the client reaches the peer from the relayed address",
            "On the server, if no errors are detected, the server relays the application data to the peer by forming a UDP datagram as " +
            "follows: the source transport address is the relayed transport address of the allocation […]; the destination transport " +
            "address is the transport address to which the channel is bound; the data following the UDP header is the contents of the " +
            "data field of the ChannelData message.",
            ["channel-numbers"], ClientToPeerAsync),
        ServerCase.Define(8656, "12.6", 2, RequirementLevel.Must, "ChannelData on an unbound channel is discarded; once bound it is relayed",
            "If the ChannelData message is received on a channel that is not bound to any peer, then the message is silently discarded.",
            [], UnboundChannelDroppedAsync),
        ServerCase.Define(8656, "12.5", 1, RequirementLevel.Must, "Data from a peer with a bound channel reaches the client as ChannelData on it",
            "The server, on the other hand, MUST use the ChannelData message if a channel has been bound to the peer.",
            ["channel-numbers"], PeerToClientAsync),
        ServerCase.Define(8656, "12.5", 2, RequirementLevel.Must, "Over TCP, ChannelData to the client is padded to 4 bytes (two 5-byte datagrams arrive intact)",
            "Over TCP and TLS-over-TCP, the ChannelData message MUST be padded to a multiple of four bytes in order to ensure the " +
            "alignment of subsequent messages.",
            ["channel-numbers"], PaddedOverTcpAsync),
    ];

    private static async Task<CaseVerdict> BindAsync(ServerCaseContext context, ushort channel, bool expectSuccess)
    {
        var session = await context.AllocatedSessionAsync();
        var peer = context.OpenPeer(session);
        var reply = await session.ChannelBindAsync(channel, peer.EndPoint);
        var sent = $"allocated, sent ChannelBind of 0x{channel:X4} to {peer.EndPoint}";
        return expectSuccess ? Verdicts.ExpectSuccess(reply, sent) : Verdicts.ExpectError(reply, StunErrorCodes.BadRequest, sent);
    }

    private static async Task<CaseVerdict> ChannelToOtherPeerAsync(ServerCaseContext context)
    {
        var session = await context.AllocatedSessionAsync();
        var (first, second) = (context.OpenPeer(session), context.OpenPeer(session));
        var bound = await session.ChannelBindAsync(0x4001, first.EndPoint);
        if (!bound.IsSuccess) throw new CaseSetupException($"ChannelBind of 0x4001 to {first.EndPoint} got {bound}");
        var reply = await session.ChannelBindAsync(0x4001, second.EndPoint);
        return Verdicts.ExpectError(reply, StunErrorCodes.BadRequest, $"bound 0x4001 to {first.EndPoint}, then sent ChannelBind of 0x4001 to {second.EndPoint}");
    }

    private static async Task<CaseVerdict> PeerToOtherChannelAsync(ServerCaseContext context)
    {
        var session = await context.AllocatedSessionAsync();
        var peer = context.OpenPeer(session);
        var bound = await session.ChannelBindAsync(0x4002, peer.EndPoint);
        if (!bound.IsSuccess) throw new CaseSetupException($"ChannelBind of 0x4002 to {peer.EndPoint} got {bound}");
        var reply = await session.ChannelBindAsync(0x4003, peer.EndPoint);
        return Verdicts.ExpectError(reply, StunErrorCodes.BadRequest, $"bound 0x4002 to {peer.EndPoint}, then sent ChannelBind of 0x4003 to the same peer");
    }

    private static async Task<(TurnSession Session, UdpPeer Peer)> BoundChannelAsync(ServerCaseContext context, ushort channel)
    {
        var session = await context.AllocatedSessionAsync();
        var peer = context.OpenPeer(session);
        var bound = await session.ChannelBindAsync(channel, peer.EndPoint);
        if (!bound.IsSuccess) throw new CaseSetupException($"ChannelBind of 0x{channel:X4} to {peer.EndPoint} got {bound}");
        return (session, peer);
    }

    /// <summary>
    /// Reads the stream as RFC 8656 frames it (4 + Length, rounded up to 4): unpadded, the first frame would swallow the
    /// second's header and the second message would not read back as the peer's datagram.
    /// </summary>
    private static async Task<CaseVerdict> PaddedOverTcpAsync(ServerCaseContext context)
    {
        if (context.TcpServer is null) return CaseVerdict.Inconclusive("the target has no TCP port");
        var session = await context.OpenTcpSessionAsync();
        await session.RequireAllocationAsync();
        var peer = context.OpenPeer(session);
        var bound = await session.ChannelBindAsync(0x4006, peer.EndPoint);
        if (!bound.IsSuccess) throw new CaseSetupException($"ChannelBind of 0x4006 to {peer.EndPoint} over TCP got {bound}");
        byte[][] payloads = [Encoding.ASCII.GetBytes("first"), Encoding.ASCII.GetBytes("twice")];
        foreach (var payload in payloads) await peer.SendAsync(session.Relayed!, payload, context.Cancel);
        var sent = $"allocated {session.Relayed} over TCP from {session.Connection.Local}, bound 0x4006 to {peer.EndPoint}; the peer sent two 5-byte datagrams";
        var received = new List<string>();
        foreach (var payload in payloads)
        {
            var relayed = await session.ReceiveRelayedAsync(context.RelayTimeout);
            if (relayed is null)
                return CaseVerdict.Fail($"{sent}; read as padded frames, message {received.Count + 1} did not arrive{(received.Count > 0 ? " intact (the first was not padded?)" : "")}; got {string.Join("; ", received)}");
            received.Add(relayed.Description);
            if (!relayed.IsChannelData || relayed.Channel != 0x4006 || !relayed.Data.AsSpan().SequenceEqual(payload))
                return CaseVerdict.Fail($"{sent}; read as padded frames, message {received.Count} is {relayed.Description} with {relayed.Data.Length} bytes, not ChannelData on 0x4006 carrying '{Encoding.ASCII.GetString(payload)}'");
        }
        return CaseVerdict.Pass($"{sent}; both arrived as padded ChannelData frames ({string.Join("; ", received)})");
    }

    private static async Task<CaseVerdict> ClientToPeerAsync(ServerCaseContext context)
    {
        var (session, peer) = await BoundChannelAsync(context, 0x4004);
        var payload = Encoding.ASCII.GetBytes("channel data to the peer");
        await session.SendChannelDataAsync(0x4004, payload);
        var received = await peer.ReceiveAsync(context.RelayTimeout, context.Cancel);
        var sent = $"allocated {session.Relayed}, bound 0x4004 to {peer.EndPoint}, sent ChannelData ({payload.Length} bytes) on it";
        if (received is not { } datagram) return CaseVerdict.Fail($"{sent}; the peer received nothing within {context.RelayTimeout.TotalSeconds} s");
        if (!datagram.From.Equals(session.Relayed)) return CaseVerdict.Fail($"{sent}; the peer received it from {datagram.From}, not the relayed address");
        return datagram.Data.AsSpan().SequenceEqual(payload)
            ? CaseVerdict.Pass($"{sent}; the peer received the {payload.Length} bytes from {datagram.From}")
            : CaseVerdict.Fail($"{sent}; the peer received {datagram.Data.Length} different bytes");
    }

    private static async Task<CaseVerdict> UnboundChannelDroppedAsync(ServerCaseContext context)
    {
        var session = await context.AllocatedSessionAsync();
        var peer = context.OpenPeer(session);
        var permission = await session.CreatePermissionAsync(peer.EndPoint);
        if (!permission.IsSuccess) throw new CaseSetupException($"CreatePermission for {peer.EndPoint.Address} got {permission}");
        await session.SendChannelDataAsync(0x4007, Encoding.ASCII.GetBytes("unbound"));
        var early = await peer.ReceiveAsync(context.SilenceWindow, context.Cancel);
        var sent = $"allocated {session.Relayed}, permitted {peer.EndPoint.Address}; sent ChannelData on unbound channel 0x4007";
        if (early is not null) return CaseVerdict.Fail($"{sent}; the peer received {early.Value.Data.Length} bytes from {early.Value.From}");
        var bound = await session.ChannelBindAsync(0x4007, peer.EndPoint);
        if (!bound.IsSuccess) throw new CaseSetupException($"{sent}, nothing was relayed; then ChannelBind of 0x4007 to {peer.EndPoint} got {bound}");
        await session.SendChannelDataAsync(0x4007, Encoding.ASCII.GetBytes("bound"));
        var later = await peer.ReceiveAsync(context.RelayTimeout, context.Cancel);
        return later is not null
            ? CaseVerdict.Pass($"{sent}; the peer received nothing in {context.SilenceWindow.TotalMilliseconds} ms; after ChannelBind the next ChannelData arrived from {later.Value.From}")
            : CaseVerdict.Fail($"{sent}; nothing was relayed, but after ChannelBind the next ChannelData was not relayed either");
    }

    private static async Task<CaseVerdict> PeerToClientAsync(ServerCaseContext context)
    {
        var (session, peer) = await BoundChannelAsync(context, 0x4005);
        var payload = Encoding.ASCII.GetBytes("peer data on the channel");
        await peer.SendAsync(session.Relayed!, payload, context.Cancel);
        var relayed = await session.ReceiveRelayedAsync(context.RelayTimeout);
        var sent = $"allocated {session.Relayed}, bound 0x4005 to {peer.EndPoint}; the peer sent {payload.Length} bytes to the relayed address";
        if (relayed is null) return CaseVerdict.Fail($"{sent}; nothing reached the client within {context.RelayTimeout.TotalSeconds} s");
        if (!relayed.IsChannelData || relayed.Channel != 0x4005) return CaseVerdict.Fail($"{sent}; the client got {relayed.Description}, not ChannelData on 0x4005");
        return relayed.Data.AsSpan().SequenceEqual(payload)
            ? CaseVerdict.Pass($"{sent}; the client got {relayed.Description}")
            : CaseVerdict.Fail($"{sent}; the ChannelData carries {relayed.Data.Length} different bytes");
    }
}
