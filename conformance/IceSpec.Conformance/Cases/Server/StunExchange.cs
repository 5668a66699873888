namespace IceSpec.Conformance.Cases.Server;

/// <summary>
/// One request/response transaction on a connection. Over UDP the same bytes are resent on RFC 8489 §6.2.1's doubling
/// schedule (here from 100 ms, as on loopback, capped at 1.6 s) until a response with the transaction ID arrives or the
/// time is up; over TCP the request is sent once (§6.2.2).
/// </summary>
public static class StunExchange
{
    private static readonly TimeSpan FirstRetransmit = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestRetransmit = TimeSpan.FromMilliseconds(1600);

    /// <summary>The response to <paramref name="request"/>, or null when none came within <paramref name="timeout"/>.</summary>
    public static async Task<StunReply?> RequestAsync(ServerConnection connection, byte[] request, TimeSpan timeout, CancellationToken cancel)
    {
        var transactionId = request.AsSpan(8, 12).ToArray();
        var reliable = connection.Transport != "udp";
        var deadline = DateTime.UtcNow + timeout;
        var interval = FirstRetransmit;
        await connection.SendAsync(request, cancel);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return null;
            var bytes = await connection.ReceiveAsync(m => IsResponseTo(m, transactionId), reliable || interval > left ? left : interval, cancel);
            if (bytes is not null) return StunReply.TryParse(bytes);
            if (reliable) return null;
            interval = interval * 2 < LongestRetransmit ? interval * 2 : LongestRetransmit;
            await connection.SendAsync(request, cancel);
        }
    }

    /// <summary>Like <see cref="RequestAsync"/>, but no response is a setup failure naming <paramref name="what"/>.</summary>
    public static async Task<StunReply> RequireAsync(ServerConnection connection, byte[] request, TimeSpan timeout, string what, CancellationToken cancel) =>
        await RequestAsync(connection, request, timeout, cancel)
        ?? throw new CaseSetupException($"no response to {what} from {connection.Remote} ({connection.Transport}) within {timeout.TotalSeconds:0.#} s");

    private static bool IsResponseTo(byte[] message, byte[] transactionId) =>
        StunReply.TryParse(message) is { } reply && reply.Class is Stun.StunClass.Success or Stun.StunClass.Error &&
        reply.TransactionId.AsSpan().SequenceEqual(transactionId);
}
