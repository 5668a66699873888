using SharpPcap;
using SharpPcap.LibPcap;

namespace IceSpec.Captures;

/// <summary>
/// Reads a pcap or pcapng file with libpcap (SharpPcap's <see cref="CaptureFileReaderDevice"/>: either byte order,
/// micro- or nanosecond timestamps, pcapng's if_tsresol) and decodes it with a <see cref="CaptureDecoder"/>.
/// </summary>
public static class CaptureFile
{
    /// <summary>
    /// All STUN and ChannelData messages of <paramref name="path"/>. Throws <see cref="CaptureException"/> when the file
    /// cannot be opened as a capture; a capture that breaks off midway returns what was read, with <see cref="CaptureResult.Error"/> set.
    /// </summary>
    public static CaptureResult Read(string path)
    {
        var messages = new List<CapturedMessage>();
        var (frames, error) = Stream(path, messages.Add);
        return new CaptureResult(messages, frames, error);
    }

    /// <summary>
    /// Streams the messages of <paramref name="path"/> to <paramref name="sink"/> in capture order without keeping them:
    /// memory stays bounded whatever the file's size. Returns the frame count and why reading stopped early (or null).
    /// Throws <see cref="CaptureException"/> as <see cref="Read"/> does.
    /// </summary>
    public static (int Frames, string? Error) Stream(string path, Action<CapturedMessage> sink)
    {
        using var device = Open(path);
        var linkType = (int)device.LinkType;
        var decoder = new CaptureDecoder(sink);
        var frame = 0;
        while (true)
        {
            // PacketCapture.Data is a span over libpcap's buffer: valid until the next read, nothing copied per frame.
            var status = device.GetNextPacket(out var capture);
            if (status == GetPacketStatus.NoRemainingPackets) return (frame, null);
            if (status != GetPacketStatus.PacketRead)
                return (frame, $"{path}: the capture is truncated or corrupt after frame {frame} ({Clean(device.LastError)})");
            var seconds = capture.Header.Timeval.Value;
            if (seconds > LatestSeconds)
                return (frame, $"{path}: the capture is corrupt after frame {frame} (the next frame's timestamp, {seconds:0} s, is past the year 9999)");
            decoder.AddFrame(++frame, DateTime.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond)), linkType, capture.Data);
        }
    }

    /// <summary>9999-12-31T23:59:59Z, the last second a <see cref="DateTime"/> holds, in seconds since 1970.</summary>
    private const decimal LatestSeconds = 253_402_300_799;

    private static CaptureFileReaderDevice Open(string path)
    {
        if (Directory.Exists(path)) throw new CaptureException($"{path}: is a directory, not a capture file");
        if (!File.Exists(path)) throw new CaptureException($"{path}: no such file");
        var device = new CaptureFileReaderDevice(path);
        try
        {
            // Nanosecond precision: libpcap scales microsecond files up, and keeps what nanosecond pcaps and pcapng hold.
            device.Open(new DeviceConfiguration { TimestampResolution = TimestampResolution.Nanosecond });
            return device;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException)
        {
            device.Dispose();
            throw new CaptureException("reading captures needs the native libpcap (Debian package libpcap0.8)", e);
        }
        catch (PcapException e)
        {
            device.Dispose();
            throw new CaptureException($"{path}: not a readable pcap/pcapng capture ({Clean(e.Message)})", e);
        }
    }

    private static string Clean(string? message) =>
        string.IsNullOrWhiteSpace(message) ? "libpcap gave no reason" : message.ReplaceLineEndings(" ").Trim();
}
