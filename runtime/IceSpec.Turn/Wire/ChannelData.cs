using System.Buffers.Binary;
using IceSpec.Stun;

namespace IceSpec.Turn;

/// <summary>Why a buffer is not a ChannelData message.</summary>
public enum ChannelDataStatus : byte
{
    Ok,
    /// <summary>Fewer than the 4 bytes of the header.</summary>
    TruncatedHeader,
    /// <summary>The channel number is outside 0x4000–0x4FFF (RFC 8656 §12): not ChannelData.</summary>
    NotAChannel,
    /// <summary>The length field says more than the buffer holds.</summary>
    LengthOverrun,
}

/// <summary>
/// A ChannelData message (RFC 8656 §12.4), read in place. Its layout is spec/turn.spec's <c>ChannelDataMessage</c>
/// (and <c>ChannelDataOnStream</c>, padded to 4 bytes on TCP/TLS, §12.5), whose generated readers and writers this
/// uses; this type adds the channel-number range check that tells ChannelData from other traffic.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Channel Number        |            Length             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// /                       Application Data                        /
/// /                                                               /
/// |                                                               |
/// |                               +-------------------------------+
/// |                               |
/// +-------------------------------+
/// </code>
/// </summary>
public readonly ref struct ChannelData
{
    public const int HeaderLength = 4;

    private ChannelData(ushort channel, ReadOnlySpan<byte> data)
    {
        Channel = channel;
        Data = data;
    }

    public ushort Channel { get; }

    public ReadOnlySpan<byte> Data { get; }

    /// <summary>Bytes the message takes on a stream transport: header, data, padding to 4 (RFC 8656 §12.5).</summary>
    public int FramedLength => new ChannelDataOnStream(Channel, Data).EncodedLength;

    /// <summary>First two bits 01: a ChannelData message rather than STUN (00) when demultiplexing (RFC 8656 §12).</summary>
    public static bool LooksLikeChannelData(ReadOnlySpan<byte> buffer) => buffer.Length >= HeaderLength && (buffer[0] & 0xC0) == 0x40;

    /// <param name="buffer">The bytes of one datagram, or of a stream from where a message starts.</param>
    /// <param name="message">The message read, valid when the status is Ok.</param>
    /// <param name="acceptRfc5766Range">Also accept RFC 5766's 0x5000–0x7FFF (coturn's turnutils_uclient still uses them).</param>
    public static ChannelDataStatus TryParse(ReadOnlySpan<byte> buffer, out ChannelData message, bool acceptRfc5766Range = false)
    {
        message = default;
        if (buffer.Length < HeaderLength) return ChannelDataStatus.TruncatedHeader;
        if (!IsChannel(BinaryPrimitives.ReadUInt16BigEndian(buffer), acceptRfc5766Range)) return ChannelDataStatus.NotAChannel;
        if (!ChannelDataMessage.TryRead(buffer, out var read, out _)) return ChannelDataStatus.LengthOverrun;
        message = new ChannelData(read.Channel, read.Data);
        return ChannelDataStatus.Ok;
    }

    /// <summary>RFC 8656 §12's range, or with <paramref name="acceptRfc5766Range"/> RFC 5766 §11's wider one.</summary>
    public static bool IsChannel(int channel, bool acceptRfc5766Range) =>
        acceptRfc5766Range ? TurnRanges.IsChannelNumbersRfc5766(channel) : TurnRanges.IsChannelNumbers(channel);

    /// <summary>Writes a ChannelData message; with <paramref name="padForStream"/> the data is padded to 4 bytes. Returns the bytes written.</summary>
    public static int Write(Span<byte> destination, ushort channel, scoped ReadOnlySpan<byte> data, bool padForStream)
    {
        if (!TurnRanges.IsChannelNumbersRfc5766(channel))
            throw new ArgumentOutOfRangeException(nameof(channel), "ChannelData channel numbers are 0x4000 through 0x4FFF (RFC 8656 §12; 0x7FFF in RFC 5766).");
        if (data.Length > ushort.MaxValue) throw new ArgumentException("ChannelData carries at most 65535 bytes.", nameof(data));
        var total = HeaderLength + (padForStream ? StunHeader.Padded(data.Length) : data.Length);
        if (destination.Length < total) throw new ArgumentException($"ChannelData needs {total} bytes.", nameof(destination));
        return padForStream ? new ChannelDataOnStream(channel, data).Write(destination) : new ChannelDataMessage(channel, data).Write(destination);
    }
}
