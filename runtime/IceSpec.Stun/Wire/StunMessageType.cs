using System.Runtime.CompilerServices;

namespace IceSpec.Stun;

/// <summary>
/// The 14-bit message type: a 12-bit method with the two class bits interleaved (RFC 8489 §5).
/// <code>
///  0                 1
///  2  3  4 5 6 7 8 9 0 1 2 3 4 5
/// +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
/// |M |M |M|M|M|C|M|M|M|C|M|M|M|M|
/// |11|10|9|8|7|1|6|5|4|0|3|2|1|0|
/// +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public readonly record struct StunMessageType(ushort Method, StunClass Class)
{
    public ushort Value => Encode(Method, Class);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Encode(ushort method, StunClass cls)
    {
        var c = (int)cls;
        return (ushort)((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2) | ((c & 1) << 4) | ((c & 2) << 7));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static StunMessageType Decode(ushort type)
    {
        var method = (ushort)((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
        var cls = (StunClass)(((type >> 4) & 1) | ((type >> 7) & 2));
        return new StunMessageType(method, cls);
    }
}
