using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using IceSpec.Stun;

namespace IceSpec.Captures.Replay;

/// <summary>
/// The UDP socket a replay sends from. One receive loop hands each response to the request with its transaction ID
/// (anything else is dropped, so an agent's own traffic cannot be taken for an answer) and gives each incoming request
/// to <c>answerRequest</c>, which may return a response to send back (an ICE agent under replay checks this socket too).
/// </summary>
public sealed class UdpReplaySocket : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Func<byte[], IPEndPoint, byte[]?>? _answerRequest;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<byte[]>> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;

    private UdpReplaySocket(Socket socket, Func<byte[], IPEndPoint, byte[]?>? answerRequest)
    {
        _socket = socket;
        _answerRequest = answerRequest;
        _receiving = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>Binds to <paramref name="local"/> (port 0: any free one) and starts receiving.</summary>
    public static UdpReplaySocket Bind(IPEndPoint local, Func<byte[], IPEndPoint, byte[]?>? answerRequest = null)
    {
        var socket = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(local);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new UdpReplaySocket(socket, answerRequest);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>
    /// Sends <paramref name="request"/> to <paramref name="target"/> and retransmits it on the schedule of a
    /// <see cref="StunClientTransaction"/> (RFC 8489 §6.2.1: RTO, doubling, Rc requests, then Rm times RTO) until its answer
    /// comes, the transaction gives up or <paramref name="timeout"/> passes (answer null).
    /// </summary>
    public async Task<(byte[]? Answer, TimeSpan Rtt)> ExchangeAsync(IPEndPoint target, byte[] request, byte[] transactionId, TimeSpan timeout,
        CancellationToken cancel)
    {
        var id = Convert.ToHexStringLower(transactionId);
        var answer = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        try
        {
            var transaction = new StunClientTransaction(request, StunTransport.Unreliable);
            var started = Stopwatch.StartNew();
            transaction.Start(started.Elapsed);
            while (started.Elapsed < timeout && transaction.Outcome == StunTransactionOutcome.Pending)
            {
                while (transaction.TryPollTransmit(out var datagram))
                    await _socket.SendToAsync(datagram, SocketFlags.None, target, cancel);
                var next = transaction.PollTimeout() is { } due && due < timeout ? due : timeout;
                var wait = next - started.Elapsed;
                try
                {
                    return (await answer.Task.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, cancel), started.Elapsed);
                }
                catch (TimeoutException)
                {
                    transaction.HandleTimeout(started.Elapsed);   // this wait is over: retransmit, or the transaction gives up
                }
            }
            return (null, started.Elapsed);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[65536];
        var any = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                continue; // ICMP port unreachable from an earlier send: nobody listens (yet); the sender retransmits
            }
            var datagram = buffer.AsSpan(0, received.ReceivedBytes).ToArray();
            if (StunMessage.TryParse(datagram, out var message) != StunParseStatus.Ok) continue;
            if (message.Class is StunClass.Success or StunClass.Error)
            {
                if (_pending.TryGetValue(Convert.ToHexStringLower(message.TransactionId), out var waiting)) waiting.TrySetResult(datagram);
            }
            else if (message.Class == StunClass.Request && _answerRequest?.Invoke(datagram, (IPEndPoint)received.RemoteEndPoint) is { } response)
            {
                try
                {
                    await _socket.SendToAsync(response, SocketFlags.None, received.RemoteEndPoint, _stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
                {
                    return;
                }
                catch (SocketException)
                {
                    // The asker is gone; nothing to do.
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _receiving.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }
}
