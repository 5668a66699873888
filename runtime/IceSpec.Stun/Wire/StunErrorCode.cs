using System.Buffers.Binary;
using System.Text;

namespace IceSpec.Stun;

/// <summary>
/// The error-code primitive (ERROR-CODE, RFC 8489 §14.8): class (hundreds, 3..6) and number (0..99), then a UTF-8
/// reason phrase of fewer than 128 characters (at most 763 bytes).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Reserved, should be 0         |Class|     Number    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      Reason Phrase (variable)                                ..
/// </code>
/// </summary>
public static class StunErrorCode
{
    public const int MaxReasonBytes = 763;

    public static bool TryRead(ReadOnlySpan<byte> value, out int code, out ReadOnlySpan<byte> reason)
    {
        code = 0;
        reason = default;
        if (value.Length < 4 || value.Length - 4 > MaxReasonBytes) return false;
        var errorClass = value[2] & 0x07;
        var number = value[3];
        if (errorClass < 3 || errorClass > 6 || number > 99) return false;
        reason = value[4..];
        if (!System.Text.Unicode.Utf8.IsValid(reason)) return false;
        code = errorClass * 100 + number;
        return true;
    }

    /// <summary>
    /// The same layout read as RFC 3489 §11.2.9 states it: the class bits (as sent) times 100 plus the number, and the
    /// reason phrase as sent, without RFC 8489's ranges or UTF-8 check (classic messages and captures are read as they are).
    /// </summary>
    public static bool TryReadAsSent(ReadOnlySpan<byte> value, out int code, out ReadOnlySpan<byte> reason)
    {
        code = 0;
        reason = default;
        if (value.Length < 4) return false;
        code = (value[2] & 0x07) * 100 + value[3];
        reason = value[4..];
        return true;
    }

    public static int EncodedLength(ReadOnlySpan<char> reason) => 4 + Encoding.UTF8.GetByteCount(reason);

    public static void Write(Span<byte> destination, int code, ReadOnlySpan<char> reason)
    {
        if (code < 300 || code > 699) throw new ArgumentOutOfRangeException(nameof(code), "RFC 8489 §14.8: error codes are 300 to 699.");
        BinaryPrimitives.WriteUInt16BigEndian(destination, 0);
        destination[2] = (byte)(code / 100);
        destination[3] = (byte)(code % 100);
        Encoding.UTF8.GetBytes(reason, destination[4..]);
    }
}
