using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace IceSpec.Stun;

/// <summary>
/// A received STUN message, read in place: no copy, no allocation. <see cref="TryParse"/> checks the framing
/// (RFC 8489 §5 header, §14 attribute lengths) and notes where the integrity attributes are, so verifying them later
/// does not walk the attributes again. Typed accessors for each attribute are generated from the spec.
/// </summary>
public readonly ref struct StunMessage
{
    private const short Absent = -1;
    private readonly short _integrityOffset;
    private readonly short _integritySha256Offset;
    private readonly short _fingerprintOffset;

    private StunMessage(ReadOnlySpan<byte> buffer, short integrity, short integritySha256, short fingerprint)
    {
        Buffer = buffer;
        _integrityOffset = integrity;
        _integritySha256Offset = integritySha256;
        _fingerprintOffset = fingerprint;
    }

    /// <summary>The whole message, header included.</summary>
    public ReadOnlySpan<byte> Buffer { get; }

    public ushort RawType => BinaryPrimitives.ReadUInt16BigEndian(Buffer);

    public StunMessageType Type => StunMessageType.Decode(RawType);

    public ushort Method => Type.Method;

    public StunClass Class => Type.Class;

    /// <summary>The Message Length field: bytes after the header.</summary>
    public int Length => BinaryPrimitives.ReadUInt16BigEndian(Buffer[StunHeader.LengthOffset..]);

    public ReadOnlySpan<byte> TransactionId => Buffer.Slice(StunHeader.TransactionIdOffset, StunHeader.TransactionIdLength);

    /// <summary>Offset of the first MESSAGE-INTEGRITY attribute, or -1.</summary>
    public int MessageIntegrityOffset => _integrityOffset;

    /// <summary>Offset of the first MESSAGE-INTEGRITY-SHA256 attribute, or -1.</summary>
    public int MessageIntegritySha256Offset => _integritySha256Offset;

    /// <summary>Offset of the first FINGERPRINT attribute, or -1.</summary>
    public int FingerprintOffset => _fingerprintOffset;

    public bool HasMessageIntegrity => _integrityOffset != Absent;

    public bool HasMessageIntegritySha256 => _integritySha256Offset != Absent;

    public bool HasFingerprint => _fingerprintOffset != Absent;

    public StunAttributeEnumerator Attributes => new(Buffer);

    /// <summary>Whether <paramref name="buffer"/> can only be STUN: top bits zero and the magic cookie (RFC 8489 §7 demultiplexing).</summary>
    public static bool LooksLikeStun(ReadOnlySpan<byte> buffer) =>
        buffer.Length >= StunHeader.Length && (buffer[0] & 0xC0) == 0 &&
        BinaryPrimitives.ReadUInt32BigEndian(buffer[StunHeader.CookieOffset..]) == StunHeader.MagicCookie;

    /// <summary>Reads the framing of one whole message (a datagram, or one message cut from a stream).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static StunParseStatus TryParse(ReadOnlySpan<byte> buffer, out StunMessage message)
    {
        message = default;
        if (buffer.Length < StunHeader.Length) return StunParseStatus.TruncatedHeader;
        if ((buffer[0] & 0xC0) != 0) return StunParseStatus.NotStun;
        if (BinaryPrimitives.ReadUInt32BigEndian(buffer[StunHeader.CookieOffset..]) != StunHeader.MagicCookie) return StunParseStatus.BadMagicCookie;
        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer[StunHeader.LengthOffset..]);
        if ((length & 3) != 0) return StunParseStatus.LengthNotMultipleOf4;
        if (length + StunHeader.Length != buffer.Length) return StunParseStatus.LengthMismatch;

        short integrity = Absent, integritySha256 = Absent, fingerprint = Absent;
        var offset = StunHeader.Length;
        while (offset < buffer.Length)
        {
            if (offset + StunHeader.AttributeHeaderLength > buffer.Length) return StunParseStatus.AttributeOverrun;
            var type = BinaryPrimitives.ReadUInt16BigEndian(buffer[offset..]);
            int valueLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[(offset + 2)..]);
            var next = offset + StunHeader.AttributeHeaderLength + ((valueLength + 3) & ~3);
            if (next > buffer.Length) return StunParseStatus.AttributeOverrun;
            switch (type)
            {
                case StunAttributeTypes.MessageIntegrity when integrity == Absent: integrity = (short)offset; break;
                case StunAttributeTypes.MessageIntegritySha256 when integritySha256 == Absent: integritySha256 = (short)offset; break;
                case StunAttributeTypes.Fingerprint when fingerprint == Absent: fingerprint = (short)offset; break;
            }
            offset = next;
        }
        message = new StunMessage(buffer, integrity, integritySha256, fingerprint);
        return StunParseStatus.Ok;
    }

    /// <summary>The value of the first attribute of <paramref name="type"/> (RFC 8489 §14: only the first occurrence counts).</summary>
    public bool TryGetAttribute(ushort type, out ReadOnlySpan<byte> value)
    {
        foreach (var attribute in Attributes)
        {
            if (attribute.Type == type)
            {
                value = attribute.Value;
                return true;
            }
        }
        value = default;
        return false;
    }

    public bool Contains(ushort type) => TryGetAttribute(type, out _);
}
