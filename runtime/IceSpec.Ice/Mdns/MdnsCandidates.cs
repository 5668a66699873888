using System.Net;
using System.Net.Sockets;
using IceSpec.Ice.Sdp;

namespace IceSpec.Ice.Mdns;

/// <summary>What a candidate signals when host addresses are concealed by mDNS names (draft-ietf-mmusic-mdns-ice-candidates).</summary>
public static class MdnsCandidates
{
    /// <summary>Draft §3.1.2.2 (and RFC 8839 §9.1): the port that stands in for a concealed related address.</summary>
    public const int ConcealedRelatedPort = 9;

    /// <summary>
    /// The candidate as signalled: a host candidate whose address has a name in <paramref name="names"/> carries the name
    /// (§3.1.1 step 6); any candidate whose related address is one of those addresses — a server-reflexive one, whose base
    /// is the host — carries raddr "0.0.0.0" or "::" and rport 9 instead (§3.1.2.2: "MUST have its raddr field set to
    /// '0.0.0.0'/'::' and its rport field set to '9'"). Anything else is returned as it is.
    /// </summary>
    public static IceCandidate Conceal(IceCandidate candidate, IReadOnlyDictionary<IPAddress, string> names)
    {
        var address = candidate.Address;
        if (candidate.Type == IceCandidateType.Host && address.IPAddress is { } ip && names.TryGetValue(ip, out var name))
            IceConnectionAddress.TryParse(name, out address, out _);
        var (relatedAddress, relatedPort) = (candidate.RelatedAddress, candidate.RelatedPort);
        if (relatedAddress?.IPAddress is { } related && names.ContainsKey(related))
        {
            relatedAddress = IceConnectionAddress.FromIP(related.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any);
            relatedPort = ConcealedRelatedPort;
        }
        if (address == candidate.Address && relatedAddress == candidate.RelatedAddress) return candidate;
        return new IceCandidate(candidate.Foundation, candidate.ComponentId, candidate.TransportToken, candidate.Priority, address, candidate.Port,
            candidate.TypeToken, relatedAddress, relatedPort, candidate.Extensions);
    }
}
