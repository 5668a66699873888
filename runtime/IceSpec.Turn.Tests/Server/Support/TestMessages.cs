using System.Security.Cryptography;
using IceSpec.Stun;

namespace IceSpec.Turn.Tests.Server;

/// <summary>Adds attributes to a message being built (a ref struct cannot go through Action&lt;T&gt; by reference).</summary>
public delegate void AddAttributes(ref StunMessageBuilder builder);

/// <summary>Long-term credentials as a client holds them after a 401: user, realm, nonce and the key.</summary>
public sealed record LongTermCredentials(string Username, string Realm, string Nonce, StunKey Key)
{
    public static LongTermCredentials For(string username, string password, string realm, string nonce) =>
        new(username, realm, nonce, StunKey.LongTerm(username, realm, password));
}

/// <summary>Builds requests and indications the way a TURN client does, with <see cref="StunMessageBuilder"/>.</summary>
public static class TestMessages
{
    public static byte[] NewTransactionId() => RandomNumberGenerator.GetBytes(StunHeader.TransactionIdLength);

    public static byte[] Build(ushort method, StunClass cls, AddAttributes? attributes = null, LongTermCredentials? credentials = null,
        bool fingerprint = true, byte[]? transactionId = null)
    {
        var buffer = new byte[70000];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(method, cls), transactionId ?? NewTransactionId());
        attributes?.Invoke(ref builder);
        if (credentials is not null)
        {
            builder.AddUsername(credentials.Username);
            builder.AddRealm(credentials.Realm);
            builder.AddNonce(credentials.Nonce);
            builder.AddMessageIntegrity(credentials.Key);
        }
        if (fingerprint) builder.AddFingerprint();
        return builder.Written.ToArray();
    }

    public static byte[] Request(ushort method, AddAttributes? attributes = null, LongTermCredentials? credentials = null, byte[]? transactionId = null) =>
        Build(method, StunClass.Request, attributes, credentials, transactionId: transactionId);

    public static byte[] Allocate(LongTermCredentials? credentials = null, AddAttributes? extra = null, byte[]? transactionId = null) =>
        Request(TurnMethods.Allocate, (ref StunMessageBuilder b) =>
        {
            b.AddRequestedTransport(new RequestedTransportValue(17, new byte[3]));
            extra?.Invoke(ref b);
        }, credentials, transactionId);

    public static byte[] Refresh(LongTermCredentials credentials, uint? lifetime = null) =>
        Request(TurnMethods.Refresh, (ref StunMessageBuilder b) =>
        {
            if (lifetime is { } value) b.AddLifetime(value);
        }, credentials);

    public static byte[] CreatePermission(LongTermCredentials credentials, params StunAddress[] peers) =>
        Request(TurnMethods.CreatePermission, (ref StunMessageBuilder b) =>
        {
            foreach (var peer in peers) b.AddXorPeerAddress(peer);
        }, credentials);

    public static byte[] ChannelBind(LongTermCredentials credentials, ushort channel, StunAddress peer) =>
        Request(TurnMethods.ChannelBind, (ref StunMessageBuilder b) =>
        {
            b.AddChannelNumber(new ChannelNumberValue(channel, 0));
            b.AddXorPeerAddress(peer);
        }, credentials);

    public static byte[] Send(StunAddress peer, byte[] data) =>
        Build(TurnMethods.Send, StunClass.Indication, (ref StunMessageBuilder b) =>
        {
            b.AddXorPeerAddress(peer);
            b.AddData(data);
        });

    public static byte[] Binding(AddAttributes? attributes = null) => Request(StunMethods.Binding, attributes);

    public static byte[] ChannelDataMessage(ushort channel, byte[] data, bool pad = false)
    {
        var buffer = new byte[4 + data.Length + 4];
        var length = ChannelData.Write(buffer, channel, data, pad);
        return buffer[..length];
    }
}

/// <summary>A received STUN message copied out of its buffer (a <see cref="StunMessage"/> cannot outlive it).</summary>
public sealed class TestResponse
{
    public required byte[] Bytes { get; init; }
    public required ushort Method { get; init; }
    public required StunClass Class { get; init; }
    public required byte[] TransactionId { get; init; }
    public int? ErrorCode { get; init; }
    public string? Reason { get; init; }
    public string? Realm { get; init; }
    public string? Nonce { get; init; }
    public string? Software { get; init; }
    public uint? Lifetime { get; init; }
    public StunAddress? XorMappedAddress { get; init; }
    public StunAddress? MappedAddress { get; init; }
    public StunAddress? AlternateServer { get; init; }
    public StunAddress? ResponseOrigin { get; init; }
    public StunAddress? OtherAddress { get; init; }
    public IReadOnlyList<StunAddress> RelayedAddresses { get; init; } = [];
    public IReadOnlyList<ushort> UnknownAttributes { get; init; } = [];
    public bool HasMessageIntegrity { get; init; }
    public bool HasFingerprint { get; init; }
    public bool HasPasswordAlgorithms { get; init; }
    public StunAddress? PeerAddress { get; init; }
    public byte[]? Data { get; init; }

    public bool IsSuccess => Class == StunClass.Success;

    public bool IntegrityValidWith(StunKey key)
    {
        StunMessage.TryParse(Bytes, out var message);
        return StunIntegrity.VerifyMessageIntegrity(message, key) == IntegrityStatus.Valid;
    }

    public bool FingerprintValid()
    {
        StunMessage.TryParse(Bytes, out var message);
        return StunIntegrity.VerifyFingerprint(message) == IntegrityStatus.Valid;
    }

    public override string ToString() => $"{StunMethods.NameOf(Method) ?? TurnMethods.NameOf(Method)} {Class}{(ErrorCode is { } c ? $" {c} {Reason}" : "")}";

    public static TestResponse? TryParse(ReadOnlySpan<byte> bytes)
    {
        if (StunMessage.TryParse(bytes, out var message) != StunParseStatus.Ok) return null;
        int? code = message.TryGetErrorCode(out var errorCode, out var reason) ? errorCode : null;
        var relayed = new List<StunAddress>();
        foreach (var attribute in message.Attributes)
            if (attribute.Type == TurnAttributeTypes.XorRelayedAddress && StunAddress.TryRead(attribute.Value, true, message.TransactionId, out var address))
                relayed.Add(address);
        var unknown = new List<ushort>();
        if (message.TryGetUnknownAttributes(out var list))
            foreach (var type in list) unknown.Add(type);
        return new TestResponse
        {
            Bytes = bytes.ToArray(),
            Method = message.Method,
            Class = message.Class,
            TransactionId = message.TransactionId.ToArray(),
            ErrorCode = code,
            Reason = code is null ? null : System.Text.Encoding.UTF8.GetString(reason),
            Realm = message.GetRealmString(),
            Nonce = message.GetNonceString(),
            Software = message.GetSoftwareString(),
            Lifetime = message.TryGetLifetime(out var lifetime) ? lifetime : null,
            XorMappedAddress = message.TryGetXorMappedAddress(out var mapped) ? (StunAddress?)mapped : null,
            MappedAddress = message.TryGetMappedAddress(out var plain) ? (StunAddress?)plain : null,
            AlternateServer = message.TryGetAlternateServer(out var alternate) ? (StunAddress?)alternate : null,
            ResponseOrigin = message.TryGetResponseOrigin(out var origin) ? (StunAddress?)origin : null,
            OtherAddress = message.TryGetOtherAddress(out var other) ? (StunAddress?)other : null,
            RelayedAddresses = relayed,
            UnknownAttributes = unknown,
            HasMessageIntegrity = message.HasMessageIntegrity,
            HasFingerprint = message.HasFingerprint,
            HasPasswordAlgorithms = message.Contains(StunAttributeTypes.PasswordAlgorithms),
            PeerAddress = message.TryGetXorPeerAddress(out var peer) ? (StunAddress?)peer : null,
            Data = message.TryGetData(out var data) ? data.ToArray() : null,
        };
    }
}
