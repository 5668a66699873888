using System.Net;
using IceSpec.Cli;

namespace IceSpec.Captures.Tests;

/// <summary>
/// TCP sequence numbers compared as RFC 1982 serial numbers within a receive window (RFC 9293 §3.4, RFC 7323 §2.3): a
/// segment 2^31 bytes from the expected sequence number once stopped decode and analyze with an internal error and lost
/// the rest of the capture; now it is a note and every later message is still decoded.
/// </summary>
[Trait("Category", "unit")]
public class SequenceWindowTests
{
    private static readonly IPEndPoint Client = IPEndPoint.Parse("10.0.0.1:50000");
    private static readonly IPEndPoint Server = IPEndPoint.Parse("10.0.0.2:3478");
    private static byte[] Binding(byte id) => Frames.Stun(0x0001, id, (0x8022, "IceSpec test software"u8.ToArray()));

    /// <summary>SYN, one Binding, a segment 2^31 + <paramref name="offset"/> bytes ahead, then two more Bindings in order.</summary>
    private static byte[][] CaptureWithFarSegment(uint offset)
    {
        const uint isn = 7000;
        var first = isn + 1;
        var second = first + (uint)Binding(1).Length;
        return
        [
            Frames.Tcp(Client, Server, isn, [], syn: true),
            Frames.Tcp(Client, Server, first, Binding(1)),
            Frames.Tcp(Client, Server, unchecked(second + 0x8000_0000u + offset), Binding(9)),
            Frames.Tcp(Client, Server, second, Binding(2)),
            Frames.Tcp(Client, Server, second + (uint)Binding(2).Length, Binding(3)),
        ];
    }

    [Theory]
    [InlineData(0u)]          // exactly 2^31: RFC 1982 leaves the comparison undefined
    [InlineData(1u)]          // just past it: "behind" by 2^31 - 1, further than any window
    [InlineData(0xFFFF_FFFFu)] // 2^31 - 1 ahead: further ahead than any window
    public void Decode_and_analyze_a_far_segment_is_a_note_and_the_rest_is_decoded(uint offset)
    {
        using var file = new TempFile(".pcap");
        Frames.WritePcap(file.Path, CaptureWithFarSegment(offset));

        var (code, output, errors) = Run("decode", file.Path);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(3, output.Split('\n').Count(l => l.StartsWith("frame ")));
        Assert.Matches(@"note: frame 3: TCP 10\.0\.0\.1:50000 → 10\.0\.0\.2:3478: .* outside any receive window", errors);

        (code, output, errors) = Run("analyze", file.Path);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("5 frames, 3 STUN", output);
        Assert.Contains("outside any receive window", errors);
    }

    [Fact]
    public void Decoder_counts_the_far_segment_and_reassembles_around_it()
    {
        var decoder = new CaptureDecoder();
        var frames = CaptureWithFarSegment(0);
        for (var i = 0; i < frames.Length; i++)
            decoder.AddFrame(i + 1, DateTime.UnixEpoch, Framing.LinkLayer.Ethernet, frames[i]);

        Assert.Equal([Binding(1), Binding(2), Binding(3)], decoder.Messages.Select(m => m.Bytes));
        Assert.Equal(1, decoder.OutOfWindowSegments);
        Assert.Single(decoder.Notes);
    }

    [Theory]
    [InlineData(100u, 100u, 0)]
    [InlineData(5u, 0xFFFF_FFFBu, 10)]           // ahead across the wrap
    [InlineData(0xFFFF_FFFBu, 5u, -10)]          // behind across the wrap
    [InlineData(0x4000_0000u, 0u, 0x4000_0000)]  // the largest window (RFC 7323 §2.3)
    [InlineData(0x4000_0001u, 0u, null)]
    [InlineData(0x8000_0000u, 0u, null)]         // RFC 1982 §3.2: undefined
    [InlineData(0xC000_0000u, 0u, -0x4000_0000)]
    [InlineData(0xBFFF_FFFFu, 0u, null)]
    public void Sequence_distance_is_serial_arithmetic_within_a_window(uint sequence, uint next, int? expected) =>
        Assert.Equal(expected, CaptureDecoder.SequenceDistance(sequence, next));

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var code = CliApp.Run(args, new StringReader(""), stdout, stderr);
        Assert.DoesNotContain("internal error", stderr.ToString());
        return (code, stdout.ToString(), stderr.ToString());
    }
}
