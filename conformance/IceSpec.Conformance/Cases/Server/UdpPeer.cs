using System.Net;
using System.Net.Sockets;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>A peer for relay cases: a UDP socket on the address the server reaches us on (loopback in the tests).</summary>
public sealed class UdpPeer : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[65536];

    public UdpPeer(IPAddress address)
    {
        _socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(address, 0));
    }

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public async Task SendAsync(IPEndPoint to, byte[] data, CancellationToken cancel) => await _socket.SendToAsync(data, SocketFlags.None, to, cancel);

    /// <summary>The next datagram and its source, or null within <paramref name="timeout"/>.</summary>
    public async Task<(IPEndPoint From, byte[] Data)?> ReceiveAsync(TimeSpan timeout, CancellationToken cancel)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        wait.CancelAfter(timeout);
        try
        {
            var result = await _socket.ReceiveFromAsync(_buffer, SocketFlags.None, new IPEndPoint(EndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0), wait.Token);
            return ((IPEndPoint)result.RemoteEndPoint, _buffer.AsSpan(0, result.ReceivedBytes).ToArray());
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return null;
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
