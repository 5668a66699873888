using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using IceSpec.Stun;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>
/// A TCP connection to the server, cut into messages: STUN (first two bits 00: 20-byte header + Message Length, RFC 8489
/// §6.2.2) or ChannelData (01: 4-byte header + Length, padded to 4 on streams, RFC 8656 §12.5).
/// </summary>
public sealed class TcpServerConnection : ServerConnection
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly byte[] _pending = new byte[65536 + StunHeader.Length];
    private int _pendingLength;
    private Task<int>? _read;

    private readonly IPEndPoint _local;

    private TcpServerConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
        _local = (IPEndPoint)client.Client.LocalEndPoint!;
    }

    public static async Task<TcpServerConnection> ConnectAsync(IPEndPoint server, TimeSpan timeout, CancellationToken cancel)
    {
        var client = new TcpClient(server.AddressFamily);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        wait.CancelAfter(timeout);
        try
        {
            await client.ConnectAsync(server, wait.Token);
            return new TcpServerConnection(client);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancel.IsCancellationRequested)
        {
            client.Dispose();
            throw new CaseSetupException($"could not connect to {server} over TCP within {timeout.TotalSeconds:0.#} s: {e.Message}");
        }
    }

    public override IPEndPoint Local => _local;

    public override IPEndPoint Remote => (IPEndPoint)_client.Client.RemoteEndPoint!;

    public override string Transport => "tcp";

    /// <exception cref="ServerClosedConnectionException">The server already closed or reset the connection.</exception>
    public override async Task SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancel)
    {
        try
        {
            await _stream.WriteAsync(message, cancel);
        }
        catch (IOException e)
        {
            throw new ServerClosedConnectionException($"the server closed the TCP connection from {_local} (writing: {e.InnerException?.Message ?? e.Message})");
        }
    }

    protected override async Task<byte[]?> ReceiveNextAsync(TimeSpan timeout, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var whole = WholeMessageLength();
            if (whole > 0 && whole <= _pendingLength)
            {
                var message = Take(whole);
                if (message.Length >= 4 && (message[0] & 0xC0) == 0x40)
                    return message[..(4 + BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(2)))]; // ChannelData without its stream padding
                return message;
            }
            var (read, closed) = await ReadMoreAsync(deadline, cancel);
            if (closed is not null) throw new ServerClosedConnectionException(closed);
            if (!read) return null;
        }
    }

    /// <summary>
    /// Exactly <paramref name="count"/> bytes as they come, unframed (an RFC 6062 data connection after its ConnectionBind),
    /// or null when they have not all come within <paramref name="timeout"/> (or the server closed the connection first).
    /// </summary>
    public async Task<byte[]?> ReceiveRawAsync(int count, TimeSpan timeout, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_pendingLength < count)
        {
            var (read, closed) = await ReadMoreAsync(deadline, cancel);
            if (!read || closed is not null) return null;
        }
        return Take(count);
    }

    /// <summary>
    /// Reads more bytes into the buffer before <paramref name="deadline"/>: Read true when some came; Closed says how the
    /// server closed or reset the connection; both false/null on time-out. A read that timed out stays pending and is
    /// awaited by the next receive, so no byte is lost.
    /// </summary>
    private async Task<(bool Read, string? Closed)> ReadMoreAsync(DateTime deadline, CancellationToken cancel)
    {
        var left = deadline - DateTime.UtcNow;
        if (left <= TimeSpan.Zero) return (false, null);
        _read ??= _stream.ReadAsync(_pending, _pendingLength, _pending.Length - _pendingLength, CancellationToken.None);
        var done = await Task.WhenAny(_read, Task.Delay(left, cancel));
        cancel.ThrowIfCancellationRequested();
        if (done != _read) return (false, null);
        int count;
        try
        {
            count = await _read;
        }
        catch (IOException e)
        {
            _read = null;
            return (false, $"the server reset the TCP connection from {_local} ({e.InnerException?.Message ?? e.Message})");
        }
        _read = null;
        if (count == 0) return (false, $"the server closed the TCP connection from {_local}");
        _pendingLength += count;
        return (true, null);
    }

    /// <summary>The first <paramref name="count"/> buffered bytes, removed from the buffer.</summary>
    private byte[] Take(int count)
    {
        var bytes = _pending.AsSpan(0, count).ToArray();
        _pending.AsSpan(count, _pendingLength - count).CopyTo(_pending);
        _pendingLength -= count;
        return bytes;
    }

    /// <summary>Bytes of the first message in the buffer once its header is in, else 0.</summary>
    private int WholeMessageLength()
    {
        if (_pendingLength < 4) return 0;
        var length = BinaryPrimitives.ReadUInt16BigEndian(_pending.AsSpan(2));
        return (_pending[0] & 0xC0) switch
        {
            0x00 => StunHeader.Length + length,
            0x40 => StunHeader.Padded(4 + length),
            _ => throw new CaseSetupException($"the server sent bytes that are neither STUN nor ChannelData on TCP (first byte 0x{_pending[0]:X2})"),
        };
    }

    public override ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
