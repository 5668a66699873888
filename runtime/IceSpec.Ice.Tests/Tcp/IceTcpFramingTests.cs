namespace IceSpec.Ice.Tests.Tcp;

/// <summary>RFC 4571 §2 framing as RFC 6544 §3 uses it: a 16-bit length before each message.</summary>
[Trait("Category", "unit")]
public sealed class IceTcpFramingTests
{
    [Fact]
    public void A_frame_is_the_big_endian_length_then_the_message()
    {
        Assert.Equal(new byte[] { 0x00, 0x03, 0x61, 0x62, 0x63 }, IceTcpFraming.Frame("abc"u8));
        Assert.Equal(new byte[] { 0x01, 0x00 }, IceTcpFraming.Frame(new byte[256])[..2]);
        Assert.Throws<ArgumentException>(() => IceTcpFraming.Frame(new byte[65536]));
    }

    [Fact]
    public void A_frame_split_across_reads_comes_out_whole_once_its_last_byte_arrived()
    {
        var deframer = new IceTcpDeframer();
        var frame = IceTcpFraming.Frame("hello"u8);
        foreach (var b in frame[..^1])
        {
            deframer.Append([b]);
            Assert.Equal(IceTcpDeframeStatus.NeedMore, deframer.TryRead(out _));
        }
        deframer.Append(frame[^1..]);
        Assert.Equal(IceTcpDeframeStatus.Frame, deframer.TryRead(out var message));
        Assert.Equal("hello"u8.ToArray(), message);
        Assert.Equal(0, deframer.Buffered);
    }

    [Fact]
    public void Several_frames_in_one_read_come_out_one_by_one_and_a_partial_tail_waits()
    {
        var deframer = new IceTcpDeframer();
        var next = IceTcpFraming.Frame("third"u8);
        deframer.Append([.. IceTcpFraming.Frame("first"u8), .. IceTcpFraming.Frame([]), .. IceTcpFraming.Frame("second"u8), .. next[..3]]);
        var read = new List<string>();
        while (deframer.TryRead(out var message) == IceTcpDeframeStatus.Frame) read.Add(System.Text.Encoding.ASCII.GetString(message));
        Assert.Equal(["first", "", "second"], read);
        Assert.Equal(3, deframer.Buffered);
        deframer.Append(next[3..]);
        Assert.Equal(IceTcpDeframeStatus.Frame, deframer.TryRead(out var third));
        Assert.Equal("third"u8.ToArray(), third);
    }

    [Fact]
    public void A_length_above_the_limit_is_reported_before_its_bytes_arrive()
    {
        var deframer = new IceTcpDeframer(maxFrameLength: 1500);
        deframer.Append([0x05, 0xDD]); // 1501
        Assert.Equal(IceTcpDeframeStatus.Oversized, deframer.TryRead(out _));
        var exact = new IceTcpDeframer(maxFrameLength: 1500);
        exact.Append(IceTcpFraming.Frame(new byte[1500]));
        Assert.Equal(IceTcpDeframeStatus.Frame, exact.TryRead(out var message));
        Assert.Equal(1500, message.Length);
    }

    [Fact]
    public void Frames_larger_than_the_first_buffer_are_reassembled()
    {
        var deframer = new IceTcpDeframer();
        var payload = Enumerable.Range(0, 60000).Select(i => (byte)i).ToArray();
        var frame = IceTcpFraming.Frame(payload);
        for (var offset = 0; offset < frame.Length; offset += 1000) deframer.Append(frame.AsSpan(offset, Math.Min(1000, frame.Length - offset)));
        Assert.Equal(IceTcpDeframeStatus.Frame, deframer.TryRead(out var message));
        Assert.Equal(payload, message);
    }
}
