using System.Net;
using System.Net.Sockets;

namespace IceSpec.Turn.Tests.Client;

/// <summary>
/// Ports for servers the tests start: chosen at random below the kernel's ephemeral range (32768+) and probed free for
/// UDP and TCP on every address, so they neither collide with outgoing connections nor with other engineers' servers.
/// </summary>
public static class FreePorts
{
    private const int Low = 20000;
    private const int High = 32000;

    public static int[] Find(IReadOnlyList<IPAddress> addresses, int count, int rangeLength)
    {
        var found = new List<int>();
        for (var attempt = 0; attempt < 2000 && found.Count < count; attempt++)
        {
            var port = Random.Shared.Next(Low, High);
            if (!found.Contains(port) && addresses.All(a => IsFree(new IPEndPoint(a, port)))) found.Add(port);
        }
        if (found.Count < count) throw new InvalidOperationException($"no {count} free ports in {Low}..{High}");
        return [.. found];
    }

    /// <summary>The first port of <paramref name="length"/> consecutive free ports (a relay range).</summary>
    public static int FindRange(IReadOnlyList<IPAddress> addresses, int length)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var start = Random.Shared.Next(Low, High - length);
            var free = true;
            for (var port = start; free && port < start + length; port++)
                free = addresses.All(a => IsFree(new IPEndPoint(a, port)));
            if (free) return start;
        }
        throw new InvalidOperationException($"no {length} consecutive free ports in {Low}..{High}");
    }

    public static bool IsFree(IPEndPoint endPoint) => IsUdpFree(endPoint) && IsTcpFree(endPoint);

    public static bool IsUdpFree(IPEndPoint endPoint) => TryBind(endPoint, SocketType.Dgram, ProtocolType.Udp);

    public static bool IsTcpFree(IPEndPoint endPoint) => TryBind(endPoint, SocketType.Stream, ProtocolType.Tcp);

    public static bool HasIPv6Loopback() => Socket.OSSupportsIPv6 && TryBind(new IPEndPoint(IPAddress.IPv6Loopback, 0), SocketType.Dgram, ProtocolType.Udp);

    private static bool TryBind(IPEndPoint endPoint, SocketType type, ProtocolType protocol)
    {
        try
        {
            using var socket = new Socket(endPoint.AddressFamily, type, protocol);
            socket.Bind(endPoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
