using System.Net;
using System.Net.Sockets;

namespace IceSpec.Stun.Transports;

/// <summary>A UDP socket connected to the server: each datagram is one message; datagrams from elsewhere are dropped by the kernel.</summary>
public sealed class UdpMessageTransport : MessageTransport
{
    private readonly Socket _socket;

    private UdpMessageTransport(Socket socket) => _socket = socket;

    public override TransportProtocol Protocol => TransportProtocol.Udp;

    public override IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public override IPEndPoint RemoteEndPoint => (IPEndPoint)_socket.RemoteEndPoint!;

    public static UdpMessageTransport Connect(IPEndPoint server, IPEndPoint? localEndPoint = null)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(localEndPoint ?? new IPEndPoint(server.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
            socket.Connect(server);
            return new UdpMessageTransport(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    protected override async ValueTask SendCoreAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        try
        {
            await _socket.SendAsync(message, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
        {
            // An ICMP port unreachable from an earlier datagram: UDP carries on; the transaction's retransmissions decide.
        }
    }

    public override async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            int received;
            try
            {
                received = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
            {
                // ICMP port unreachable reported on a connected UDP socket: not a message; keep listening.
                continue;
            }
            if (received > 0) return received; // an empty datagram is no message
        }
    }

    public override async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
