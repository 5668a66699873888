using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace IceSpec.Ice;

/// <summary>
/// One unicast address of an up, non-loopback interface, with the kernel's IPv6 address state (Linux
/// <c>/proc/net/if_inet6</c> flags; all false elsewhere or for IPv4).
/// </summary>
/// <param name="Address">The address (with its scope for a link-local IPv6 one).</param>
/// <param name="Interface">The interface's name.</param>
/// <param name="PrefixLength">The on-link prefix length (RFC 8445 §5.1.1.1's "same network prefix").</param>
/// <param name="Temporary">A temporary (privacy, RFC 8981) address: IFA_F_TEMPORARY.</param>
/// <param name="Unusable">Deprecated (preferred lifetime over: not for new communications, RFC 4862 §5.5.4), tentative
/// (duplicate address detection still running: binding to it fails) or DAD-failed.</param>
public sealed record IceInterfaceAddress(IPAddress Address, string Interface, int PrefixLength, bool Temporary = false, bool Unusable = false);

/// <summary>The addresses host candidates are gathered on by default (RFC 8445 §5.1.1.1).</summary>
public static class IceHostAddresses
{
    // linux/if_addr.h
    private const int IfaFlagTemporary = 0x01, IfaFlagDadFailed = 0x08, IfaFlagDeprecated = 0x20, IfaFlagTentative = 0x40;

    /// <summary>
    /// The up interfaces' usable addresses, in the order the system lists them (<see cref="Choose"/>): loopback excluded
    /// (RFC 8445 §5.1.1.1) unless nothing else exists; IPv6 link-local only with <paramref name="includeLinkLocal"/>.
    /// </summary>
    public static IReadOnlyList<IPAddress> Discover(bool includeLinkLocal = false)
    {
        var found = Choose(Enumerate(), includeLinkLocal);
        return found.Count > 0 ? found : [IPAddress.Loopback];
    }

    /// <summary>
    /// RFC 8445 §5.1.1.1 over a list of interface addresses: every IPv4 address; IPv6 addresses except IPv4-mapped and
    /// IPv4-compatible ones and site-local ones (SHOULD NOT be gathered), deprecated, tentative or DAD-failed ones
    /// (<see cref="IceInterfaceAddress.Unusable"/>), and link-local ones unless asked. Where a temporary address exists
    /// on an interface and prefix, the stable addresses of that interface and prefix are left out (they allow location
    /// tracking, RFC 7721: MUST NOT be gathered), and so are all link-local addresses, even when asked.
    /// </summary>
    public static IReadOnlyList<IPAddress> Choose(IEnumerable<IceInterfaceAddress> addresses, bool includeLinkLocal = false)
    {
        var usable = addresses.Where(a => a.Address.AddressFamily == AddressFamily.InterNetwork || (a.Address.AddressFamily == AddressFamily.InterNetworkV6
            && !a.Unusable && !a.Address.IsIPv4MappedToIPv6 && !IsIPv4Compatible(a.Address) && !a.Address.IsIPv6SiteLocal)).ToList();
        var temporary = usable.Where(a => a.Temporary).ToList();
        bool Tracked(IceInterfaceAddress a) => !a.Temporary && temporary.Exists(t => t.Interface == a.Interface && SamePrefix(t, a));
        return [.. usable
            .Where(a => !a.Address.IsIPv6LinkLocal || (includeLinkLocal && temporary.Count == 0))
            .Where(a => a.Address.AddressFamily == AddressFamily.InterNetwork || !Tracked(a))
            .Select(a => a.Address)];
    }

    /// <summary>::a.b.c.d (RFC 4291 §2.5.5.1, deprecated), but not :: or ::1.</summary>
    private static bool IsIPv4Compatible(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return bytes.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0 && (bytes[12] | bytes[13] | bytes[14]) != 0;
    }

    private static bool SamePrefix(IceInterfaceAddress a, IceInterfaceAddress b)
    {
        var length = Math.Min(a.PrefixLength, b.PrefixLength);
        var (x, y) = (a.Address.GetAddressBytes(), b.Address.GetAddressBytes());
        for (var bit = 0; bit < length; bit++)
            if (((x[bit / 8] ^ y[bit / 8]) & (0x80 >> (bit % 8))) != 0) return false;
        return true;
    }

    /// <summary>The up, non-loopback interfaces' unicast addresses, with IPv6 flags from <c>/proc/net/if_inet6</c> on Linux.</summary>
    private static IEnumerable<IceInterfaceAddress> Enumerate()
    {
        var flags = ReadIfInet6();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback) continue;
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                var address = unicast.Address;
                var key = (new IPAddress(address.GetAddressBytes()), nic.Name);
                flags.TryGetValue(key, out var entry);
                yield return new IceInterfaceAddress(address, nic.Name, entry.Prefix > 0 ? entry.Prefix : unicast.PrefixLength,
                    (entry.Flags & IfaFlagTemporary) != 0, (entry.Flags & (IfaFlagDadFailed | IfaFlagDeprecated | IfaFlagTentative)) != 0);
            }
        }
    }

    /// <summary>
    /// Linux's IPv6 address table: one line per address, "address(32 hex) ifindex prefixlen scope flags ifname", all hex.
    /// Empty where the file does not exist.
    /// </summary>
    private static Dictionary<(IPAddress, string), (int Prefix, int Flags)> ReadIfInet6()
    {
        var table = new Dictionary<(IPAddress, string), (int, int)>();
        const string path = "/proc/net/if_inet6";
        if (!File.Exists(path)) return table;
        foreach (var line in File.ReadLines(path))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 6 || fields[0].Length != 32) continue;
            var address = new IPAddress(Convert.FromHexString(fields[0]));
            table[(address, fields[5])] = (int.Parse(fields[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                int.Parse(fields[4], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        }
        return table;
    }
}
