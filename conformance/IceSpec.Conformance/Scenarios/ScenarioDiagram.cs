using System.Text;
using IceSpec.Conformance.Lab;

namespace IceSpec.Conformance.Scenarios;

/// <summary>An ASCII drawing of a scenario's topology (for <c>icespec conformance list</c>, the README and the HTML report).</summary>
public static class ScenarioDiagram
{
    public static string Render(Scenario scenario)
    {
        var topology = scenario.Topology;
        var servers = scenario.TurnTransport is null ? "STUN" : $"STUN, TURN over {scenario.TurnTransport.ToUpperInvariant()}";
        var loss = topology.LossPercent > 0 ? $", {topology.LossPercent} % loss" : "";
        var ipv6 = topology.HasIPv6 ? $", {LabAddressPlan.CoturnAddress6}|{LabAddressPlan.IceSpecServerAddress6}" : "";
        var publicLabel = $"public ({servers} at {LabAddressPlan.CoturnAddress}|{LabAddressPlan.IceSpecServerAddress}{ipv6}{loss})";

        // Several hosts behind one router fan into the router; one host per site: the sites fan into the public side.
        if (topology.Sites.Count == 1)
        {
            var site = topology.Sites[0];
            var hosts = Enumerable.Range(1, site.Hosts).Select(h => Host(scenario, 1, h)).ToList();
            return FanIn(hosts, $"[{Router(site, 1)}] ── {publicLabel}");
        }
        var rows = topology.Sites.Select((site, i) => $"{Host(scenario, i + 1, 1)} ── [{Router(site, i + 1)}]").ToList();
        return FanIn(rows, publicLabel);
    }

    private static string Host(Scenario scenario, int site, int host)
    {
        var slot = new HostSlot(site, host);
        var role = slot == scenario.Controlling ? "controlling" : slot == scenario.Controlled ? "controlled" : "idle";
        var spec = scenario.Topology.Sites[site - 1];
        var (address4, address6) = spec.SharedLan
            ? (LabAddressPlan.SharedLanHost(site, host), LabAddressPlan.SharedLanHost6(site, host))
            : (LabAddressPlan.HostAddress(site, host), LabAddressPlan.HostAddress6(site, host));
        var address = spec.Families switch
        {
            LabFamilies.IPv6 => address6.ToString(),
            LabFamilies.DualStack => $"{address4} + {address6}",
            _ => address4.ToString(),
        };
        return $"{role,-11} {address}";
    }

    private static string Router(SiteSpec site, int number) =>
        (site.Nat == NatType.None ? "router, no NAT" : $"NAT {site.Nat.Name()} {LabAddressPlan.WanAddress(number)}") +
        (site.UdpBlocked ? site.TcpOpen ? ", UDP blocked (TCP open)" : ", UDP blocked" : "") + (site.HasIPv6 ? ", IPv6 routed" : "") +
        (site.SharedLan ? ", hosts on one LAN (bridge)" : "");

    /// <summary>Rows joined by a bracket whose middle arm carries <paramref name="target"/>.</summary>
    private static string FanIn(IReadOnlyList<string> rows, string target)
    {
        var width = rows.Max(r => r.Length) + 1;
        var text = new StringBuilder();
        for (var i = 0; i < rows.Count; i++)
        {
            text.Append(rows[i]).Append(' ').Append(new string('─', width - rows[i].Length)).AppendLine(i == 0 ? "┐" : i == rows.Count - 1 ? "┘" : "┤");
            if (i == 0) text.Append(new string(' ', width + 1)).Append("├── ").AppendLine(target);
        }
        return text.ToString();
    }
}
