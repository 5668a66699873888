namespace IceSpec.Stun;

/// <summary>Why a buffer is not a structurally valid STUN message (RFC 8489 §5, §14). Each malformation has its own value.</summary>
public enum StunParseStatus : byte
{
    Ok,
    /// <summary>Fewer than the 20 bytes of the header.</summary>
    TruncatedHeader,
    /// <summary>The two most significant bits are not zero (RFC 8489 §5): not STUN (ChannelData, RTP, DTLS…).</summary>
    NotStun,
    /// <summary>The magic cookie is not 0x2112A442 (RFC 8489 §5).</summary>
    BadMagicCookie,
    /// <summary>The message length is not a multiple of 4 (RFC 8489 §5: the last 2 bits are always zero).</summary>
    LengthNotMultipleOf4,
    /// <summary>The message length does not match the bytes received.</summary>
    LengthMismatch,
    /// <summary>An attribute header or its (padded) value runs past the end of the message.</summary>
    AttributeOverrun,
}
