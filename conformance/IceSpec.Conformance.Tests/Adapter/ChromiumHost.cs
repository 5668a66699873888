using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>
/// Where the Chromium driver's tests run their ICE: Chromium never gathers on loopback (drivers/chromium/README.md), so
/// both agents use this machine's first IPv4 address of an interface that is up and not loopback; packets between two
/// local addresses go through the kernel's loopback path and never leave the machine.
/// </summary>
internal static class ChromiumHost
{
    public static string Address() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(i => i.OperationalStatus == OperationalStatus.Up && i.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)?.ToString()
        ?? throw new InvalidOperationException("the Chromium driver's tests need an IPv4 address on an interface other than loopback: Chromium gathers on none else");
}
