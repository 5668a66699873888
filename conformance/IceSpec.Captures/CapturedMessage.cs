using System.Net;

namespace IceSpec.Captures;

/// <summary>What a captured message is: STUN (RFC 8489), TURN ChannelData (RFC 8656 §12.4) or classic STUN (RFC 3489, no magic cookie).</summary>
public enum CapturedKind
{
    Stun,
    ChannelData,
    /// <summary>An RFC 3489 message (see <see cref="Captures.ClassicStun"/>): a 16-byte transaction ID and no magic cookie.</summary>
    ClassicStun,
}

/// <summary>
/// One STUN or ChannelData message found in a capture. <see cref="Frame"/> is the 1-based frame number (as Wireshark
/// counts) of the frame that held the message's last byte — on TCP, the segment that completed it.
/// <see cref="Bytes"/> is the whole message (for ChannelData: header and data, without stream padding).
/// </summary>
public sealed record CapturedMessage(
    int Frame, DateTime Time, string Transport, IPEndPoint Source, IPEndPoint Destination, CapturedKind Kind, byte[] Bytes)
{
    /// <summary>The channel number of a ChannelData message, else null.</summary>
    public ushort? Channel => Kind == CapturedKind.ChannelData ? (ushort)(Bytes[0] << 8 | Bytes[1]) : null;

    /// <summary>ChannelData's Length field (application data bytes), else null.</summary>
    public int? DataLength => Kind == CapturedKind.ChannelData ? Bytes[2] << 8 | Bytes[3] : null;

    /// <summary>
    /// For a message relayed by a TURN server inside another (a Send or Data indication, ChannelData): where it was
    /// carried. <see cref="Source"/> and <see cref="Destination"/> are then the relayed address and the peer, as the
    /// peer sees them; <see cref="Frame"/> and <see cref="Time"/> are the carrier's. Null for a message on the wire.
    /// </summary>
    public CapturedRelay? Relay { get; init; }

    /// <summary>
    /// The IP TTL (hop limit) of the frame that completed the message (a relayed message: its carrier's); 0 when unknown.
    /// An initial value (64, 128, 255) means the capture was taken on the sending host (see <see cref="AtSender"/>).
    /// </summary>
    public byte Ttl { get; init; }

    /// <summary>Whether the message was captured on the host that sent it: its TTL is still one that stacks start with (Linux 64, Windows 128, 255).</summary>
    public bool AtSender => Ttl is 64 or 128 or 255;
}

/// <summary>A UDP datagram that is no STUN message (application data): where and when, and its payload length.</summary>
public sealed record CapturedDatagram(int Frame, DateTime Time, IPEndPoint Source, IPEndPoint Destination, int Length, byte Ttl)
{
    /// <summary>
    /// When the payload is shaped like ChannelData (RFC 8656 §12.4: a channel number 0x4000-0x7FFF, then a length that
    /// the datagram holds, up to 3 bytes of padding after it) on a 5-tuple where no ChannelBind bound that channel:
    /// the channel number. The diagnosis reads it as ChannelData sent on an unbound channel when the 5-tuple is a TURN
    /// client's; elsewhere it is application data that happens to start so.
    /// </summary>
    public ushort? UnboundChannel { get; init; }
}

/// <summary>The TURN message that carried a relayed one: "Send indication", "Data indication" or "ChannelData 0xNNNN", on the client's 5-tuple.</summary>
public sealed record CapturedRelay(string Carrier, string Transport, IPEndPoint Client, IPEndPoint Server)
{
    public override string ToString() => $"inside {Carrier} {Client} ↔ {Server} ({Transport.ToUpperInvariant()})";
}

/// <summary>Every message of a capture, how many frames were read, and why reading stopped early (null when it did not).</summary>
public sealed record CaptureResult(IReadOnlyList<CapturedMessage> Messages, int Frames, string? Error);

/// <summary>The capture cannot be read at all (missing, not a pcap/pcapng file, no libpcap: <see cref="MissingLibraryException"/>).</summary>
public class CaptureException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A native library the command needs is not installed: <see cref="Library"/>, from the Debian package <see cref="DebianPackage"/>.</summary>
public sealed class MissingLibraryException(string library, string debianPackage, string neededFor)
    : CaptureException($"{neededFor} needs the native library {library}, which is not installed: apt-get install {debianPackage} (Debian package {debianPackage})")
{
    public string Library { get; } = library;

    public string DebianPackage { get; } = debianPackage;
}

/// <summary>Why a datagram did not reach its destination, as an ICMP error says it (RFC 792, RFC 4443 §3).</summary>
public enum UnreachableReason
{
    /// <summary>ICMP type 3 code 3, ICMPv6 type 1 code 4: nothing listens on the destination port.</summary>
    Port,
    /// <summary>Type 3 codes 1 and 7, ICMPv6 type 1 code 3: the destination host does not answer (ARP/ND failed).</summary>
    Host,
    /// <summary>Type 3 codes 0 and 6, ICMPv6 type 1 code 0: no route to the destination network.</summary>
    Network,
    /// <summary>Type 3 codes 9, 10 and 13, ICMPv6 type 1 codes 1, 5 and 6: a firewall refused it.</summary>
    Prohibited,
    /// <summary>Type 3 code 4, ICMPv6 type 2: larger than the path's MTU with Don't Fragment set.</summary>
    TooBig,
    /// <summary>Any other destination-unreachable code (protocol unreachable, source route failed, beyond scope…).</summary>
    Other,
}

/// <summary>
/// An ICMP or ICMPv6 error about a UDP datagram (destination unreachable, packet too big): the frame that held it, who
/// sent it (<see cref="Reporter"/>: the destination host itself, or a router or NAT on the way), and the datagram it
/// quotes — <see cref="Source"/> and <see cref="Destination"/> as the quoted headers give them (a NAT rewrites the quoted
/// header on its way back, so behind a NAT they are the inside host's addresses).
/// </summary>
public sealed record CapturedUnreachable(int Frame, DateTime Time, IPAddress Reporter, IPEndPoint Source, IPEndPoint Destination,
    UnreachableReason Reason, byte Ttl)
{
    /// <summary>"port unreachable", "host unreachable", "packet too big", …</summary>
    public string ReasonText => Reason switch
    {
        UnreachableReason.Port => "port unreachable",
        UnreachableReason.Host => "host unreachable",
        UnreachableReason.Network => "network unreachable",
        UnreachableReason.Prohibited => "administratively prohibited",
        UnreachableReason.TooBig => "packet too big",
        _ => "destination unreachable",
    };

    /// <summary>"ICMP port unreachable from 10.0.0.1", … as a sentence fragment.</summary>
    public string Describe() => $"ICMP {ReasonText} from {Reporter}";
}
