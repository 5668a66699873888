using System.Buffers.Binary;
using System.Net;
using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;

namespace IceSpec.Captures.Tests;

/// <summary>Hand-built STUN messages and Ethernet/IP/UDP/TCP frames (checksums left zero: decoders do not check them).</summary>
internal static class Frames
{
    public const uint Cookie = 0x2112A442;

    /// <summary>A STUN message: type, transaction ID byte, attributes (type, value) padded to 4.</summary>
    public static byte[] Stun(ushort type, byte id, params (ushort Type, byte[] Value)[] attributes)
    {
        var body = new List<byte>();
        foreach (var (t, v) in attributes)
        {
            body.Add((byte)(t >> 8)); body.Add((byte)t);
            body.Add((byte)(v.Length >> 8)); body.Add((byte)v.Length);
            body.AddRange(v);
            while (body.Count % 4 != 0) body.Add(0);
        }
        var message = new byte[20 + body.Count];
        BinaryPrimitives.WriteUInt16BigEndian(message, type);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), (ushort)body.Count);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(4), Cookie);
        for (var i = 8; i < 20; i++) message[i] = id;
        body.CopyTo(message, 20);
        return message;
    }

    public static byte[] ChannelNumber(ushort channel) => [(byte)(channel >> 8), (byte)channel, 0, 0];

    public static byte[] ChannelData(ushort channel, int length, bool padded)
    {
        var data = new byte[4 + (padded ? (length + 3) & ~3 : length)];
        BinaryPrimitives.WriteUInt16BigEndian(data, channel);
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(2), (ushort)length);
        for (var i = 0; i < length; i++) data[4 + i] = (byte)(i + 1);
        return data;
    }

    /// <summary>A UDP datagram in an Ethernet frame, its IP TTL <paramref name="ttl"/> (64: captured on the sender's host; lower: after routers).</summary>
    public static byte[] Udp(IPEndPoint source, IPEndPoint destination, byte[] payload, byte ttl = 64)
    {
        var udp = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(udp, (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), (ushort)destination.Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        payload.CopyTo(udp, 8);
        return Ethernet(source.Address, destination.Address, 17, udp, ttl);
    }

    /// <summary>
    /// An ICMP error from <paramref name="reporter"/> about a datagram frame (RFC 792 type 3, RFC 4443 type 1 for IPv6):
    /// type, code, checksum, 4 unused bytes, then the datagram's IP header and its first <paramref name="quoted"/> bytes
    /// of data. Sent to the datagram's source.
    /// </summary>
    public static byte[] IcmpError(IPAddress reporter, byte[] datagram, byte code, byte? type = null, int quoted = 8, byte ttl = 64)
    {
        var v6 = reporter.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        var ip = datagram.AsSpan(14);
        var header = v6 ? 40 : (ip[0] & 0x0F) * 4;
        var quote = ip[..Math.Min(ip.Length, header + quoted)];
        var icmp = new byte[8 + quote.Length];
        icmp[0] = type ?? (byte)(v6 ? 1 : 3);
        icmp[1] = code;
        quote.CopyTo(icmp.AsSpan(8));
        var source = new IPAddress(v6 ? ip.Slice(8, 16) : ip.Slice(12, 4));
        return Ethernet(reporter, source, v6 ? (byte)58 : (byte)1, icmp, ttl);
    }

    public static byte[] Tcp(IPEndPoint source, IPEndPoint destination, uint sequence, byte[] payload, bool syn = false)
    {
        var tcp = new byte[20 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(2), (ushort)destination.Port);
        BinaryPrimitives.WriteUInt32BigEndian(tcp.AsSpan(4), sequence);
        tcp[12] = 0x50;
        tcp[13] = (byte)(syn ? 0x02 : 0x18); // SYN, or PSH+ACK
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(14), 65535);
        payload.CopyTo(tcp, 20);
        return Ethernet(source.Address, destination.Address, 6, tcp);
    }

    /// <summary>
    /// A UDP datagram cut into IP fragments of at most <paramref name="fragmentPayload"/> bytes (a multiple of 8) each:
    /// IPv4 (RFC 791 flags/offset) or IPv6 with a Fragment header (RFC 8200 §4.5), identification <paramref name="id"/>.
    /// </summary>
    public static byte[][] UdpFragments(IPEndPoint source, IPEndPoint destination, byte[] payload, int fragmentPayload, ushort id)
    {
        var udp = Udp(source, destination, payload);
        var v6 = source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        var datagram = udp.AsSpan(14 + (v6 ? 40 : 20)).ToArray(); // UDP header + data
        var fragments = new List<byte[]>();
        for (var offset = 0; offset < datagram.Length; offset += fragmentPayload)
        {
            var piece = datagram.AsSpan(offset, Math.Min(fragmentPayload, datagram.Length - offset)).ToArray();
            var more = offset + piece.Length < datagram.Length;
            if (v6)
            {
                var header = new byte[8 + piece.Length];
                header[0] = 17;
                BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)(offset | (more ? 1 : 0)));
                BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), id);
                piece.CopyTo(header, 8);
                fragments.Add(Ethernet(source.Address, destination.Address, 44, header));
            }
            else
            {
                var frame = Ethernet(source.Address, destination.Address, 17, piece);
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14 + 4), id);
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14 + 6), (ushort)((more ? 0x2000 : 0) | offset / 8));
                WriteIpv4Checksum(frame.AsSpan(14, 20));
                fragments.Add(frame);
            }
        }
        return [.. fragments];
    }

    private static void WriteIpv4Checksum(Span<byte> header)
    {
        header[10] = header[11] = 0;
        uint sum = 0;
        for (var i = 0; i < 20; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], (ushort)~sum);
    }

    private static byte[] Ethernet(IPAddress source, IPAddress destination, byte protocol, byte[] transport, byte ttl = 64)
    {
        var v6 = source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        var ipHeader = v6 ? 40 : 20;
        var frame = new byte[14 + ipHeader + transport.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), v6 ? (ushort)0x86DD : (ushort)0x0800);
        var ip = frame.AsSpan(14);
        if (v6)
        {
            ip[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)transport.Length);
            ip[6] = protocol;
            ip[7] = ttl;
            source.GetAddressBytes().CopyTo(ip[8..]);
            destination.GetAddressBytes().CopyTo(ip[24..]);
        }
        else
        {
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + transport.Length));
            ip[8] = ttl;
            ip[9] = protocol;
            source.GetAddressBytes().CopyTo(ip[12..]);
            destination.GetAddressBytes().CopyTo(ip[16..]);
        }
        transport.CopyTo(ip[ipHeader..]);
        return frame;
    }

    /// <summary>Decodes frames in order with a fresh decoder (frame numbers from 1).</summary>
    public static IReadOnlyList<CapturedMessage> Decode(params byte[][] frames)
    {
        var decoder = new CaptureDecoder();
        for (var i = 0; i < frames.Length; i++)
            decoder.AddFrame(i + 1, DateTime.UnixEpoch.AddSeconds(i), Framing.LinkLayer.Ethernet, frames[i]);
        return decoder.Messages;
    }

    /// <summary>Writes frames to a pcap file with SharpPcap's writer.</summary>
    public static void WritePcap(string path, params byte[][] frames)
    {
        using var writer = new CaptureFileWriterDevice(path);
        writer.Open(new DeviceConfiguration { LinkLayerType = LinkLayers.Ethernet });
        for (var i = 0; i < frames.Length; i++)
            writer.Write(new RawCapture(LinkLayers.Ethernet, new PosixTimeval((ulong)(1_700_000_000 + i), 0), frames[i]));
    }

    /// <summary>Writes frames with their capture times (seconds after 1 700 000 000, microsecond resolution).</summary>
    public static void WritePcap(string path, IEnumerable<(double Seconds, byte[] Frame)> frames)
    {
        using var writer = new CaptureFileWriterDevice(path);
        writer.Open(new DeviceConfiguration { LinkLayerType = LinkLayers.Ethernet });
        foreach (var (seconds, frame) in frames)
        {
            var micros = (ulong)Math.Round(seconds * 1e6);
            writer.Write(new RawCapture(LinkLayers.Ethernet, new PosixTimeval(1_700_000_000 + micros / 1_000_000, micros % 1_000_000), frame));
        }
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "IceSpec.sln"))) return dir.FullName;
        throw new InvalidOperationException("IceSpec.sln not found above " + AppContext.BaseDirectory);
    }

    public static string Pcaps => Path.Combine(RepositoryRoot(), "pcaps");
}
