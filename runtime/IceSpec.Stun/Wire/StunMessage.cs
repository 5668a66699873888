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
    private const int Absent = -1;
    private readonly int _integrityOffset;
    private readonly int _integritySha256Offset;
    private readonly int _fingerprintOffset;

    private StunMessage(ReadOnlySpan<byte> buffer, int integrity, int integritySha256, int fingerprint)
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
        // Type and length in one read: the top two bits, then the 16-bit length.
        var typeAndLength = BinaryPrimitives.ReadUInt32BigEndian(buffer);
        if ((typeAndLength & 0xC000_0000) != 0) return StunParseStatus.NotStun;
        if (BinaryPrimitives.ReadUInt32BigEndian(buffer[StunHeader.CookieOffset..]) != StunHeader.MagicCookie) return StunParseStatus.BadMagicCookie;
        var length = (int)(typeAndLength & 0xFFFF);
        if ((length & 3) != 0) return StunParseStatus.LengthNotMultipleOf4;
        if (length + StunHeader.Length != buffer.Length) return StunParseStatus.LengthMismatch;

        int integrity = Absent, integritySha256 = Absent, fingerprint = Absent;
        var offset = StunHeader.Length;
        while (offset < buffer.Length)
        {
            if (offset > buffer.Length - StunHeader.AttributeHeaderLength) return StunParseStatus.AttributeOverrun;
            // Attribute type (high 16 bits) and value length (low 16 bits) in one read.
            var attributeHeader = BinaryPrimitives.ReadUInt32BigEndian(buffer[offset..]);
            var next = offset + StunHeader.AttributeHeaderLength + StunHeader.Padded((int)(attributeHeader & 0xFFFF));
            if (next > buffer.Length) return StunParseStatus.AttributeOverrun;
            switch ((ushort)(attributeHeader >> 16))
            {
                case StunAttributeTypes.MessageIntegrity when integrity == Absent: integrity = offset; break;
                case StunAttributeTypes.MessageIntegritySha256 when integritySha256 == Absent: integritySha256 = offset; break;
                case StunAttributeTypes.Fingerprint when fingerprint == Absent: fingerprint = offset; break;
            }
            offset = next;
        }
        message = new StunMessage(buffer, integrity, integritySha256, fingerprint);
        return StunParseStatus.Ok;
    }

    /// <summary>The value of the first attribute of <paramref name="type"/> (RFC 8489 §14: only the first occurrence counts).</summary>
    public bool TryGetAttribute(ushort type, out ReadOnlySpan<byte> value)
    {
        // The walk of StunAttributeEnumerator, without building a StunAttribute per step: every typed accessor lands here.
        var buffer = Buffer;
        var offset = StunHeader.Length;
        while (offset <= buffer.Length - StunHeader.AttributeHeaderLength)
        {
            var attributeHeader = BinaryPrimitives.ReadUInt32BigEndian(buffer[offset..]);
            var valueLength = (int)(attributeHeader & 0xFFFF);
            if (attributeHeader >> 16 == type)
            {
                value = buffer.Slice(offset + StunHeader.AttributeHeaderLength, valueLength);
                return true;
            }
            offset += StunHeader.AttributeHeaderLength + StunHeader.Padded(valueLength);
        }
        value = default;
        return false;
    }

    public bool Contains(ushort type) => TryGetAttribute(type, out _);
}
