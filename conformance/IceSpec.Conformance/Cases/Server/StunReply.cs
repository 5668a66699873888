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

    /// <summary>The ERROR-CODE reason phrase as sent (the attribute's Length bytes after the code), for format checks.</summary>
    public byte[] ReasonBytes { get; private init; } = [];

    public IReadOnlyList<ushort> AttributeTypes { get; private init; } = [];

    public IPEndPoint? XorMappedAddress { get; private init; }

    public IPEndPoint? XorRelayedAddress { get; private init; }

    /// <summary>Every XOR-RELAYED-ADDRESS (two in a dual allocation, RFC 8656 §7.2), in order.</summary>
    public IReadOnlyList<IPEndPoint> XorRelayedAddresses { get; private init; } = [];

    /// <summary>ADDRESS-ERROR-CODE (RFC 8656 §18.12): the family it is about, its code and reason phrase as sent; null when absent or shorter than 4 bytes.</summary>
    public AddressError? AddressErrorCode { get; private init; }

    public IPEndPoint? XorPeerAddress { get; private init; }

    public uint? Lifetime { get; private init; }

    public string? Realm { get; private init; }

    public string? Nonce { get; private init; }

    public byte[]? Data { get; private init; }

    /// <summary>CONNECTION-ID (RFC 6062 §6.2.1), when present.</summary>
    public uint? ConnectionId { get; private init; }

    public IReadOnlyList<ushort> UnknownAttributes { get; private init; } = [];

    public bool IsSuccess => Class == StunClass.Success;

    public bool IsError => Class == StunClass.Error;

    public bool Has(ushort attributeType) => AttributeTypes.Contains(attributeType);

    /// <summary>Parses a STUN message; null when <paramref name="bytes"/> is not one (ChannelData, garbage).</summary>
    public static StunReply? TryParse(byte[] bytes)
    {
        if (StunMessage.TryParse(bytes, out var message) != StunParseStatus.Ok) return null;
        var types = new List<ushort>();
        var relayed = new List<IPEndPoint>();
        AddressError? addressError = null;
        foreach (var attribute in message.Attributes)
        {
            types.Add(attribute.Type);
            if (attribute.Type == TurnAttributeTypes.XorRelayedAddress && StunAddress.TryRead(attribute.Value, xor: true, message.TransactionId, out var address))
                relayed.Add(address.ToEndPoint());
            if (attribute.Type == TurnAttributeTypes.AddressErrorCode && addressError is null && attribute.Value.Length >= 4)
                addressError = new AddressError(attribute.Value[0], (attribute.Value[2] & 0x07) * 100 + attribute.Value[3], attribute.Value[4..].ToArray());
        }
        var unknown = new List<ushort>();
        if (message.TryGetUnknownAttributes(out var list))
            foreach (var type in list) unknown.Add(type);
        int? code = null;
        var reason = "";
        byte[] reasonBytes = [];
        if (message.TryGetErrorCode(out var number, out var phrase))
        {
            code = number;
            reason = Encoding.UTF8.GetString(phrase);
            reasonBytes = phrase.ToArray();
        }
        return new StunReply(bytes)
        {
            Method = message.Method,
            Class = message.Class,
            TransactionId = message.TransactionId.ToArray(),
            ErrorCode = code,
            Reason = reason,
            ReasonBytes = reasonBytes,
            AttributeTypes = types,
            XorMappedAddress = message.TryGetXorMappedAddress(out var mapped) ? mapped.ToEndPoint() : null,
            XorRelayedAddress = message.TryGetXorRelayedAddress(out var firstRelayed) ? firstRelayed.ToEndPoint() : null,
            XorRelayedAddresses = relayed,
            AddressErrorCode = addressError,
            XorPeerAddress = message.TryGetXorPeerAddress(out var peer) ? peer.ToEndPoint() : null,
            Lifetime = message.TryGetLifetime(out var lifetime) ? lifetime : null,
            Realm = message.GetRealmString(),
            Nonce = message.GetNonceString(),
            Data = message.TryGetData(out var data) ? data.ToArray() : null,
            ConnectionId = message.TryGetConnectionId(out var connectionId) ? connectionId : null,
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
        if (ErrorCode is { } code) text.Append($" {code} \"{Printable(Reason)}\"");
        text.Append(" [").Append(string.Join(", ", AttributeTypes.Select(AttributeName))).Append(']');
        if (UnknownAttributes.Count > 0) text.Append(" UNKNOWN-ATTRIBUTES=").Append(string.Join(",", UnknownAttributes.Select(t => $"0x{t:X4}")));
        if (Lifetime is { } seconds) text.Append($" LIFETIME={seconds}");
        if (XorMappedAddress is not null) text.Append($" XOR-MAPPED-ADDRESS={XorMappedAddress}");
        foreach (var address in XorRelayedAddresses) text.Append($" XOR-RELAYED-ADDRESS={address}");
        if (AddressErrorCode is { } error) text.Append($" ADDRESS-ERROR-CODE={error}");
        return text.ToString();
    }

    /// <summary><paramref name="text"/> with control characters (a NUL padding, say) shown as <c>\0</c> / <c>\xNN</c>.</summary>
    public static string Printable(string text)
    {
        var printable = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c == '\0') printable.Append("\\0");
            else if (char.IsControl(c)) printable.Append($"\\x{(int)c:X2}");
            else printable.Append(c);
        }
        return printable.ToString();
    }

    public static string MethodName(ushort method) => StunMethods.NameOf(method) ?? TurnMethods.NameOf(method) ?? $"method 0x{method:X3}";

    public static string AttributeName(ushort type) => StunAttributeRegistry.TryGet(type, out var info) ? info.Name : $"0x{type:X4}";
}

/// <summary>An ADDRESS-ERROR-CODE value (RFC 8656 §18.12): the address family (0x01 IPv4, 0x02 IPv6), the error code, the reason phrase bytes.</summary>
public sealed record AddressError(byte Family, int Code, byte[] ReasonBytes)
{
    public override string ToString() =>
        $"{(Family switch { StunAddress.FamilyIPv4 => "IPv4", StunAddress.FamilyIPv6 => "IPv6", _ => $"family 0x{Family:X2}" })} {Code} \"{StunReply.Printable(Encoding.UTF8.GetString(ReasonBytes))}\"";
}
