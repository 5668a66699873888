using System.Buffers.Binary;
using System.Net;
using IceSpec.Stun;

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
/// RFC 5389/8489 STUN, not classic. Without the cookie nothing marks a datagram as STUN, so <see cref="IsClassic"/> asks
/// for everything the RFC fixes: one of its six message types, a length that is a multiple of 4 and equals the rest of
/// the datagram, and attributes (RFC 3489 §11.2: type, length, value) that fill the body exactly. A message carrying
/// FINGERPRINT is not classic: RFC 8489 §7 pairs it with the magic cookie to tell STUN apart, no RFC 3489 agent sends it,
/// and RFC 5389 §12.2 answers classic clients in RFC 3489's format; without its cookie it is a damaged RFC 8489 message.
/// </summary>
public static class ClassicStun
{
    public const int TransactionIdLength = 16;


    /// <summary>RFC 3489 §11.1's message types: Binding Request 0x0001, Response 0x0101, Error Response 0x0111; Shared
    /// Secret Request 0x0002, Response 0x0102, Error Response 0x0112 (methods 0x001 and 0x002 in RFC 5389's layout).</summary>
    private static bool IsMessageType(ushort type) => type is 0x0001 or 0x0101 or 0x0111 or 0x0002 or 0x0102 or 0x0112;

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
            offset += StunHeader.AttributeHeaderLength + ((valueLength + 3) & ~3);
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
            offset = start + ((length + 3) & ~3);
        }
        return attributes;
    }

    /// <summary>The attribute's name (RFC 3489 §11.2, and what later servers send to classic clients), or null.</summary>
    public static string? AttributeName(ushort type) => type switch
    {
        0x0001 => "MAPPED-ADDRESS",     // RFC 3489 §11.2.1
        0x0002 => "RESPONSE-ADDRESS",   // §11.2.2
        0x0003 => "CHANGE-REQUEST",     // §11.2.4
        0x0004 => "SOURCE-ADDRESS",     // §11.2.5
        0x0005 => "CHANGED-ADDRESS",    // §11.2.3
        0x0006 => "USERNAME",           // §11.2.6
        0x0007 => "PASSWORD",           // §11.2.7
        0x0008 => "MESSAGE-INTEGRITY",  // §11.2.8
        0x0009 => "ERROR-CODE",         // §11.2.9
        0x000A => "UNKNOWN-ATTRIBUTES", // §11.2.10
        0x000B => "REFLECTED-FROM",     // §11.2.11
        // Sent to classic clients by servers written during RFC 3489's revision: stund (Vovida 0.97) adds XOR-MAPPED-ADDRESS
        // with RFC 5389's code (§15.2), XOR-ed with the first 32 bits of the transaction ID; the rfc3489bis drafts had it at 0x8020.
        0x0020 or 0x8020 => "XOR-MAPPED-ADDRESS",
        // RFC 5389 §15.10 (SERVER in the rfc3489bis drafts and in Wireshark): coturn, stund and IceSpec's server send it.
        0x8022 => "SOFTWARE",
        _ => null,
    };

    /// <summary>An address attribute: plain (MAPPED-, RESPONSE-, SOURCE-, CHANGED-ADDRESS, REFLECTED-FROM) or XOR-ed.</summary>
    public static bool IsAddress(ushort type) => type is 0x0001 or 0x0002 or 0x0004 or 0x0005 or 0x000B || IsXorAddress(type);

    public static bool IsXorAddress(ushort type) => type is 0x0020 or 0x8020;

    /// <summary>
    /// Reads an address attribute's value (RFC 3489 §11.2.1: 0x00, family 0x01, port, IPv4 address; family 0x02 with 16
    /// bytes as RFC 5389 allows). XOR-MAPPED-ADDRESS XORs with the 128 bits after the length, as RFC 5389 §15.2 does:
    /// in a classic message they are the transaction ID, so the port is XOR-ed with its first 16 bits and an IPv4
    /// address with its first 32 bits (what stund does).
    /// </summary>
    public static bool TryReadAddress(ushort type, ReadOnlySpan<byte> value, ReadOnlySpan<byte> transactionId, out IPEndPoint address)
    {
        address = null!;
        if (!IsAddress(type) || value.Length < 4) return false;
        var family = value[1];
        var length = family switch { StunAddress.FamilyIPv4 => 4, StunAddress.FamilyIPv6 => 16, _ => -1 };
        if (length < 0 || value.Length != 4 + length || transactionId.Length != TransactionIdLength) return false;
        var port = BinaryPrimitives.ReadUInt16BigEndian(value[2..]);
        var bytes = value.Slice(4, length).ToArray();
        if (IsXorAddress(type))
        {
            port ^= BinaryPrimitives.ReadUInt16BigEndian(transactionId);
            for (var i = 0; i < bytes.Length; i++) bytes[i] ^= transactionId[i];
        }
        address = new IPEndPoint(new IPAddress(bytes), port);
        return true;
    }

    /// <summary>A value for people: addresses, CHANGE-REQUEST's flags, ERROR-CODE, UNKNOWN-ATTRIBUTES, text; else hex.</summary>
    public static string Describe(ushort type, ReadOnlySpan<byte> value, ReadOnlySpan<byte> transactionId)
    {
        if (IsAddress(type)) return TryReadAddress(type, value, transactionId, out var address) ? address.ToString() : Convert.ToHexStringLower(value);
        switch (type)
        {
            case 0x0003 when value.Length == 4: // RFC 3489 §11.2.4: flags A (change IP, 0x4) and B (change port, 0x2)
                var flags = BinaryPrimitives.ReadUInt32BigEndian(value);
                return $"change IP {((flags & 4) != 0 ? "yes" : "no")}, change port {((flags & 2) != 0 ? "yes" : "no")}";
            case 0x0009 when value.Length >= 4: // RFC 3489 §11.2.9: class (hundreds) in bits 21-23, number in the low byte
                return $"{(value[2] & 7) * 100 + value[3]} {System.Text.Encoding.UTF8.GetString(value[4..]).TrimEnd('\0')}".TrimEnd();
            case 0x000A when value.Length % 2 == 0:
                var types = new List<string>();
                for (var i = 0; i < value.Length; i += 2) types.Add($"0x{BinaryPrimitives.ReadUInt16BigEndian(value[i..]):X4}");
                return string.Join(", ", types);
            case 0x0006 or 0x0007 or 0x8022:
                return System.Text.Encoding.UTF8.GetString(value).TrimEnd('\0');
            default:
                return value.IsEmpty ? "(empty)" : Convert.ToHexStringLower(value);
        }
    }

    /// <summary>Whether the value has its RFC 3489 format: 8 or 20 bytes for addresses, 4 for CHANGE-REQUEST, 20 for MESSAGE-INTEGRITY, ≥ 4 for ERROR-CODE; null when unchecked.</summary>
    public static bool? IsValid(ushort type, ReadOnlySpan<byte> value, ReadOnlySpan<byte> transactionId) => type switch
    {
        _ when IsAddress(type) => TryReadAddress(type, value, transactionId, out _),
        0x0003 => value.Length == 4,
        0x0008 => value.Length == 20,
        0x0009 => value.Length >= 4,
        0x000A => value.Length % 2 == 0,
        _ => null,
    };
}
