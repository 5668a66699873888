using System.Buffers.Binary;

namespace IceSpec.Stun.Transports;

/// <summary>
/// Cuts a byte stream into messages for a <see cref="StreamMessageTransport"/>: the length of the first whole message in
/// <paramref name="buffer"/>, 0 when more bytes are needed, -1 when the stream cannot be framed (close the connection).
/// <see cref="MessageFramings.StunOnly"/> frames STUN alone; a TURN client passes IceSpec.Turn's <c>StreamFraming</c>, which adds ChannelData.
/// </summary>
public delegate int MessageFraming(ReadOnlySpan<byte> buffer);

/// <summary>The framings a <see cref="StreamMessageTransport"/> is built with.</summary>
public static class MessageFramings
{
    /// <summary>STUN messages back to back (RFC 8489 §6.2.2: header + Message Length); anything else is -1.</summary>
    public static MessageFraming StunOnly { get; } = NextStunMessageLength;

    private static int NextStunMessageLength(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length < 4) return 0;
        if ((buffer[0] & 0xC0) != 0) return -1;
        var total = StunHeader.Length + BinaryPrimitives.ReadUInt16BigEndian(buffer[StunHeader.LengthOffset..]);
        return buffer.Length >= total ? total : 0;
    }
}
