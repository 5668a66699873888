using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using IceSpec.Stun.Transports;
using IceSpec.Turn;
using IceSpec.Turn.Client;

namespace IceSpec.Cli.Load;

/// <summary>The server refused or did not answer a setup request (Allocate, CreatePermission, ChannelBind).</summary>
public sealed class LoadSetupException(int? errorCode, string message) : Exception(message)
{
    public int? ErrorCode { get; } = errorCode;
}

/// <summary>
/// One allocation of the load: its own socket to the server (a 5-tuple of its own, RFC 8656 §2.2) and the sans-IO
/// TURN client core that allocated it with long-term credentials. The setup runs the core's requests here, blocking;
/// the load then writes data with <see cref="TurnClientCore.WriteData"/> and sends it in batches itself.
/// Over TCP, received bytes are cut into messages with <see cref="StreamFraming"/>.
/// </summary>
public sealed class LoadConnection : IDisposable
{
    private byte[] _stream = [];
    private int _start;
    private int _end;
    private long _origin;

    private LoadConnection(Socket socket, TurnClientCore core, bool stream)
    {
        Socket = socket;
        Core = core;
        IsStream = stream;
        Descriptor = (int)socket.SafeHandle.DangerousGetHandle();
        if (stream) _stream = new byte[256 * 1024];
    }

    public Socket Socket { get; }

    public TurnClientCore Core { get; }

    public bool IsStream { get; }

    public int Descriptor { get; }

    public IPEndPoint? Peer { get; private set; }

    /// <summary>Bytes written but not yet accepted by a non-blocking TCP socket (they go before anything new).</summary>
    public byte[] Outgoing { get; } = new byte[64 * 1024];

    public int OutgoingStart { get; set; }

    public int OutgoingEnd { get; set; }

    /// <summary>Connects to the server and allocates (the 401 challenge and the authenticated retry are the core's).</summary>
    public static LoadConnection Allocate(IPEndPoint server, TurnClientOptions options, long origin)
    {
        var stream = options.Transport.IsStream();
        var socket = stream
            ? new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
            : new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.ReceiveBufferSize = 1 << 20;
            socket.SendBufferSize = 1 << 20;
            if (!stream) socket.Bind(new IPEndPoint(server.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
            socket.Connect(server);
            var connection = new LoadConnection(socket, new TurnClientCore(options), stream) { _origin = origin };
            connection.Run(now => connection.Core.Allocate(now), origin);
            return connection;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A channel to the peer (RFC 8656 §12) or a permission for its address (§9; data then in Send indications).</summary>
    public void Prepare(IPEndPoint peer, bool channel, long origin)
    {
        Peer = peer;
        if (channel) Run(now => Core.BindChannel(now, peer), origin);
        else Run(now => Core.CreatePermission(now, peer.Address), origin);
    }

    /// <summary>Sends what the core queued (requests, refreshes), blocking.</summary>
    public void Flush()
    {
        while (Core.TryPollTransmit(out var message)) SendAll(message.Span);
    }

    private void SendAll(ReadOnlySpan<byte> message)
    {
        try
        {
            while (!message.IsEmpty)
            {
                var sent = Socket.Send(message);
                if (!IsStream) return;
                message = message[sent..];
            }
        }
        catch (SocketException e) when (!IsStream && e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.WouldBlock)
        {
            // UDP: an ICMP error or a full buffer; the core retransmits.
        }
    }

    /// <summary>Runs one request to its outcome: transmissions and retransmissions are the core's (RFC 8489 §6.2.1).</summary>
    private void Run(Func<TimeSpan, long> request, long origin)
    {
        var id = request(Stopwatch.GetElapsedTime(origin));
        var buffer = new byte[MessageTransport.MaxMessageLength];
        while (true)
        {
            Flush();
            while (Core.TryPollEvent(out var clientEvent))
            {
                switch (clientEvent)
                {
                    case TurnRequestFailed failed when failed.RequestId == id:
                        throw new LoadSetupException(failed.ErrorCode, $"{failed.Kind}: {(failed.ErrorCode is { } code ? code + " " : "")}{failed.Reason}");
                    case TurnAllocated a when a.RequestId == id: return;
                    case TurnChannelBound b when b.RequestId == id: return;
                    case TurnPermissionCreated p when p.RequestId == id: return;
                }
            }
            var now = Stopwatch.GetElapsedTime(origin);
            var wait = Core.PollTimeout() is { } due ? due - now : TimeSpan.FromSeconds(1);
            if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
            if (wait > TimeSpan.FromSeconds(1)) wait = TimeSpan.FromSeconds(1);
            if (TryReceiveBlocking(buffer, wait, out var message)) Core.HandlePacket(Stopwatch.GetElapsedTime(origin), message);
            else Core.HandleTimeout(Stopwatch.GetElapsedTime(origin));
        }
    }

    private bool TryReceiveBlocking(byte[] buffer, TimeSpan wait, out ReadOnlySpan<byte> message)
    {
        message = default;
        if (IsStream && TryNextMessage(out message)) return true;
        if (!Socket.Poll((int)Math.Max(1, wait.TotalMicroseconds), SelectMode.SelectRead)) return false;
        if (!IsStream)
        {
            try
            {
                var length = Socket.Receive(buffer);
                message = buffer.AsSpan(0, length);
                return length > 0;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
            {
                return false;
            }
        }
        if (ReceiveStream() == 0) throw new IOException("the server closed the connection");
        return TryNextMessage(out message);
    }

    /// <summary>TCP: reads what the socket has into the stream buffer; the byte count, 0 when closed, −1 when nothing was there.</summary>
    public int ReceiveStream()
    {
        if (_start == _end) _start = _end = 0;
        if (_end == _stream.Length)
        {
            Array.Copy(_stream, _start, _stream, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        var received = Socket.Receive(_stream, _end, _stream.Length - _end, SocketFlags.None, out var error);
        if (error == SocketError.WouldBlock) return -1;
        if (error != SocketError.Success) throw new SocketException((int)error);
        _end += received;
        return received;
    }

    /// <summary>TCP: the next whole message (STUN or ChannelData with its padding) in the stream buffer.</summary>
    public bool TryNextMessage(out ReadOnlySpan<byte> message)
    {
        message = default;
        var available = _stream.AsSpan(_start, _end - _start);
        var length = StreamFraming.NextMessageLength(available);
        if (length < 0) throw new InvalidDataException("the server's stream is neither STUN nor ChannelData");
        if (length == 0 || length > available.Length) return false;
        message = available[..length];
        _start += length;
        return true;
    }

    /// <summary>
    /// Deletes the allocation (a Refresh with LIFETIME 0, RFC 8656 §7; sent once, not awaited: the relay port is free at
    /// once for the next run instead of after the lifetime) and closes the socket; a TCP close ends it anyway (§3.1).
    /// </summary>
    public void Dispose()
    {
        try
        {
            if (!IsStream && Core.State == TurnClientState.Allocated)
            {
                Core.Close(Stopwatch.GetElapsedTime(_origin));
                Socket.Blocking = false;
                while (Core.TryPollTransmit(out var message)) Socket.Send(message.Span, SocketFlags.None, out _);
            }
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException or ObjectDisposedException)
        {
            // Best effort: the server's lifetime ends the allocation otherwise.
        }
        Socket.Dispose();
    }
}
