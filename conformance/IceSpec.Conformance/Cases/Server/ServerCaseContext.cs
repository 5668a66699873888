using System.Net;
using System.Net.Sockets;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>
/// What a case works with: the target's endpoints, the time limits, and the sockets, sessions and peers it opens — all
/// closed (allocations deleted) when the case ends, whatever happened.
/// </summary>
public sealed class ServerCaseContext : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    internal ServerCaseContext(ServerTarget target, IPEndPoint udpServer, IPEndPoint? tcpServer, CancellationToken cancel)
    {
        Target = target;
        UdpServer = udpServer;
        TcpServer = tcpServer;
        Cancel = cancel;
    }

    public ServerTarget Target { get; }

    public IPEndPoint UdpServer { get; }

    public IPEndPoint? TcpServer { get; }

    public CancellationToken Cancel { get; }

    /// <summary>How long to wait for a response (retransmitting over UDP meanwhile).</summary>
    public TimeSpan ResponseTimeout { get; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the server must stay silent for "discarded" checks: far above a loopback round trip.</summary>
    public TimeSpan SilenceWindow { get; } = TimeSpan.FromMilliseconds(400);

    /// <summary>How long relayed data may take to arrive.</summary>
    public TimeSpan RelayTimeout { get; } = TimeSpan.FromSeconds(2);

    public UdpServerConnection OpenUdp() => Own(UdpServerConnection.Open(UdpServer));

    public async Task<TcpServerConnection> ConnectTcpAsync()
    {
        var server = TcpServer ?? throw new InvalidOperationException("the target has no TCP port");
        return Own(await TcpServerConnection.ConnectAsync(server, ResponseTimeout, Cancel));
    }

    /// <summary>A new UDP 5-tuple that has learnt the realm and nonce (no allocation yet), as <paramref name="user"/> (default: the target's user).</summary>
    public async Task<TurnSession> OpenSessionAsync(ServerUser? user = null) =>
        Own(await TurnSession.OpenAsync(this, UdpServerConnection.Open(UdpServer), user));

    /// <summary>A new TCP connection that has learnt the realm and nonce (no allocation yet).</summary>
    public async Task<TurnSession> OpenTcpSessionAsync()
    {
        var server = TcpServer ?? throw new InvalidOperationException("the target has no TCP port");
        return Own(await TurnSession.OpenAsync(this, await TcpServerConnection.ConnectAsync(server, ResponseTimeout, Cancel)));
    }

    /// <summary>A new UDP 5-tuple with an allocation.</summary>
    public async Task<TurnSession> AllocatedSessionAsync()
    {
        var session = await OpenSessionAsync();
        await session.RequireAllocationAsync();
        return session;
    }

    /// <summary>A TCP peer listening on the local address <paramref name="session"/> reaches the server from (RFC 6062 cases).</summary>
    public TcpPeer OpenTcpPeer(TurnSession session) => Own(new TcpPeer(session.Connection.Local.Address));

    /// <summary>A UDP peer on the local address <paramref name="session"/> reaches the server from.</summary>
    public UdpPeer OpenPeer(TurnSession session) => Own(new UdpPeer(session.Connection.Local.Address));

    /// <exception cref="ArgumentException">The host does not resolve.</exception>
    public static async Task<(IPEndPoint Udp, IPEndPoint? Tcp)> ResolveAsync(ServerTarget target, CancellationToken cancel)
    {
        if (!IPAddress.TryParse(target.Host, out var address))
        {
            IPAddress[] addresses;
            try
            {
                addresses = await Dns.GetHostAddressesAsync(target.Host, cancel);
            }
            catch (SocketException e)
            {
                throw new ArgumentException($"target '{target.Name}': cannot resolve host '{target.Host}': {e.Message}", nameof(target), e);
            }
            address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
                ?? throw new ArgumentException($"target '{target.Name}': host '{target.Host}' resolves to no address", nameof(target));
        }
        return (new IPEndPoint(address, target.UdpPort), target.TcpPort is { } tcp ? new IPEndPoint(address, tcp) : null);
    }

    private T Own<T>(T resource) where T : IAsyncDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--) await _owned[i].DisposeAsync();
        _owned.Clear();
    }
}
