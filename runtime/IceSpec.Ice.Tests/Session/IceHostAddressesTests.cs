using System.Net;
using System.Net.NetworkInformation;

namespace IceSpec.Ice.Tests.Session;

[Trait("Category", "unit")]
public sealed class IceHostAddressesTests
{
    /// <summary>RFC 8445 §5.1.1.1: loopback addresses are not host candidates (unless the machine has nothing else).</summary>
    [Fact]
    public void Default_host_addresses_are_the_up_interfaces_without_loopback_or_link_local()
    {
        var expected = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses.Select(u => u.Address))
            .Where(a => !IPAddress.IsLoopback(a) && !a.IsIPv6LinkLocal && !a.IsIPv6SiteLocal)
            .ToHashSet();
        var found = IceHostAddresses.Discover();
        if (expected.Count == 0) Assert.Equal([IPAddress.Loopback], found);
        else Assert.Equal(expected, found.ToHashSet());
        Assert.DoesNotContain(found, a => a.IsIPv6LinkLocal);
    }
}
