using IceSpec.Stun;

namespace IceSpec.Turn.Server;

/// <summary>
/// Which peers a client may reach through the relay. RFC 8656 §21.2.3 (attacks on the internal network) and §9.1
/// ("the server MAY impose restrictions on the IP address ... allowed in a permission"): by default every block of the
/// IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890) is refused with 403, and so are multicast and the
/// deprecated IPv6 ranges, so the server is never a way into the network it runs in. The two blocks that only embed an
/// IPv4 address — IPv4-mapped ::ffff:0:0/96 and the well-known NAT64 prefix 64:ff9b::/96 — are judged by the IPv4
/// address inside. Explicit allows win over explicit denies, which win over the built-in list.
/// Each registry entry and its decision is listed in IceSpec.Turn.Tests/Server/Registry/iana-special-purpose.tsv.
/// </summary>
public sealed class TurnPeerPolicy
{
    /// <summary>What a relay must not reach by default (every entry of the IANA special-purpose registries but the two embedding prefixes).</summary>
    public static IReadOnlyList<IpPrefix> SpecialPurpose { get; } =
    [
        IpPrefix.Parse("0.0.0.0/8"),          // "this network", and 0.0.0.0/32 "this host" (RFC 791, RFC 1122)
        IpPrefix.Parse("10.0.0.0/8"),         // private (RFC 1918)
        IpPrefix.Parse("100.64.0.0/10"),      // shared address space, carrier-grade NAT (RFC 6598)
        IpPrefix.Parse("127.0.0.0/8"),        // loopback (RFC 1122)
        IpPrefix.Parse("169.254.0.0/16"),     // link-local (RFC 3927)
        IpPrefix.Parse("172.16.0.0/12"),      // private (RFC 1918)
        IpPrefix.Parse("192.0.0.0/24"),       // IETF protocol assignments (RFC 6890): DS-Lite, PCP and TURN anycast, NAT64 discovery
        IpPrefix.Parse("192.0.2.0/24"),       // documentation TEST-NET-1 (RFC 5737)
        IpPrefix.Parse("192.31.196.0/24"),    // AS112-v4 anycast (RFC 7535): the nearest instance may be the operator's own
        IpPrefix.Parse("192.52.193.0/24"),    // AMT relay anycast (RFC 7450): idem
        IpPrefix.Parse("192.88.99.0/24"),     // deprecated 6to4 relay anycast (RFC 7526): idem
        IpPrefix.Parse("192.168.0.0/16"),     // private (RFC 1918)
        IpPrefix.Parse("192.175.48.0/24"),    // AS112 direct delegation (RFC 7534): idem
        IpPrefix.Parse("198.18.0.0/15"),      // benchmarking (RFC 2544)
        IpPrefix.Parse("198.51.100.0/24"),    // documentation TEST-NET-2 (RFC 5737)
        IpPrefix.Parse("203.0.113.0/24"),     // documentation TEST-NET-3 (RFC 5737)
        IpPrefix.Parse("224.0.0.0/4"),        // multicast (RFC 5771; not in the special-purpose registry)
        IpPrefix.Parse("240.0.0.0/4"),        // reserved, and 255.255.255.255 limited broadcast (RFC 1112, RFC 919)
        IpPrefix.Parse("::/128"),             // unspecified (RFC 4291)
        IpPrefix.Parse("::1/128"),            // loopback (RFC 4291)
        IpPrefix.Parse("::/96"),              // IPv4-compatible, deprecated (RFC 4291)
        IpPrefix.Parse("64:ff9b:1::/48"),     // local-use NAT64 (RFC 8215): the operator's translator may reach its internal IPv4
        IpPrefix.Parse("100::/64"),           // discard-only (RFC 6666)
        IpPrefix.Parse("100:0:0:1::/64"),     // dummy IPv6 prefix (RFC 9780)
        IpPrefix.Parse("2001::/23"),          // IETF protocol assignments (RFC 2928): Teredo, anycast services, benchmarking, ORCHID, DETs
        IpPrefix.Parse("2001:db8::/32"),      // documentation (RFC 3849)
        IpPrefix.Parse("2002::/16"),          // 6to4 (RFC 3056): embeds an IPv4 address reached through relays the server cannot vet
        IpPrefix.Parse("2620:4f:8000::/48"),  // AS112 direct delegation (RFC 7534): anycast, the nearest instance may be internal
        IpPrefix.Parse("3fff::/20"),          // documentation (RFC 9637)
        IpPrefix.Parse("5f00::/16"),          // segment routing SIDs (RFC 9602): inside an SR domain only
        IpPrefix.Parse("fc00::/7"),           // unique local (RFC 4193)
        IpPrefix.Parse("fe80::/10"),          // link-local (RFC 4291)
        IpPrefix.Parse("fec0::/10"),          // site-local, deprecated (RFC 3879)
        IpPrefix.Parse("ff00::/8"),           // multicast (RFC 4291)
    ];

    /// <summary>Loopback, allowed by <c>--allow-loopback-peers</c> (tests, single-host set-ups).</summary>
    public static IReadOnlyList<IpPrefix> Loopback { get; } = [IpPrefix.Parse("127.0.0.0/8"), IpPrefix.Parse("::1/128")];

    private readonly IpPrefix[] _allowed;
    private readonly IpPrefix[] _denied;

    public TurnPeerPolicy(bool allowLoopback = false, IEnumerable<IpPrefix>? allowed = null, IEnumerable<IpPrefix>? denied = null)
    {
        AllowLoopback = allowLoopback;
        _allowed = [.. (allowLoopback ? Loopback : []), .. allowed ?? []];
        _denied = [.. denied ?? []];
    }

    public bool AllowLoopback { get; }

    public IReadOnlyList<IpPrefix> Allowed => _allowed;

    public IReadOnlyList<IpPrefix> Denied => _denied;

    /// <summary>Whether a permission (and so relaying) to this peer's IP address may exist.</summary>
    public bool IsAllowed(in TurnEndpoint peer)
    {
        var address = Embedded(peer);
        foreach (var prefix in _allowed) if (prefix.Contains(peer) || prefix.Contains(address)) return true;
        foreach (var prefix in _denied) if (prefix.Contains(peer) || prefix.Contains(address)) return false;
        foreach (var prefix in SpecialPurpose) if (prefix.Contains(peer) || prefix.Contains(address)) return false;
        return true;
    }

    /// <summary>
    /// The IPv4 address inside an IPv4-mapped (::ffff:0:0/96, RFC 4291) or NAT64 (64:ff9b::/96, RFC 6052) address, so
    /// that ::ffff:127.0.0.1 is judged as 127.0.0.1; otherwise the address itself.
    /// </summary>
    private static TurnEndpoint Embedded(in TurnEndpoint peer)
    {
        if (!peer.IsIPv6) return peer;
        if (peer.High == 0 && (peer.Low >> 32) == 0xFFFF) return TurnEndpoint.IPv4((uint)peer.Low, peer.Port);
        if (peer.High == 0x0064_FF9B_0000_0000UL && (peer.Low >> 32) == 0) return TurnEndpoint.IPv4((uint)peer.Low, peer.Port);
        return peer;
    }
}
