using System.Net;
using System.Net.Sockets;
using IceSpec.Turn.Server;
using Microsoft.Extensions.Logging;

namespace IceSpec.Turn.Tests.Server;

/// <summary>
/// Our server, in-process, on loopback: free ports (port 0), a relay range of its own, users alice:secret and
/// bob:hunter2, realm example.org; the log is kept for assertions. Disposing stops it.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private static int _nextRange;
    private readonly List<string> _log = [];

    private TestServer(TurnServerHost host, List<string> log)
    {
        Host = host;
        _log = log;
    }

    public TurnServerHost Host { get; }

    public IPEndPoint Udp => Endpoint(TurnTransport.Udp);

    public IPEndPoint Tcp => Endpoint(TurnTransport.Tcp);

    public IPEndPoint Tls => Endpoint(TurnTransport.Tls);

    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_log) return [.. _log];
        }
    }

    public IPEndPoint Endpoint(TurnTransport transport) => Host.Listening.First(l => l.Transport == transport).Endpoint.ToIPEndPoint();

    /// <summary>Starts a server; <paramref name="settings"/> are config keys (as in a config file) on top of the test defaults.</summary>
    public static TestServer Start(params string[] settings)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            // Relay ranges above Linux's ephemeral range (32768-60999), so they meet neither the kernel's port choices nor
            // ports other tests pick; a different slice per server so parallel tests rarely meet (a taken port is skipped).
            var slice = Interlocked.Increment(ref _nextRange) % 30;
            var all = new List<TurnConfigSetting>
            {
                new("listening-ip", "127.0.0.1", "test"),
                new("listening-port", "0", "test"),
                new("min-port", (61000 + slice * 150).ToString(), "test"),
                new("max-port", (61000 + slice * 150 + 149).ToString(), "test"),
                new("realm", "example.org", "test"),
                new("user", "alice:secret", "test"),
                new("user", "bob:hunter2", "test"),
            };
            foreach (var setting in settings)
            {
                var split = setting.IndexOf('=');
                all.Add(split < 0 ? new TurnConfigSetting(setting, null, "test") : new TurnConfigSetting(setting[..split], setting[(split + 1)..], "test"));
            }
            var options = TurnServerConfig.Build(all);
            var log = new List<string>();
            var serverLog = new TurnLogLineProvider(line =>
            {
                lock (log) log.Add(line);
            }, options.LogLevel == LogLevel.Information ? LogLevel.Debug : options.LogLevel, options.LogFormat).CreateLogger(TurnServerHost.LogCategory);
            try
            {
                return new TestServer(TurnServerHost.Start(options, serverLog), log);
            }
            catch (InvalidOperationException e) when (e.InnerException is SocketException)
            {
                last = e; // the UDP port's TCP twin was taken: try another port
            }
        }
        throw last!;
    }

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>Free loopback ports (bind to port 0, read it, release it).</summary>
public static class FreePort
{
    public static int Udp()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>A port free on UDP for both p and p+1 (turnutils_peer and uclient's RTCP peer use the next port too).</summary>
    public static int UdpPair()
    {
        for (var i = 0; i < 50; i++)
        {
            var port = Udp();
            if (port >= 65535) continue;
            try
            {
                using var next = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                next.Bind(new IPEndPoint(IPAddress.Loopback, port + 1));
                return port;
            }
            catch (SocketException)
            {
            }
        }
        throw new InvalidOperationException("no free UDP port pair");
    }
}
