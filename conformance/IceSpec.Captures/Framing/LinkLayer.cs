using System.Buffers.Binary;

namespace IceSpec.Captures.Framing;

/// <summary>
/// Finds the IP packet inside a captured frame for the link types tcpdump and Wireshark write
/// (https://www.tcpdump.org/linktypes.html).
/// </summary>
public static class LinkLayer
{
    public const int Null = 0;          // LINKTYPE_NULL: 4-byte address family in host byte order
    public const int Ethernet = 1;      // LINKTYPE_ETHERNET: IEEE 802.3
    public const int RawBsd = 12;       // DLT_RAW on some BSDs
    public const int RawBsd2 = 14;
    public const int Raw = 101;         // LINKTYPE_RAW: the IP header first
    public const int Loop = 108;        // LINKTYPE_LOOP: 4-byte address family in network byte order
    public const int LinuxSll = 113;    // LINKTYPE_LINUX_SLL: 16-byte cooked header, protocol type at 14
    public const int Ipv4 = 228;        // LINKTYPE_IPV4
    public const int Ipv6 = 229;        // LINKTYPE_IPV6
    public const int LinuxSll2 = 276;   // LINKTYPE_LINUX_SLL2: 20-byte cooked header, protocol type at 0

    private const ushort EtherTypeIpv4 = 0x0800;
    private const ushort EtherTypeIpv6 = 0x86DD;
    private const ushort EtherTypeVlan = 0x8100;   // IEEE 802.1Q
    private const ushort EtherTypeQinQ = 0x88A8;   // IEEE 802.1ad

    /// <summary>The bytes from the IP header on; false when the frame carries no IPv4/IPv6 packet.</summary>
    public static bool TryFindIp(int linkType, ReadOnlySpan<byte> frame, out ReadOnlySpan<byte> ip)
    {
        ip = default;
        switch (linkType)
        {
            case Ethernet:
            {
                // Destination MAC (6) | Source MAC (6) | EtherType (2), possibly after 802.1Q tags of 4 bytes each.
                var offset = 12;
                while (true)
                {
                    if (frame.Length < offset + 2) return false;
                    var etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]);
                    if (etherType is EtherTypeVlan or EtherTypeQinQ) { offset += 4; continue; }
                    return IsIp(etherType) && Slice(frame, offset + 2, out ip);
                }
            }
            case Null or Loop:
                if (frame.Length < 4) return false;
                // The family is 2 (AF_INET) or 10/24/28/30 (AF_INET6 on Linux/BSDs/macOS); the IP version nibble tells as well.
                return Slice(frame, 4, out ip);
            case Raw or RawBsd or RawBsd2 or Ipv4 or Ipv6:
                return Slice(frame, 0, out ip);
            case LinuxSll:
                return frame.Length >= 16 && IsIp(BinaryPrimitives.ReadUInt16BigEndian(frame[14..])) && Slice(frame, 16, out ip);
            case LinuxSll2:
                return frame.Length >= 20 && IsIp(BinaryPrimitives.ReadUInt16BigEndian(frame)) && Slice(frame, 20, out ip);
            default:
                return false;
        }
    }

    private static bool IsIp(ushort etherType) => etherType is EtherTypeIpv4 or EtherTypeIpv6;

    private static bool Slice(ReadOnlySpan<byte> frame, int offset, out ReadOnlySpan<byte> ip)
    {
        ip = frame.Length > offset ? frame[offset..] : default;
        return !ip.IsEmpty;
    }
}
