using System.Buffers.Binary;
using System.Diagnostics;
using IceSpec.Captures;
using IceSpec.Captures.Analysis;
using IceSpec.Captures.Credentials;
using IceSpec.Captures.Framing;
using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;

// Times each stage of reading a capture in one process: the first (cold: JIT) pass and the best of the next ones.
// Usage: dotnet run -c Release -- FILE.pcap [PASSES]   (bench/generate-capture.py makes FILE)
if (args.Length < 1) { Console.Error.WriteLine("usage: ReaderBench FILE.pcap [PASSES]"); return 2; }
var path = args[0];
var passes = args.Length > 1 ? int.Parse(args[1]) : 5;

// Every stage returns a number that depends on all packets, so that no stage can be optimised away.
var stages = new (string Name, Func<long> Run)[]
{
    ("libpcap read (GetNextPacket)", () => Read(path, (_, _, frame) => frame.Span.Length)),
    ("libpcap read (GetNextPacketPointers, no header object)", () => ReadPointers(path)),
    ("libpcap read + timestamp", () => Read(path, (header, _, frame) => (long)(header.Timeval.Value * TimeSpan.TicksPerSecond) + frame.Span.Length)),
    ("libpcap read + our framing (IpPacket, UDP ports)", () => Read(path, OurFraming)),
    ("libpcap read + PacketDotNet framing (ParsePacket)", () => Read(path, PacketDotNetFraming)),
    ("decode (CaptureFile.Stream)", () => { long n = 0; CaptureFile.Stream(path, m => n += m.Bytes.Length); return n; }),
    ("decode + analyse (CaptureAnalyzer)", () => CaptureAnalyzer.AnalyzeFile(path, new CaptureCredentials()).Report.Frames),
};

Console.WriteLine($"{"stage",-56} {"cold ms",8} {"best ms",8} {"ns/packet",10} {"B/packet",9} {"GC pause ms",12}");
foreach (var (name, run) in stages)
{
    var packets = Count(path);
    var watch = Stopwatch.StartNew();
    var check = run();
    var cold = watch.Elapsed.TotalMilliseconds;
    var best = double.MaxValue;
    var allocated = GC.GetTotalAllocatedBytes(precise: true);
    var paused = GC.GetTotalPauseDuration();
    for (var i = 1; i < passes; i++)
    {
        watch.Restart();
        if (run() != check) throw new InvalidOperationException($"{name}: passes disagree");
        best = Math.Min(best, watch.Elapsed.TotalMilliseconds);
    }
    var perPass = passes - 1;
    Console.WriteLine($"{name,-56} {cold,8:0} {best,8:0} {best * 1e6 / packets,10:0} " +
                      $"{(GC.GetTotalAllocatedBytes(precise: true) - allocated) / perPass / packets,9} {(GC.GetTotalPauseDuration() - paused).TotalMilliseconds / perPass,12:0.0}");
}
return 0;

static long Count(string path) => Read(path, (_, _, _) => 1);

static long Read(string path, PerPacket perPacket)
{
    using var device = new CaptureFileReaderDevice(path);
    device.Open(new DeviceConfiguration { TimestampResolution = TimestampResolution.Nanosecond });
    var linkType = (int)device.LinkType;
    long sum = 0;
    while (device.GetNextPacket(out var capture) == GetPacketStatus.PacketRead)
        sum += perPacket(capture.Header, linkType, new ReadOnlySpanFunc(capture.Data));
    return sum;
}

static unsafe long ReadPointers(string path)
{
    using var device = new CaptureFileReaderDevice(path);
    device.Open(new DeviceConfiguration { TimestampResolution = TimestampResolution.Nanosecond });
    IntPtr header = 0, data = 0;
    long sum = 0;
    while (device.GetNextPacketPointers(ref header, ref data) == 1)
        sum += *(uint*)(header + 16); // Linux x86-64 pcap_pkthdr: struct timeval (16 bytes), then caplen
    return sum;
}

// The decoder's own framing: link layer, IPv4/IPv6 header, then the UDP ports as CaptureDecoder reads them.
static long OurFraming(ICaptureHeader _, int linkType, ReadOnlySpanFunc frame)
{
    if (!IpPacket.TryRead(linkType, frame.Span, out var ip) || ip.Protocol != IpPacket.ProtocolUdp || ip.Payload.Length < 8) return 0;
    return BinaryPrimitives.ReadUInt16BigEndian(ip.Payload) + BinaryPrimitives.ReadUInt16BigEndian(ip.Payload[2..]) + ip.Payload.Length - 8;
}

// PacketDotNet's per-packet parse of the same frame (it needs the bytes in an array of their own).
static long PacketDotNetFraming(ICaptureHeader _, int linkType, ReadOnlySpanFunc frame)
{
    var packet = Packet.ParsePacket((LinkLayers)linkType, frame.Span.ToArray());
    if (packet.Extract<UdpPacket>() is not { } udp) return 0;
    return udp.SourcePort + udp.DestinationPort + udp.PayloadDataSegment.Length;
}

delegate long PerPacket(ICaptureHeader header, int linkType, ReadOnlySpanFunc frame);

/// <summary>Carries a frame's span into a delegate (a ref struct cannot be a generic argument).</summary>
readonly ref struct ReadOnlySpanFunc(ReadOnlySpan<byte> span)
{
    public ReadOnlySpan<byte> Span { get; } = span;
}
