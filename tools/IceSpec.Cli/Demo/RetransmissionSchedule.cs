using IceSpec.Stun;

namespace IceSpec.Cli.Demo;

/// <summary>
/// Runs a <see cref="StunClientTransaction"/> (driven by the generated machine) on a virtual clock with no response
/// ever arriving: start on an unreliable transport at t=0, send what it hands out, call HandleTimeout at each
/// PollTimeout until it ends (RFC 8489 §6.2.1).
/// </summary>
public static class RetransmissionSchedule
{
    /// <summary>When each request went out, and when (and how) the transaction ended.</summary>
    public sealed record Result(IReadOnlyList<TimeSpan> Sends, TimeSpan EndedAt, StunTransactionOutcome Outcome);

    public static Result Run(StunClientTransaction transaction)
    {
        var sends = new List<TimeSpan>();
        var now = TimeSpan.Zero;
        transaction.Start(now);
        while (true)
        {
            while (transaction.TryPollTransmit(out _)) sends.Add(now);
            if (transaction.PollTimeout() is not { } next) break;
            now = next;
            transaction.HandleTimeout(now);
        }
        return new Result(sends, now, transaction.Outcome);
    }
}
