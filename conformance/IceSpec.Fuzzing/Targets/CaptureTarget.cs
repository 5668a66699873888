using System.Buffers.Binary;
using IceSpec.Captures;
using IceSpec.Captures.Analysis;
using IceSpec.Captures.Credentials;
using IceSpec.Captures.Framing;

namespace IceSpec.Fuzzing.Targets;

/// <summary>
/// The capture decoder fed a frame sequence (IP fragments, TCP reassembly, STUN/ChannelData/RFC 4571 stream framing,
/// TURN relays, mDNS on UDP 5353) and every message it finds analysed (<see cref="CaptureAnalyzer"/>: transactions, ICE and TURN monitors).
/// Input: one byte picking the link type, then frames, each a 16-bit big-endian length and that many bytes. Neither the
/// decoder nor the analyser documents an exception: bad frames are counted or noted.
/// </summary>
public sealed class CaptureTarget : FuzzTarget
{
    /// <summary>The link types <see cref="LinkLayer"/> reads, indexed by the input's first byte.</summary>
    public static readonly int[] LinkTypes =
        [LinkLayer.Ethernet, LinkLayer.LinuxSll, LinkLayer.Raw, LinkLayer.Null, LinkLayer.Loop, LinkLayer.Ipv4, LinkLayer.Ipv6, LinkLayer.RawBsd];

    public override string Name => "capture";

    public override string Description => "capture decoder (IP fragments, TCP reassembly, STUN/ChannelData/RFC 4571 framing, mDNS) + analyser";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var reader = new FuzzReader(input);
        var linkType = LinkTypes[reader.Byte() % LinkTypes.Length];
        var analyzer = new CaptureAnalyzer(new CaptureCredentials());
        var decoder = new CaptureDecoder(analyzer.Add) { MdnsMessages = analyzer.AddMdns };
        var frame = 0;
        var time = DateTime.UnixEpoch.AddSeconds(1_700_000_000);
        while (!reader.IsEmpty)
        {
            var length = reader.UInt16();
            time = time.AddMilliseconds(reader.Byte() * 10);
            decoder.AddFrame(++frame, time, linkType, reader.Bytes(length));
        }
        analyzer.Finish(frame);
    }

    /// <summary>The input for frames of one capture (the seed format).</summary>
    public static byte[] Encode(int linkType, IEnumerable<byte[]> frames)
    {
        var input = new List<byte> { (byte)Array.IndexOf(LinkTypes, linkType) };
        foreach (var frame in frames)
        {
            var length = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)Math.Min(frame.Length, ushort.MaxValue));
            input.AddRange(length);
            input.Add(1);
            input.AddRange(frame.Take(ushort.MaxValue));
        }
        return [.. input];
    }
}
