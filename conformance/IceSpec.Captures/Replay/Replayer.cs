using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using IceSpec.Captures.Credentials;
using IceSpec.Stun;

namespace IceSpec.Captures.Replay;

/// <summary>One replayed request: what came back (null: nothing), how it differs from the capture (null: it does not), the RTT and the answer's integrity.</summary>
public sealed record ReplayOutcome(ReplayStep Step, ExpectedAnswer? Answer, string? Divergence, double? RttMs, string Integrity);

/// <summary>How fast to replay: the wait for each answer, the captured spacing divided by <see cref="Speed"/>, never a pause above <see cref="MaxPause"/>.</summary>
public sealed record ReplayPacing(TimeSpan Timeout, double Speed, TimeSpan MaxPause);

/// <summary>
/// Sends the steps of a <see cref="ReplayPlan"/> to a live target, in order and with the captured spacing (divided by
/// a speed factor and capped at a longest pause; never before the previous answer), each rewritten by
/// <see cref="RequestRewriter"/> and signed as <see cref="ReplaySigning"/> says. A step goes over its
/// <see cref="ReplayStep.Transport"/>: UDP from one socket (<paramref name="udp"/>, else one of its own), retransmitted as
/// RFC 8489 §6.2.1 says; TCP over one connection per captured TCP connection — per destination the side's requests went
/// to — opened at its first request (RFC 8489 §6.2.2: no retransmission); to an ICE agent over ICE-TCP with
/// <paramref name="iceTcp"/> (RFC 4571 frames, the agent's checks answered).
/// Each answer is compared with the capture's: class, error code, attribute types in order. Attribute values are not
/// compared — XOR-MAPPED-ADDRESS, NONCE, LIFETIME… necessarily differ from one run to the next.
/// </summary>
public sealed class Replayer(IPEndPoint target, ReplaySigning signing, ReplayPacing pacing, UdpReplaySocket? udp = null, ReplayIceTcp? iceTcp = null)
{
    /// <summary>How long ICE-TCP connections stay open after the last request, for the agent's checks to be answered.</summary>
    public static readonly TimeSpan IceTcpSettle = TimeSpan.FromSeconds(2);

    /// <summary>Replays <paramref name="steps"/>; <paramref name="answered"/> sees each outcome as soon as it is known.</summary>
    public async Task<IReadOnlyList<ReplayOutcome>> RunAsync(IReadOnlyList<ReplayStep> steps, bool stopAtFirstDivergence, Action<ReplayOutcome> answered,
        CancellationToken cancel)
    {
        var ownUdp = udp is null && steps.Any(s => s.Transport == "udp")
            ? UdpReplaySocket.Bind(new IPEndPoint(target.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0))
            : null;
        var connections = new Dictionary<IPEndPoint, TcpReplayConnection>();
        try
        {
            var outcomes = await RunAsync(steps, stopAtFirstDivergence, answered, udp ?? ownUdp, connections, cancel);
            // RFC 8445 §7.3.1.4 / RFC 6544 §7.2: the agent's own (triggered) check comes back over the connection the
            // replay opened, after its answer; closing at once raced it (the agent then saw its pair fail).
            if (iceTcp is not null && connections.Count > 0) await Task.Delay(IceTcpSettle, cancel);
            return outcomes;
        }
        finally
        {
            foreach (var connection in connections.Values) await connection.DisposeAsync();
            if (ownUdp is not null) await ownUdp.DisposeAsync();
        }
    }

    private async Task<IReadOnlyList<ReplayOutcome>> RunAsync(IReadOnlyList<ReplayStep> steps, bool stopAtFirstDivergence, Action<ReplayOutcome> answered,
        UdpReplaySocket? socket, Dictionary<IPEndPoint, TcpReplayConnection> connections, CancellationToken cancel)
    {
        var outcomes = new List<ReplayOutcome>();
        // RFC 8489 §9.2.4: a NONCE belongs to the server's state for one client (5-tuple): one per UDP socket or TCP connection.
        var nonces = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        TimeSpan? previousOffset = null, previousSent = null;
        foreach (var step in steps)
        {
            // The captured pause before this request (divided by the speed, at most MaxPause), counted from the previous send.
            if (previousOffset is { } before && previousSent is { } sent)
            {
                var pause = (step.Offset - before) / pacing.Speed;
                var due = sent + (pause < pacing.MaxPause ? pause : pacing.MaxPause) - clock.Elapsed;
                if (due > TimeSpan.Zero) await Task.Delay(due, cancel);
            }
            previousOffset = step.Offset;
            previousSent = clock.Elapsed;
            var channel = step.Transport == "udp" ? "udp" : $"tcp to {step.CapturedDestination}";
            var (key, username) = signing.For(step.Request);
            var request = RequestRewriter.Rewrite(step.Request, key?.Key, nonces.GetValueOrDefault(channel), username, out var transactionId);
            var (answer, rtt, failure) = step.Transport == "udp"
                ? await ExchangeOverUdpAsync(socket!, request, transactionId, cancel)
                : await ExchangeOverTcpAsync(connections, step.CapturedDestination, request, transactionId, cancel);
            var outcome = Compare(step, answer, rtt, key, failure);
            if (NonceOf(answer) is { } nonce) nonces[channel] = nonce;
            outcomes.Add(outcome);
            answered(outcome);
            if (stopAtFirstDivergence && outcome.Divergence is not null) break;
        }
        return outcomes;
    }

    private async Task<(byte[]? Answer, TimeSpan Rtt, string? Failure)> ExchangeOverUdpAsync(UdpReplaySocket socket, byte[] request, byte[] transactionId,
        CancellationToken cancel)
    {
        var (answer, rtt) = await socket.ExchangeAsync(target, request, transactionId, pacing.Timeout, cancel);
        return (answer, rtt, null);
    }

    /// <summary>Over the connection that stands for the captured one to <paramref name="capturedDestination"/>, opened now if it is the first request on it.</summary>
    private async Task<(byte[]? Answer, TimeSpan Rtt, string? Failure)> ExchangeOverTcpAsync(Dictionary<IPEndPoint, TcpReplayConnection> connections,
        IPEndPoint capturedDestination, byte[] request, byte[] transactionId, CancellationToken cancel)
    {
        if (!connections.TryGetValue(capturedDestination, out var connection))
        {
            (connection, var failure) = await TcpReplayConnection.ConnectAsync(target, iceTcp, pacing.Timeout, cancel);
            if (connection is null) return (null, TimeSpan.Zero, failure);
            connections[capturedDestination] = connection;
        }
        return await connection.ExchangeAsync(request, transactionId, pacing.Timeout, cancel);
    }

    /// <summary>The NONCE a target's answer hands out (RFC 8489 §9.2.4), to be used by the next requests.</summary>
    private static byte[]? NonceOf(byte[]? answer) =>
        answer is not null && StunMessage.TryParse(answer, out var parsed) == StunParseStatus.Ok &&
        parsed.TryGetAttribute(StunAttributeTypes.Nonce, out var fresh) ? fresh.ToArray() : null;

    private static ReplayOutcome Compare(ReplayStep step, byte[]? answer, TimeSpan rtt, ResolvedKey? key, string? failure)
    {
        if (answer is null)
        {
            var why = failure ?? "no answer within the timeout";
            return new(step, null, step.Expected is null && failure is null ? null : $"{why}; the capture has {step.Expected?.ToString() ?? "no answer"}",
                null, "-");
        }
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
