using System.Net;
using System.Net.Sockets;
using IceSpec.Stun;

namespace IceSpec.Turn.Server;

/// <summary>A relay port backed by a bound UDP socket.</summary>
internal sealed class UdpRelayPort : TurnRelayPort
{
    private readonly TurnEndpoint _advertised;

    public UdpRelayPort(TurnEndpoint address, TurnEndpoint advertised, Socket socket) : base(address)
    {
        _advertised = advertised;
        Socket = socket;
        Descriptor = (int)socket.SafeHandle.DangerousGetHandle();
    }

    public Socket Socket { get; }

    public override TurnEndpoint Advertised => _advertised;

    public bool Closed { get; set; }

    /// <summary>The socket's file descriptor (Linux engine).</summary>
    public int Descriptor { get; }

    /// <summary>The epoll registration reading this port, when the Linux engine is used.</summary>
    internal UdpRegistration? Registration { get; set; }
}

/// <summary>
/// The TCP relayed transport address of a TCP allocation (RFC 6062 §5.1): a listening socket that accepts peers (§5.3). It
/// and the sockets that connect to peers from it (§5.2) share the address with SO_REUSEADDR and SO_REUSEPORT.
/// </summary>
internal sealed class TcpRelayPort(TurnEndpoint address, TurnEndpoint advertised, Socket listener) : TurnRelayPort(address)
{
    public Socket Listener { get; } = listener;

    public override TurnEndpoint Advertised => advertised;

    public bool Closed { get; set; }
}

/// <summary>
/// Binds relay ports in [min, max] on the relay addresses (RFC 8656 §7.2: a port chosen at random from the range), starts
/// each port's receive loop (or, for a TCP allocation, its accept loop), and releases the port on close. Called by the core
/// under the host's lock.
/// </summary>
internal sealed class UdpRelayPortProvider : ITurnRelayPortProvider
{
    private readonly IPAddress? _ipv4;
    private readonly IPAddress? _ipv6;
    private readonly IReadOnlyDictionary<IPAddress, IPAddress> _external;
    private readonly int _min;
    private readonly int _max;
    private readonly int _bufferSize;
    private readonly Action<UdpRelayPort> _started;
    private readonly Action<UdpRelayPort> _stopping;
    private readonly Action<TcpRelayPort> _listening;
    private readonly HashSet<(byte Family, int Port)> _inUse = [];
    private readonly HashSet<(byte Family, int Port)> _tcpInUse = [];

    public UdpRelayPortProvider(IPAddress? ipv4, IPAddress? ipv6, IReadOnlyDictionary<IPAddress, IPAddress> external, int min, int max, int bufferSize,
        Action<UdpRelayPort> started, Action<UdpRelayPort> stopping, Action<TcpRelayPort> listening)
    {
        _listening = listening;
        _stopping = stopping;
        _ipv4 = ipv4;
        _ipv6 = ipv6;
        _external = external;
        _min = min;
        _max = max;
        _bufferSize = bufferSize;
        _started = started;
    }

    public int OpenCount => _inUse.Count + _tcpInUse.Count;

    public bool SupportsFamily(byte family) => (family == StunAddress.FamilyIPv6 ? _ipv6 : _ipv4) is not null;

    public bool TryOpen(in TurnRelayPortRequest request, out TurnRelayPort port, out TurnRelayPort? reserved)
    {
        port = null!;
        reserved = null;
        var ip = request.Family == StunAddress.FamilyIPv6 ? _ipv6 : _ipv4;
        if (ip is null) return false;
        if (request.Tcp) return TryOpenTcp(ip, out port);
        var span = _max - _min + 1;
        var start = _min + Random.Shared.Next(span);
        var even = request.EvenPort || request.ReserveNext;
        for (var i = 0; i < span; i++)
        {
            var candidate = _min + (start - _min + i) % span;
            if (even && (candidate & 1) != 0) continue;
            if (request.ReserveNext && candidate + 1 > _max) continue;
            if (_inUse.Contains((request.Family, candidate))) continue;
            if (request.ReserveNext && _inUse.Contains((request.Family, candidate + 1))) continue;
            if (!TryBind(ip, candidate, request.DontFragment, out var socket)) continue;
            Socket? next = null;
            if (request.ReserveNext && !TryBind(ip, candidate + 1, false, out next))
            {
                socket.Dispose();
                continue;
            }
            port = Start(ip, candidate, socket);
            if (next is not null) reserved = Start(ip, candidate + 1, next);
            return true;
        }
        return false;
    }

    /// <summary>RFC 6062 §5.1: a TCP port from the same range, listening for peers (§5.3).</summary>
    private bool TryOpenTcp(IPAddress ip, out TurnRelayPort port)
    {
        port = null!;
        var span = _max - _min + 1;
        var start = _min + Random.Shared.Next(span);
        for (var i = 0; i < span; i++)
        {
            var candidate = _min + (start - _min + i) % span;
            var family = ip.AddressFamily == AddressFamily.InterNetworkV6 ? StunAddress.FamilyIPv6 : StunAddress.FamilyIPv4;
            if (_tcpInUse.Contains((family, candidate))) continue;
            var listener = NewTcpRelaySocket(ip);
            try
            {
                listener.Bind(new IPEndPoint(ip, candidate));
                listener.Listen(64);
            }
            catch (SocketException)
            {
                listener.Dispose();
                continue;
            }
            var address = TurnEndpoint.From(ip, (ushort)candidate);
            var relay = new TcpRelayPort(address, Advertised(ip, address), listener);
            _tcpInUse.Add((family, candidate));
            _listening(relay);
            port = relay;
            return true;
        }
        return false;
    }

    /// <summary>A TCP socket that may share its relayed address with the listener and the other peer connections (RFC 6062 §5.2).</summary>
    internal static Socket NewTcpRelaySocket(IPAddress ip)
    {
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (ip.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = false;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        if (LinuxSockets.IsSupported) LinuxSockets.SetReusePort(socket);
        return socket;
    }

    private TurnEndpoint Advertised(IPAddress ip, TurnEndpoint address) =>
        _external.TryGetValue(ip, out var external) || (_external.TryGetValue(IPAddress.Any, out external) && external.AddressFamily == ip.AddressFamily)
            ? TurnEndpoint.From(external, address.Port)
            : address;

    public void Close(TurnRelayPort port)
    {
        if (port is TcpRelayPort tcp)
        {
            if (tcp.Closed) return;
            tcp.Closed = true;
            _tcpInUse.Remove((tcp.Address.Family, tcp.Address.Port));
            tcp.Listener.Dispose();
            return;
        }
        var relay = (UdpRelayPort)port;
        if (relay.Closed) return;
        relay.Closed = true;
        _inUse.Remove((relay.Address.Family, relay.Address.Port));
        _stopping(relay);
        relay.Socket.Dispose();
    }

    private UdpRelayPort Start(IPAddress ip, int number, Socket socket)
    {
        var address = TurnEndpoint.From(ip, (ushort)number);
        var relay = new UdpRelayPort(address, Advertised(ip, address), socket);
        _inUse.Add((address.Family, number));
        _started(relay);
        return relay;
    }

    private bool TryBind(IPAddress ip, int number, bool dontFragment, out Socket socket)
    {
        socket = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(ip, number));
            TrySetBuffers(socket, _bufferSize);
            if (dontFragment && ip.AddressFamily == AddressFamily.InterNetwork) socket.DontFragment = true;
            return true;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return false;
        }
    }

    internal static void TrySetBuffers(Socket socket, int size)
    {
        try
        {
            socket.ReceiveBufferSize = size;
            socket.SendBufferSize = size;
        }
        catch (SocketException)
        {
            // The kernel caps the sizes (net.core.rmem_max); what it grants is fine.
        }
    }
}
