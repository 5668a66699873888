using System.Buffers.Binary;
using System.Net;
using IceSpec.Stun;
using IceSpec.Stun.Classic;

namespace IceSpec.Captures;

/// <summary>
/// Classic STUN: the messages of RFC 3489, which have no magic cookie. RFC 3489 §11.1 header:
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      STUN Message Type        |         Message Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     Transaction ID (128 bits)                 |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// RFC 5389 §12 reads the first 32 bits of that ID as the magic cookie: a message whose bytes 4–7 are 0x2112A442 is
/// RFC 5389/8489 STUN, not classic. RFC 3489's codes, names and formats come from spec/classic.spec (ClassicMethods,
/// ClassicClass, ClassicAttributeTypes, ClassicRegistry); what this class adds is what later servers send to classic clients. Without the cookie nothing marks a datagram as STUN, so <see cref="IsClassic"/> asks
/// for everything the RFC fixes: one of its six message types, a length that is a multiple of 4 and equals the rest of
/// the datagram, and attributes (RFC 3489 §11.2: type, length, value) that fill the body exactly. A message carrying
/// FINGERPRINT is not classic: RFC 8489 §7 pairs it with the magic cookie to tell STUN apart, no RFC 3489 agent sends it,
/// and RFC 5389 §12.2 answers classic clients in RFC 3489's format; without its cookie it is a damaged RFC 8489 message.
/// </summary>
public static class ClassicStun
{
    /// <summary>RFC 3489 §11.1: the 128-bit transaction ID (the magic cookie's 32 bits and RFC 5389's 96-bit ID).</summary>
    public const int TransactionIdLength = StunHeader.TransactionIdOffset - StunHeader.CookieOffset + StunHeader.TransactionIdLength;

    /// <summary>XOR-MAPPED-ADDRESS where the rfc3489bis drafts had it, before RFC 5389 gave it 0x0020 (<see cref="AttributeName"/>).</summary>
    private const ushort DraftXorMappedAddress = 0x8020;

    /// <summary>RFC 3489 §11.1's message types: a method and class of classic.spec (Binding or Shared Secret; request,
    /// response or error response) in RFC 5389's layout, with the two top bits zero.</summary>
    private static bool IsMessageType(ushort type)
    {
        var decoded = StunMessageType.Decode(type);
        return decoded.Value == type && ClassicMethods.NameOf(decoded.Method) is not null && Enum.IsDefined((ClassicClass)decoded.Class);
    }

    /// <summary>A classic STUN message that is the whole of <paramref name="datagram"/> (see the class comment).</summary>
    public static bool IsClassic(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < StunHeader.Length || !IsMessageType(BinaryPrimitives.ReadUInt16BigEndian(datagram))) return false;
        int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[StunHeader.LengthOffset..]);
        if ((length & 3) != 0 || StunHeader.Length + length != datagram.Length) return false;
        if (BinaryPrimitives.ReadUInt32BigEndian(datagram[StunHeader.CookieOffset..]) == StunHeader.MagicCookie) return false;
        var offset = StunHeader.Length;
        while (offset < datagram.Length)
        {
            if (datagram.Length - offset < StunHeader.AttributeHeaderLength) return false;
            if (BinaryPrimitives.ReadUInt16BigEndian(datagram[offset..]) == StunAttributeTypes.Fingerprint) return false;   // RFC 8489 §14.7: no classic message carries it
            // RFC 3489's attributes are all multiples of 4 long; what RFC 5389 servers add to their answers (SOFTWARE)
            // is padded to 4 (RFC 5389 §15): either way the next attribute starts at the next multiple of 4.
            var valueLength = BinaryPrimitives.ReadUInt16BigEndian(datagram[(offset + 2)..]);
            offset += StunHeader.AttributeHeaderLength + StunHeader.Padded(valueLength);
        }
        return offset == datagram.Length;
    }

    /// <summary>The attributes of a message <see cref="IsClassic"/> accepted, in order (values without padding).</summary>
    public static List<(int Offset, ushort Type, byte[] Value)> Attributes(ReadOnlySpan<byte> message)
    {
        var attributes = new List<(int, ushort, byte[])>();
        var offset = StunHeader.Length;
        while (offset + StunHeader.AttributeHeaderLength <= message.Length)
        {
            var type = BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 2)..]);
            var start = offset + StunHeader.AttributeHeaderLength;
            attributes.Add((offset, type, message.Slice(start, Math.Min(length, message.Length - start)).ToArray()));
            offset = start + StunHeader.Padded(length);
        }
        return attributes;
    }

    /// <summary>The attribute's name (RFC 3489 §11.2, classic.spec; and what later servers send to classic clients), or null.</summary>
    public static string? AttributeName(ushort type) => ClassicRegistry.Find(type)?.Name ?? type switch
    {
        // Sent to classic clients by servers written during RFC 3489's revision: stund (Vovida 0.97) adds XOR-MAPPED-ADDRESS
        // with RFC 5389's code (§15.2), XOR-ed with the first 32 bits of the transaction ID; the rfc3489bis drafts had it at 0x8020.
        StunAttributeTypes.XorMappedAddress or DraftXorMappedAddress => "XOR-MAPPED-ADDRESS",
        // RFC 5389 §15.10 (SERVER in the rfc3489bis drafts and in Wireshark): coturn, stund and IceSpec's server send it.
        StunAttributeTypes.Software => "SOFTWARE",
        _ => null,
    };

    /// <summary>An address attribute: plain (classic.spec's <c>address</c> format: MAPPED-, RESPONSE-, SOURCE-, CHANGED-ADDRESS, REFLECTED-FROM) or XOR-ed.</summary>
    public static bool IsAddress(ushort type) => ClassicRegistry.Find(type)?.Format == "address" || IsXorAddress(type);

    public static bool IsXorAddress(ushort type) => type is StunAttributeTypes.XorMappedAddress or DraftXorMappedAddress;

    /// <summary>
    /// Reads an address attribute's value (RFC 3489 §11.2.1: 0x00, family 0x01, port, IPv4 address; family 0x02 with 16
    /// bytes as RFC 5389 allows) with the codec's <see cref="StunAddress"/>. XOR-MAPPED-ADDRESS XORs with the 128 bits
    /// after the length, as RFC 5389 §15.2 does: in a classic message they are the transaction ID, so the port is XOR-ed
    /// with its first 16 bits and an IPv4 address with its first 32 bits (what stund does).
    /// </summary>
    public static bool TryReadAddress(ushort type, ReadOnlySpan<byte> value, ReadOnlySpan<byte> transactionId, out IPEndPoint address)
    {
        address = null!;
        if (!IsAddress(type) || transactionId.Length != TransactionIdLength || !StunAddress.TryRead(value, false, default, out var read)) return false;
        if (!IsXorAddress(type))
        {
            address = read.ToEndPoint();
            return true;
        }
        var bytes = read.AddressBytes.ToArray();
        for (var i = 0; i < bytes.Length; i++) bytes[i] ^= transactionId[i];
        address = new IPEndPoint(new IPAddress(bytes), read.Port ^ BinaryPrimitives.ReadUInt16BigEndian(transactionId));
        return true;
    }

    /// <summary>A value for people: addresses, CHANGE-REQUEST's flags, ERROR-CODE, UNKNOWN-ATTRIBUTES, text; else hex.</summary>
    public static string Describe(ushort type, ReadOnlySpan<byte> value, ReadOnlySpan<byte> transactionId)
    {
        if (IsAddress(type)) return TryReadAddress(type, value, transactionId, out var address) ? address.ToString() : Convert.ToHexStringLower(value);
        switch (type)
        {
            case ClassicAttributeTypes.ChangeRequest when ClassicAttributeFormats.IsValidChangeRequest(value): // RFC 3489 §11.2.4: flags A (change IP) and B (change port)
                return StunChangeRequest.Read(value).ToString();
            case ClassicAttributeTypes.ErrorCode when StunErrorCode.TryReadAsSent(value, out var code, out var reason): // RFC 3489 §11.2.9
                return $"{code} {System.Text.Encoding.UTF8.GetString(reason).TrimEnd('\0')}".TrimEnd();
            case ClassicAttributeTypes.UnknownAttributes when ClassicAttributeFormats.IsValidUnknownAttributes(value):
                var types = new List<string>();
                for (var i = 0; i < value.Length; i += 2) types.Add($"0x{BinaryPrimitives.ReadUInt16BigEndian(value[i..]):X4}");
                return string.Join(", ", types);
            case ClassicAttributeTypes.Username or ClassicAttributeTypes.Password or StunAttributeTypes.Software:
                return System.Text.Encoding.UTF8.GetString(value).TrimEnd('\0');
            default:
                return value.IsEmpty ? "(empty)" : Convert.ToHexStringLower(value);
        }
    }

    /// <summary>Whether the value has its RFC 3489 format (classic.spec's formats: 8 or 20 bytes for addresses, 4 for
    /// CHANGE-REQUEST, 20 for MESSAGE-INTEGRITY, an even length for UNKNOWN-ATTRIBUTES), ≥ 4 bytes for ERROR-CODE; null when unchecked.</summary>
    public static bool? IsValid(ushort type, ReadOnlySpan<byte> value, ReadOnlySpan<byte> transactionId) => type switch
    {
        _ when IsAddress(type) => TryReadAddress(type, value, transactionId, out _),
        ClassicAttributeTypes.ChangeRequest => ClassicAttributeFormats.IsValidChangeRequest(value),
        ClassicAttributeTypes.MessageIntegrity => ClassicAttributeFormats.IsValidMessageIntegrity(value),
        // Not the spec's error-code check (class 3-6, RFC 8489 §14.8): RFC 3489 allows classes 1-6, and captures are read as sent.
        ClassicAttributeTypes.ErrorCode => StunErrorCode.TryReadAsSent(value, out _, out _),
        ClassicAttributeTypes.UnknownAttributes => ClassicAttributeFormats.IsValidUnknownAttributes(value),
        _ => null,
    };
}
