using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;

namespace IceSpec.Captures.Tests;

/// <summary>
/// The capture formats libpcap reads for us (CaptureFile): pcap in either byte order with micro- or nanosecond
/// timestamps, and pcapng (written by Wireshark's editcap) with its if_tsresol; cut-short and foreign files.
/// The base file is written by SharpPcap's writer; the variants are that file converted by editcap or byte-swapped.
/// </summary>
[Trait("Category", "interop")]
public sealed class CaptureFormatTests : IDisposable
{
    private static readonly byte[] Frame = Frames.Udp(IPEndPoint.Parse("10.0.0.1:5000"), IPEndPoint.Parse("10.0.0.2:3478"), Frames.Stun(0x0001, 7));
    private readonly string _dir = Directory.CreateTempSubdirectory("icespec-formats-").FullName;

    /// <summary>A little-endian microsecond pcap of <see cref="Frame"/> at 1 700 000 000 s (SharpPcap's writer).</summary>
    private byte[] MicrosecondPcap()
    {
        var path = Path.Combine(_dir, "base.pcap");
        Frames.WritePcap(path, Frame);
        return File.ReadAllBytes(path);
    }

    /// <summary>The same file, nanosecond magic (0xA1B23C4D) and a sub-microsecond fraction: 250 000 123 ns.</summary>
    private byte[] NanosecondPcap()
    {
        var file = MicrosecondPcap();
        BinaryPrimitives.WriteUInt32LittleEndian(file, 0xA1B23C4D);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(24 + 4), 250_000_123);
        return file;
    }

    /// <summary>Every 32-bit field of the file header and record header swapped (and the two 16-bit version fields).</summary>
    private static byte[] BigEndian(byte[] little)
    {
        var file = (byte[])little.Clone();
        void Swap32(int at) => BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(at), BinaryPrimitives.ReadUInt32LittleEndian(little.AsSpan(at)));
        void Swap16(int at) => BinaryPrimitives.WriteUInt16BigEndian(file.AsSpan(at), BinaryPrimitives.ReadUInt16LittleEndian(little.AsSpan(at)));
        foreach (var at in new[] { 0, 8, 12, 16, 20, 24, 28, 32, 36 }) Swap32(at);
        Swap16(4);
        Swap16(6);
        return file;
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>editcap -F pcapng: Wireshark's own conversion (its if_tsresol follows the source's resolution).</summary>
    private string Pcapng(string source)
    {
        var target = source + "ng";
        using var editcap = Process.Start(new ProcessStartInfo("editcap", ["-F", "pcapng", source, target]) { RedirectStandardError = true })!;
        try
        {
            Assert.True(editcap.WaitForExit(30_000), "editcap did not finish within 30 s");
            Assert.True(editcap.ExitCode == 0, editcap.StandardError.ReadToEnd());
        }
        finally
        {
            if (!editcap.HasExited) editcap.Kill();
        }
        return target;
    }

    private static readonly DateTime Second = DateTime.UnixEpoch.AddSeconds(1_700_000_000);

    public static TheoryData<string, bool> Variants() => new()
    {
        { "micro-little.pcap", false }, { "micro-big.pcap", false }, { "nano-little.pcap", true }, { "nano-big.pcap", true },
        { "micro-little.pcapng", false }, { "nano-little.pcapng", true },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_format_gives_the_frame_and_its_time(string name, bool nanoseconds)
    {
        var little = nanoseconds ? NanosecondPcap() : MicrosecondPcap();
        var pcap = Write(name.Replace(".pcapng", ".pcap"), name.Contains("-big") ? BigEndian(little) : little);
        var path = name.EndsWith(".pcapng") ? Pcapng(pcap) : pcap;

        var capture = CaptureFile.Read(path);

        Assert.Null(capture.Error);
        Assert.Equal(1, capture.Frames);
        var message = Assert.Single(capture.Messages);
        Assert.Equal(Frames.Stun(0x0001, 7), message.Bytes);
        // .NET ticks are 100 ns: 250 000 123 ns is 2 500 001 ticks; the microsecond file says 0 µs.
        Assert.Equal(nanoseconds ? Second.AddTicks(2_500_001) : Second, message.Time.ToUniversalTime());
    }

    [Fact]
    public void Cut_short_file_stops_with_libpcaps_reason()
    {
        var path = Write("cut.pcap", MicrosecondPcap()[..^10]);
        var capture = CaptureFile.Read(path);
        Assert.Equal(0, capture.Frames);
        Assert.Equal($"{path}: the capture is truncated or corrupt after frame 0 (truncated dump file; tried to read {Frame.Length} captured bytes, only got {Frame.Length - 10})",
            capture.Error);
    }

    [Fact]
    public void Timestamp_past_the_year_9999_stops_with_a_clear_error()
    {
        var pcapng = File.ReadAllBytes(Pcapng(Write("far.pcap", MicrosecondPcap())));
        // The Enhanced Packet Block (type 6): interface ID (4) then the timestamp's upper 32 bits, in microseconds here.
        var block = 0;
        while (BinaryPrimitives.ReadUInt32LittleEndian(pcapng.AsSpan(block)) != 6) block += (int)BinaryPrimitives.ReadUInt32LittleEndian(pcapng.AsSpan(block + 4));
        BinaryPrimitives.WriteUInt32LittleEndian(pcapng.AsSpan(block + 12), 0xFFFFFFFF);
        var path = Write("far.pcapng", pcapng);

        var capture = CaptureFile.Read(path);

        Assert.Equal(0, capture.Frames);
        Assert.StartsWith($"{path}: the capture is corrupt after frame 0 (the next frame's timestamp, ", capture.Error);
        Assert.EndsWith(" s, is past the year 9999)", capture.Error);
    }

    [Fact]
    public void Not_a_capture_is_refused()
    {
        var path = Write("zeros.pcap", new byte[40]);
        var error = Assert.Throws<CaptureException>(() => CaptureFile.Read(path));
        Assert.Equal($"{path}: not a readable pcap/pcapng capture (Unable to open offline adapter: unknown file format)", error.Message);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
