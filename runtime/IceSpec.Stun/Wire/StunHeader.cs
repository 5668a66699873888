namespace IceSpec.Stun;

/// <summary>
/// The fixed STUN header (RFC 8489 §5).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0|     STUN Message Type     |         Message Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Magic Cookie                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// |                     Transaction ID (96 bits)                  |
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Attributes follow as type-length-value, each value padded to a multiple of 4 bytes (RFC 8489 §14):
/// <code>
/// |         Type                  |            Length             |
/// |                         Value (variable)                ....
/// </code>
/// </summary>
public static class StunHeader
{
    public const int Length = 20;
    public const int TypeOffset = 0;
    public const int LengthOffset = 2;
    public const int CookieOffset = 4;
    public const int TransactionIdOffset = 8;
    public const int TransactionIdLength = 12;
    public const uint MagicCookie = 0x2112A442;
    public const int AttributeHeaderLength = 4;

    /// <summary>The value length rounded up to the 4-byte boundary.</summary>
    public static int Padded(int length) => (length + 3) & ~3;
}
