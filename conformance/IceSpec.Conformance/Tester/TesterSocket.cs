using System.Net;
using System.Net.Sockets;
using IceSpec.Conformance.Lab;

namespace IceSpec.Conformance.Tester;

/// <summary>
/// One UDP socket of the tester (a candidate it advertises, or an address it keeps back to appear peer-reflexive),
/// bound to an ephemeral port; a thread of its own receives with the kernel's timestamps and hands every datagram to
/// the receive callback it is made with.
/// </summary>
public sealed class TesterSocket : IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _receiver;
    private readonly Action<TesterSocket, byte[], IPEndPoint, DateTime> _onReceived;
    private volatile bool _closed;

    internal TesterSocket(IPAddress address, string? netns, Action<TesterSocket, byte[], IPEndPoint, DateTime> onReceived)
    {
        _onReceived = onReceived;
        var bind = new IPEndPoint(address, 0);
        if (netns is null)
        {
            _socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            _socket.Bind(bind);
        }
        else
        {
            _socket = NamespaceSockets.Udp(netns, bind);
        }
        KernelTimestamps.Enable(_socket);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _receiver = new Thread(Receive) { IsBackground = true, Name = $"tester {LocalEndPoint}" };
        _receiver.Start();
    }

    public IPEndPoint LocalEndPoint { get; }

    internal void SendTo(byte[] bytes, IPEndPoint destination) => _socket.SendTo(bytes, destination);

    private void Receive()
    {
        var buffer = new byte[65536];
        while (!_closed)
        {
            var received = KernelTimestamps.Receive(_socket, buffer, 100);
            if (received is not { } datagram || _closed) continue;
            try
            {
                _onReceived(this, datagram.Data, datagram.Source, datagram.ReceivedAt);
            }
            catch (Exception e) when (e is SocketException || (e is ObjectDisposedException && _closed))
            {
                // An answer sent as the tester closes, or to an IUT that is gone (ICMP unreachable): nothing to record.
            }
        }
    }

    public void Dispose()
    {
        _closed = true;
        _receiver.Join(TimeSpan.FromSeconds(2));
        _socket.Dispose();
    }
}
