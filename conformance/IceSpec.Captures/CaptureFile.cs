using System.Runtime.InteropServices;
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
    /// Throws <see cref="CaptureException"/> as <see cref="Read"/> does. What the decoder skipped (a TCP segment outside
    /// any window: <see cref="CaptureDecoder.Notes"/>) goes to <paramref name="note"/> once the file is read; UDP datagrams
    /// that are no STUN go to <paramref name="otherDatagrams"/>, ICMP errors about UDP datagrams to
    /// <paramref name="unreachables"/>, mDNS datagrams (UDP port 5353) to <paramref name="mdns"/>, when given.
    /// </summary>
    public static (int Frames, string? Error) Stream(string path, Action<CapturedMessage> sink, Action<string>? note = null,
        Action<CapturedDatagram>? otherDatagrams = null, Action<CapturedUnreachable>? unreachables = null,
        Action<Mdns.CapturedMdns>? mdns = null)
    {
        if (!OperatingSystem.IsLinux() || IntPtr.Size != 8)
            throw new CaptureException("reading captures is implemented for 64-bit Linux (libpcap's packet header layout there)");
        using var device = Open(path);
        var linkType = (int)device.LinkType;
        var decoder = new CaptureDecoder(sink) { OtherDatagrams = otherDatagrams, Unreachables = unreachables, MdnsMessages = mdns };
        var (frames, error) = Decode(device, path, linkType, decoder);
        foreach (var text in decoder.Notes) note?.Invoke(text);
        if (decoder.OutOfWindowSegments > decoder.OutOfWindowNoted)
            note?.Invoke($"{decoder.OutOfWindowSegments - decoder.OutOfWindowNoted} more TCP segments outside any receive window ignored");
        if (decoder.MalformedMdns > decoder.MalformedMdnsNoted)
            note?.Invoke($"{decoder.MalformedMdns - decoder.MalformedMdnsNoted} more malformed mDNS messages");
        return (frames, error);
    }

    private static (int Frames, string? Error) Decode(CaptureFileReaderDevice device, string path, int linkType, CaptureDecoder decoder)
    {
        var frame = 0;
        IntPtr header = 0, data = 0;
        while (true)
        {
            // libpcap's pcap_next_ex through SharpPcap: the header and the frame stay in libpcap's buffer until the next
            // read; nothing is allocated per frame (GetNextPacket would build a header object and a decimal timestamp).
            var status = device.GetNextPacketPointers(ref header, ref data);
            if (status == NoMorePackets) return (frame, null);
            if (status != PacketRead)
                return (frame, $"{path}: the capture is truncated or corrupt after frame {frame} ({Clean(device.LastError)})");
            var (seconds, nanoseconds, length) = ReadHeader(header);
            if (seconds is < 0 or > LatestSeconds)
                return (frame, $"{path}: the capture is corrupt after frame {frame} (the next frame's timestamp, {(ulong)seconds} s, is past the year 9999)");
            var time = DateTime.UnixEpoch.AddTicks(seconds * TimeSpan.TicksPerSecond + nanoseconds / 100);
            decoder.AddFrame(++frame, time, linkType, Frame(data, length));
        }
    }

    private const int PacketRead = 1;      // pcap_next_ex: a packet was read
    private const int NoMorePackets = -2;  // pcap_next_ex: PCAP_ERROR_BREAK, the end of a savefile

    /// <summary>
    /// libpcap's struct pcap_pkthdr on 64-bit Linux: struct timeval (tv_sec, tv_usec: 8 bytes each; tv_usec holds
    /// nanoseconds when the file was opened with nanosecond precision), then caplen and len (4 bytes each).
    /// </summary>
    private static (long Seconds, long Nanoseconds, int CapturedLength) ReadHeader(IntPtr header) =>
        (Marshal.ReadInt64(header), Marshal.ReadInt64(header, 8), Marshal.ReadInt32(header, 16));

    private static unsafe ReadOnlySpan<byte> Frame(IntPtr data, int length) => new((void*)data, length);

    /// <summary>9999-12-31T23:59:59Z, the last second a <see cref="DateTime"/> holds, in seconds since 1970.</summary>
    private const long LatestSeconds = 253_402_300_799;

    private static CaptureFileReaderDevice Open(string path)
    {
        if (Directory.Exists(path)) throw new CaptureException($"{path}: is a directory, not a capture file");
        if (!File.Exists(path)) throw new CaptureException($"{path}: no such file");
        NativeLibpcap.EnsureLoadable();
        var device = new CaptureFileReaderDevice(path);
        try
        {
            // Nanosecond precision: libpcap scales microsecond files up, and keeps what nanosecond pcaps and pcapng hold.
            device.Open(new DeviceConfiguration { TimestampResolution = TimestampResolution.Nanosecond });
            return device;
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
