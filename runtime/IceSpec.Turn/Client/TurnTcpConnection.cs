using System.Net;
using IceSpec.Stun.Transports;

namespace IceSpec.Turn.Client;

/// <summary>
/// One RFC 6062 data connection: after its ConnectionBind succeeded, the bytes written here reach the peer over the
/// server's TCP connection to it, and the peer's bytes are read here, unframed (RFC 6062 §4.3).
/// </summary>
public sealed class TurnTcpConnection : Stream
{
    private readonly StreamMessageTransport _transport;
    private readonly Stream _stream;
    private readonly byte[] _pending;
    private int _pendingOffset;

    internal TurnTcpConnection(IPEndPoint peer, uint connectionId, StreamMessageTransport transport)
    {
        Peer = peer;
        ConnectionId = connectionId;
        _transport = transport;
        (_stream, _pending) = transport.Detach();
    }

    public IPEndPoint Peer { get; }

    /// <summary>The CONNECTION-ID the server gave the peer connection (RFC 6062 §6.2.1).</summary>
    public uint ConnectionId { get; }

    public IPEndPoint LocalEndPoint => _transport.LocalEndPoint;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (TakePending(buffer) is var taken && taken > 0) return taken;
        return _stream.Read(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (TakePending(buffer.Span) is var taken && taken > 0) return taken;
        return await _stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => _stream.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => _stream.Write(buffer);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _stream.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _stream.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush() => _stream.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _stream.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private int TakePending(Span<byte> buffer)
    {
        var left = _pending.Length - _pendingOffset;
        if (left == 0 || buffer.Length == 0) return 0;
        var n = Math.Min(left, buffer.Length);
        _pending.AsSpan(_pendingOffset, n).CopyTo(buffer);
        _pendingOffset += n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _transport.DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _transport.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
