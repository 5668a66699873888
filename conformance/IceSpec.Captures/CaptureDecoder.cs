using System.Buffers.Binary;
using System.Net;
using IceSpec.Stun;
using IceSpec.Turn;
using IceSpec.Captures.Framing;

namespace IceSpec.Captures;

/// <summary>
/// Finds STUN and ChannelData messages in captured frames, fed one frame at a time in capture order.
/// <list type="bullet">
/// <item>UDP: a datagram is STUN when it passes the header checks (top bits 00, magic cookie; RFC 8489 §7), on any port;
/// classic STUN (RFC 3489) when <see cref="ClassicStun.IsClassic"/> accepts the whole datagram. (RFC 3489 §8, §9:
/// Binding requests go over UDP, Shared Secret requests only over TLS: there is no classic STUN to read in a TCP stream.)</item>
/// <item>ChannelData (RFC 8656 §12.4) is recognised only on a 5-tuple where a ChannelBind success response answered a
/// ChannelBind request for that channel, as Wireshark does (it needs a STUN message on the 5-tuple first).</item>
/// <item>TCP: each direction is reassembled by sequence number (retransmissions and overlaps dropped, out-of-order
/// segments held back) and cut with RFC 8489 §6.2.2 / RFC 8656 §12.5 stream framing. A direction whose bytes stop
/// looking like STUN or bound ChannelData is given up.</item>
/// <item>STUN relayed by a TURN server — inside a Send or Data indication's DATA or inside ChannelData — is a message
/// of its own too, between the allocation's relayed address and the peer, marked with <see cref="CapturedMessage.Relay"/>
/// (see <see cref="TurnRelays"/>): an ICE check through a relayed candidate as the peer sees it.</item>
/// </list>
/// IPv4 and IPv6 (link types: <see cref="LinkLayer"/>), IP fragments reassembled (<see cref="IpFragmentReassembler"/>).
/// Messages go to the sink given to the constructor as soon as they are complete (streaming), or, without one, are kept
/// in <see cref="Messages"/>.
/// </summary>
public sealed class CaptureDecoder(Action<CapturedMessage>? sink = null)
{
    private readonly List<CapturedMessage> _messages = [];
    private readonly IpFragmentReassembler _fragments = new();
    private readonly EndpointCache _endpoints = new();
    private readonly TurnRelays _turn = new();
    private readonly Dictionary<(IPEndPoint Source, IPEndPoint Destination), TcpDirection> _streams = [];

    /// <summary>
    /// Where UDP datagrams that are neither STUN, bound ChannelData nor classic STUN go (application data on an ICE pair:
    /// <c>icespec diagnose</c> dates a call's first data by them); null: they are dropped.
    /// </summary>
    public Action<CapturedDatagram>? OtherDatagrams { get; init; }

    /// <summary>
    /// Where ICMP/ICMPv6 errors about UDP datagrams go (destination unreachable, packet too big: <see cref="CapturedUnreachable"/>;
    /// <c>icespec diagnose</c> reads a port unreachable as "nothing listens there any more"); null: they are skipped.
    /// </summary>
    public Action<CapturedUnreachable>? Unreachables { get; init; }

    /// <summary>
    /// Where UDP datagrams to or from port 5353 that are no STUN go, read as mDNS (RFC 6762; <see cref="Mdns.CapturedMdns"/>:
    /// <c>icespec decode</c> prints them, <c>analyze</c> ties the names they resolve to ICE candidates); null: they go to
    /// <see cref="OtherDatagrams"/> as before. One that holds no DNS message comes with its reason and a note.
    /// </summary>
    public Action<Mdns.CapturedMdns>? MdnsMessages { get; init; }

    // The TTL (hop limit) of the frame being decoded: given to the messages it completes.
    private byte _frameTtl;

    /// <summary>The messages decoded so far when no sink was given.</summary>
    public IReadOnlyList<CapturedMessage> Messages => _messages;

    /// <summary>Frames whose link/IP/transport headers could not be parsed (skipped).</summary>
    public int MalformedFrames { get; private set; }

    /// <summary>Decodes one frame of pcap link type <paramref name="linkType"/>; messages it completes go to the sink.</summary>
    public void AddFrame(int frame, DateTime time, int linkType, ReadOnlySpan<byte> data)
    {
        if (!IpPacket.TryRead(linkType, data, out var ip))
        {
            if (data.Length > 0 && LinkLayer.TryFindIp(linkType, data, out _)) MalformedFrames++;
            return;
        }
        _frameTtl = ip.Ttl;
        if (!ip.IsFragment)
        {
            AddTransport(frame, time, ip.SourceBytes, ip.DestinationBytes, ip.Protocol, ip.Payload);
            return;
        }
        if (_fragments.Add(ip, time) is { } whole)
            AddTransport(frame, time, ip.SourceBytes, ip.DestinationBytes, ip.Protocol, whole);
        if (frame % 4096 == 0) _fragments.Expire(time);
    }

    /// <summary>IP packets given up unfinished (see <see cref="IpFragmentReassembler"/>).</summary>
    public int DroppedFragmentedPackets => _fragments.Dropped;

    // RFC 768: Source Port (16) | Destination Port (16) | Length (16) | Checksum (16), then the data.
    // RFC 9293 §3.1: Source Port | Destination Port | Sequence Number (32) | Acknowledgment Number (32) |
    // Data Offset (4) Reserved (4) | flags CWR ECE URG ACK PSH RST SYN FIN | Window | Checksum | Urgent Pointer | options.
    private void AddTransport(int frame, DateTime time, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte protocol, ReadOnlySpan<byte> payload)
    {
        if (protocol == IpPacket.ProtocolUdp)
        {
            if (payload.Length < UdpHeaderLength) { MalformedFrames++; return; }
            int length = BinaryPrimitives.ReadUInt16BigEndian(payload[4..]);
            if (length < UdpHeaderLength) { MalformedFrames++; return; }
            AddDatagram(frame, time, _endpoints.Get(source, BinaryPrimitives.ReadUInt16BigEndian(payload)),
                _endpoints.Get(destination, BinaryPrimitives.ReadUInt16BigEndian(payload[2..])),
                payload[UdpHeaderLength..Math.Min(length, payload.Length)]);
        }
        else if (protocol == IpPacket.ProtocolTcp)
        {
            if (payload.Length < 20) { MalformedFrames++; return; }
            var header = (payload[12] >> 4) * 4;
            if (header < 20 || header > payload.Length) { MalformedFrames++; return; }
            const byte syn = 0x02;
            AddSegment(frame, time, _endpoints.Get(source, BinaryPrimitives.ReadUInt16BigEndian(payload)),
                _endpoints.Get(destination, BinaryPrimitives.ReadUInt16BigEndian(payload[2..])),
                BinaryPrimitives.ReadUInt32BigEndian(payload[4..]), (payload[13] & syn) != 0, payload[header..]);
        }
        else if (protocol is IpPacket.ProtocolIcmp or IpPacket.ProtocolIcmpV6 && Unreachables is { } unreachables)
            AddIcmpError(frame, time, source, protocol == IpPacket.ProtocolIcmpV6, payload, unreachables);
    }

    // RFC 792 (Destination Unreachable, type 3) and RFC 4443 §3.1 / §3.2 (Destination Unreachable 1, Packet Too Big 2):
    //  0                   1                   2                   3
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |     Type      |     Code      |          Checksum             |
    // |             unused (ICMPv6 Packet Too Big: the MTU)           |
    // |      Internet Header + 64 bits of Original Data Datagram      |
    // |      (ICMPv6: as much of the invoking packet as fits)         |
    private void AddIcmpError(int frame, DateTime time, ReadOnlySpan<byte> reporter, bool v6, ReadOnlySpan<byte> icmp, Action<CapturedUnreachable> unreachables)
    {
        if (icmp.Length < IcmpHeaderLength) { MalformedFrames++; return; }
        if (ReasonOf(v6, icmp[0], icmp[1]) is not { } reason) return;
        // The quoted packet: an IP header and at least the UDP header's ports (RFC 792: 64 bits of data).
        if (!IpPacket.TryReadIp(icmp[IcmpHeaderLength..], out var quoted) || quoted.Payload.Length < 4) { MalformedFrames++; return; }
        if (quoted.Protocol != IpPacket.ProtocolUdp || quoted.FragmentOffset != 0) return;
        unreachables(new CapturedUnreachable(frame, time, new System.Net.IPAddress(reporter),
            _endpoints.Get(quoted.SourceBytes, BinaryPrimitives.ReadUInt16BigEndian(quoted.Payload)),
            _endpoints.Get(quoted.DestinationBytes, BinaryPrimitives.ReadUInt16BigEndian(quoted.Payload[2..])), reason, _frameTtl));
    }

    private const int IcmpHeaderLength = 8;

    /// <summary>The reason an ICMP (RFC 792) or ICMPv6 (RFC 4443 §3.1, §3.2) error gives; null for other ICMP messages.</summary>
    internal static UnreachableReason? ReasonOf(bool v6, byte type, byte code) => (v6, type) switch
    {
        (false, 3) => code switch
        {
            3 => UnreachableReason.Port,
            1 or 7 => UnreachableReason.Host,
            0 or 6 => UnreachableReason.Network,
            9 or 10 or 13 => UnreachableReason.Prohibited,
            4 => UnreachableReason.TooBig,
            _ => UnreachableReason.Other,
        },
        (true, 1) => code switch
        {
            4 => UnreachableReason.Port,
            3 => UnreachableReason.Host,
            0 => UnreachableReason.Network,
            1 or 5 or 6 => UnreachableReason.Prohibited,
            _ => UnreachableReason.Other,
        },
        (true, 2) => UnreachableReason.TooBig,
        _ => null,
    };

    private const int UdpHeaderLength = 8;

    private void AddDatagram(int frame, DateTime time, IPEndPoint source, IPEndPoint destination, ReadOnlySpan<byte> payload)
    {
        if (StunMessage.LooksLikeStun(payload))
        {
            var length = Math.Min(payload.Length, StunHeader.Length + BinaryPrimitives.ReadUInt16BigEndian(payload[2..]));
            Add(new CapturedMessage(frame, time, "udp", source, destination, CapturedKind.Stun, payload[..length].ToArray()) { Ttl = _frameTtl });
        }
        else if (ChannelData.LooksLikeChannelData(payload) && IsBound("udp", source, destination, BinaryPrimitives.ReadUInt16BigEndian(payload)))
        {
            var length = Math.Min(payload.Length, ChannelData.HeaderLength + BinaryPrimitives.ReadUInt16BigEndian(payload[2..]));
            Add(new CapturedMessage(frame, time, "udp", source, destination, CapturedKind.ChannelData, payload[..length].ToArray()) { Ttl = _frameTtl });
        }
        else if (ClassicStun.IsClassic(payload))
            Add(new CapturedMessage(frame, time, "udp", source, destination, CapturedKind.ClassicStun, payload.ToArray()) { Ttl = _frameTtl });
        else if (MdnsMessages is { } mdns && Mdns.CapturedMdns.IsMdnsPort(source.Port, destination.Port))
            AddMdns(frame, time, source, destination, payload, mdns);
        else OtherDatagrams?.Invoke(new CapturedDatagram(frame, time, source, destination, payload.Length, _frameTtl) { UnboundChannel = UnboundChannel(payload) });
    }

    private void AddMdns(int frame, DateTime time, IPEndPoint source, IPEndPoint destination, ReadOnlySpan<byte> payload, Action<Mdns.CapturedMdns> mdns)
    {
        if (Mdns.MdnsMessage.TryRead(payload, out var message, out var error))
        {
            mdns(new Mdns.CapturedMdns(frame, time, source, destination, message, null, _frameTtl));
            return;
        }
        MalformedMdns++;
        if (_notes.Count < MaxNotes)
        {
            MalformedMdnsNoted++;
            _notes.Add($"frame {frame}: UDP {source} → {destination}: malformed mDNS message: {error}");
        }
        mdns(new Mdns.CapturedMdns(frame, time, source, destination, null, error, _frameTtl));
    }

    /// <summary>Datagrams to or from port 5353 that held no well-formed DNS message (read when <see cref="MdnsMessages"/> is set).</summary>
    public int MalformedMdns { get; private set; }

    /// <summary>The channel number of a payload shaped like ChannelData (RFC 8656 §12.4, RFC 5766's wider range included), else null.</summary>
    private static ushort? UnboundChannel(ReadOnlySpan<byte> payload)
    {
        if (!ChannelData.LooksLikeChannelData(payload)) return null;
        var padding = payload.Length - ChannelData.HeaderLength - BinaryPrimitives.ReadUInt16BigEndian(payload[2..]);
        return padding is >= 0 and <= 3 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : null;
    }

    private void AddSegment(int frame, DateTime time, IPEndPoint source, IPEndPoint destination, uint sequence, bool syn, ReadOnlySpan<byte> payload)
    {
        if (!_streams.TryGetValue((source, destination), out var stream))
            _streams[(source, destination)] = stream = new TcpDirection();
        if (syn)
        {
            stream.Next = sequence + 1;
            stream.Buffer.Clear();
            stream.Held.Clear();
            stream.GivenUp = false;
            return;
        }
        if (stream.GivenUp || payload.IsEmpty) return;
        stream.Next ??= sequence;
        var ahead = SequenceDistance(sequence, stream.Next.Value);
        if (ahead is null)
        {
            OutOfWindow(frame, source, destination, sequence, stream.Next.Value);
            return;
        }
        if (ahead > 0)
        {
            // Out of order: hold it until the gap is filled (keep the longest copy of a repeated segment).
            if (!stream.Held.TryGetValue(sequence, out var held) || held.Length < payload.Length)
                stream.Held[sequence] = payload.ToArray();
            return;
        }
        Append(stream, payload, -ahead.Value);
        while (stream.Held.Count > 0)
        {
            var progressed = false;
            foreach (var (seq, data) in stream.Held.ToList())
            {
                var offset = -SequenceDistance(seq, stream.Next!.Value) ?? -1;
                if (offset < 0) continue;
                stream.Held.Remove(seq);
                Append(stream, data, offset);
                progressed = true;
            }
            if (!progressed) break;
        }
        Cut(frame, time, source, destination, stream);
    }

    /// <summary>
    /// RFC 9293 §3.4 / RFC 1982 serial-number arithmetic: how many bytes <paramref name="sequence"/> lies ahead of
    /// (positive) or behind (negative) <paramref name="next"/>, modulo 2^32. Null when it is further away than any
    /// receive window can reach (RFC 7323 §2.3: at most 2^30 bytes), which also excludes the distance 2^31 that RFC 1982
    /// §3.2 leaves undefined: such a segment belongs to no reassembly of this stream.
    /// </summary>
    internal static int? SequenceDistance(uint sequence, uint next)
    {
        var distance = unchecked((int)(sequence - next));
        return distance is >= -MaxWindow and <= MaxWindow ? distance : null;
    }

    /// <summary>RFC 7323 §2.3: the largest window, 65535 × 2^14 bytes, rounded up to 2^30.</summary>
    private const int MaxWindow = 1 << 30;

    /// <summary>Segments ignored because they lay outside any receive window (see <see cref="SequenceDistance"/>).</summary>
    public int OutOfWindowSegments { get; private set; }

    private void OutOfWindow(int frame, IPEndPoint source, IPEndPoint destination, uint sequence, uint next)
    {
        OutOfWindowSegments++;
        if (_notes.Count >= MaxNotes) return;
        OutOfWindowNoted++;
        _notes.Add($"frame {frame}: TCP {source} → {destination}: segment at sequence number {sequence} is " +
                $"{unchecked(sequence - next)} bytes (mod 2^32) from the expected {next}, outside any receive window " +
                "(RFC 9293 §3.10.7.4, RFC 7323 §2.3): ignored, a gap in the stream");
    }

    /// <summary>How many of <see cref="Notes"/> are about segments outside any window (<see cref="OutOfWindowSegments"/> counts all).</summary>
    public int OutOfWindowNoted { get; private set; }

    /// <summary>How many of <see cref="Notes"/> are about malformed mDNS messages (<see cref="MalformedMdns"/> counts all).</summary>
    public int MalformedMdnsNoted { get; private set; }

    private readonly List<string> _notes = [];
    private const int MaxNotes = 20;

    /// <summary>What the decoder skipped and why (the first <see cref="MaxNotes"/>; <see cref="OutOfWindowSegments"/> counts all).</summary>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>Appends the part of a segment past <paramref name="skip"/> bytes already received (retransmission overlap).</summary>
    private static void Append(TcpDirection stream, ReadOnlySpan<byte> data, int skip)
    {
        if (skip >= data.Length) return;
        stream.Buffer.AddRange(data[skip..]);
        stream.Next = stream.Next!.Value + (uint)(data.Length - skip);
    }

    private void Cut(int frame, DateTime time, IPEndPoint source, IPEndPoint destination, TcpDirection stream)
    {
        while (!stream.GivenUp && stream.Buffer.Count >= 4)
        {
            var buffer = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(stream.Buffer);
            if (stream.Rfc4571 ?? StartsRfc4571Frame(buffer))
            {
                if (!CutRfc4571Frame(frame, time, source, destination, stream, buffer)) return;
                continue;
            }
            CapturedKind kind;
            if ((buffer[0] & 0xC0) == 0)
            {
                if (buffer.Length < 8) return;
                if (BinaryPrimitives.ReadUInt32BigEndian(buffer[StunHeader.CookieOffset..]) != StunHeader.MagicCookie)
                {
                    // Maybe RFC 4571 framing whose first frame is not complete enough to tell yet.
                    if (stream.Rfc4571 is null && buffer.Length < Rfc4571Probe) return;
                    GiveUp(stream);
                    return;
                }
                kind = CapturedKind.Stun;
            }
            else if ((buffer[0] & 0xC0) == 0x40 && IsBound("tcp", source, destination, BinaryPrimitives.ReadUInt16BigEndian(buffer)))
                kind = CapturedKind.ChannelData;
            else { GiveUp(stream); return; }

            stream.Rfc4571 = false;
            var total = StreamFraming.NextMessageLength(buffer, acceptRfc5766Range: true);
            if (total < 0) { GiveUp(stream); return; }
            if (total == 0) return;
            var length = kind == CapturedKind.Stun ? total : ChannelData.HeaderLength + BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
            var message = buffer[..length].ToArray();
            stream.Buffer.RemoveRange(0, total);
            Add(new CapturedMessage(frame, time, "tcp", source, destination, kind, message) { Ttl = _frameTtl });
            // RFC 6062 §4.3, §4.4: after its ConnectionBind (request one way, success the other) a data connection carries the
            // peer's stream as it is — for ICE-TCP, RFC 4571 frames (RFC 6544 §3): the next bytes are probed afresh.
            if (kind == CapturedKind.Stun && StunMessage.TryParse(message, out var parsed) == StunParseStatus.Ok
                && parsed.Method == TurnMethods.ConnectionBind && parsed.Class is StunClass.Request or StunClass.Success)
                stream.Rfc4571 = null;
        }
    }

    /// <summary>Bytes needed to recognise an RFC 4571 frame holding STUN: the 2-byte length and a STUN header up to its cookie.</summary>
    private const int Rfc4571Probe = 2 + 8;

    /// <summary>
    /// ICE-TCP (RFC 6544 §3) frames each packet with RFC 4571's 16-bit length: a stream whose first frame holds a STUN
    /// header (cookie included) whose own length fills the frame exactly.
    /// </summary>
    private static bool StartsRfc4571Frame(ReadOnlySpan<byte> buffer) =>
        buffer.Length >= Rfc4571Probe && (buffer[2] & 0xC0) == 0 &&
        BinaryPrimitives.ReadUInt32BigEndian(buffer[(2 + StunHeader.CookieOffset)..]) == StunHeader.MagicCookie &&
        BinaryPrimitives.ReadUInt16BigEndian(buffer) == StunHeader.Length + BinaryPrimitives.ReadUInt16BigEndian(buffer[(2 + StunHeader.LengthOffset)..]);

    /// <summary>Cuts one RFC 4571 frame; STUN inside it is a message, anything else (RTP, RTCP, DTLS) is skipped. False when incomplete.</summary>
    private bool CutRfc4571Frame(int frame, DateTime time, IPEndPoint source, IPEndPoint destination, TcpDirection stream, ReadOnlySpan<byte> buffer)
    {
        stream.Rfc4571 = true;
        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        if (buffer.Length < 2 + length) return false;
        var payload = buffer.Slice(2, length);
        if (StunMessage.LooksLikeStun(payload))
            Add(new CapturedMessage(frame, time, "tcp", source, destination, CapturedKind.Stun, payload.ToArray()) { Ttl = _frameTtl });
        stream.Buffer.RemoveRange(0, 2 + length);
        return true;
    }

    private static void GiveUp(TcpDirection stream)
    {
        stream.GivenUp = true;
        stream.Buffer.Clear();
        stream.Held.Clear();
    }

    private void Add(CapturedMessage message)
    {
        if (sink is null) _messages.Add(message);
        else sink(message);
        if (message.Relay is not null) return;
        CapturedMessage? inner = null;
        if (message.Kind == CapturedKind.ChannelData) inner = _turn.Unwrap(message);
        else if (message.Kind == CapturedKind.Stun && StunMessage.TryParse(message.Bytes, out var parsed) == StunParseStatus.Ok)
        {
            _turn.Observe(message, parsed);
            inner = _turn.Unwrap(message, parsed);
        }
        if (inner is not null) Add(inner);
    }

    private bool IsBound(string transport, IPEndPoint source, IPEndPoint destination, ushort channel) =>
        _turn.IsBound(transport, source, destination, channel);

    private sealed class TcpDirection
    {
        /// <summary>Null until the first bytes tell; true for RFC 4571 framing (ICE-TCP), false for RFC 8489 framing (TURN, STUN).</summary>
        public bool? Rfc4571;
        public uint? Next;
        public bool GivenUp;
        public readonly List<byte> Buffer = [];
        public readonly Dictionary<uint, byte[]> Held = [];
    }
}
