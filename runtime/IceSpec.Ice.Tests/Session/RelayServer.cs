using System.Net;
using IceSpec.Turn.Server;

namespace IceSpec.Ice.Tests.Session;

/// <summary>Our TURN server on loopback (alice:secret, loopback peers allowed), restartable on the same port.</summary>
internal sealed class RelayServer : IAsyncDisposable
{
    private static int _slice;
    private TurnServerHost _host;

    private RelayServer(TurnServerHost host) => _host = host;

    public IPEndPoint Endpoint => _host.Listening.First(l => l.Transport == TurnTransport.Udp).Endpoint.ToIPEndPoint();

    /// <summary>Its TCP listener (TURN over TCP, and RFC 6062 TCP allocations).</summary>
    public IPEndPoint TcpEndpoint => _host.Listening.First(l => l.Transport == TurnTransport.Tcp).Endpoint.ToIPEndPoint();

    public static RelayServer Start(int port) => new(Host(port));

    private static TurnServerHost Host(int port)
    {
        // Relay ports above the ephemeral range and away from the TURN tests' slices (61000–65499).
        var low = 58000 + Interlocked.Increment(ref _slice) % 20 * 100;
        return TurnServerHost.Start(TurnServerConfig.Build(new TurnConfigSetting[]
        {
            new("listening-ip", "127.0.0.1", "test"), new("listening-port", port.ToString(), "test"),
            new("min-port", low.ToString(), "test"), new("max-port", (low + 99).ToString(), "test"),
            new("realm", "example.org", "test"), new("user", "alice:secret", "test"), new("allow-loopback-peers", null, "test"),
        }));
    }

    public async Task RestartAsync()
    {
        var port = Endpoint.Port;
        await _host.DisposeAsync();
        _host = Host(port);
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
