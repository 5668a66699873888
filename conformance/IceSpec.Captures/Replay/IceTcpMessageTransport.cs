using System.Net;
using System.Net.Sockets;
using IceSpec.Ice;
using IceSpec.Stun.Transports;

namespace IceSpec.Captures.Replay;

/// <summary>
/// An ICE-TCP connection (RFC 6544) as a <see cref="MessageTransport"/>: every message goes out as an RFC 4571 frame
/// (16-bit length, then the message) and the stream is cut back into frames by <see cref="IceTcpDeframer"/>, whatever
/// the reads' boundaries. What a replay opens from its active candidate to an agent's passive one (RFC 6544 §7.1).
/// </summary>
public sealed class IceTcpMessageTransport : MessageTransport
{
    private readonly Socket _socket;
    private readonly IceTcpDeframer _deframer = new();
    private readonly byte[] _read = new byte[16384];

    private IceTcpMessageTransport(Socket socket)
    {
        _socket = socket;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        RemoteEndPoint = (IPEndPoint)socket.RemoteEndPoint!;
    }

    public override TransportProtocol Protocol => TransportProtocol.Tcp;

    public override IPEndPoint LocalEndPoint { get; }

    public override IPEndPoint RemoteEndPoint { get; }

    public static async Task<IceTcpMessageTransport> ConnectAsync(IPEndPoint passiveCandidate, CancellationToken cancellationToken)
    {
        var socket = new Socket(passiveCandidate.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(passiveCandidate, cancellationToken);
            return new IceTcpMessageTransport(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    protected override async ValueTask SendCoreAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) =>
        await _socket.SendAsync(IceTcpFraming.Frame(message.Span), SocketFlags.None, cancellationToken);

    /// <exception cref="InvalidDataException">A frame longer than RFC 4571 allows here, or the connection closed inside one.</exception>
    public override async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            switch (_deframer.TryRead(out var message))
            {
                case IceTcpDeframeStatus.Frame:
                    message.CopyTo(buffer);
                    return message.Length;
                case IceTcpDeframeStatus.Oversized:
                    throw new InvalidDataException($"the agent sent an RFC 4571 frame longer than {_deframer.MaxFrameLength} bytes");
            }
            var read = await _socket.ReceiveAsync(_read, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                if (_deframer.Buffered > 0) throw new InvalidDataException($"the connection closed inside an RFC 4571 frame ({_deframer.Buffered} bytes pending)");
                return 0;
            }
            _deframer.Append(_read.AsSpan(0, read));
        }
    }

    public override async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await base.DisposeAsync();
    }
}
