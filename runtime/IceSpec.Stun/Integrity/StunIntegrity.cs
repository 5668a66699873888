using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;

namespace IceSpec.Stun;

/// <summary>Outcome of checking MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 or FINGERPRINT.</summary>
public enum IntegrityStatus : byte
{
    Valid,
    /// <summary>The message has no such attribute.</summary>
    Missing,
    /// <summary>The value's length is wrong for the attribute (20 for MI; 16..32, multiple of 4 for MI-SHA256; 4 for FINGERPRINT).</summary>
    BadLength,
    /// <summary>The computed value differs from the one received.</summary>
    Mismatch,
    /// <summary>FINGERPRINT is not the last attribute (RFC 8489 §14.7).</summary>
    NotLast,
}

/// <summary>Checks of the integrity attributes of a parsed message. Comparisons take constant time.</summary>
public static class StunIntegrity
{
    public const int Sha1Length = 20;
    public const int Sha256Length = 32;

    /// <summary>RFC 8489 §14.7: the CRC-32 is XOR-ed with this value ("STUN"); spec/stun.spec's FingerprintXor.</summary>
    public const uint FingerprintXor = (uint)StunFormulas.FingerprintXor;

    /// <summary>MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5).</summary>
    public static IntegrityStatus VerifyMessageIntegrity(in StunMessage message, StunKey key)
    {
        if (!message.HasMessageIntegrity) return IntegrityStatus.Missing;
        var offset = message.MessageIntegrityOffset;
        var received = ValueAt(message.Buffer, offset);
        if (received.Length != Sha1Length) return IntegrityStatus.BadLength;
        Span<byte> computed = stackalloc byte[Sha1Length];
        key.ComputeSha1(message.Buffer, offset, Sha1Length, computed);
        return CryptographicOperations.FixedTimeEquals(computed, received) ? IntegrityStatus.Valid : IntegrityStatus.Mismatch;
    }

    /// <summary>MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6), possibly truncated to 16..32 bytes.</summary>
    public static IntegrityStatus VerifyMessageIntegritySha256(in StunMessage message, StunKey key)
    {
        if (!message.HasMessageIntegritySha256) return IntegrityStatus.Missing;
        var offset = message.MessageIntegritySha256Offset;
        var received = ValueAt(message.Buffer, offset);
        if (received.Length < 16 || received.Length > Sha256Length || (received.Length & 3) != 0) return IntegrityStatus.BadLength;
        Span<byte> computed = stackalloc byte[Sha256Length];
        key.ComputeSha256(message.Buffer, offset, received.Length, computed);
        return CryptographicOperations.FixedTimeEquals(computed[..received.Length], received) ? IntegrityStatus.Valid : IntegrityStatus.Mismatch;
    }

    /// <summary>FINGERPRINT (RFC 8489 §14.7): last attribute, CRC-32 of everything before it XOR 0x5354554E.</summary>
    public static IntegrityStatus VerifyFingerprint(in StunMessage message)
    {
        if (!message.HasFingerprint) return IntegrityStatus.Missing;
        var offset = message.FingerprintOffset;
        var received = ValueAt(message.Buffer, offset);
        if (received.Length != 4) return IntegrityStatus.BadLength;
        if (offset + 8 != message.Buffer.Length) return IntegrityStatus.NotLast;
        return ComputeFingerprint(message.Buffer[..offset]) == BinaryPrimitives.ReadUInt32BigEndian(received)
            ? IntegrityStatus.Valid : IntegrityStatus.Mismatch;
    }

    public static uint ComputeFingerprint(ReadOnlySpan<byte> messageBeforeFingerprint) =>
        Crc32.HashToUInt32(messageBeforeFingerprint) ^ FingerprintXor;

    private static ReadOnlySpan<byte> ValueAt(ReadOnlySpan<byte> message, int offset) =>
        message.Slice(offset + StunHeader.AttributeHeaderLength, BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 2)..]));
}
