using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using IceSpec.Stun;
using IceSpec.Turn.Transports;

namespace IceSpec.Captures.Replay;

/// <summary>
/// One TCP connection of a replay (one per TCP connection the side had in the capture). Requests are written once:
/// RFC 8489 §6.2.2, a reliable transport is not retransmitted over. One read loop cuts the stream into messages by the
/// STUN length or the ChannelData length rounded up to 4 (RFC 8656 §12.5, <see cref="StreamMessageTransport"/>) and hands
/// each response to the request with its transaction ID; anything else is dropped.
/// </summary>
public sealed class TcpReplayConnection : IAsyncDisposable
{
    private readonly StreamMessageTransport _transport;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<byte[]>> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;
    private volatile string? _closed;

    private TcpReplayConnection(StreamMessageTransport transport)
    {
        _transport = transport;
        _receiving = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>Connects to <paramref name="target"/>; false with the reason when that fails within <paramref name="timeout"/>.</summary>
    public static async Task<(TcpReplayConnection? Connection, string? Failure)> ConnectAsync(IPEndPoint target, TimeSpan timeout, CancellationToken cancel)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        limit.CancelAfter(timeout);
        try
        {
            return (new TcpReplayConnection(await StreamMessageTransport.ConnectTcpAsync(target, null, limit.Token)), null);
        }
        catch (SocketException e)
        {
            return (null, $"cannot connect to {target} over TCP: {e.Message}");
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return (null, $"cannot connect to {target} over TCP within {timeout.TotalSeconds:0.#} s");
        }
    }

    public IPEndPoint LocalEndPoint => _transport.LocalEndPoint;

    /// <summary>
    /// Writes <paramref name="request"/> once and waits for its answer: the answer, or null with why there is none
    /// (the timeout passed, or the target closed the connection or sent bytes that cannot be framed).
    /// </summary>
    public async Task<(byte[]? Answer, TimeSpan Rtt, string? Failure)> ExchangeAsync(byte[] request, byte[] transactionId, TimeSpan timeout,
        CancellationToken cancel)
    {
        var id = Convert.ToHexStringLower(transactionId);
        var answer = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var started = Stopwatch.StartNew();
        try
        {
            if (_closed is { } before) return (null, started.Elapsed, before);
            try
            {
                await _transport.SendAsync(request, cancel);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                return (null, started.Elapsed, $"cannot write to the TCP connection: {e.Message}");
            }
            try
            {
                return (await answer.Task.WaitAsync(timeout, cancel), started.Elapsed, null);
            }
            catch (TimeoutException)
            {
                return (null, started.Elapsed, null);
            }
            catch (IOException e)
            {
                return (null, started.Elapsed, e.Message);
            }
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[MessageTransport.MaxMessageLength];
        try
        {
            while (true)
            {
                var length = await _transport.ReceiveAsync(buffer, _stop.Token);
                if (length == 0)
                {
                    Close("the target closed the TCP connection");
                    return;
                }
                var message = buffer.AsSpan(0, length).ToArray();
                if (StunMessage.TryParse(message, out var parsed) == StunParseStatus.Ok && parsed.Class is StunClass.Success or StunClass.Error &&
                    _pending.TryGetValue(Convert.ToHexStringLower(parsed.TransactionId), out var waiting))
                    waiting.TrySetResult(message);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            Close("the TCP connection was closed");
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException)
        {
            Close($"the TCP connection broke: {e.Message}");
        }
    }

    private void Close(string reason)
    {
        _closed = reason;
        foreach (var waiting in _pending.Values) waiting.TrySetException(new IOException(reason));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _transport.DisposeAsync();
        await _receiving.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }
}
