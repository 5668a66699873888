using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace IceSpec.Ice;

/// <summary>
/// One address family's mDNS socket (RFC 6762): UDP port 5353 (SO_REUSEADDR, beside any other responder of the host),
/// joined to the family's link-local group on each interface ICE uses; what it multicasts goes out on each of them with
/// TTL / hop limit 255 (§11).
/// <list type="bullet">
/// <item>IPv4: 224.0.0.251 (§3), joined and sent by interface address (IP_ADD_MEMBERSHIP, IP_MULTICAST_IF).</item>
/// <item>IPv6: ff02::fb (§3, §20), joined and sent by interface index (IPV6_JOIN_GROUP, IPV6_MULTICAST_IF): link-local
/// scope is per link, so each interface is its own group. IPV6_V6ONLY: IPv4 datagrams never reach this socket as mapped
/// addresses (the IPv4 socket has them).</item>
/// </list>
/// </summary>
internal sealed class IceMdnsSocket : IDisposable
{
    public static readonly IPAddress GroupIPv4 = IPAddress.Parse("224.0.0.251");
    public static readonly IPAddress GroupIPv6 = IPAddress.Parse("ff02::fb");
    /// <summary>RFC 6762 §11: sent with IP TTL / hop limit 255.</summary>
    private const int MulticastTtl = 255;

    private readonly Socket _socket;
    /// <summary>IPv4: the interface addresses; IPv6: the interface indexes.</summary>
    private readonly IReadOnlyList<object> _interfaces;
    private readonly IPEndPoint _group;

    private IceMdnsSocket(Socket socket, IReadOnlyList<object> interfaces, IPEndPoint group) => (_socket, _interfaces, _group) = (socket, interfaces, group);

    public AddressFamily Family => _group.AddressFamily;

    /// <summary>"224.0.0.251:5353" or "[ff02::fb]:5353".</summary>
    public static string GroupText(AddressFamily family) => new IPEndPoint(family == AddressFamily.InterNetworkV6 ? GroupIPv6 : GroupIPv4, Mdns.MdnsResponder.MdnsPort).ToString();

    /// <summary>
    /// The socket of <paramref name="family"/> joined on the interfaces of <paramref name="addresses"/> of that family;
    /// null when there is none; throws <see cref="SocketException"/> when the socket cannot be opened or joined nowhere.
    /// </summary>
    public static IceMdnsSocket? Open(AddressFamily family, IEnumerable<IPAddress> addresses)
    {
        var ofFamily = addresses.Where(a => a.AddressFamily == family).Distinct().ToList();
        if (ofFamily.Count == 0) return null;
        var v6 = family == AddressFamily.InterNetworkV6;
        IReadOnlyList<object> interfaces = v6 ? [.. ofFamily.Select(InterfaceIndex).OfType<int>().Distinct().Cast<object>()] : [.. ofFamily.Cast<object>()];
        if (interfaces.Count == 0) throw new SocketException((int)SocketError.NetworkUnreachable);
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            var level = v6 ? SocketOptionLevel.IPv6 : SocketOptionLevel.IP;
            if (v6) socket.DualMode = false;
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, Mdns.MdnsResponder.MdnsPort));
            socket.SetSocketOption(level, SocketOptionName.MulticastTimeToLive, MulticastTtl); // IPV6_MULTICAST_HOPS on IPv6
            socket.SetSocketOption(level, SocketOptionName.MulticastLoopback, true);
            socket.SetSocketOption(level, SocketOptionName.PacketInformation, true); // the arrival interface (IP_PKTINFO, IPV6_RECVPKTINFO)
            var joined = new List<object>();
            foreach (var nic in interfaces)
            {
                try
                {
                    socket.SetSocketOption(level, SocketOptionName.AddMembership,
                        v6 ? new IPv6MulticastOption(GroupIPv6, (int)nic) : new MulticastOption(GroupIPv4, (IPAddress)nic));
                    joined.Add(nic);
                }
                catch (SocketException) { } // an interface without multicast: mDNS does not reach that link
            }
            if (joined.Count == 0) throw new SocketException((int)SocketError.NetworkUnreachable);
            return new IceMdnsSocket(socket, joined, new IPEndPoint(v6 ? GroupIPv6 : GroupIPv4, Mdns.MdnsResponder.MdnsPort));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The index of the interface that has <paramref name="address"/> (a link-local one names it as its scope); null when none has.</summary>
    private static int? InterfaceIndex(IPAddress address)
    {
        if (address.IsIPv6LinkLocal && address.ScopeId != 0) return (int)address.ScopeId;
        var plain = new IPAddress(address.GetAddressBytes());
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (!nic.Supports(NetworkInterfaceComponent.IPv6)) continue;
            var properties = nic.GetIPProperties();
            if (properties.UnicastAddresses.Any(u => new IPAddress(u.Address.GetAddressBytes()).Equals(plain)))
                return properties.GetIPv6Properties().Index;
        }
        return null;
    }

    /// <summary>Sends <paramref name="bytes"/> to the group on every joined interface; a link that is down does not stop the others.</summary>
    public void Multicast(byte[] bytes)
    {
        foreach (var nic in _interfaces)
        {
            try
            {
                if (nic is int index) _socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, index);
                else _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, ((IPAddress)nic).GetAddressBytes());
                _socket.SendTo(bytes, _group);
            }
            catch (SocketException) { }
            catch (ObjectDisposedException) { return; }
        }
    }

    /// <summary>A unicast reply (RFC 6762 §6.7); lost silently when it cannot be sent.</summary>
    public void SendTo(byte[] bytes, IPEndPoint to)
    {
        try { _socket.SendTo(bytes, to); }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
    }

    /// <summary>
    /// The next datagram, its source and the index of the interface it came in on; a source address with a link-local
    /// IPv6 address carries that index as its scope.
    /// </summary>
    public async ValueTask<(int Length, IPEndPoint Source, int Interface)> ReceiveAsync(Memory<byte> buffer, CancellationToken cancel)
    {
        var received = await _socket.ReceiveMessageFromAsync(buffer, SocketFlags.None, new IPEndPoint(Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0), cancel);
        return (received.ReceivedBytes, (IPEndPoint)received.RemoteEndPoint, received.PacketInformation.Interface);
    }

    public void Dispose() => _socket.Dispose();
}
