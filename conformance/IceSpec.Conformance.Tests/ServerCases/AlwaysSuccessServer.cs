using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using IceSpec.Stun;

namespace IceSpec.Conformance.Tests.ServerCases;

/// <summary>
/// A broken server for the tests: it answers every datagram that has a STUN header — malformed or not, authenticated or
/// not — with a success response of the same method and transaction ID carrying the sender's XOR-MAPPED-ADDRESS. The
/// cases must catch it.
/// </summary>
public sealed class AlwaysSuccessServer : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public AlwaysSuccessServer()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _loop = AnswerAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    private async Task AnswerAsync()
    {
        var buffer = new byte[65536];
        var response = new byte[256];
        try
        {
            while (true)
            {
                var received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                if (received.ReceivedBytes < StunHeader.Length) continue;
                var type = StunMessageType.Decode(BinaryPrimitives.ReadUInt16BigEndian(buffer));
                var builder = new StunMessageBuilder(response, new StunMessageType(type.Method, StunClass.Success), buffer.AsSpan(8, 12));
                builder.AddXorMappedAddress(new StunAddress((IPEndPoint)received.RemoteEndPoint));
                await _socket.SendToAsync(builder.Written.ToArray(), SocketFlags.None, received.RemoteEndPoint, _stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _socket.Dispose();
        _stop.Dispose();
    }
}
