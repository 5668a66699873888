using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using IceSpec.Stun;

namespace IceSpec.Ice;

/// <summary>
/// RFC 6544 §5.2: one Binding request over TCP to a STUN server from an S-O candidate's own port (bound with port reuse
/// beside its listener), so that the XOR-MAPPED-ADDRESS is the NAT's mapping of that port. STUN over TCP carries no RFC
/// 4571 frame: the request is written as it is and the answer read by its header's length (RFC 8489 §5, §6.2.2):
/// <code>
///  0                   1                   2                   3
/// |0 0|     STUN Message Type     |         Message Length        |
/// |                         Magic Cookie                          |
/// |                     Transaction ID (96 bits)                  |
/// </code>
/// </summary>
internal static class IceTcpReflexiveBinding
{
    /// <summary>The server's answer (one STUN message), or a <see cref="SocketException"/> / <see cref="OperationCanceledException"/>.</summary>
    public static async Task<byte[]> ExchangeAsync(IPEndPoint from, IPEndPoint server, ReadOnlyMemory<byte> request, TimeSpan timeout, CancellationToken ct)
    {
        using var socket = from.Port == 0 ? new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) : IceTcpPeerConnection.ReusablePort(from);
        if (from.Port == 0) socket.Bind(from);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        await socket.ConnectAsync(server, limit.Token);
        await socket.SendAsync(request, SocketFlags.None, limit.Token);
        var header = new byte[StunHeader.Length];
        await ReadExactlyAsync(socket, header, limit.Token);
        var answer = new byte[StunHeader.Length + BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2))];
        header.CopyTo(answer, 0);
        await ReadExactlyAsync(socket, answer.AsMemory(StunHeader.Length), limit.Token);
        return answer;
    }

    private static async Task ReadExactlyAsync(Socket socket, Memory<byte> into, CancellationToken ct)
    {
        while (into.Length > 0)
        {
            var read = await socket.ReceiveAsync(into, SocketFlags.None, ct);
            if (read == 0) throw new SocketException((int)SocketError.ConnectionReset); // closed before the whole answer
            into = into[read..];
        }
    }
}
