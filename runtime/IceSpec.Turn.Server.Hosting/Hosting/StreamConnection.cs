using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace IceSpec.Turn.Server;

/// <summary>
/// The sending half of a client's TCP or TLS connection: the core's transmits are queued (the core's lock is never held
/// across a network write) and written in order by one writer task. A client that does not read fills its bounded queue
/// and loses messages rather than the server's memory.
/// </summary>
internal sealed class StreamConnection
{
    private const int MaxQueued = 4096;
    private readonly Stream _stream;
    private readonly ILogger _log;
    private readonly Channel<TurnTransmit> _queue = Channel.CreateBounded<TurnTransmit>(new BoundedChannelOptions(MaxQueued)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropWrite,
    });
    private readonly CancellationTokenSource _abort = new();
    private readonly Task _writer;

    public StreamConnection(Stream stream, TurnFlow flow, ILogger log)
    {
        _stream = stream;
        Flow = flow;
        _log = log;
        LastActivity = Environment.TickCount64;
        _writer = Task.Run(WriteLoop);
    }

    public TurnFlow Flow { get; }

    /// <summary>When bytes last arrived (<see cref="Environment.TickCount64"/>); idle connections without an allocation are closed.</summary>
    public long LastActivity { get; set; }

    /// <summary>When the first byte of the message now arriving came (<see cref="Environment.TickCount64"/>); 0 between messages (<c>message-deadline</c>).</summary>
    public long MessageStartedAt
    {
        get => Volatile.Read(ref _messageStartedAt);
        set => Volatile.Write(ref _messageStartedAt, value);
    }

    private long _messageStartedAt;

    /// <summary>The peer data connection this client connection was bound to by a ConnectionBind (RFC 6062 §5.4), or null.</summary>
    public PeerDataConnection? BoundPeer { get; set; }

    /// <summary>Ends once <see cref="Complete"/> was called and everything queued before it is written (or the connection failed).</summary>
    public Task Written => _writer;

    /// <summary>Closes the connection from outside its read loop (which then ends and cleans up).</summary>
    public void Close()
    {
        Abort();
        try
        {
            _stream.Dispose();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
    }

    public void Enqueue(in TurnTransmit transmit)
    {
        if (!_queue.Writer.TryWrite(transmit)) TurnServer.ReturnBuffer(transmit);
    }

    public void Complete() => _queue.Writer.TryComplete();

    public void Abort()
    {
        _queue.Writer.TryComplete();
        _abort.Cancel();
    }

    private async Task WriteLoop()
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_abort.Token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var transmit))
                {
                    try
                    {
                        await _stream.WriteAsync(transmit.Buffer.AsMemory(0, transmit.Length), _abort.Token).ConfigureAwait(false);
                    }
                    finally
                    {
                        TurnServer.ReturnBuffer(transmit);
                    }
                }
                await _stream.FlushAsync(_abort.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or NotSupportedException or InvalidOperationException)
        {
            _log.ConnectionWriteFailed(e.GetType().Name);
        }
        finally
        {
            while (reader.TryRead(out var left)) TurnServer.ReturnBuffer(left);
        }
    }
}
