using System.Net;

namespace IceSpec.Stun.Transports;

/// <summary>
/// One connection to a STUN/TURN server that moves whole messages: a datagram over UDP, one framed STUN or ChannelData
/// message over TCP/TLS (cut with a <see cref="MessageFraming"/>: STUN only, or STUN and ChannelData for TURN). The sans-IO cores see only messages.
/// One reader and one writer may run at the same time; sends are serialised.
/// </summary>
public abstract class MessageTransport : IAsyncDisposable
{
    /// <summary>The largest message this transport hands out: a UDP datagram, or a STUN message (header + 65535).</summary>
    public const int MaxMessageLength = 65535 + 20;

    private readonly SemaphoreSlim _sendLock = new(1, 1);

    public abstract TransportProtocol Protocol { get; }

    public abstract IPEndPoint LocalEndPoint { get; }

    public abstract IPEndPoint RemoteEndPoint { get; }

    /// <summary>Sends one whole message (a datagram, or bytes on the stream).</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await SendCoreAsync(message, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Receives the next whole message into <paramref name="buffer"/> (at least <see cref="MaxMessageLength"/> bytes);
    /// returns its length, or 0 when the server closed the connection.
    /// </summary>
    /// <exception cref="InvalidDataException">The stream carries something that is neither STUN nor ChannelData.</exception>
    public abstract ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    protected abstract ValueTask SendCoreAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken);

    public virtual ValueTask DisposeAsync()
    {
        _sendLock.Dispose();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Connects to <paramref name="server"/> over <paramref name="protocol"/> (TLS with <paramref name="tls"/>); a stream is
    /// cut with <paramref name="framing"/> (<see cref="MessageFramings.StunOnly"/> when null).
    /// </summary>
    public static async Task<MessageTransport> ConnectAsync(IPEndPoint server, TransportProtocol protocol, TlsClientOptions? tls = null,
        CancellationToken cancellationToken = default, IPEndPoint? localEndPoint = null, MessageFraming? framing = null)
    {
        switch (protocol)
        {
            case TransportProtocol.Udp:
                return UdpMessageTransport.Connect(server, localEndPoint);
            case TransportProtocol.Tcp:
                return await StreamMessageTransport.ConnectTcpAsync(server, localEndPoint, cancellationToken, framing).ConfigureAwait(false);
            default:
                return await StreamMessageTransport.ConnectTlsAsync(server, tls ?? new TlsClientOptions(), localEndPoint, cancellationToken, framing).ConfigureAwait(false);
        }
    }
}
