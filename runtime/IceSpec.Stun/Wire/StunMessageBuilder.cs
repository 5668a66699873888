using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace IceSpec.Stun;

/// <summary>
/// Writes a STUN message into caller memory (a <see cref="Span{T}"/>, or an <see cref="IBufferWriter{T}"/> via
/// <see cref="Commit"/>): header, attributes padded to 4 bytes (RFC 8489 §14), then MESSAGE-INTEGRITY (§14.5),
/// MESSAGE-INTEGRITY-SHA256 (§14.6) and FINGERPRINT (§14.7) computed over what precedes them. Typed Add… methods
/// for each attribute are generated from the spec. Running out of room throws: size the buffer for the message.
/// </summary>
public ref struct StunMessageBuilder
{
    private readonly Span<byte> _buffer;
    private readonly IBufferWriter<byte>? _writer;
    private int _length;

    public StunMessageBuilder(Span<byte> buffer, StunMessageType type, scoped ReadOnlySpan<byte> transactionId)
        : this(buffer, null, type, transactionId)
    {
    }

    private StunMessageBuilder(Span<byte> buffer, IBufferWriter<byte>? writer, StunMessageType type, scoped ReadOnlySpan<byte> transactionId)
    {
        if (transactionId.Length != StunHeader.TransactionIdLength)
            throw new ArgumentException("A transaction ID is 12 bytes (RFC 8489 §5).", nameof(transactionId));
        if (buffer.Length < StunHeader.Length) throw new ArgumentException("The buffer cannot hold a STUN header.", nameof(buffer));
        _buffer = buffer;
        _writer = writer;
        // The first 16 header bytes in one store, the last 4 of the transaction ID in another: the header's length field
        // is rewritten by 16-byte stores (SetLengthField) and read back by the integrity code's 16-byte loads.
        var typeLengthCookie = ((ulong)type.Value << 48) | StunHeader.MagicCookie;   // length 0
        var first = Vector128.Create(BigEndian(typeLengthCookie), MemoryMarshal.Read<ulong>(transactionId));
        first.AsByte().StoreUnsafe(ref MemoryMarshal.GetReference(buffer));
        transactionId[8..].CopyTo(buffer[(StunHeader.TransactionIdOffset + 8)..]);
        _length = StunHeader.Length;
    }

    /// <summary>Builds into memory taken from <paramref name="writer"/>; call <see cref="Commit"/> when done.</summary>
    public static StunMessageBuilder Create(IBufferWriter<byte> writer, StunMessageType type, scoped ReadOnlySpan<byte> transactionId, int maxLength = 1280) =>
        new(writer.GetSpan(maxLength)[..maxLength], writer, type, transactionId);

    public readonly int Length => _length;

    public readonly ReadOnlySpan<byte> TransactionId => _buffer.Slice(StunHeader.TransactionIdOffset, StunHeader.TransactionIdLength);

    /// <summary>The message written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    /// <summary>Advances the <see cref="IBufferWriter{T}"/> this builder was created on by the message length.</summary>
    public readonly int Commit()
    {
        if (_writer is null) throw new InvalidOperationException("This builder writes into a span; use Written.");
        _writer.Advance(_length);
        return _length;
    }

    /// <summary>Appends an attribute with <paramref name="value"/>; padding bytes are <paramref name="padding"/> (RFC 8489 §14: zero when sending; RFC 5389 allowed any).</summary>
    public void Add(ushort type, scoped ReadOnlySpan<byte> value, byte padding = 0) => value.CopyTo(Reserve(type, value.Length, padding));

    /// <summary>Appends an attribute header and padding, returning the value bytes for the caller to fill.</summary>
    public Span<byte> Reserve(ushort type, int valueLength, byte padding = 0)
    {
        if (valueLength > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(valueLength), "An attribute value is at most 65535 bytes.");
        var total = StunHeader.AttributeHeaderLength + StunHeader.Padded(valueLength);
        if (_length + total > _buffer.Length || _length + total - StunHeader.Length > ushort.MaxValue)
            throw new InvalidOperationException($"The message does not fit: {_length + total} bytes needed, {_buffer.Length} available.");
        // Bounds checked once above; the writes below go through one reference.
        //  0                   1                   2                   3
        //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
        // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
        // |         Type                  |            Length             |   RFC 8489 §14
        // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
        // |                         Value (variable)                ....  |   padded to 4 bytes
        // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
        ref var at = ref Unsafe.Add(ref MemoryMarshal.GetReference(_buffer), _length);
        Unsafe.WriteUnaligned(ref at, BigEndian(((uint)type << 16) | (uint)valueLength));
        // Padding: the value's last 4-byte word is filled with the padding byte first; the value written into the
        // returned span then covers its leading bytes.
        if ((valueLength & 3) != 0)
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, total - 4), padding * 0x01010101u);
        _length += total;
        SetLengthField(_length);
        return MemoryMarshal.CreateSpan(ref Unsafe.Add(ref at, StunHeader.AttributeHeaderLength), valueLength);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint BigEndian(uint value) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong BigEndian(ulong value) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;

    /// <summary>Appends MESSAGE-INTEGRITY: HMAC-SHA1 over the message so far with the length field covering it (RFC 8489 §14.5).</summary>
    public void AddMessageIntegrity(StunKey key)
    {
        var value = Reserve(StunAttributeTypes.MessageIntegrity, StunIntegrity.Sha1Length);
        key.ComputeSha1(_buffer[.._length], _length - StunIntegrity.Sha1Length - StunHeader.AttributeHeaderLength, StunIntegrity.Sha1Length, value);
    }

    /// <summary>Appends MESSAGE-INTEGRITY-SHA256, truncated to <paramref name="length"/> bytes (16..32, a multiple of 4; RFC 8489 §14.6).</summary>
    public void AddMessageIntegritySha256(StunKey key, int length = StunIntegrity.Sha256Length)
    {
        if (length < 16 || length > 32 || (length & 3) != 0)
            throw new ArgumentOutOfRangeException(nameof(length), "RFC 8489 §14.6: 16 to 32 bytes, a multiple of 4.");
        var value = Reserve(StunAttributeTypes.MessageIntegritySha256, length);
        Span<byte> full = stackalloc byte[StunIntegrity.Sha256Length];
        key.ComputeSha256(_buffer[.._length], _length - length - StunHeader.AttributeHeaderLength, length, full);
        full[..length].CopyTo(value);
    }

    /// <summary>Appends FINGERPRINT: CRC-32 of the message so far XOR 0x5354554E (RFC 8489 §14.7). Must be last.</summary>
    public void AddFingerprint()
    {
        var value = Reserve(StunAttributeTypes.Fingerprint, 4);
        BinaryPrimitives.WriteUInt32BigEndian(value, StunIntegrity.ComputeFingerprint(_buffer[..(_length - 8)]));
    }

    /// <summary>
    /// The header's length field, written as a 16-byte load, insert and store of the header's first 16 bytes rather than
    /// a 2-byte store: the HMAC's and the CRC's 16-byte loads of those bytes, which follow at once, then take the value
    /// from the store instead of waiting for a narrower store to reach the cache (store-to-load forwarding).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void SetLengthField(int totalLength)
    {
        ref var header = ref MemoryMarshal.GetReference(_buffer);
        var first = Vector128.LoadUnsafe(ref header).AsUInt16();
        first.WithElement(1, BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness((ushort)(totalLength - StunHeader.Length))
            : (ushort)(totalLength - StunHeader.Length)).AsByte().StoreUnsafe(ref header);
    }
}
