using System.Buffers.Binary;
using IceSpec.Stun;

namespace IceSpec.Cli.Decoding;

/// <summary>One specific sentence per <see cref="StunParseStatus"/>, with the numbers that show what is wrong.</summary>
public static class ParseStatusText
{
    /// <summary>A stable identifier for JSON ("ok", "truncated-header", …).</summary>
    public static string Id(StunParseStatus status) => status switch
    {
        StunParseStatus.Ok => "ok",
        StunParseStatus.TruncatedHeader => "truncated-header",
        StunParseStatus.NotStun => "not-stun",
        StunParseStatus.BadMagicCookie => "bad-magic-cookie",
        StunParseStatus.LengthNotMultipleOf4 => "length-not-multiple-of-4",
        StunParseStatus.LengthMismatch => "length-mismatch",
        StunParseStatus.AttributeOverrun => "attribute-overrun",
        _ => status.ToString(),
    };

    /// <summary>Why <paramref name="bytes"/> did not parse; null for <see cref="StunParseStatus.Ok"/>.</summary>
    public static string? Describe(StunParseStatus status, ReadOnlySpan<byte> bytes)
    {
        switch (status)
        {
            case StunParseStatus.Ok:
                return null;
            case StunParseStatus.TruncatedHeader:
                return $"truncated header: {bytes.Length} bytes, but the STUN header alone is {StunHeader.Length} bytes (RFC 8489 §5)";
            case StunParseStatus.NotStun:
                return $"not STUN: the first byte is 0x{bytes[0]:X2}, whose two top bits must be zero in STUN (RFC 8489 §5); " +
                       "this looks like ChannelData, RTP/RTCP or DTLS";
            case StunParseStatus.BadMagicCookie:
                var cookie = BinaryPrimitives.ReadUInt32BigEndian(bytes[StunHeader.CookieOffset..]);
                return $"bad magic cookie: 0x{cookie:X8} where STUN has 0x{StunHeader.MagicCookie:X8} (RFC 8489 §5); not STUN, nor a well-framed RFC 3489 message";
            case StunParseStatus.LengthNotMultipleOf4:
                return $"bad message length: {DeclaredLength(bytes)} is not a multiple of 4 (RFC 8489 §5: attributes are padded to 4 bytes, so the last two bits of the length are zero)";
            case StunParseStatus.LengthMismatch:
                var actual = bytes.Length - StunHeader.Length;
                return $"length mismatch: the header declares {DeclaredLength(bytes)} bytes of attributes but {actual} follow the header";
            case StunParseStatus.AttributeOverrun:
                return DescribeOverrun(bytes);
            default:
                return $"unparseable ({status})";
        }
    }

    private static int DeclaredLength(ReadOnlySpan<byte> bytes) => BinaryPrimitives.ReadUInt16BigEndian(bytes[StunHeader.LengthOffset..]);

    /// <summary>Walks the attributes as the parser does to name the one that runs past the end.</summary>
    private static string DescribeOverrun(ReadOnlySpan<byte> bytes)
    {
        var offset = StunHeader.Length;
        while (offset < bytes.Length)
        {
            var remaining = bytes.Length - offset;
            if (remaining < StunHeader.AttributeHeaderLength)
                return $"attribute overrun: an attribute header at offset {offset} is cut short ({remaining} bytes left, {StunHeader.AttributeHeaderLength} needed)";
            var type = BinaryPrimitives.ReadUInt16BigEndian(bytes[offset..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(bytes[(offset + 2)..]);
            var padded = StunHeader.Padded(length);
            if (StunHeader.AttributeHeaderLength + padded > remaining)
                return $"attribute overrun: attribute 0x{type:X4} at offset {offset} declares {length} value bytes " +
                       $"({padded} with padding) but only {remaining - StunHeader.AttributeHeaderLength} remain in the message";
            offset += StunHeader.AttributeHeaderLength + padded;
        }
        return "attribute overrun: an attribute runs past the end of the message";
    }
}
