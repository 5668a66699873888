using System.Net;
using System.Net.Sockets;
using IceSpec.Conformance.Lab;
using IceSpec.Ice;

namespace IceSpec.Conformance.Tester;

/// <summary>
/// One ICE-TCP connection of the tester (RFC 6544): opened by the tester to the IUT's passive candidate, or accepted on
/// the tester's own passive candidate (<see cref="TesterTcpListener"/>). A thread of its own cuts the byte stream back
/// into RFC 4571 frames (<see cref="IceTcpDeframer"/>) and hands each message to the tester.
/// </summary>
public sealed class TesterTcpConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _reader;
    private readonly Action<TesterTcpConnection, byte[], DateTime> _onMessage;
    private volatile bool _closed;

    internal TesterTcpConnection(Socket connected, bool accepted, Action<TesterTcpConnection, byte[], DateTime> onMessage)
    {
        (_socket, Accepted, _onMessage) = (connected, accepted, onMessage);
        LocalEndPoint = (IPEndPoint)connected.LocalEndPoint!;
        RemoteEndPoint = (IPEndPoint)connected.RemoteEndPoint!;
        _reader = new Thread(Read) { IsBackground = true, Name = $"tester tcp {LocalEndPoint}-{RemoteEndPoint}" };
    }

    /// <summary>
    /// Starts reading, once the tester lists the connection: a check read before that would reach a case that then finds
    /// no such connection in <see cref="TesterPeer.TcpConnections"/> (it failed a loaded CI run so).
    /// </summary>
    internal void StartReading() => _reader.Start();

    public IPEndPoint LocalEndPoint { get; }
    public IPEndPoint RemoteEndPoint { get; }
    /// <summary>True when the IUT opened it (to the tester's passive candidate); false when the tester did.</summary>
    public bool Accepted { get; }

    /// <summary>True once the IUT closed it, or a frame could not be read.</summary>
    public bool Closed => _closed;

    internal void Send(byte[] framed) => _socket.Send(framed);

    private void Read()
    {
        var deframer = new IceTcpDeframer();
        var buffer = new byte[65536];
        while (!_closed)
        {
            int length;
            try
            {
                length = _socket.Receive(buffer);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                break;
            }
            if (length == 0) break;
            deframer.Append(buffer.AsSpan(0, length));
            IceTcpDeframeStatus status;
            try
            {
                while ((status = deframer.TryRead(out var message)) == IceTcpDeframeStatus.Frame) _onMessage(this, message, DateTime.UtcNow);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                break;   // the answer could not go out: the connection or the tester is closing
            }
            if (status == IceTcpDeframeStatus.Oversized) break;
        }
        _closed = true;
    }

    public void Dispose()
    {
        _closed = true;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // already gone
        }
        _socket.Dispose();
        if (_reader.ThreadState != ThreadState.Unstarted) _reader.Join(TimeSpan.FromSeconds(2));
    }
}

/// <summary>
/// The tester's passive ICE-TCP candidate (RFC 6544): a listener on the tester's address; every connection the IUT
/// opens to it becomes a <see cref="TesterTcpConnection"/>.
/// </summary>
public sealed class TesterTcpListener : IDisposable
{
    private readonly Socket _listener;
    private readonly Thread _acceptor;
    private readonly Action<Socket> _onAccepted;
    private volatile bool _closed;

    internal TesterTcpListener(IPAddress address, string? netns, Action<Socket> onAccepted)
    {
        _onAccepted = onAccepted;
        var bind = new IPEndPoint(address, 0);
        if (netns is null)
        {
            _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            _listener.Bind(bind);
            _listener.Listen();
        }
        else
        {
            _listener = NamespaceSockets.Tcp(netns, bind);
        }
        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptor = new Thread(Accept) { IsBackground = true, Name = $"tester tcp listener {LocalEndPoint}" };
        _acceptor.Start();
    }

    public IPEndPoint LocalEndPoint { get; }

    private void Accept()
    {
        while (!_closed)
        {
            try
            {
                _onAccepted(_listener.Accept());
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                break;
            }
        }
    }

    public void Dispose()
    {
        _closed = true;
        _listener.Dispose();
        _acceptor.Join(TimeSpan.FromSeconds(2));
    }
}
