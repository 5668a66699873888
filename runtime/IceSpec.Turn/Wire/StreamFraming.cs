using System.Buffers.Binary;
using IceSpec.Stun;
using IceSpec.Stun.Transports;

namespace IceSpec.Turn;

/// <summary>
/// Cuts a byte stream (TCP, TLS) into STUN messages and ChannelData messages. STUN messages carry their own length
/// (RFC 8489 §6.2.2: header + Message Length); ChannelData is padded to 4 bytes on streams (RFC 8656 §12.5).
/// </summary>
public static class StreamFraming
{
    /// <summary>
    /// <see cref="NextMessageLength"/> as the framing of a <see cref="StreamMessageTransport"/> to a TURN server (STUN and
    /// ChannelData, RFC 8656 §12.5).
    /// </summary>
    public static MessageFraming StunAndChannelData { get; } = buffer => NextMessageLength(buffer);

    /// <summary>
    /// The length of the first whole message in <paramref name="buffer"/>: a positive length when one is complete,
    /// 0 when more bytes are needed, -1 when the stream does not start with STUN or ChannelData (close the connection).
    /// </summary>
    public static int NextMessageLength(ReadOnlySpan<byte> buffer, bool acceptRfc5766Range = false)
    {
        if (buffer.Length < 4) return 0;
        var top = buffer[0] & 0xC0;
        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        int total;
        if (top == 0x00) total = StunHeader.Length + length;
        else if (top == 0x40 && ChannelData.IsChannel(BinaryPrimitives.ReadUInt16BigEndian(buffer), acceptRfc5766Range)) total = ChannelData.HeaderLength + StunHeader.Padded(length);
        else return -1;
        return buffer.Length >= total ? total : 0;
    }

    /// <summary>The whole length of the message whose 4-byte header starts <paramref name="header"/> (STUN or ChannelData, padded on streams).</summary>
    public static int MessageLengthFromHeader(ReadOnlySpan<byte> header)
    {
        int length = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
        return (header[0] & 0xC0) == 0x40 ? ChannelData.HeaderLength + StunHeader.Padded(length) : StunHeader.Length + length;
    }
}
