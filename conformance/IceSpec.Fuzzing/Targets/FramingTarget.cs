using IceSpec.Ice;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Fuzzing.Targets;

/// <summary>
/// Stream framing: STUN + ChannelData on TURN's TCP/TLS streams (RFC 8489 §6.2.2, RFC 8656 §12.5:
/// <see cref="StreamFraming"/>, <see cref="ChannelData"/>) and ICE-TCP's RFC 4571 framing (RFC 6544 §3:
/// <see cref="IceTcpDeframer"/>). Input: one control byte (bit 0: accept RFC 5766 channel numbers; bits 1–7: the size of
/// the reads the stream arrives in), then the stream. Invariants: a message never extends past what was received, and
/// the messages cut do not depend on how the stream was split into reads.
/// </summary>
public sealed class FramingTarget : FuzzTarget
{
    public override string Name => "framing";

    public override string Description => "ChannelData and TCP stream framing (RFC 8656 §12.4–12.5, RFC 8489 §6.2.2), ICE-TCP RFC 4571 framing (RFC 6544 §3)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty) return;
        var rfc5766 = (input[0] & 1) != 0;
        var read = Math.Max(1, input[0] >> 1);
        var stream = input[1..];

        var whole = TurnMessages(stream, stream.Length, rfc5766);
        var split = TurnMessages(stream, read, rfc5766);
        if (!whole.SequenceEqual(split, ByteArrayComparer.Instance))
            throw new InvariantViolation($"TURN stream framing: {whole.Count} messages in one read, {split.Count} in reads of {read}");

        var frames = IceTcpFrames(stream, stream.Length);
        var splitFrames = IceTcpFrames(stream, read);
        if (!frames.SequenceEqual(splitFrames, ByteArrayComparer.Instance))
            throw new InvariantViolation($"RFC 4571 framing: {frames.Count} frames in one read, {splitFrames.Count} in reads of {read}");
    }

    /// <summary>The messages <see cref="StreamFraming"/> cuts from the stream received in reads of <paramref name="read"/> bytes, until it says close.</summary>
    private static List<byte[]> TurnMessages(ReadOnlySpan<byte> stream, int read, bool rfc5766)
    {
        var messages = new List<byte[]>();
        var buffer = new List<byte>();
        for (var offset = 0; offset < stream.Length; offset += read)
        {
            buffer.AddRange(stream.Slice(offset, Math.Min(read, stream.Length - offset)));
            while (true)
            {
                var received = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(buffer);
                var length = StreamFraming.NextMessageLength(received, rfc5766);
                if (length < 0) return messages;
                if (length == 0) break;
                if (length < ChannelData.HeaderLength || length > received.Length)
                    throw new InvariantViolation($"NextMessageLength returned {length} for {received.Length} bytes received");
                var message = received[..length];
                if ((message[0] & 0xC0) == 0) StunMessageChecker.Check(message, null, out _);
                else if (ChannelData.TryParse(message, out var data, rfc5766) == ChannelDataStatus.Ok && data.FramedLength != length)
                    throw new InvariantViolation($"ChannelData framed as {length} bytes re-encodes as {data.FramedLength}");
                messages.Add(message.ToArray());
                buffer.RemoveRange(0, length);
            }
        }
        return messages;
    }

    /// <summary>The frames <see cref="IceTcpDeframer"/> cuts from the stream received in reads of <paramref name="read"/> bytes, until it says oversized.</summary>
    private static List<byte[]> IceTcpFrames(ReadOnlySpan<byte> stream, int read)
    {
        var frames = new List<byte[]>();
        var deframer = new IceTcpDeframer(maxFrameLength: 1500);
        for (var offset = 0; offset < stream.Length; offset += read)
        {
            deframer.Append(stream.Slice(offset, Math.Min(read, stream.Length - offset)));
            while (true)
            {
                var before = deframer.Buffered;
                var status = deframer.TryRead(out var message);
                if (status == IceTcpDeframeStatus.Oversized) return frames;
                if (status == IceTcpDeframeStatus.NeedMore) break;
                if (message.Length > deframer.MaxFrameLength || deframer.Buffered != before - IceTcpFraming.HeaderLength - message.Length)
                    throw new InvariantViolation($"a {message.Length}-byte frame took {before - deframer.Buffered} bytes off the stream");
                frames.Add(message);
            }
        }
        return frames;
    }

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);
        public int GetHashCode(byte[] obj) => obj.Length;
    }
}
