using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace IceSpec.Conformance.Lab;

/// <summary>
/// Sockets opened inside a network namespace from this process: a fresh thread enters the namespace (setns(2),
/// CLONE_NEWNET) and creates the socket there; the socket stays in that namespace for its whole life.
/// </summary>
public static class NamespaceSockets
{
    private const int CloneNewNet = 0x40000000;

    [DllImport("libc", SetLastError = true)]
    private static extern int setns(int fd, int nstype);

    /// <summary>A UDP socket bound to <paramref name="local"/> inside <paramref name="netns"/>.</summary>
    public static Socket Udp(string netns, IPEndPoint local) => InNamespace(netns, () =>
    {
        var socket = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(local);
        return socket;
    });

    /// <summary>A TCP socket inside <paramref name="netns"/>, bound to <paramref name="listenOn"/> (and listening) when given.</summary>
    public static Socket Tcp(string netns, IPEndPoint? listenOn = null) => InNamespace(netns, () =>
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (listenOn is not null)
        {
            socket.Bind(listenOn);
            socket.Listen();
        }
        return socket;
    });

    /// <summary>True when a TCP connection to <paramref name="server"/> from inside <paramref name="netns"/> succeeds within <paramref name="timeout"/>.</summary>
    public static async Task<bool> CanConnectAsync(string netns, IPEndPoint server, TimeSpan timeout)
    {
        using var socket = Tcp(netns);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(server, cts.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static T InNamespace<T>(string netns, Func<T> create)
    {
        T? result = default;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/run/netns/{netns}");
                if (setns((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                    throw new LabException($"cannot enter network namespace {netns}: errno {Marshal.GetLastPInvokeError()} (the lab needs root)");
                result = create();
            }
            catch (Exception e)
            {
                error = e is FileNotFoundException ? new LabException($"network namespace {netns} does not exist", e) : e;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null) throw error is LabException ? error : new LabException($"socket in {netns}: {error.Message}", error);
        return result!;
    }
}
