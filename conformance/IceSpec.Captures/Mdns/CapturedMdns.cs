using System.Net;

namespace IceSpec.Captures.Mdns;

/// <summary>
/// A UDP datagram to or from port 5353 (RFC 6762 §3: multicast to 224.0.0.251 or ff02::fb; §5.1 and §6.7: a one-shot
/// querier's query from another port and the unicast reply to it): the mDNS message it holds, or, when it holds none,
/// why (<see cref="Error"/>, from <see cref="MdnsMessage.TryRead"/>).
/// </summary>
public sealed record CapturedMdns(int Frame, DateTime Time, IPEndPoint Source, IPEndPoint Destination, MdnsMessage? Message, string? Error, byte Ttl)
{
    /// <summary>Sent to the mDNS multicast group (RFC 6762 §3) rather than to one host.</summary>
    public bool Multicast => Destination.Address.Equals(MdnsMessage.Group4) || Destination.Address.Equals(MdnsMessage.Group6);

    /// <summary>Whether a datagram between these ports is mDNS: one end is port 5353.</summary>
    public static bool IsMdnsPort(int source, int destination) => source == MdnsMessage.Port || destination == MdnsMessage.Port;
}
