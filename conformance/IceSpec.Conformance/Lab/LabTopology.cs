using System.Net;

namespace IceSpec.Conformance.Lab;

/// <summary>The address families of a site's hosts.</summary>
public enum LabFamilies : byte
{
    /// <summary>IPv4 only (the NAT's private side), as every site was before IPv6.</summary>
    IPv4,
    /// <summary>IPv6 only: global addresses, routed without NAT (nothing translates IPv6 here, as in most IPv6 networks).</summary>
    IPv6,
    /// <summary>Both: the IPv4 address behind the site's NAT and a global IPv6 address routed without NAT.</summary>
    DualStack,
}

/// <summary>One site: a router namespace (with its NAT) and one or more host namespaces behind it.</summary>
/// <param name="Nat">The NAT of the site's router (IPv4; IPv6 is never translated).</param>
/// <param name="Hosts">Host namespaces behind the router.</param>
/// <param name="UdpBlocked">The router forwards no UDP and only TCP to the TURN servers' port 3478.</param>
/// <param name="TcpOpen">With <paramref name="UdpBlocked"/>: the router drops UDP only and lets TCP to anywhere leave (a firewall that blocks UDP).</param>
/// <param name="Families">The hosts' address families; an IPv6-only site has no NAT (<see cref="NatType.None"/>).</param>
/// <param name="SharedLan">
/// The hosts share one L2 segment: a bridge <c>lan0</c> in the router (10.k.0.1/24) with every host's link as a port,
/// so that link-local multicast (mDNS, 224.0.0.251 and ff02::fb) reaches the other hosts (RFC 6762 §3: it is not
/// routed); with IPv6 the bridge also has 2001:db8:k::1/64 and host k.j 2001:db8:k::(j+1) (<see cref="LabAddressPlan.SharedLanHost6"/>).
/// Without it each host has a /24 of its own (<see cref="LabAddressPlan.HostAddress"/>) and only the router hears it.
/// </param>
public sealed record SiteSpec(NatType Nat, int Hosts = 1, bool UdpBlocked = false, bool TcpOpen = false, LabFamilies Families = LabFamilies.IPv4,
    bool SharedLan = false)
{
    public bool HasIPv4 => Families != LabFamilies.IPv6;
    public bool HasIPv6 => Families != LabFamilies.IPv4;
}

/// <summary>What the lab builds: sites hanging off one public namespace, and the loss injected in it.</summary>
/// <param name="Sites">The sites, numbered from 1 in this order.</param>
/// <param name="LossPercent">Share of forwarded packets the public namespace drops at random (nftables numgen), 0–99.</param>
/// <param name="UdpConntrackTimeout">
/// Seconds the sites' NATs keep an idle UDP mapping (<c>nf_conntrack_udp_timeout</c> and <c>_stream</c>, per network
/// namespace); null keeps the kernel's 30 s / 120 s.
/// </param>
public sealed record LabTopology(IReadOnlyList<SiteSpec> Sites, int LossPercent = 0, int? UdpConntrackTimeout = null)
{
    /// <summary>Some site has IPv6: the public namespace and the servers get IPv6 addresses too.</summary>
    public bool HasIPv6 => Sites.Any(s => s.HasIPv6);
}

/// <summary>
/// The lab's fixed address plan. Every run has its own namespaces, so every run can use the same addresses.
/// <code>
///   sink ── 192.0.2.0/30 ── public (203.0.113.1 coturn, 203.0.113.2 icespec turn-server, on lo)
///                             ├── 198.51.100.4k/30 ── router k (wan0) ── 10.k.j.0/24 ── host k.j (eth0)
///   IPv6 (sites with IPv6 only; documentation prefix 2001:db8::/32, RFC 3849; no NAT, addresses added nodad):
///   sink ── 2001:db8:fffe::/64 ── public (2001:db8:ffff::1 coturn, 2001:db8:ffff::2 icespec turn-server, on lo)
///                             ├── 2001:db8:100:k::/64 ── router k (wan0) ── 2001:db8:k:j::/64 ── host k.j (eth0)
/// </code>
/// </summary>
public static class LabAddressPlan
{
    public static readonly IPAddress CoturnAddress = IPAddress.Parse("203.0.113.1");
    public static readonly IPAddress IceSpecServerAddress = IPAddress.Parse("203.0.113.2");
    public const int TurnPort = 3478;
    public const string TurnUser = "lab";
    public const string TurnPassword = "lab-password";
    public const string TurnRealm = "icespec.lab";

    /// <summary>Public side of site <paramref name="site"/>'s WAN link (1-based).</summary>
    public static IPAddress WanGateway(int site) => IPAddress.Parse($"198.51.100.{4 * site + 1}");

    /// <summary>The router's WAN address: the NAT's external address.</summary>
    public static IPAddress WanAddress(int site) => IPAddress.Parse($"198.51.100.{4 * site + 2}");

    public static IPAddress LanGateway(int site, int host) => IPAddress.Parse($"10.{site}.{host}.1");

    public static IPAddress HostAddress(int site, int host) => IPAddress.Parse($"10.{site}.{host}.2");

    /// <summary>The router's address on a shared LAN (<see cref="SiteSpec.SharedLan"/>), the bridge <c>lan0</c>.</summary>
    public static IPAddress SharedLanGateway(int site) => IPAddress.Parse($"10.{site}.0.1");

    /// <summary>Host k.j's address on a shared LAN: 10.k.0.(j+1)/24.</summary>
    public static IPAddress SharedLanHost(int site, int host) => IPAddress.Parse($"10.{site}.0.{host + 1}");

    public static readonly IPAddress CoturnAddress6 = IPAddress.Parse("2001:db8:ffff::1");
    public static readonly IPAddress IceSpecServerAddress6 = IPAddress.Parse("2001:db8:ffff::2");

    /// <summary>The public namespace's and the sink's ends of their IPv6 link (/64).</summary>
    public static readonly IPAddress PublicToSink6 = IPAddress.Parse("2001:db8:fffe::1");
    public static readonly IPAddress Sink6 = IPAddress.Parse("2001:db8:fffe::2");

    /// <summary>Public side of site <paramref name="site"/>'s WAN link, IPv6 (/64).</summary>
    public static IPAddress WanGateway6(int site) => IPAddress.Parse($"2001:db8:100:{site:x}::1");

    /// <summary>The router's WAN address, IPv6.</summary>
    public static IPAddress WanAddress6(int site) => IPAddress.Parse($"2001:db8:100:{site:x}::2");

    /// <summary>All of site <paramref name="site"/>'s LAN prefixes (/48), routed to its router.</summary>
    public static string SitePrefix6(int site) => $"2001:db8:{site:x}::/48";

    public static IPAddress LanGateway6(int site, int host) => IPAddress.Parse($"2001:db8:{site:x}:{host:x}::1");

    /// <summary>Host k.j's global IPv6 address (/64).</summary>
    public static IPAddress HostAddress6(int site, int host) => IPAddress.Parse($"2001:db8:{site:x}:{host:x}::2");

    /// <summary>The router's IPv6 address on a shared LAN (<see cref="SiteSpec.SharedLan"/>): 2001:db8:k::1/64 (prefix 2001:db8:k:0::, beside the per-host /64s).</summary>
    public static IPAddress SharedLanGateway6(int site) => IPAddress.Parse($"2001:db8:{site:x}::1");

    /// <summary>Host k.j's global IPv6 address on a shared LAN: 2001:db8:k::(j+1)/64.</summary>
    public static IPAddress SharedLanHost6(int site, int host) => IPAddress.Parse($"2001:db8:{site:x}::{host + 1:x}");

    /// <summary>Prefixes a TURN server must allow as peers (ours refuses private and documentation ranges by default).</summary>
    public static readonly string[] PeerPrefixes = ["10.0.0.0/8", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"];
}
