using System.Buffers.Binary;

namespace IceSpec.Ice;

/// <summary>
/// RFC 4571 §2 framing, which RFC 6544 §3 uses for every STUN message and datagram on an ICE-TCP connection:
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |             LENGTH            |  STUN message or data ...     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// LENGTH is the 16-bit big-endian count of the bytes that follow.
/// </summary>
public static class IceTcpFraming
{
    public const int HeaderLength = 2;

    /// <summary>The frame for one message: LENGTH, then the message. Messages over 65535 bytes cannot be framed.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> message)
    {
        var frame = new byte[HeaderLength + message.Length];
        Frame(message, frame);
        return frame;
    }

    /// <summary>
    /// Writes the frame for one message into <paramref name="destination"/> (at least <see cref="HeaderLength"/> + its
    /// length) and returns the frame's length: the allocation-free form of <see cref="Frame(ReadOnlySpan{byte})"/>.
    /// </summary>
    public static int Frame(ReadOnlySpan<byte> message, Span<byte> destination)
    {
        if (message.Length > IceFormulas.MaxTcpFrameLength)
            throw new ArgumentException($"RFC 4571 §2: a frame carries at most {IceFormulas.MaxTcpFrameLength} bytes, not {message.Length}", nameof(message));
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)message.Length);
        message.CopyTo(destination[HeaderLength..]);
        return HeaderLength + message.Length;
    }
}

/// <summary>What <see cref="IceTcpDeframer.TryRead"/> found in the bytes received so far.</summary>
public enum IceTcpDeframeStatus : byte
{
    /// <summary>A whole frame: its message is returned.</summary>
    Frame,
    /// <summary>Not a whole frame yet: read more from the connection.</summary>
    NeedMore,
    /// <summary>LENGTH is above the limit this connection accepts: close the connection.</summary>
    Oversized,
}

/// <summary>
/// Cuts one connection's byte stream back into RFC 4571 frames, whatever the reads' boundaries: a frame split across
/// reads waits for its remaining bytes, several frames in one read come out one by one.
/// </summary>
public sealed class IceTcpDeframer(int maxFrameLength = (int)IceFormulas.MaxTcpFrameLength)
{
    private byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;

    public int MaxFrameLength { get; } = maxFrameLength;

    /// <summary>Bytes received and not yet returned as frames.</summary>
    public int Buffered => _end - _start;

    /// <summary>Adds bytes read from the connection.</summary>
    public void Append(ReadOnlySpan<byte> received)
    {
        if (_buffer.Length - _end < received.Length)
        {
            var needed = Buffered + received.Length;
            var target = needed <= _buffer.Length ? _buffer : new byte[Math.Max(needed, _buffer.Length * 2)];
            _buffer.AsSpan(_start, Buffered).CopyTo(target);
            _end = Buffered;
            _start = 0;
            _buffer = target;
        }
        received.CopyTo(_buffer.AsSpan(_end));
        _end += received.Length;
    }

    /// <summary>The next whole frame's message, if the bytes appended so far hold one.</summary>
    public IceTcpDeframeStatus TryRead(out byte[] message)
    {
        message = [];
        if (Buffered < IceTcpFraming.HeaderLength) return IceTcpDeframeStatus.NeedMore;
        var length = BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(_start));
        if (length > MaxFrameLength) return IceTcpDeframeStatus.Oversized;
        if (Buffered < IceTcpFraming.HeaderLength + length) return IceTcpDeframeStatus.NeedMore;
        message = _buffer.AsSpan(_start + IceTcpFraming.HeaderLength, length).ToArray();
        _start += IceTcpFraming.HeaderLength + length;
        if (_start == _end) _start = _end = 0;
        return IceTcpDeframeStatus.Frame;
    }
}
