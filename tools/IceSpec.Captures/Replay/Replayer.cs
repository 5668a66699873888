using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using IceSpec.Captures.Credentials;
using IceSpec.Stun;

namespace IceSpec.Captures.Replay;

/// <summary>One replayed request: what came back (null: nothing), how it differs from the capture (null: it does not), the RTT and the answer's integrity.</summary>
public sealed record ReplayOutcome(ReplayStep Step, ExpectedAnswer? Answer, string? Divergence, double? RttMs, string Integrity);

/// <summary>
/// Sends the steps of a <see cref="ReplayPlan"/> to a live target over UDP, in order and with the captured spacing
/// (divided by a speed factor and capped at a longest pause; never before the previous answer), each rewritten by <see cref="RequestRewriter"/> and
/// retransmitted as RFC 8489 §6.2.1 says (RTO 500 ms, doubling) until its timeout, and compares each answer with the
/// capture's: class, error code, attribute types in order.
/// </summary>
public sealed class Replayer(IPEndPoint target, CaptureCredentials credentials, TimeSpan timeout, double speed, TimeSpan maxPause)
{
    private static readonly TimeSpan InitialRto = TimeSpan.FromMilliseconds(500);

    public async Task<IReadOnlyList<ReplayOutcome>> RunAsync(IReadOnlyList<ReplayStep> steps, bool stopAtFirstDivergence, CancellationToken cancel)
    {
        using var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(target.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
        var keys = new MessageKeys(credentials);
        var outcomes = new List<ReplayOutcome>();
        byte[]? nonce = null;
        var clock = Stopwatch.StartNew();
        TimeSpan? previousOffset = null, previousSent = null;
        foreach (var step in steps)
        {
            // The captured pause before this request (divided by the speed, at most maxPause), counted from the previous send.
            if (previousOffset is { } before && previousSent is { } sent)
            {
                var pause = (step.Offset - before) / speed;
                var due = sent + (pause < maxPause ? pause : maxPause) - clock.Elapsed;
                if (due > TimeSpan.Zero) await Task.Delay(due, cancel);
            }
            previousOffset = step.Offset;
            previousSent = clock.Elapsed;
            var key = KeyFor(keys, step.Request);
            var request = RequestRewriter.Rewrite(step.Request, key?.Key, nonce, out var transactionId);
            var (answer, rtt) = await ExchangeAsync(socket, request, transactionId, cancel);
            var outcome = Compare(step, answer, rtt, key);
            nonce = NonceOf(answer) ?? nonce;
            outcomes.Add(outcome);
            if (stopAtFirstDivergence && outcome.Divergence is not null) break;
        }
        return outcomes;
    }

    private static ResolvedKey? KeyFor(MessageKeys keys, byte[] captured)
    {
        StunMessage.TryParse(captured, out var message);
        return keys.Resolve(message);
    }

    /// <summary>The NONCE a target's answer hands out (RFC 8489 §9.2.4), to be used by the next requests.</summary>
    private static byte[]? NonceOf(byte[]? answer) =>
        answer is not null && StunMessage.TryParse(answer, out var parsed) == StunParseStatus.Ok &&
        parsed.TryGetAttribute(StunAttributeTypes.Nonce, out var fresh) ? fresh.ToArray() : null;

    /// <summary>Sends and retransmits until the answer with this transaction ID comes (other datagrams are ignored) or the timeout passes.</summary>
    private async Task<(byte[]? Answer, TimeSpan Rtt)> ExchangeAsync(Socket socket, byte[] request, byte[] transactionId, CancellationToken cancel)
    {
        var started = Stopwatch.StartNew();
        var rto = InitialRto;
        var nextSend = TimeSpan.Zero;
        var buffer = new byte[65536];
        while (started.Elapsed < timeout)
        {
            if (started.Elapsed >= nextSend)
            {
                await socket.SendToAsync(request, SocketFlags.None, target, cancel);
                nextSend = started.Elapsed + rto;
                rto *= 2;
            }
            var wait = Min(nextSend, timeout) - started.Elapsed;
            if (wait <= TimeSpan.Zero) continue;
            using var slice = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            slice.CancelAfter(wait);
            try
            {
                var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), slice.Token);
                var datagram = buffer.AsSpan(0, received.ReceivedBytes);
                if (StunMessage.TryParse(datagram, out var message) == StunParseStatus.Ok &&
                    message.Class is StunClass.Success or StunClass.Error && message.TransactionId.SequenceEqual(transactionId))
                    return (datagram.ToArray(), started.Elapsed);
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                // This wait is over: retransmit or give up.
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // ICMP port unreachable from an earlier send: nobody listens (yet); keep trying until the timeout.
            }
        }
        return (null, started.Elapsed);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static ReplayOutcome Compare(ReplayStep step, byte[]? answer, TimeSpan rtt, ResolvedKey? key)
    {
        if (answer is null)
            return new(step, null, step.Expected is null ? null : $"no answer within the timeout; the capture has {step.Expected}", null, "-");
        var got = ExpectedAnswer.Of(answer);
        StunMessage.TryParse(answer, out var parsed);
        var integrity = !parsed.HasMessageIntegrity ? "missing" : key is null ? "no key"
            : StunIntegrity.VerifyMessageIntegrity(parsed, key.Key) == IntegrityStatus.Valid ? "verified" : "failed";
        string? divergence = null;
        var expected = step.Expected;
        if (expected is null) divergence = $"the capture has no answer; the target sent {got}";
        else if (expected.Class != got.Class || expected.ErrorCode != got.ErrorCode) divergence = $"expected {expected}, got {got}";
        else if (!expected.AttributeTypes.SequenceEqual(got.AttributeTypes)) divergence = $"attribute types differ: expected {expected}, got {got}";
        return new(step, got, divergence, Math.Round(rtt.TotalMilliseconds, 3), integrity);
    }
}
