using System.Net;

namespace IceSpec.Conformance.Lab;

/// <summary>One site: a router namespace (with its NAT) and one or more host namespaces behind it.</summary>
/// <param name="Nat">The NAT of the site's router.</param>
/// <param name="Hosts">Host namespaces behind the router.</param>
/// <param name="UdpBlocked">The router forwards no UDP and only TCP to the TURN servers' port 3478.</param>
/// <param name="TcpOpen">With <paramref name="UdpBlocked"/>: the router drops UDP only and lets TCP to anywhere leave (a firewall that blocks UDP).</param>
public sealed record SiteSpec(NatType Nat, int Hosts = 1, bool UdpBlocked = false, bool TcpOpen = false);

/// <summary>What the lab builds: sites hanging off one public namespace, and the loss injected in it.</summary>
/// <param name="Sites">The sites, numbered from 1 in this order.</param>
/// <param name="LossPercent">Share of forwarded packets the public namespace drops at random (nftables numgen), 0–99.</param>
/// <param name="UdpConntrackTimeout">
/// Seconds the sites' NATs keep an idle UDP mapping (<c>nf_conntrack_udp_timeout</c> and <c>_stream</c>, per network
/// namespace); null keeps the kernel's 30 s / 120 s.
/// </param>
public sealed record LabTopology(IReadOnlyList<SiteSpec> Sites, int LossPercent = 0, int? UdpConntrackTimeout = null);

/// <summary>
/// The lab's fixed address plan. Every run has its own namespaces, so every run can use the same addresses.
/// <code>
///   sink ── 192.0.2.0/30 ── public (203.0.113.1 coturn, 203.0.113.2 icespec turn-server, on lo)
///                             ├── 198.51.100.4k/30 ── router k (wan0) ── 10.k.j.0/24 ── host k.j (eth0)
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

    /// <summary>Prefixes a TURN server must allow as peers (ours refuses private and documentation ranges by default).</summary>
    public static readonly string[] PeerPrefixes = ["10.0.0.0/8", "198.51.100.0/24", "203.0.113.0/24"];
}
