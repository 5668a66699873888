using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using IceSpec.Stun;
using IceSpec.Stun.Transports;
using IceSpec.Turn;

namespace IceSpec.Captures.Replay;

/// <summary>
/// One TCP connection of a replay (one per TCP connection the side had in the capture). Requests are written once:
/// RFC 8489 §6.2.2, a reliable transport is not retransmitted over. One read loop takes the messages the transport cuts
/// from the stream — by the STUN length or the ChannelData length rounded up to 4 (RFC 8656 §12.5,
/// <see cref="StreamMessageTransport"/>), or by RFC 4571 frames to an ICE agent (<see cref="IceTcpMessageTransport"/>) —
/// and hands each response to the request with its transaction ID, and each request to <c>answerRequest</c> (an ICE agent
/// checks the replaying side on the connection too); anything else is dropped.
/// </summary>
public sealed class TcpReplayConnection : IAsyncDisposable
{
    private readonly MessageTransport _transport;
    private readonly Func<byte[], IPEndPoint, byte[]?>? _answerRequest;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<byte[]>> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;
    private volatile string? _closed;

    private TcpReplayConnection(MessageTransport transport, Func<byte[], IPEndPoint, byte[]?>? answerRequest)
    {
        _transport = transport;
        _answerRequest = answerRequest;
        _receiving = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>
    /// Connects to <paramref name="target"/>: with RFC 8489 stream framing, or, given <paramref name="iceTcp"/>, as an
    /// ICE-TCP active candidate (RFC 4571 frames) whose incoming checks <see cref="ReplayIceTcp.AnswerRequest"/> answers.
    /// Null with the reason when that fails within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<(TcpReplayConnection? Connection, string? Failure)> ConnectAsync(IPEndPoint target, ReplayIceTcp? iceTcp, TimeSpan timeout,
        CancellationToken cancel)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        limit.CancelAfter(timeout);
        try
        {
            MessageTransport transport = iceTcp is null
                ? await StreamMessageTransport.ConnectTcpAsync(target, null, limit.Token, StreamFraming.StunAndChannelData)
                : await IceTcpMessageTransport.ConnectAsync(target, limit.Token);
            return (new TcpReplayConnection(transport, iceTcp?.AnswerRequest), null);
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
                if (StunMessage.TryParse(message, out var parsed) != StunParseStatus.Ok) continue;
                if (parsed.Class is StunClass.Success or StunClass.Error && _pending.TryGetValue(Convert.ToHexStringLower(parsed.TransactionId), out var waiting))
                    waiting.TrySetResult(message);
                else if (parsed.Class == StunClass.Request && _answerRequest?.Invoke(message, _transport.RemoteEndPoint) is { } reply)
                    await _transport.SendAsync(reply, _stop.Token);
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

/// <summary>
/// A replay to an ICE agent over ICE-TCP (RFC 6544): connections are opened as from an active candidate to the agent's
/// passive one and carry RFC 4571 frames; the agent's own checks on them are answered by <see cref="AnswerRequest"/>.
/// </summary>
public sealed record ReplayIceTcp(Func<byte[], IPEndPoint, byte[]?> AnswerRequest);
