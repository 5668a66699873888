using System.Net;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>A datagram the server relayed to the client: a Data indication (RFC 8656 §11.3) or ChannelData (§12.5).</summary>
public sealed record RelayedMessage(bool IsChannelData, ushort Channel, IPEndPoint? Peer, byte[] Data, string Description);

/// <summary>
/// A TURN client 5-tuple with the long-term credential learnt from the server's 401 (RFC 8489 §9.2.3.1): authenticated
/// requests of any shape, Send indications, ChannelData. Disposing deletes the allocation (Refresh LIFETIME 0) if it made one.
/// </summary>
public sealed class TurnSession : IAsyncDisposable
{
    public const byte UdpProtocol = (byte)TurnFormulas.RequestedTransportUdp;
    public const byte TcpProtocol = (byte)TurnFormulas.RequestedTransportTcp;
    private readonly ServerCaseContext _context;

    private TurnSession(ServerCaseContext context, ServerConnection connection, LongTermCredential credential)
    {
        _context = context;
        Connection = connection;
        Credential = credential;
    }

    public ServerConnection Connection { get; }

    public LongTermCredential Credential { get; private set; }

    /// <summary>The relayed transport address once an Allocate succeeded; null again after a Refresh to 0.</summary>
    public IPEndPoint? Relayed { get; private set; }

    /// <summary>Sends an Allocate without credentials and keeps the REALM and NONCE of the 401 it must get; requests then authenticate as <paramref name="user"/> (default: the target's user).</summary>
    public static async Task<TurnSession> OpenAsync(ServerCaseContext context, ServerConnection connection, ServerUser? user = null)
    {
        var request = StunRequest.Build(TurnMethods.Allocate, StunRequest.NewTransactionId(), RequestedTransport(UdpProtocol));
        var reply = await StunExchange.RequireAsync(connection, request, context.ResponseTimeout, "an Allocate without credentials", context.Cancel);
        if (reply.ErrorCode != StunErrorCodes.Unauthenticated || reply.Realm is null || reply.Nonce is null)
            throw new CaseSetupException($"an Allocate without credentials got {reply}, not 401 with REALM and NONCE: the realm and nonce cannot be learnt");
        user ??= new ServerUser(context.Target.Username, context.Target.Password);
        return new TurnSession(context, connection,
            new LongTermCredential(user.Username, reply.Realm, reply.Nonce, StunKey.LongTerm(user.Username, reply.Realm, user.Password)));
    }

    /// <summary>Authenticates later requests (and the final deletion) as <paramref name="user"/>, keeping the realm and nonce.</summary>
    public void SwitchUser(ServerUser user) =>
        Credential = Credential with { Username = user.Username, Key = StunKey.LongTerm(user.Username, Credential.Realm, user.Password) };

    /// <summary>The credential of this session's realm and nonce for <paramref name="username"/> with <paramref name="password"/> (a wrong one, an unknown user…).</summary>
    public LongTermCredential CredentialFor(string username, string password) =>
        Credential with { Username = username, Key = StunKey.LongTerm(username, Credential.Realm, password) };

    public static AttributeWriter RequestedTransport(byte protocol) =>
        (ref StunMessageBuilder b) => b.AddRequestedTransport(new RequestedTransportValue(protocol, new byte[3]));

    /// <summary>
    /// An authenticated request (with <see cref="Credential"/>, or <paramref name="credential"/> for this request only); a 438
    /// (Stale Nonce) is retried once with the new NONCE (§9.2.5) unless <paramref name="transactionId"/> is fixed.
    /// </summary>
    public async Task<StunReply> RequestAsync(ushort method, AttributeWriter? attributes, string what, AttributeWriter? afterIntegrity = null, byte[]? transactionId = null,
        LongTermCredential? credential = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var request = StunRequest.Build(method, transactionId ?? StunRequest.NewTransactionId(), attributes, credential ?? Credential, afterIntegrity: afterIntegrity);
            var reply = await StunExchange.RequireAsync(Connection, request, _context.ResponseTimeout, what, _context.Cancel);
            if (reply.ErrorCode == StunErrorCodes.StaleNonce && reply.Nonce is not null && attempt == 0 && transactionId is null)
            {
                Credential = Credential with { Nonce = reply.Nonce };
                if (credential is not null) credential = credential with { Nonce = reply.Nonce };
                continue;
            }
            if (reply.Method == TurnMethods.Allocate && reply.IsSuccess) Relayed = reply.XorRelayedAddress;
            if (reply.Method == TurnMethods.Refresh && reply.IsSuccess && reply.Lifetime == 0) Relayed = null;
            return reply;
        }
    }

    public Task<StunReply> AllocateAsync(uint? lifetime = null) => RequestAsync(TurnMethods.Allocate, (ref StunMessageBuilder b) =>
    {
        RequestedTransport(UdpProtocol)(ref b);
        if (lifetime is { } seconds) b.AddLifetime(seconds);
    }, lifetime is null ? "an authenticated Allocate" : $"an authenticated Allocate with LIFETIME {lifetime}");

    /// <summary>A TCP allocation (RFC 6062 §4.1: REQUESTED-TRANSPORT 6).</summary>
    public Task<StunReply> AllocateTcpAsync() =>
        RequestAsync(TurnMethods.Allocate, RequestedTransport(TcpProtocol), "an authenticated Allocate with REQUESTED-TRANSPORT TCP");

    /// <summary>A Connect to <paramref name="peer"/> (RFC 6062 §4.3).</summary>
    public Task<StunReply> ConnectAsync(IPEndPoint peer) =>
        RequestAsync(TurnMethods.Connect, (ref StunMessageBuilder b) => b.AddXorPeerAddress(new StunAddress(peer)), $"a Connect to {peer}");

    /// <summary>A ConnectionBind of <paramref name="connectionId"/> on <paramref name="data"/> (a new connection), with this session's credential (RFC 6062 §4.3).</summary>
    public async Task<StunReply> ConnectionBindAsync(ServerConnection data, uint connectionId)
    {
        var request = StunRequest.Build(TurnMethods.ConnectionBind, StunRequest.NewTransactionId(), (ref StunMessageBuilder b) => b.AddConnectionId(connectionId), Credential);
        return await StunExchange.RequireAsync(data, request, _context.ResponseTimeout, $"a ConnectionBind of CONNECTION-ID {connectionId}", _context.Cancel);
    }

    /// <summary>Allocates, or fails the case's setup with what came back.</summary>
    public async Task<IPEndPoint> RequireAllocationAsync()
    {
        var reply = await AllocateAsync();
        if (!reply.IsSuccess || Relayed is null)
            throw new CaseSetupException($"an authenticated Allocate (user {Credential.Username}, realm {Credential.Realm}) got {reply}, not a success with XOR-RELAYED-ADDRESS");
        return Relayed;
    }

    public Task<StunReply> RefreshAsync(uint lifetime) =>
        RequestAsync(TurnMethods.Refresh, (ref StunMessageBuilder b) => b.AddLifetime(lifetime), $"a Refresh with LIFETIME {lifetime}");

    public Task<StunReply> CreatePermissionAsync(IPEndPoint peer) =>
        RequestAsync(TurnMethods.CreatePermission, (ref StunMessageBuilder b) => b.AddXorPeerAddress(new StunAddress(peer)), $"a CreatePermission for {peer.Address}");

    public Task<StunReply> ChannelBindAsync(ushort channel, IPEndPoint peer) => RequestAsync(TurnMethods.ChannelBind, (ref StunMessageBuilder b) =>
    {
        b.AddChannelNumber(new ChannelNumberValue(channel, 0));
        b.AddXorPeerAddress(new StunAddress(peer));
    }, $"a ChannelBind of 0x{channel:X4} to {peer}");

    /// <summary>A Send indication (RFC 8656 §11.1): XOR-PEER-ADDRESS and DATA, no credentials.</summary>
    public async Task SendIndicationAsync(IPEndPoint peer, byte[] data)
    {
        var indication = StunRequest.Build(TurnMethods.Send, StunRequest.NewTransactionId(), (ref StunMessageBuilder b) =>
        {
            b.AddXorPeerAddress(new StunAddress(peer));
            b.AddData(data);
        }, messageClass: StunClass.Indication);
        await Connection.SendAsync(indication, _context.Cancel);
    }

    /// <summary>A ChannelData message (RFC 8656 §12.4), padded to 4 bytes on TCP (§12.5).</summary>
    public async Task SendChannelDataAsync(ushort channel, byte[] data)
    {
        var buffer = new byte[ChannelData.HeaderLength + data.Length + 3];
        var length = ChannelData.Write(buffer, channel, data, padForStream: Connection.Transport == "tcp");
        await Connection.SendAsync(buffer.AsMemory(0, length), _context.Cancel);
    }

    /// <summary>The next Data indication or ChannelData message, or null within <paramref name="timeout"/>.</summary>
    public async Task<RelayedMessage?> ReceiveRelayedAsync(TimeSpan timeout)
    {
        var bytes = await Connection.ReceiveAsync(m => ReadRelayed(m) is not null, timeout, _context.Cancel);
        return bytes is null ? null : ReadRelayed(bytes);
    }

    private static RelayedMessage? ReadRelayed(byte[] message)
    {
        if (ChannelData.LooksLikeChannelData(message))
            return ChannelData.TryParse(message, out var channelData, acceptRfc5766Range: true) == ChannelDataStatus.Ok
                ? new RelayedMessage(true, channelData.Channel, null, channelData.Data.ToArray(), $"ChannelData on 0x{channelData.Channel:X4}, {channelData.Data.Length} bytes")
                : null;
        return StunReply.TryParse(message) is { Method: TurnMethods.Data, Class: StunClass.Indication } indication
            ? new RelayedMessage(false, 0, indication.XorPeerAddress, indication.Data ?? [], indication.ToString())
            : null;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Relayed is not null)
            {
                var request = StunRequest.Build(TurnMethods.Refresh, StunRequest.NewTransactionId(), (ref StunMessageBuilder b) => b.AddLifetime(0), Credential);
                await StunExchange.RequestAsync(Connection, request, TimeSpan.FromMilliseconds(500), CancellationToken.None);
            }
        }
        catch (Exception e) when (e is CaseSetupException or System.Net.Sockets.SocketException or IOException)
        {
            // Best effort: the allocation expires on its own.
        }
        await Connection.DisposeAsync();
    }
}
