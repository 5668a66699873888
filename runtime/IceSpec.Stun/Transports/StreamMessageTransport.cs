using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace IceSpec.Stun.Transports;

/// <summary>
/// A TCP or TLS connection carrying messages back to back: STUN (RFC 8489 §6.2.2), or STUN and ChannelData to a TURN
/// server (RFC 8656 §12.5); reads are cut into whole messages with the <see cref="MessageFraming"/> it was connected with.
/// </summary>
public sealed class StreamMessageTransport : MessageTransport
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[2 * MaxMessageLength];
    private int _start;
    private int _end;
    private readonly MessageFraming _framing;

    private StreamMessageTransport(Socket socket, Stream stream, TransportProtocol protocol, MessageFraming? framing)
    {
        _framing = framing ?? MessageFramings.StunOnly;
        _socket = socket;
        _stream = stream;
        Protocol = protocol;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        RemoteEndPoint = (IPEndPoint)socket.RemoteEndPoint!;
    }

    public override TransportProtocol Protocol { get; }

    public override IPEndPoint LocalEndPoint { get; }

    public override IPEndPoint RemoteEndPoint { get; }

    public static async Task<StreamMessageTransport> ConnectTcpAsync(IPEndPoint server, IPEndPoint? localEndPoint, CancellationToken cancellationToken,
        MessageFraming? framing = null)
    {
        var socket = await ConnectSocketAsync(server, localEndPoint, cancellationToken).ConfigureAwait(false);
        return new StreamMessageTransport(socket, new NetworkStream(socket, ownsSocket: false), TransportProtocol.Tcp, framing);
    }

    public static async Task<StreamMessageTransport> ConnectTlsAsync(IPEndPoint server, TlsClientOptions options, IPEndPoint? localEndPoint,
        CancellationToken cancellationToken, MessageFraming? framing = null)
    {
        var socket = await ConnectSocketAsync(server, localEndPoint, cancellationToken).ConfigureAwait(false);
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false, options.Validate);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = options.TargetHost ?? server.Address.ToString(),
                EnabledSslProtocols = options.EnabledProtocols,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
            throw;
        }
        return new StreamMessageTransport(socket, ssl, TransportProtocol.Tls, framing);
    }

    private static async Task<Socket> ConnectSocketAsync(IPEndPoint server, IPEndPoint? localEndPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (localEndPoint is not null) socket.Bind(localEndPoint);
            await socket.ConnectAsync(server, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    protected override ValueTask SendCoreAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) =>
        _stream.WriteAsync(message, cancellationToken);

    public override async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var length = _framing(_buffer.AsSpan(_start, _end - _start));
            if (length < 0) throw new InvalidDataException("The server sent bytes that are neither STUN nor ChannelData (RFC 8489 §6.2.2, RFC 8656 §12.5); the stream cannot be framed.");
            if (length > 0)
            {
                if (buffer.Length < length) throw new ArgumentException($"The buffer holds {buffer.Length} bytes; the message has {length}.", nameof(buffer));
                _buffer.AsSpan(_start, length).CopyTo(buffer.Span);
                _start += length;
                return length;
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (_end > _start) throw new InvalidDataException($"The connection closed inside a message ({_end - _start} bytes pending).");
                return 0;
            }
            _end += read;
        }
    }

    /// <summary>
    /// Stops framing and hands over the raw stream (RFC 6062 §4.4: after a ConnectionBind success the connection carries
    /// application data only), with the bytes already read past the last message.
    /// </summary>
    public (Stream Stream, byte[] Pending) Detach()
    {
        var pending = _buffer.AsSpan(_start, _end - _start).ToArray();
        _start = _end = 0;
        return (_stream, pending);
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
