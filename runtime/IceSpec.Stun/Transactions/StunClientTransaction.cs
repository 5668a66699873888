namespace IceSpec.Stun;

/// <summary>How a request travels: retransmitted over UDP (RFC 8489 §6.2.1), sent once over TCP/TLS (§6.2.2).</summary>
public enum StunTransport : byte
{
    Unreliable,
    Reliable,
}

/// <summary>Where a client transaction stands.</summary>
public enum StunTransactionOutcome : byte
{
    Pending,
    Succeeded,
    Failed,
    TimedOut,
}

/// <summary>
/// One STUN client transaction, sans-IO: the retransmission schedule, the give-up timer and the outcome all come from
/// the generated <see cref="StunClientTransactionMachine"/> (spec/stun.spec, RFC 8489 §6.2). The caller feeds it time
/// and responses and sends what <see cref="TryPollTransmit"/> hands out.
/// </summary>
public sealed class StunClientTransaction
{
    private readonly StunClientTransactionMachine _machine = new();
    private byte[] _request;
    private StunTransport _transport;

    public StunClientTransaction(ReadOnlySpan<byte> request, StunTransport transport, TimeSpan? rto = null)
    {
        Validate(request);
        _request = request.ToArray();
        _transport = transport;
        if (rto is { } value) _machine.Rto = value;
    }

    /// <summary>
    /// Makes this finished (or abandoned) transaction a new one, as the constructor would, reusing its buffer when the
    /// request fits (no allocation: a consent check every 5 s, RFC 7675). Whatever <see cref="Request"/> or
    /// <see cref="TryPollTransmit"/> handed out before is overwritten.
    /// </summary>
    public void Reuse(ReadOnlySpan<byte> request, StunTransport transport, TimeSpan? rto = null)
    {
        Validate(request);
        if (_request.Length != request.Length) _request = new byte[request.Length];
        request.CopyTo(_request);
        _transport = transport;
        _machine.Reset();
        if (rto is { } value) _machine.Rto = value;
    }

    private static void Validate(ReadOnlySpan<byte> request)
    {
        if (StunMessage.TryParse(request, out var parsed) != StunParseStatus.Ok || parsed.Class != StunClass.Request)
            throw new ArgumentException("A client transaction starts with a well-formed STUN request.", nameof(request));
    }

    public ReadOnlySpan<byte> TransactionId => _request.AsSpan(StunHeader.TransactionIdOffset, StunHeader.TransactionIdLength);

    public ReadOnlyMemory<byte> Request => _request;

    /// <summary>Requests handed out so far (the first send included).</summary>
    public int Sends => (int)_machine.Sends;

    public StunClientTransactionState State => _machine.State;

    public StunTransactionOutcome Outcome => _machine.State switch
    {
        StunClientTransactionState.Succeeded => StunTransactionOutcome.Succeeded,
        StunClientTransactionState.Failed => StunTransactionOutcome.Failed,
        StunClientTransactionState.TimedOut => StunTransactionOutcome.TimedOut,
        _ => StunTransactionOutcome.Pending,
    };

    /// <summary>Retransmission and give-up settings (RFC 8489 §6.2.1 defaults: Rc 7, Rm 16, Ti 39.5 s).</summary>
    public StunClientTransactionMachine Settings => _machine;

    public void Start(TimeSpan now) =>
        _machine.Fire(_transport == StunTransport.Reliable ? StunClientTransactionEvent.StartReliable : StunClientTransactionEvent.StartUnreliable, now);

    /// <summary>The request to send now, once per send the machine asked for.</summary>
    public bool TryPollTransmit(out ReadOnlyMemory<byte> datagram)
    {
        if (_machine.PendingTransmits == 0)
        {
            datagram = default;
            return false;
        }
        _machine.PendingTransmits--;
        datagram = _request;
        return true;
    }

    /// <summary>When <see cref="HandleTimeout"/> must next be called, or null when nothing is pending.</summary>
    public TimeSpan? PollTimeout() => _machine.NextDeadline;

    public void HandleTimeout(TimeSpan now) => _machine.HandleTimeout(now);

    /// <summary>Feeds a response; false if it is not for this transaction (other transaction ID, or not a response).</summary>
    public bool HandleResponse(TimeSpan now, in StunMessage response)
    {
        if (!response.TransactionId.SequenceEqual(TransactionId)) return false;
        return response.Class switch
        {
            StunClass.Success => _machine.Fire(StunClientTransactionEvent.SuccessResponse, now),
            StunClass.Error => _machine.Fire(StunClientTransactionEvent.ErrorResponse, now),
            _ => false,
        };
    }
}
