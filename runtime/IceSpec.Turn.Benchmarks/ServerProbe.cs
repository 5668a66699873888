using System.Globalization;
using System.Net;

namespace IceSpec.Turn.Benchmarks;

/// <summary>One sample of the server process: resident memory, open descriptors (all, sockets), relay ports in use, datagrams its UDP sockets dropped, allocations held.</summary>
public sealed record ServerSample(double Seconds, long RssKiB, int Descriptors, int SocketDescriptors, int RelaySockets, long UdpDrops, int Held);

/// <summary>
/// Reads what the kernel says about a process and the relay ports: VmRSS from <c>/proc/PID/status</c>, the descriptor
/// count of <c>/proc/PID/fd</c>, and the UDP sockets bound to the relay address inside the relay port range
/// (<c>/proc/net/udp</c>, <c>/proc/net/udp6</c>): the relay ports in use, whoever holds them.
/// </summary>
public static class ServerProbe
{
    public static long RssKiB(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        return -1;
    }

    /// <summary>Open descriptors of the process, and the inodes of those that are sockets (-1 and empty when it cannot be read).</summary>
    public static (int All, HashSet<long> Sockets) Descriptors(int pid)
    {
        var sockets = new HashSet<long>();
        try
        {
            var entries = Directory.GetFileSystemEntries($"/proc/{pid}/fd");
            foreach (var entry in entries)
            {
                try
                {
                    // "socket:[12345]"
                    if (new FileInfo(entry).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                        sockets.Add(long.Parse(target.AsSpan(8, target.Length - 9), CultureInfo.InvariantCulture));
                }
                catch (IOException) { } // closed since the listing
            }
            return (entries.Length, sockets);
        }
        catch (IOException) { return (-1, sockets); }
        catch (UnauthorizedAccessException) { return (-1, sockets); }
    }

    /// <summary>
    /// UDP sockets bound to <paramref name="relayIp"/> with a local port in [min, max] (only those whose inode is in
    /// <paramref name="owned"/> when it is given: the server's own), and the datagrams the kernel dropped on every socket
    /// in <paramref name="owned"/> (the <c>drops</c> column: a full receive buffer).
    /// </summary>
    public static (int RelaySockets, long Drops) UdpSockets(IPAddress relayIp, int min, int max, HashSet<long>? owned = null)
    {
        var file = relayIp.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "/proc/net/udp6" : "/proc/net/udp";
        var wanted = Hex(relayIp);
        // Counted by inode: /proc/net/udp is read in chunks while sockets come and go, so a line can repeat.
        var relays = new HashSet<long>();
        var seen = new HashSet<long>();
        var drops = 0L;
        foreach (var line in File.ReadLines(file).Skip(1))
        {
            // "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops"; the address is
            // HEXIP:HEXPORT with the IP in the kernel's byte order.
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 13) continue;
            var inode = long.Parse(fields[9], CultureInfo.InvariantCulture);
            var mine = owned?.Contains(inode) ?? true;
            if (owned is not null && mine && seen.Add(inode)) drops += long.Parse(fields[12], CultureInfo.InvariantCulture);
            var colon = fields[1].IndexOf(':');
            if (colon < 0 || !mine || !fields[1].AsSpan(0, colon).Equals(wanted, StringComparison.OrdinalIgnoreCase)) continue;
            var port = int.Parse(fields[1].AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (port >= min && port <= max) relays.Add(inode);
        }
        return (relays.Count, drops);
    }

    /// <summary>An address as /proc/net/udp writes it: each 32-bit word of the address printed as a host-order integer.</summary>
    private static string Hex(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < bytes.Length; i += 4)
            text.Append(BitConverter.ToUInt32(bytes, i).ToString("X8", CultureInfo.InvariantCulture));
        return text.ToString();
    }
}
