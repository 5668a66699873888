using System.Net;
using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;

namespace IceSpec.Conformance.Tester;

/// <summary>
/// The tester's own capture (<c>tester.pcap</c>, Ethernet with zero MAC addresses (libpcap writes no LINKTYPE_RAW savefiles): IPv4/IPv6 + UDP, or TCP carrying RFC 4571 frames): every
/// datagram the tester sent or received, in the order it handled them, with the kernel's receive time for inbound ones.
/// Frame numbers are the ones the case verdicts cite; the file opens in Wireshark and in <c>icespec decode|analyze</c>.
/// Written with SharpPcap's writer; packets built with PacketDotNet (checksums included).
/// </summary>
public sealed class TesterCapture : IDisposable
{
    private static readonly System.Net.NetworkInformation.PhysicalAddress Mac = new(new byte[6]);
    private readonly object _gate = new();
    private readonly CaptureFileWriterDevice _writer;
    private readonly Dictionary<(IPEndPoint, IPEndPoint), uint> _tcpSequence = [];
    private int _frames;

    public TesterCapture(string path)
    {
        Path = path;
        _writer = new CaptureFileWriterDevice(path);
        _writer.Open(new DeviceConfiguration { LinkLayerType = LinkLayers.Ethernet });
    }

    public string Path { get; }

    /// <summary>Writes one UDP datagram; returns its frame number (from 1).</summary>
    public int RecordUdp(IPEndPoint source, IPEndPoint destination, ReadOnlySpan<byte> payload, DateTime time)
    {
        var udp = new UdpPacket((ushort)source.Port, (ushort)destination.Port) { PayloadData = payload.ToArray() };
        return Write(source, destination, udp, time, ProtocolType.Udp);
    }

    /// <summary>
    /// Writes one chunk of a TCP stream (an RFC 4571 frame as sent or read) as a segment with a running sequence number
    /// per direction, so that stream reassembly (Wireshark, <c>icespec decode</c>) reads the frames back in order.
    /// </summary>
    public int RecordTcp(IPEndPoint source, IPEndPoint destination, ReadOnlySpan<byte> payload, DateTime time)
    {
        lock (_gate)
        {
            var sequence = _tcpSequence.GetValueOrDefault((source, destination), 1u);
            _tcpSequence[(source, destination)] = sequence + (uint)payload.Length;
            var tcp = new TcpPacket((ushort)source.Port, (ushort)destination.Port)
            {
                SequenceNumber = sequence, Push = true, Acknowledgment = true, WindowSize = 65535, PayloadData = payload.ToArray(),
            };
            return Write(source, destination, tcp, time, ProtocolType.Tcp);
        }
    }

    private int Write(IPEndPoint source, IPEndPoint destination, TransportPacket transport, DateTime time, ProtocolType protocol)
    {
        IPPacket ip = source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? new IPv6Packet(source.Address, destination.Address)
            : new IPv4Packet(source.Address, destination.Address) { TimeToLive = 64 };
        ip.Protocol = protocol;
        ip.PayloadPacket = transport;
        transport.UpdateCalculatedValues();
        ip.UpdateCalculatedValues();
        if (ip is IPv4Packet v4) v4.UpdateIPChecksum();
        if (transport is UdpPacket udp) udp.UpdateUdpChecksum();
        else if (transport is TcpPacket tcp) tcp.UpdateTcpChecksum();
        var v6 = ip is IPv6Packet;
        var ethernet = new EthernetPacket(Mac, Mac, v6 ? EthernetType.IPv6 : EthernetType.IPv4) { PayloadPacket = ip };
        var ticks = (time.ToUniversalTime() - DateTime.UnixEpoch).Ticks;
        var timeval = new PosixTimeval((ulong)(ticks / TimeSpan.TicksPerSecond), (ulong)(ticks % TimeSpan.TicksPerSecond / 10));
        lock (_gate)
        {
            _writer.Write(new RawCapture(LinkLayers.Ethernet, timeval, ethernet.Bytes));
            return ++_frames;
        }
    }

    public void Dispose()
    {
        lock (_gate) _writer.Close();
    }
}
