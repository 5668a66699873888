using System.Net;

namespace IceSpec.Conformance.Lab;

/// <summary>
/// A host of the lab: its namespace and its address (IPv4, or IPv6 on an IPv6-only site); <see cref="Addresses"/> has
/// every address of a dual-stack host, IPv4 first.
/// </summary>
public sealed record LabHost(string Namespace, IPAddress Address, int Site)
{
    public IReadOnlyList<IPAddress> Addresses { get; init; } = [Address];
}

/// <summary>A built site: its router namespace, the NAT's external address, the hosts behind it.</summary>
public sealed record LabSite(int Number, SiteSpec Spec, string RouterNamespace, IPAddress WanAddress, IReadOnlyList<LabHost> Hosts);

/// <summary>
/// A NAT lab built from network namespaces, veth links and nftables (<see cref="LabAddressPlan"/> draws it). Every
/// namespace name starts with this run's prefix <c>isl-PID-RANDOM-</c>, so parallel runs never collide and
/// <see cref="LabSweep"/> can tell a dead run's leftovers. Disposing (also on failure, Ctrl-C and process exit) stops the
/// lab's processes and deletes every namespace.
/// </summary>
public sealed class NatLab : IAsyncDisposable
{
    private readonly List<string> _namespaces = [];
    private readonly List<LabProcess> _processes = [];
    private int _disposed;
    /// <summary>Set once <see cref="Teardown"/> has deleted every namespace: a second caller waits for the first.</summary>
    private readonly ManualResetEventSlim _tornDown = new();

    private NatLab(string prefix, LabTopology topology)
    {
        Prefix = prefix;
        Topology = topology;
    }

    public string Prefix { get; }
    public LabTopology Topology { get; }
    public string PublicNamespace => Prefix + "pub";
    public IReadOnlyList<LabSite> Sites { get; private set; } = [];
    public IReadOnlyList<string> Namespaces { get { lock (_namespaces) return [.. _namespaces]; } }

    /// <summary>Builds <paramref name="topology"/>; on any error tears down what was built and throws <see cref="LabException"/>.</summary>
    public static NatLab Build(LabTopology topology)
    {
        if (topology.Sites.Count is < 1 or > 60) throw new ArgumentException("a lab has 1 to 60 sites");
        if (topology.LossPercent is < 0 or > 99) throw new ArgumentException("loss is a percentage from 0 to 99");
        LabSweep.RemoveLeftovers();
        var lab = new NatLab(LabSweep.NewPrefix(), topology);
        LabSweep.Register(lab);
        try
        {
            lab.BuildPublic();
            if (topology.HasIPv6) lab.BuildPublic6();
            lab.Sites = [.. topology.Sites.Select((spec, i) => lab.BuildSite(i + 1, spec))];
            if (topology.LossPercent > 0) LabShell.Nft(lab.PublicNamespace, NatRules.Loss(topology.LossPercent));
            return lab;
        }
        catch
        {
            lab.Teardown();
            throw;
        }
    }

    /// <summary>Starts a process inside one of this lab's namespaces; the lab stops it when it is torn down.</summary>
    public LabProcess Start(string netns, string file, IReadOnlyList<string> args, string logPath)
    {
        var process = LabProcess.Start(netns, file, args, logPath);
        lock (_processes) _processes.Add(process);
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        LabProcess[] processes;
        lock (_processes) processes = [.. _processes];
        await Task.WhenAll(processes.Select(p => p.DisposeAsync().AsTask()));
        Teardown();
    }

    /// <summary>
    /// Kills what still runs in the lab's namespaces (by PID) and deletes them. Safe to call twice and from signal
    /// handlers: a second caller (the SIGINT handler while the run disposes the lab) returns only once the first has
    /// deleted every namespace (bounded), so the process never exits halfway through a teardown.
    /// </summary>
    internal void Teardown()
    {
        string[]? namespaces;
        lock (_namespaces)
        {
            // Under the lock: a namespace being added right now is either in the list or will never be created.
            namespaces = Interlocked.Exchange(ref _disposed, 1) == 0 ? [.. _namespaces] : null;
        }
        if (namespaces is null)
        {
            _tornDown.Wait(TimeSpan.FromSeconds(30));
            return;
        }
        foreach (var netns in namespaces) LabSweep.Delete(netns);
        // Unregistered only once its namespaces are gone: until then a signal's teardown finds it and waits (above).
        LabSweep.Unregister(this);
        _tornDown.Set();
    }

    private string AddNamespace(string role)
    {
        var netns = Prefix + role;
        lock (_namespaces)
        {
            if (Volatile.Read(ref _disposed) != 0) throw new LabException("the lab was torn down while it was being built (interrupted)");
            LabShell.Ip("netns", "add", netns);
            _namespaces.Add(netns);
        }
        LabShell.Ip("-n", netns, "link", "set", "lo", "up");
        if (Topology.HasIPv6)
            // No duplicate address detection on any link made later (link-local addresses included): tentative addresses
            // would drop the first 1–2 s of IPv6 traffic (the NAT probe's), not only the nodad global ones.
            foreach (var scope in (string[])["all", "default"]) LabShell.Sysctl(netns, $"net.ipv6.conf.{scope}.accept_dad", "0");
        return netns;
    }

    /// <summary>
    /// The public namespace ("the internet") with the servers' addresses on lo, and a sink namespace as its default
    /// route: packets to unroutable (private) addresses are dropped silently there instead of failing with ENETUNREACH.
    /// </summary>
    private void BuildPublic()
    {
        var pub = AddNamespace("pub");
        var sink = AddNamespace("sink");
        LabShell.Ip("-n", pub, "addr", "add", $"{LabAddressPlan.CoturnAddress}/32", "dev", "lo");
        LabShell.Ip("-n", pub, "addr", "add", $"{LabAddressPlan.IceSpecServerAddress}/32", "dev", "lo");
        Link(pub, "sink0", "192.0.2.1/30", sink, "up0", "192.0.2.2/30");
        LabShell.Ip("-n", pub, "route", "add", "default", "via", "192.0.2.2");
        LabShell.Sysctl(pub, "net.ipv4.ip_forward", "1");
        LabShell.Sysctl(sink, "net.ipv4.ip_forward", "0");
    }

    /// <summary>
    /// The public namespace's IPv6: the servers' IPv6 addresses on lo and a default route to the sink (as for IPv4:
    /// unroutable destinations are dropped there rather than failing at once).
    /// </summary>
    private void BuildPublic6()
    {
        var pub = PublicNamespace;
        var sink = Prefix + "sink";
        AddAddress6(pub, "lo", LabAddressPlan.CoturnAddress6, 128);
        AddAddress6(pub, "lo", LabAddressPlan.IceSpecServerAddress6, 128);
        AddAddress6(pub, "sink0", LabAddressPlan.PublicToSink6, 64);
        AddAddress6(sink, "up0", LabAddressPlan.Sink6, 64);
        LabShell.Ip("-n", pub, "-6", "route", "add", "default", "via", LabAddressPlan.Sink6.ToString());
        LabShell.Sysctl(pub, "net.ipv6.conf.all.forwarding", "1");
    }

    /// <summary>An IPv6 address without duplicate address detection (nodad): usable at once instead of tentative for 1–2 s.</summary>
    private static void AddAddress6(string netns, string device, IPAddress address, int prefixLength) =>
        LabShell.Ip("-n", netns, "-6", "addr", "add", $"{address}/{prefixLength}", "dev", device, "nodad");

    private LabSite BuildSite(int number, SiteSpec spec)
    {
        if (spec.Families == LabFamilies.IPv6 && spec.Nat != NatType.None) throw new ArgumentException("an IPv6-only site has no NAT (NatType.None)");
        var router = AddNamespace($"r{number}");
        var wan = LabAddressPlan.WanAddress(number);
        var gateway = LabAddressPlan.WanGateway(number);
        Link(PublicNamespace, $"site{number}", $"{gateway}/30", router, "wan0", $"{wan}/30");
        LabShell.Ip("-n", router, "route", "add", "default", "via", gateway.ToString());
        LabShell.Sysctl(router, "net.ipv4.ip_forward", "1");
        if (Topology.UdpConntrackTimeout is { } seconds)
        {
            // Per network namespace (checked on kernel 6.18: the host's values stay 30 s / 120 s).
            LabShell.Sysctl(router, "net.netfilter.nf_conntrack_udp_timeout", seconds.ToString());
            LabShell.Sysctl(router, "net.netfilter.nf_conntrack_udp_timeout_stream", seconds.ToString());
        }
        if (spec.HasIPv6)
        {
            AddAddress6(PublicNamespace, $"site{number}", LabAddressPlan.WanGateway6(number), 64);
            AddAddress6(router, "wan0", LabAddressPlan.WanAddress6(number), 64);
            LabShell.Ip("-n", router, "-6", "route", "add", "default", "via", LabAddressPlan.WanGateway6(number).ToString());
            LabShell.Ip("-n", PublicNamespace, "-6", "route", "add", LabAddressPlan.SitePrefix6(number), "via", LabAddressPlan.WanAddress6(number).ToString());
            LabShell.Sysctl(router, "net.ipv6.conf.all.forwarding", "1");
        }
        var hosts = new List<LabHost>();
        if (spec.SharedLan) return FinishSite(number, spec, router, wan, BuildSharedLan(number, spec, router));
        for (var j = 1; j <= spec.Hosts; j++)
        {
            var host = AddNamespace($"h{number}{(char)('a' + j - 1)}");
            var address = LabAddressPlan.HostAddress(number, j);
            var lanGateway = LabAddressPlan.LanGateway(number, j);
            Link(router, $"lan{j}", $"{lanGateway}/24", host, "eth0", $"{address}/24");
            LabShell.Ip("-n", host, "route", "add", "default", "via", lanGateway.ToString());
            if (!spec.HasIPv4)
                // IPv6-only: the veth link keeps no IPv4 address (the lab's IPv4 plan stays, unused).
                foreach (var (netns, device, a) in ((string, string, IPAddress)[])[(router, $"lan{j}", lanGateway), (host, "eth0", address)])
                    LabShell.Ip("-n", netns, "addr", "del", $"{a}/24", "dev", device);
            IPAddress? address6 = null;
            if (spec.HasIPv6)
            {
                address6 = LabAddressPlan.HostAddress6(number, j);
                AddAddress6(router, $"lan{j}", LabAddressPlan.LanGateway6(number, j), 64);
                AddAddress6(host, "eth0", address6, 64);
                LabShell.Ip("-n", host, "-6", "route", "add", "default", "via", LabAddressPlan.LanGateway6(number, j).ToString());
            }
            hosts.Add(NewHost(host, number, spec.Families, address, address6));
        }
        return FinishSite(number, spec, router, wan, hosts);
    }

    /// <summary>A host of <paramref name="families"/>: its IPv4 address, its IPv6 one, or both (IPv4 first).</summary>
    private static LabHost NewHost(string netns, int site, LabFamilies families, IPAddress address, IPAddress? address6) => families switch
    {
        LabFamilies.IPv6 => new LabHost(netns, address6!, site),
        LabFamilies.DualStack => new LabHost(netns, address, site) { Addresses = [address, address6!] },
        _ => new LabHost(netns, address, site),
    };

    private LabSite FinishSite(int number, SiteSpec spec, string router, IPAddress wan, List<LabHost> hosts)
    {
        if (spec.Nat == NatType.None)
            LabShell.Ip("-n", PublicNamespace, "route", "add", $"10.{number}.0.0/16", "via", wan.ToString());
        LabShell.Nft(router, NatRules.Router(spec, wan, [.. hosts.SelectMany(h => h.Addresses).Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)]));
        return new LabSite(number, spec, router, spec.Nat == NatType.None ? hosts[0].Address : wan, hosts);
    }

    /// <summary>
    /// <see cref="SiteSpec.SharedLan"/>: the bridge <c>lan0</c> (the router's LAN address) with one veth port <c>lanJ</c>
    /// per host; each host's <c>eth0</c> (MULTICAST, as every veth) is on 10.k.0.0/24 and/or 2001:db8:k::/64 with its
    /// default routes to the router, which also carries 224.0.0.0/4. Bridged frames skip the router's nftables
    /// (bridge-nf-call-iptables 0 where br_netfilter is loaded): host-to-host traffic is a LAN's, never NATed or filtered.
    /// ff02::fb crosses it with the bridge's default multicast snooping: the hosts' MLD reports (sent when the mDNS
    /// sockets join) tell it which ports listen.
    /// </summary>
    private List<LabHost> BuildSharedLan(int number, SiteSpec spec, string router)
    {
        LabShell.Ip("-n", router, "link", "add", "lan0", "type", "bridge");
        if (spec.HasIPv4) LabShell.Ip("-n", router, "addr", "add", $"{LabAddressPlan.SharedLanGateway(number)}/24", "dev", "lan0");
        if (spec.HasIPv6) AddAddress6(router, "lan0", LabAddressPlan.SharedLanGateway6(number), 64);
        LabShell.Ip("-n", router, "link", "set", "lan0", "up");
        if (File.Exists("/proc/sys/net/bridge/bridge-nf-call-iptables")) LabShell.Sysctl(router, "net.bridge.bridge-nf-call-iptables", "0");
        var hosts = new List<LabHost>();
        for (var j = 1; j <= spec.Hosts; j++)
        {
            var host = AddNamespace($"h{number}{(char)('a' + j - 1)}");
            LabShell.Ip("-n", router, "link", "add", $"lan{j}", "type", "veth", "peer", "name", "eth0", "netns", host);
            LabShell.Ip("-n", router, "link", "set", $"lan{j}", "master", "lan0");
            LabShell.Ip("-n", router, "link", "set", $"lan{j}", "up");
            LabShell.Ip("-n", host, "link", "set", "eth0", "up");
            var address = LabAddressPlan.SharedLanHost(number, j);
            var address6 = LabAddressPlan.SharedLanHost6(number, j);
            if (spec.HasIPv4)
            {
                LabShell.Ip("-n", host, "addr", "add", $"{address}/24", "dev", "eth0");
                LabShell.Ip("-n", host, "route", "add", "default", "via", LabAddressPlan.SharedLanGateway(number).ToString());
            }
            if (spec.HasIPv6)
            {
                AddAddress6(host, "eth0", address6, 64);
                LabShell.Ip("-n", host, "-6", "route", "add", "default", "via", LabAddressPlan.SharedLanGateway6(number).ToString());
            }
            hosts.Add(NewHost(host, number, spec.Families, address, address6));
        }
        return hosts;
    }

    /// <summary>A veth pair created directly in its two namespaces (names need only be unique per namespace), both ends up.</summary>
    private static void Link(string leftNs, string left, string leftAddress, string rightNs, string right, string rightAddress)
    {
        LabShell.Ip("-n", leftNs, "link", "add", left, "type", "veth", "peer", "name", right, "netns", rightNs);
        LabShell.Ip("-n", leftNs, "addr", "add", leftAddress, "dev", left);
        LabShell.Ip("-n", rightNs, "addr", "add", rightAddress, "dev", right);
        LabShell.Ip("-n", leftNs, "link", "set", left, "up");
        LabShell.Ip("-n", rightNs, "link", "set", right, "up");
    }
}
