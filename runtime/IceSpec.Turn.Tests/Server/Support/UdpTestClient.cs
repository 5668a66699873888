using System.Net;
using System.Net.Sockets;

namespace IceSpec.Turn.Tests.Server;

/// <summary>A UDP socket on loopback for raw STUN/TURN exchanges with a server (or as a peer).</summary>
public sealed class UdpTestClient : IDisposable
{
    private readonly byte[] _buffer = new byte[65536];

    public UdpTestClient(string bindAddress = "127.0.0.1")
    {
        Socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        Socket.Bind(new IPEndPoint(IPAddress.Parse(bindAddress), 0));
    }

    public Socket Socket { get; }

    public IPEndPoint LocalEndPoint => (IPEndPoint)Socket.LocalEndPoint!;

    public void SendTo(IPEndPoint destination, byte[] bytes) => Socket.SendTo(bytes, destination);

    /// <summary>The next datagram within <paramref name="timeout"/>, or null.</summary>
    public (byte[] Data, IPEndPoint From)? Receive(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return null;
            if (!Socket.Poll((int)Math.Max(1, left.TotalMicroseconds), SelectMode.SelectRead)) return null;
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            try
            {
                var received = Socket.ReceiveFrom(_buffer, ref from);
                return (_buffer[..received], (IPEndPoint)from);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
            }
        }
    }

    /// <summary>Sends a request and returns the response with the same transaction ID (other datagrams are skipped).</summary>
    public TestResponse? Request(IPEndPoint server, byte[] request, TimeSpan? timeout = null)
    {
        SendTo(server, request);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(3));
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return null;
            var datagram = Receive(left);
            if (datagram is null) return null;
            var response = TestResponse.TryParse(datagram.Value.Data);
            if (response is not null && response.TransactionId.AsSpan().SequenceEqual(request.AsSpan(8, 12))) return response;
        }
    }

    public void Dispose() => Socket.Dispose();
}
