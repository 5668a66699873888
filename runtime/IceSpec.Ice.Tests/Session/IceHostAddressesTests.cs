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

/// <summary>
/// RFC 8445 §5.1.1.1's choice among an interface's addresses (<see cref="IceHostAddresses.Choose"/>), on made-up
/// interface tables: what a dual-stack host with privacy addresses, deprecated and tentative ones gathers.
/// </summary>
[Trait("Category", "unit")]
public sealed class IceHostAddressChoiceTests
{
    private static IceInterfaceAddress V6(string address, string nic = "eth0", bool temporary = false, bool unusable = false) =>
        new(IPAddress.Parse(address), nic, 64, temporary, unusable);

    private static IceInterfaceAddress V4(string address, string nic = "eth0") => new(IPAddress.Parse(address), nic, 24);

    private static string[] Chosen(bool includeLinkLocal, params IceInterfaceAddress[] table) =>
        [.. IceHostAddresses.Choose(table, includeLinkLocal).Select(a => a.ToString())];

    [Fact]
    public void IPv4_and_global_IPv6_are_gathered_and_link_local_only_when_asked()
    {
        IceInterfaceAddress[] table = [V4("192.0.2.10"), V6("2001:db8:1::10"), V6("fe80::10")];
        Assert.Equal(["192.0.2.10", "2001:db8:1::10"], Chosen(false, table));
        Assert.Equal(["192.0.2.10", "2001:db8:1::10", "fe80::10"], Chosen(true, table));
    }

    [Fact]
    public void Deprecated_tentative_site_local_and_IPv4_mapped_addresses_are_not_gathered()
    {
        Assert.Equal(["2001:db8:1::10"], Chosen(false,
            V6("2001:db8:1::10"), V6("2001:db8:2::10", unusable: true), V6("fec0::10"), V6("::ffff:192.0.2.1"), V6("::192.0.2.1")));
    }

    [Fact]
    public void A_temporary_address_hides_the_stable_ones_of_its_prefix_and_interface_and_every_link_local()
    {
        Assert.Equal(["2001:db8:1::abcd", "2001:db8:2::10", "2001:db8:1::20"], Chosen(true,
            V6("2001:db8:1::10"),                       // stable, same prefix and interface as the temporary one: left out
            V6("2001:db8:1::abcd", temporary: true),
            V6("2001:db8:2::10"),                       // another prefix: kept
            V6("2001:db8:1::20", nic: "wlan0"),         // another interface: kept
            V6("fe80::10")));                           // link-local with a temporary address gathered: left out even when asked
    }
}
