using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using IceSpec.Stun;

namespace IceSpec.Ice;

/// <summary>
/// One ICE-TCP connection to the peer (RFC 6544): accepted on a passive candidate's listener, or opened from an active
/// candidate. Messages go out as RFC 4571 frames in order; what arrives is cut back into messages by
/// <see cref="IceTcpDeframer"/>, whatever the reads' boundaries. A frame above the length limit, or the peer closing,
/// ends the connection and is reported once; nothing is thrown.
/// </summary>
internal sealed class IceTcpPeerConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    /// <summary>Frames waiting to be written, each in a buffer from <see cref="_buffers"/>, returned once written.</summary>
    private readonly Channel<(byte[] Buffer, int Length)> _outbox = Channel.CreateUnbounded<(byte[], int)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IceSendBuffers _buffers = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly int _maxFrameLength;
    private Task _pump = Task.CompletedTask;
    /// <summary>A TURN data connection before its ConnectionBind succeeded: STUN messages as they are, no frames (RFC 6062 §4.3).</summary>
    private bool _unframedUntilBound;

    /// <summary>Takes over a connected socket (accepted, or connected by <see cref="ConnectAsync"/>).</summary>
    private IceTcpPeerConnection(Socket socket, int maxFrameLength)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _maxFrameLength = maxFrameLength;
        Local = (IPEndPoint)socket.LocalEndPoint!;
        Remote = (IPEndPoint)socket.RemoteEndPoint!;
    }

    public IPEndPoint Local { get; }
    public IPEndPoint Remote { get; }
    /// <summary>Seeded defect <see cref="IceSeededDefect.UnframedTcpMessages"/>: <see cref="Send"/> writes messages without their RFC 4571 length.</summary>
    public bool Unframed { get; set; }

    public static IceTcpPeerConnection Accepted(Socket socket, int maxFrameLength) => new(socket, maxFrameLength);

    /// <summary>
    /// RFC 6062 §4.3, §4.4: a data connection to a TURN server from <paramref name="localAddress"/> (any port), which
    /// writes <paramref name="connectionBind"/> as it is and reads STUN messages as they are until the ConnectionBind
    /// success response; from then on the server relays the peer's stream and RFC 4571 frames go both ways.
    /// </summary>
    public static async Task<IceTcpPeerConnection> ConnectToTurnAsync(IPAddress localAddress, IPEndPoint server, ReadOnlyMemory<byte> connectionBind,
        TimeSpan timeout, int maxFrameLength, CancellationToken ct)
    {
        var connection = await ConnectAsync(new IPEndPoint(localAddress, 0), server, timeout, maxFrameLength, ct);
        connection._unframedUntilBound = true;
        var buffer = connection._buffers.Rent(connectionBind.Length);
        connectionBind.Span.CopyTo(buffer);
        if (!connection._outbox.Writer.TryWrite((buffer, connectionBind.Length))) connection._buffers.Return(buffer);
        return connection;
    }

    /// <summary>
    /// Opens a connection from <paramref name="local"/> to the peer: from an active candidate's address and port 0 (any
    /// port) to a passive candidate (RFC 6544 §7.1), or from an S-O candidate's own port to the peer's S-O candidate
    /// (§7.2), bound with port reuse beside that port's listener.
    /// </summary>
    public static async Task<IceTcpPeerConnection> ConnectAsync(IPEndPoint local, IPEndPoint remote, TimeSpan timeout, int maxFrameLength, CancellationToken ct)
    {
        var socket = local.Port == 0 ? new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) : ReusablePort(local);
        try
        {
            if (local.Port == 0) socket.Bind(local);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(timeout);
            await socket.ConnectAsync(remote, limit.Token);
            return new IceTcpPeerConnection(socket, maxFrameLength);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A TCP socket bound to <paramref name="local"/> with SO_REUSEADDR (which .NET sets with SO_REUSEPORT on Linux): an
    /// S-O candidate's listener and each connect from that same port (RFC 6544 §7.2) can hold the port together.
    /// </summary>
    public static Socket ReusablePort(IPEndPoint local)
    {
        var socket = new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(local);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Starts reading: each message goes to <paramref name="onMessage"/>; the end, with its reason, to <paramref name="onClosed"/>.</summary>
    public void Start(Action<byte[]> onMessage, Action<string> onClosed) => _pump = Task.Run(() => Pump(onMessage, onClosed));

    /// <summary>
    /// Queues one message; it is written as one frame after those queued before it. The frame goes into a pooled buffer
    /// (nothing allocated per message in steady state), so <paramref name="message"/> may be reused once this returns.
    /// </summary>
    public void Send(ReadOnlyMemory<byte> message)
    {
        var buffer = _buffers.Rent(IceTcpFraming.HeaderLength + message.Length);
        var length = IceTcpFraming.Frame(message.Span, buffer);
        if (Unframed) buffer.AsSpan(IceTcpFraming.HeaderLength, length -= IceTcpFraming.HeaderLength).CopyTo(buffer);
        if (!_outbox.Writer.TryWrite((buffer, length))) _buffers.Return(buffer);
    }

    private async Task Pump(Action<byte[]> onMessage, Action<string> onClosed)
    {
        var writer = Task.Run(WriteAll);
        var deframer = new IceTcpDeframer(_maxFrameLength);
        var unframed = new UnframedStun();
        var buffer = new byte[16384];
        var reason = "closed";
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0) { reason = "the peer closed the connection"; break; }
                ReadOnlySpan<byte> received = buffer.AsSpan(0, read);
                if (_unframedUntilBound)
                {
                    unframed.Append(received);
                    received = ReadUnframed(unframed, onMessage);
                }
                deframer.Append(received);
                IceTcpDeframeStatus status;
                while ((status = deframer.TryRead(out var message)) == IceTcpDeframeStatus.Frame) onMessage(message);
                if (status == IceTcpDeframeStatus.Oversized) { reason = $"a frame longer than {_maxFrameLength} bytes (RFC 4571 §2 LENGTH)"; break; }
            }
        }
        catch (OperationCanceledException) { return; }
        catch (ObjectDisposedException) { return; }
        catch (SocketException e) { reason = e.Message; }
        _socket.Dispose();
        _outbox.Writer.TryComplete();
        onClosed(reason);
        await writer.ContinueWith(_ => { });
    }

    /// <summary>
    /// Hands out the whole STUN messages <paramref name="unframed"/> holds (RFC 8489 §5: 20-byte header, then the length
    /// it names); after a ConnectionBind success the connection is bound and what follows it is RFC 4571 frames, returned.
    /// </summary>
    private ReadOnlySpan<byte> ReadUnframed(UnframedStun unframed, Action<byte[]> onMessage)
    {
        while (unframed.TryRead(out var message))
        {
            onMessage(message);
            if (StunMessage.TryParse(message, out var parsed) == StunParseStatus.Ok
                && parsed.Method == Turn.TurnMethods.ConnectionBind && parsed.Class == StunClass.Success)
            {
                _unframedUntilBound = false;
                return unframed.Rest();
            }
        }
        return [];
    }

    /// <summary>Bytes of a TURN data connection before it is bound, cut into STUN messages by their header's length.</summary>
    private sealed class UnframedStun
    {
        private byte[] _bytes = [];

        public void Append(ReadOnlySpan<byte> data) => _bytes = [.. _bytes, .. data];

        public bool TryRead(out byte[] message)
        {
            message = [];
            if (_bytes.Length < StunHeader.Length) return false;
            var length = StunHeader.Length + System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(_bytes.AsSpan(2));
            if (_bytes.Length < length) return false;
            message = _bytes[..length];
            _bytes = _bytes[length..];
            return true;
        }

        public byte[] Rest()
        {
            var rest = _bytes;
            _bytes = [];
            return rest;
        }
    }

    private async Task WriteAll()
    {
        try
        {
            await foreach (var (buffer, length) in _outbox.Reader.ReadAllAsync(_stop.Token))
                try { await _socket.SendAsync(buffer.AsMemory(0, length), SocketFlags.None, _stop.Token); }
                finally { _buffers.Return(buffer); }
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
        catch (SocketException) { } // the reader sees the same failure and reports it
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _outbox.Writer.TryComplete();
        _socket.Dispose();
        await _pump.ContinueWith(_ => { });
        _stop.Dispose();
    }
}
