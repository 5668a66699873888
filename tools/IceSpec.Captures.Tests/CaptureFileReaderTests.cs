using System.Buffers.Binary;
using System.Net;
using IceSpec.Captures.Framing;

namespace IceSpec.Captures.Tests;

/// <summary>The pcap/pcapng reader on files built byte by byte: byte orders, nanosecond and if_tsresol timestamps, breaks.</summary>
public class CaptureFileReaderTests
{
    private static readonly byte[] Frame = Frames.Udp(IPEndPoint.Parse("10.0.0.1:5000"), IPEndPoint.Parse("10.0.0.2:3478"), Frames.Stun(0x0001, 7));

    private static byte[] Pcap(bool bigEndian, bool nanoseconds, uint seconds, uint fraction)
    {
        var file = new byte[24 + 16 + Frame.Length];
        void U32(int at, uint v) { if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(at), v); else BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at), v); }
        U32(0, nanoseconds ? 0xA1B23C4D : 0xA1B2C3D4);
        U32(16, 65535);
        U32(20, LinkLayer.Ethernet);
        U32(24, seconds);
        U32(28, fraction);
        U32(32, (uint)Frame.Length);
        U32(36, (uint)Frame.Length);
        Frame.CopyTo(file, 40);
        return file;
    }

    /// <summary>A little-endian pcapng: section header, interface description with if_tsresol = 10^-resolution, one enhanced packet block.</summary>
    private static byte[] Pcapng(byte resolution, ulong stamp)
    {
        var blocks = new List<byte>();
        void Block(uint type, byte[] body)
        {
            var total = 12 + body.Length;
            blocks.AddRange(BitConverter.GetBytes(type));
            blocks.AddRange(BitConverter.GetBytes((uint)total));
            blocks.AddRange(body);
            blocks.AddRange(BitConverter.GetBytes((uint)total));
        }
        Block(0x0A0D0D0A, [.. BitConverter.GetBytes(0x1A2B3C4Du), 1, 0, 0, 0, .. BitConverter.GetBytes(-1L)]);
        Block(1, [1, 0, 0, 0, .. BitConverter.GetBytes(65535u), 9, 0, 1, 0, resolution, 0, 0, 0, 0, 0, 0, 0]);
        var padded = new byte[(Frame.Length + 3) / 4 * 4];
        Frame.CopyTo(padded, 0);
        Block(6, [.. BitConverter.GetBytes(0u), .. BitConverter.GetBytes((uint)(stamp >> 32)), .. BitConverter.GetBytes((uint)stamp),
            .. BitConverter.GetBytes((uint)Frame.Length), .. BitConverter.GetBytes((uint)Frame.Length), .. padded]);
        return [.. blocks];
    }

    private static (int LinkType, DateTime Time, byte[] Data) ReadOne(byte[] file)
    {
        using var reader = new CaptureFileReader(new MemoryStream(file));
        Assert.True(reader.TryRead(out var frame));
        var result = (frame.LinkType, frame.Time, frame.Data.ToArray());
        Assert.False(reader.TryRead(out _));
        return result;
    }

    [Theory]
    [InlineData(false, false, 250_000u, 2_500_000)]    // 250 000 µs
    [InlineData(true, false, 250_000u, 2_500_000)]
    [InlineData(false, true, 250_000_123u, 2_500_001)] // 250 000 123 ns: .NET ticks are 100 ns
    [InlineData(true, true, 250_000_123u, 2_500_001)]
    public void Pcap_EitherByteOrder_MicroOrNanoseconds(bool bigEndian, bool nanoseconds, uint fraction, long expectedTicks)
    {
        var (linkType, time, data) = ReadOne(Pcap(bigEndian, nanoseconds, 1_700_000_000, fraction));
        Assert.Equal(LinkLayer.Ethernet, linkType);
        Assert.Equal(Frame, data);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1_700_000_000).AddTicks(expectedTicks), time);
    }

    [Theory]
    [InlineData(6, 1_700_000_000_500_000UL, 500_000)]          // microseconds (the default)
    [InlineData(9, 1_700_000_000_500_000_000UL, 500_000)]      // nanoseconds
    public void Pcapng_HonoursIfTsresol(byte resolution, ulong stamp, int expectedMicroseconds)
    {
        var (_, time, data) = ReadOne(Pcapng(resolution, stamp));
        Assert.Equal(Frame, data);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1_700_000_000).AddTicks(expectedMicroseconds * 10L), time);
    }

    [Fact]
    public void CutShortFile_SaysSo()
    {
        var file = Pcap(false, false, 1, 0);
        using var reader = new CaptureFileReader(new MemoryStream(file[..^10]));
        var error = Assert.Throws<InvalidDataException>(() => reader.TryRead(out _));
        Assert.Contains("cut short", error.Message);
    }

    [Fact]
    public void NotACapture_IsRefusedWithTheMagic()
    {
        var error = Assert.Throws<InvalidDataException>(() => new CaptureFileReader(new MemoryStream(new byte[40])));
        Assert.Equal("not a pcap or pcapng file (magic 0x00000000)", error.Message);
    }
}
