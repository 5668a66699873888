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
/// Binds relay ports in [min, max] on the relay addresses (RFC 8656 §7.2: a port chosen at random from the range), starts
/// each port's receive loop, and releases the port on close. Called by the core under the host's lock.
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
    private readonly HashSet<(byte Family, int Port)> _inUse = [];

    public UdpRelayPortProvider(IPAddress? ipv4, IPAddress? ipv6, IReadOnlyDictionary<IPAddress, IPAddress> external, int min, int max, int bufferSize,
        Action<UdpRelayPort> started, Action<UdpRelayPort> stopping)
    {
        _stopping = stopping;
        _ipv4 = ipv4;
        _ipv6 = ipv6;
        _external = external;
        _min = min;
        _max = max;
        _bufferSize = bufferSize;
        _started = started;
    }

    public int OpenCount => _inUse.Count;

    public bool SupportsFamily(byte family) => (family == StunAddress.FamilyIPv6 ? _ipv6 : _ipv4) is not null;

    public bool TryOpen(in TurnRelayPortRequest request, out TurnRelayPort port, out TurnRelayPort? reserved)
    {
        port = null!;
        reserved = null;
        var ip = request.Family == StunAddress.FamilyIPv6 ? _ipv6 : _ipv4;
        if (ip is null) return false;
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

    public void Close(TurnRelayPort port)
    {
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
        var advertised = _external.TryGetValue(ip, out var external) ||
                         (_external.TryGetValue(IPAddress.Any, out external) && external.AddressFamily == ip.AddressFamily)
            ? TurnEndpoint.From(external, (ushort)number)
            : address;
        var relay = new UdpRelayPort(address, advertised, socket);
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
