using System.Net;
using System.Text;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>
/// A STUN message received from the server, read once with the generated accessors into plain values so cases can keep
/// it across awaits (<see cref="StunMessage"/> is a ref struct), and described for failure details.
/// </summary>
public sealed class StunReply
{
    private StunReply(byte[] bytes) => Bytes = bytes;

    public byte[] Bytes { get; }

    public ushort Method { get; private init; }

    public StunClass Class { get; private init; }

    public byte[] TransactionId { get; private init; } = [];

    /// <summary>The ERROR-CODE number, or null when the message has none.</summary>
    public int? ErrorCode { get; private init; }

    public string Reason { get; private init; } = "";

    public IReadOnlyList<ushort> AttributeTypes { get; private init; } = [];

    public IPEndPoint? XorMappedAddress { get; private init; }

    public IPEndPoint? XorRelayedAddress { get; private init; }

    public IPEndPoint? XorPeerAddress { get; private init; }

    public uint? Lifetime { get; private init; }

    public string? Realm { get; private init; }

    public string? Nonce { get; private init; }

    public byte[]? Data { get; private init; }

    public IReadOnlyList<ushort> UnknownAttributes { get; private init; } = [];

    public bool IsSuccess => Class == StunClass.Success;

    public bool IsError => Class == StunClass.Error;

    public bool Has(ushort attributeType) => AttributeTypes.Contains(attributeType);

    /// <summary>Parses a STUN message; null when <paramref name="bytes"/> is not one (ChannelData, garbage).</summary>
    public static StunReply? TryParse(byte[] bytes)
    {
        if (StunMessage.TryParse(bytes, out var message) != StunParseStatus.Ok) return null;
        var types = new List<ushort>();
        foreach (var attribute in message.Attributes) types.Add(attribute.Type);
        var unknown = new List<ushort>();
        if (message.TryGetUnknownAttributes(out var list))
            foreach (var type in list) unknown.Add(type);
        int? code = null;
        var reason = "";
        if (message.TryGetErrorCode(out var number, out var phrase))
        {
            code = number;
            reason = Encoding.UTF8.GetString(phrase);
        }
        return new StunReply(bytes)
        {
            Method = message.Method,
            Class = message.Class,
            TransactionId = message.TransactionId.ToArray(),
            ErrorCode = code,
            Reason = reason,
            AttributeTypes = types,
            XorMappedAddress = message.TryGetXorMappedAddress(out var mapped) ? mapped.ToEndPoint() : null,
            XorRelayedAddress = message.TryGetXorRelayedAddress(out var relayed) ? relayed.ToEndPoint() : null,
            XorPeerAddress = message.TryGetXorPeerAddress(out var peer) ? peer.ToEndPoint() : null,
            Lifetime = message.TryGetLifetime(out var lifetime) ? lifetime : null,
            Realm = message.GetRealmString(),
            Nonce = message.GetNonceString(),
            Data = message.TryGetData(out var data) ? data.ToArray() : null,
            UnknownAttributes = unknown,
        };
    }

    /// <summary>MESSAGE-INTEGRITY checked with <paramref name="key"/> (RFC 8489 §14.5).</summary>
    public IntegrityStatus VerifyMessageIntegrity(StunKey key)
    {
        StunMessage.TryParse(Bytes, out var message);
        return StunIntegrity.VerifyMessageIntegrity(message, key);
    }

    /// <summary>E.g. <c>Allocate error 401 "Unauthorized" [ERROR-CODE, REALM, NONCE, SOFTWARE]</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder($"{MethodName(Method)} {Class.ToString().ToLowerInvariant()}");
        if (ErrorCode is { } code) text.Append($" {code} \"{Reason}\"");
        text.Append(" [").Append(string.Join(", ", AttributeTypes.Select(AttributeName))).Append(']');
        if (UnknownAttributes.Count > 0) text.Append(" UNKNOWN-ATTRIBUTES=").Append(string.Join(",", UnknownAttributes.Select(t => $"0x{t:X4}")));
        if (Lifetime is { } seconds) text.Append($" LIFETIME={seconds}");
        if (XorMappedAddress is not null) text.Append($" XOR-MAPPED-ADDRESS={XorMappedAddress}");
        if (XorRelayedAddress is not null) text.Append($" XOR-RELAYED-ADDRESS={XorRelayedAddress}");
        return text.ToString();
    }

    public static string MethodName(ushort method) => StunMethods.NameOf(method) ?? TurnMethods.NameOf(method) ?? $"method 0x{method:X3}";

    public static string AttributeName(ushort type) => StunAttributeRegistry.TryGet(type, out var info) ? info.Name : $"0x{type:X4}";
}
