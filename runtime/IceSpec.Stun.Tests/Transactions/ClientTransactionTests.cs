namespace IceSpec.Stun.Tests.Transactions;

/// <summary>RFC 8489 §6.2: the schedule the generated machine produces, driven on a virtual clock.</summary>
[Trait("Category", "unit")]
public sealed class ClientTransactionTests
{
    private static byte[] Request()
    {
        var buffer = new byte[64];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), Enumerable.Range(1, 12).Select(i => (byte)i).ToArray());
        builder.AddFingerprint();
        return builder.Written.ToArray();
    }

    /// <summary>Runs the transaction with no response; returns the send times (ms) and when it ended.</summary>
    private static (List<double> Sends, double End) RunWithoutResponse(StunClientTransaction transaction)
    {
        var sends = new List<double>();
        var now = TimeSpan.Zero;
        transaction.Start(now);
        while (true)
        {
            while (transaction.TryPollTransmit(out _)) sends.Add(now.TotalMilliseconds);
            if (transaction.PollTimeout() is not { } next) break;
            now = next;
            transaction.HandleTimeout(now);
        }
        return (sends, now.TotalMilliseconds);
    }

    [Fact]
    public void Udp_retransmits_with_doubling_rto_then_gives_up_after_rm_times_rto()
    {
        // RFC 8489 §6.2.1: "with an RTO of 500 ms, requests would be sent at times 0 ms, 500 ms, 1500 ms, 3500 ms,
        // 7500 ms, 15500 ms, and 31500 ms. If the client has not received a response after 39500 ms, the client will
        // consider the transaction to have timed out."
        var transaction = new StunClientTransaction(Request(), StunTransport.Unreliable);
        var (sends, end) = RunWithoutResponse(transaction);
        Assert.Equal(new double[] { 0, 500, 1500, 3500, 7500, 15500, 31500 }, sends);
        Assert.Equal(39500, end);
        Assert.Equal(StunTransactionOutcome.TimedOut, transaction.Outcome);
        Assert.Equal(7, transaction.Sends);
    }

    [Fact]
    public void Reuse_makes_a_finished_transaction_new_with_the_new_request_and_the_specs_schedule()
    {
        // A transaction that ran to its end with other settings, reused (issue 14: a consent check every 5 s).
        var transaction = new StunClientTransaction(Request(), StunTransport.Reliable, TimeSpan.FromMilliseconds(100));
        transaction.Settings.Rc = 3;
        RunWithoutResponse(transaction);
        var other = Request();
        other[8] = 0xEE;   // another transaction ID
        transaction.Reuse(other, StunTransport.Unreliable);

        Assert.Equal(StunTransactionOutcome.Pending, transaction.Outcome);
        Assert.Equal(0, transaction.Sends);
        Assert.Null(transaction.PollTimeout());
        Assert.False(transaction.TryPollTransmit(out _));
        Assert.Equal(other, transaction.Request.ToArray());
        var (sends, end) = RunWithoutResponse(transaction);
        Assert.Equal(new double[] { 0, 500, 1500, 3500, 7500, 15500, 31500 }, sends);
        Assert.Equal(39500, end);
        Assert.Equal(StunTransactionOutcome.TimedOut, transaction.Outcome);
    }

    [Fact]
    public void Udp_schedule_follows_configured_rto_and_rc()
    {
        var transaction = new StunClientTransaction(Request(), StunTransport.Unreliable, TimeSpan.FromMilliseconds(100));
        transaction.Settings.Rc = 3;
        var (sends, end) = RunWithoutResponse(transaction);
        Assert.Equal(new double[] { 0, 100, 300 }, sends);
        Assert.Equal(300 + 16 * 100, end);
    }

    [Fact]
    public void Tcp_sends_once_then_gives_up_after_ti()
    {
        var transaction = new StunClientTransaction(Request(), StunTransport.Reliable);
        var (sends, end) = RunWithoutResponse(transaction);
        Assert.Equal(new double[] { 0 }, sends);
        Assert.Equal(39500, end);
        Assert.Equal(StunTransactionOutcome.TimedOut, transaction.Outcome);
    }

    [Fact]
    public void Response_stops_retransmissions()
    {
        var request = Request();
        var transaction = new StunClientTransaction(request, StunTransport.Unreliable);
        transaction.Start(TimeSpan.Zero);
        Assert.True(transaction.TryPollTransmit(out _));
        transaction.HandleTimeout(TimeSpan.FromMilliseconds(500));
        Assert.True(transaction.TryPollTransmit(out _));

        var buffer = new byte[64];
        var other = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Success), new byte[12]);
        StunMessage.TryParse(other.Written, out var wrongTransaction);
        Assert.False(transaction.HandleResponse(TimeSpan.FromMilliseconds(600), wrongTransaction));

        var response = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Success), transaction.TransactionId);
        StunMessage.TryParse(response.Written, out var parsed);
        Assert.True(transaction.HandleResponse(TimeSpan.FromMilliseconds(700), parsed));
        Assert.Equal(StunTransactionOutcome.Succeeded, transaction.Outcome);
        Assert.Null(transaction.PollTimeout());
        Assert.False(transaction.TryPollTransmit(out _));
    }

    [Fact]
    public void Error_response_fails()
    {
        var transaction = new StunClientTransaction(Request(), StunTransport.Unreliable);
        transaction.Start(TimeSpan.Zero);
        var buffer = new byte[64];
        var response = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Error), transaction.TransactionId);
        response.AddErrorCode(StunErrorCodes.BadRequest, "Bad Request");
        StunMessage.TryParse(response.Written, out var parsed);
        Assert.True(transaction.HandleResponse(TimeSpan.FromMilliseconds(10), parsed));
        Assert.Equal(StunTransactionOutcome.Failed, transaction.Outcome);
    }

    [Fact]
    public void Not_a_request_is_rejected_clearly()
    {
        var buffer = new byte[64];
        var indication = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Indication), new byte[12]).Written.ToArray();
        var error = Assert.Throws<ArgumentException>(() => new StunClientTransaction(indication, StunTransport.Unreliable));
        Assert.Contains("request", error.Message);
    }

    [Fact]
    public void Diagrams_come_from_the_transition_table()
    {
        var mermaid = StunClientTransactionMachine.ToMermaid();
        Assert.StartsWith("stateDiagram-v2", mermaid);
        Assert.Contains("[*] --> Idle", mermaid);
        Assert.Contains("AwaitingLastResponse --> TimedOut : GiveUp", mermaid);
        foreach (var edge in StunClientTransactionMachine.Definition.Edges)
            Assert.Contains($"{edge.From} --> {edge.To} : {edge.Event}", mermaid);
        var dot = StunClientTransactionMachine.ToDot();
        Assert.StartsWith("digraph \"StunClientTransaction\"", dot);
        Assert.Contains("\"Retransmitting\" -> \"AwaitingLastResponse\"", dot);
    }
}
