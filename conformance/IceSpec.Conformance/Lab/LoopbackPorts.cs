using System.Net;
using System.Net.Sockets;

namespace IceSpec.Conformance.Lab;

/// <summary>
/// Ports for servers started on 127.0.0.1 (the server cases' loopback servers, <c>replay --impl</c>, the tests): chosen
/// at random below Linux's ephemeral range (32768+) and probed free for UDP and TCP, so that they meet neither outgoing
/// sockets nor other engineers' servers.
/// </summary>
public static class LoopbackPorts
{
    private const int Low = 20000;
    private const int High = 32000;

    /// <summary>A listening port free for UDP and TCP.</summary>
    public static int Listening() => Range(1);

    /// <summary>The first of <paramref name="length"/> consecutive ports free for UDP and TCP (a relay range).</summary>
    public static int Range(int length)
    {
        for (var attempt = 0; attempt < 500; attempt++)
        {
            var start = Random.Shared.Next(Low, High - length);
            if (Enumerable.Range(start, length).All(IsFree)) return start;
        }
        throw new LabException($"no {length} consecutive free loopback ports in {Low}..{High}");
    }

    private static bool IsFree(int port) =>
        TryBind(port, SocketType.Dgram, ProtocolType.Udp) && TryBind(port, SocketType.Stream, ProtocolType.Tcp);

    private static bool TryBind(int port, SocketType type, ProtocolType protocol)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, type, protocol);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
