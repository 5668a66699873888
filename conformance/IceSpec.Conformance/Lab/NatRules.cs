using System.Net;
using System.Text;

namespace IceSpec.Conformance.Lab;

/// <summary>
/// The nftables scripts of the lab: a router's NAT (RFC 4787 behaviours) and the public side's packet loss.
/// Each router has one table <c>lab</c>; the WAN interface is <c>wan0</c>, the LAN interfaces <c>lan1</c>, <c>lan2</c>…
/// </summary>
public static class NatRules
{
    /// <summary>The router script for <paramref name="site"/>; <paramref name="hosts"/> are the LAN hosts' addresses.</summary>
    public static string Router(SiteSpec site, IPAddress wan, IReadOnlyList<IPAddress> hosts)
    {
        var nat = site.Nat;
        if (nat is NatType.FullCone or NatType.AddressRestricted && hosts.Count != 1)
            throw new ArgumentException($"a {nat.Name()} NAT forwards unsolicited packets to one host; this site has {hosts.Count}");

        var script = new StringBuilder("table ip lab {\n");
        if (nat == NatType.AddressRestricted)
            script.Append("  set contacted { type ipv4_addr . inet_service; flags dynamic,timeout; timeout 120s; }\n");

        script.Append("  chain forward { type filter hook forward priority filter; policy accept;\n");
        if (site.UdpBlocked)
        {
            if (site.TcpOpen)
                // Any TCP leaves (and its answers come back through the NAT): ICE-TCP (RFC 6544) and TURN over TCP are the ways out.
                script.Append("    iifname \"lan*\" meta l4proto tcp accept\n");
            else
                // Only TCP to the TURN servers leaves the site: TURN over TCP (RFC 8656 §3.1) is the way out.
                script.Append($"    iifname \"lan*\" ip daddr {{ {LabAddressPlan.CoturnAddress}, {LabAddressPlan.IceSpecServerAddress} }} tcp dport {LabAddressPlan.TurnPort} accept\n");
            script.Append("    iifname \"lan*\" drop\n");
        }
        if (nat == NatType.AddressRestricted)
            // RFC 4787 §5 address-dependent filtering: remember every remote address a host sent to, per mapped port
            // (the mapping keeps the port: snat persistent below).
            script.Append("    iifname \"lan*\" meta l4proto udp update @contacted { ip daddr . udp sport }\n");
        script.Append("  }\n");

        if (nat is NatType.AddressRestricted or NatType.PortRestricted or NatType.Symmetric)
        {
            // Unsolicited inbound packets are dropped before conntrack confirms them: an unreplied entry would otherwise
            // make the host's later packet to that remote get a new external port (a mapping that is not endpoint-independent).
            script.Append("  chain unsolicited { type filter hook prerouting priority -150; policy accept;\n");
            if (nat == NatType.AddressRestricted)
                script.Append("    iifname \"wan0\" ct state new meta l4proto udp ip saddr . udp dport @contacted accept\n");
            script.Append("    iifname \"wan0\" ct state new drop\n  }\n");
        }
        if (nat is NatType.FullCone or NatType.AddressRestricted)
            // RFC 4787 §5 endpoint-independent filtering: whatever reaches the mapped port goes to the host (same port).
            script.Append($"  chain inbound {{ type nat hook prerouting priority dstnat; policy accept;\n    iifname \"wan0\" meta l4proto udp dnat to {hosts[0]}\n  }}\n");

        script.Append("  chain outbound { type nat hook postrouting priority srcnat; policy accept;\n");
        script.Append(nat switch
        {
            NatType.None => "",
            // RFC 4787 §4.1 address-and-port-dependent mapping: a random external port per conntrack entry, i.e. per remote endpoint.
            NatType.Symmetric => "    oifname \"wan0\" masquerade random\n",
            // RFC 4787 §4.1 endpoint-independent mapping: the source port is kept.
            _ => $"    oifname \"wan0\" snat to {wan} persistent\n",
        });
        script.Append("  }\n}\n");
        return script.ToString();
    }

    /// <summary>
    /// The public namespace's loss: drop <paramref name="percent"/> % of the packets it forwards between sites and of those
    /// addressed to its servers, at random (on input, not output: an output drop is an EPERM to the sender, not a loss).
    /// </summary>
    public static string Loss(int percent) =>
        "table ip lab {\n" +
        $"  chain forward_loss {{ type filter hook forward priority filter; policy accept; numgen random mod 100 < {percent} drop; }}\n" +
        $"  chain input_loss {{ type filter hook input priority filter; policy accept; iifname != \"lo\" numgen random mod 100 < {percent} drop; }}\n" +
        "}\n";
}
