using IceSpec.Conformance.Lab;

namespace IceSpec.Conformance.Tests.Lab;

/// <summary>Each NAT the lab builds shows, measured with UDP probes, the RFC 4787 behaviour its type claims.</summary>
[Trait("Category", "lab")]
[Collection("lab")]
public sealed class NatBehaviourTests
{
    [Theory]
    [InlineData(NatType.None)]
    [InlineData(NatType.FullCone)]
    [InlineData(NatType.AddressRestricted)]
    [InlineData(NatType.PortRestricted)]
    [InlineData(NatType.Symmetric)]
    public async Task Probe_measures_the_claimed_mapping_and_filtering(NatType nat)
    {
        IReadOnlyList<string> namespaces;
        await using (var lab = NatLab.Build(new LabTopology([new SiteSpec(nat)])))
        {
            namespaces = lab.Namespaces;
            Assert.All(namespaces, ns => Assert.Contains(ns, LabSweep.ListLabNamespaces()));
            var host = lab.Sites[0].Hosts[0];

            var measured = await NatProbe.MeasureAsync(lab, host);

            Assert.True(measured.Mapping == nat.Mapping() && measured.Filtering == nat.Filtering(),
                $"{nat.Name()} should be mapping {nat.Mapping()}, filtering {nat.Filtering()}; measured {measured}");
            if (nat != NatType.None)
                Assert.All(measured.MappedAddresses, m => Assert.Equal(lab.Sites[0].WanAddress, m.Address));
        }
        Assert.Empty(LabSweep.ListLabNamespaces().Intersect(namespaces));
    }

    [Fact]
    public async Task Udp_blocked_site_passes_only_tcp_to_the_turn_port()
    {
        await using var lab = NatLab.Build(new LabTopology([new SiteSpec(NatType.PortRestricted, UdpBlocked: true)]));
        var host = lab.Sites[0].Hosts[0];
        using var turnPort = NamespaceSockets.Tcp(lab.PublicNamespace, new(LabAddressPlan.CoturnAddress, LabAddressPlan.TurnPort));
        using var otherPort = NamespaceSockets.Tcp(lab.PublicNamespace, new(LabAddressPlan.CoturnAddress, 8080));

        var udp = await NatProbe.MeasureAsync(lab, host);

        Assert.Equal(NatBehaviour.Blocked, udp.Mapping);
        Assert.True(await NamespaceSockets.CanConnectAsync(host.Namespace, new(LabAddressPlan.CoturnAddress, LabAddressPlan.TurnPort), TimeSpan.FromSeconds(2)));
        Assert.False(await NamespaceSockets.CanConnectAsync(host.Namespace, new(LabAddressPlan.CoturnAddress, 8080), TimeSpan.FromSeconds(1)));
    }

    /// <summary>SiteSpec.TcpOpen: UDP still goes nowhere, TCP reaches any port (ICE-TCP's way out, scenario udp-blocked-ice-tcp).</summary>
    [Fact]
    public async Task Udp_blocked_site_with_tcp_open_passes_tcp_to_any_port_and_no_udp()
    {
        await using var lab = NatLab.Build(new LabTopology([new SiteSpec(NatType.PortRestricted, UdpBlocked: true, TcpOpen: true)]));
        var host = lab.Sites[0].Hosts[0];
        using var otherPort = NamespaceSockets.Tcp(lab.PublicNamespace, new(LabAddressPlan.CoturnAddress, 8080));

        var udp = await NatProbe.MeasureAsync(lab, host);

        Assert.Equal(NatBehaviour.Blocked, udp.Mapping);
        Assert.True(await NamespaceSockets.CanConnectAsync(host.Namespace, new(LabAddressPlan.CoturnAddress, 8080), TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task Loss_drops_about_the_given_share_of_packets()
    {
        await using var lab = NatLab.Build(new LabTopology([new SiteSpec(NatType.None)], LossPercent: 30));
        const int sent = 1000;

        var delivered = await NatProbe.CountDeliveredAsync(lab, lab.Sites[0].Hosts[0], sent);

        // Binomial(1000, 0.7): mean 700, standard deviation 14.5; ±60 is beyond 4 sigma.
        Assert.InRange(delivered, 640, 760);
    }

    [Fact]
    public async Task Hosts_behind_the_same_nat_reach_each_other_directly()
    {
        await using var lab = NatLab.Build(new LabTopology([new SiteSpec(NatType.PortRestricted, Hosts: 2)]));
        var (a, b) = (lab.Sites[0].Hosts[0], lab.Sites[0].Hosts[1]);
        using var receiver = NamespaceSockets.Udp(b.Namespace, new(b.Address, 0));
        using var sender = NamespaceSockets.Udp(a.Namespace, new(a.Address, 0));

        await sender.SendToAsync("hello"u8.ToArray(), receiver.LocalEndPoint!);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var got = await receiver.ReceiveFromAsync(new byte[16], new System.Net.IPEndPoint(0, 0), timeout.Token);

        Assert.Equal(sender.LocalEndPoint, got.RemoteEndPoint);
    }

    [Fact]
    public async Task Sweep_removes_namespaces_of_dead_runs_only()
    {
        var dead = $"{LabSweep.NamePrefix}999999999-beef-pub";
        await using var live = NatLab.Build(new LabTopology([new SiteSpec(NatType.None)]));
        LabShell.Ip("netns", "add", dead);
        try
        {
            var removed = LabSweep.RemoveLeftovers();

            Assert.Contains(dead, removed);
            Assert.DoesNotContain(dead, LabSweep.ListLabNamespaces());
            Assert.All(live.Namespaces, ns => Assert.Contains(ns, LabSweep.ListLabNamespaces()));
        }
        finally
        {
            if (LabSweep.ListLabNamespaces().Contains(dead)) LabShell.Ip("netns", "del", dead);
        }
    }
}
