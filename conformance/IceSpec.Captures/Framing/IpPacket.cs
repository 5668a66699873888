using System.Buffers.Binary;
using System.Net;

namespace IceSpec.Captures.Framing;

/// <summary>
/// One IP packet as read from a frame: addresses, the upper-layer protocol, and its payload — or, when the packet is a
/// fragment, the fragment's identification, offset and more-fragments flag (RFC 791 §3.1, RFC 8200 §4.5).
/// </summary>
public readonly ref struct IpPacket
{
    public const byte ProtocolTcp = 6;
    public const byte ProtocolUdp = 17;
    public const byte ProtocolIcmp = 1;
    public const byte ProtocolIcmpV6 = 58;

    /// <summary>The source address as on the wire (4 or 16 bytes).</summary>
    public ReadOnlySpan<byte> SourceBytes { get; init; }
    public ReadOnlySpan<byte> DestinationBytes { get; init; }
    public IPAddress Source => new(SourceBytes);
    public IPAddress Destination => new(DestinationBytes);
    public byte Protocol { get; init; }
    public ReadOnlySpan<byte> Payload { get; init; }
    public bool IsFragment { get; init; }
    public uint FragmentId { get; init; }
    /// <summary>Byte offset of this fragment's payload in the original packet's payload.</summary>
    public int FragmentOffset { get; init; }
    public bool MoreFragments { get; init; }
    /// <summary>IPv4's Time to Live, IPv6's Hop Limit: 64, 128 or 255 where the packet was sent, lower after each router.</summary>
    public byte Ttl { get; init; }

    /// <summary>
    /// Reads the IP packet of a frame of link type <paramref name="linkType"/> (pcap LINKTYPE_* values). False when the
    /// frame is not IPv4/IPv6 or its headers are cut short.
    /// </summary>
    public static bool TryRead(int linkType, ReadOnlySpan<byte> frame, out IpPacket packet)
    {
        packet = default;
        return LinkLayer.TryFindIp(linkType, frame, out var ip) && TryReadIp(ip, out packet);
    }

    /// <summary>
    /// Reads an IPv4 or IPv6 packet from its first byte; a packet cut short after its headers (as an ICMP error quotes
    /// one) gives the payload that is there.
    /// </summary>
    public static bool TryReadIp(ReadOnlySpan<byte> ip, out IpPacket packet)
    {
        packet = default;
        return ip.Length > 0 && (ip[0] >> 4) switch
        {
            4 => TryReadV4(ip, out packet),
            6 => TryReadV6(ip, out packet),
            _ => false,
        };
    }

    // RFC 791 §3.1:
    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |Version|  IHL  |Type of Service|          Total Length         |
    // |         Identification        |Flags|      Fragment Offset    |
    // |  Time to Live |    Protocol   |         Header Checksum       |
    // |                       Source Address                          |
    // |                    Destination Address                        |
    // |                    Options                    |    Padding    |
    private static bool TryReadV4(ReadOnlySpan<byte> ip, out IpPacket packet)
    {
        packet = default;
        if (ip.Length < 20) return false;
        var headerLength = (ip[0] & 0x0F) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        // Total Length 0 happens with TCP segmentation offload captured on the sender: trust the frame then.
        if (totalLength == 0) totalLength = ip.Length;
        if (headerLength < 20 || totalLength < headerLength || ip.Length < headerLength) return false;
        var end = Math.Min(totalLength, ip.Length);
        var flagsAndOffset = BinaryPrimitives.ReadUInt16BigEndian(ip[6..]);
        var more = (flagsAndOffset & 0x2000) != 0;
        var offset = (flagsAndOffset & 0x1FFF) * 8; // in units of 8 octets
        packet = new IpPacket
        {
            SourceBytes = ip.Slice(12, 4),
            DestinationBytes = ip.Slice(16, 4),
            Protocol = ip[9],
            Payload = ip[headerLength..end],
            IsFragment = more || offset != 0,
            FragmentId = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]),
            FragmentOffset = offset,
            MoreFragments = more,
            Ttl = ip[8],
        };
        return true;
    }

    // RFC 8200 §3: Version(4) Traffic Class(8) Flow Label(20) | Payload Length(16) Next Header(8) Hop Limit(8) |
    // Source Address(128) | Destination Address(128); then extension headers (§4), each starting with Next Header.
    // RFC 8200 §4.5, the Fragment header:
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
    // |                         Identification                        |
    private static bool TryReadV6(ReadOnlySpan<byte> ip, out IpPacket packet)
    {
        packet = default;
        if (ip.Length < 40) return false;
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        var end = payloadLength == 0 ? ip.Length : Math.Min(ip.Length, 40 + payloadLength);
        var next = ip[6];
        var offset = 40;
        bool fragment = false, more = false;
        uint id = 0;
        var fragmentOffset = 0;
        while (true)
        {
            switch (next)
            {
                case 0 or 43 or 60: // Hop-by-Hop, Routing, Destination Options (RFC 8200 §4.3, §4.4, §4.6): length in 8-octet units, not counting the first 8
                    if (end - offset < 8) return false;
                    next = ip[offset];
                    offset += 8 + ip[offset + 1] * 8;
                    if (offset > end) return false;
                    continue;
                case 44: // Fragment (RFC 8200 §4.5)
                    if (end - offset < 8) return false;
                    var field = BinaryPrimitives.ReadUInt16BigEndian(ip[(offset + 2)..]);
                    fragment = true;
                    fragmentOffset = field & 0xFFF8; // 13-bit offset in 8-octet units, already shifted by its position
                    more = (field & 1) != 0;
                    id = BinaryPrimitives.ReadUInt32BigEndian(ip[(offset + 4)..]);
                    next = ip[offset];
                    offset += 8;
                    continue;
            }
            break;
        }
        packet = new IpPacket
        {
            SourceBytes = ip.Slice(8, 16),
            DestinationBytes = ip.Slice(24, 16),
            Protocol = next,
            Payload = ip[offset..end],
            IsFragment = fragment && (more || fragmentOffset != 0),
            FragmentId = id,
            FragmentOffset = fragmentOffset,
            MoreFragments = more,
            Ttl = ip[7],
        };
        return true;
    }
}
