using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace IceSpec.Ice;

/// <summary>The addresses host candidates are gathered on by default (RFC 8445 §5.1.1.1).</summary>
public static class IceHostAddresses
{
    /// <summary>
    /// Up interfaces' unicast IPv4 and global IPv6 addresses, loopback excluded (RFC 8445 §5.1.1.1: addresses from
    /// loopback interfaces MUST NOT be included) unless nothing else exists.
    /// </summary>
    public static IReadOnlyList<IPAddress> Discover()
    {
        var found = new List<IPAddress>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback) continue;
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                var address = unicast.Address;
                if (address.AddressFamily == AddressFamily.InterNetwork ||
                    (address.AddressFamily == AddressFamily.InterNetworkV6 && !address.IsIPv6LinkLocal && !address.IsIPv6SiteLocal))
                    found.Add(address);
            }
        }
        return found.Count > 0 ? found : [IPAddress.Loopback];
    }
}
