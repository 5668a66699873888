using System.Net;
using System.Security.Cryptography;

namespace IceSpec.Stun.Client;

/// <summary>Where a Binding transaction stands.</summary>
public enum StunBindingOutcome : byte
{
    Pending,
    Succeeded,
    /// <summary>An error response, or a response that cannot be used (see <see cref="StunBindingTransaction.Error"/>).</summary>
    Failed,
    TimedOut,
}

/// <summary>
/// One Binding request (RFC 8489 §6), sans-IO: the retransmissions and the give-up timer are the generated
/// <see cref="StunClientTransactionMachine"/>'s (through <see cref="StunClientTransaction"/>); a received datagram is
/// checked (framing, the spec's rules, FINGERPRINT: <see cref="StunMessageChecker"/>), matched by transaction ID, and
/// read with the generated accessors. The caller owns the socket and the clock.
/// </summary>
public sealed class StunBindingTransaction
{
    private readonly StunClientTransaction _transaction;
    private TimeSpan _started;

    /// <param name="transport">Unreliable (UDP: retransmit) or reliable (TCP/TLS: send once, wait Ti).</param>
    /// <param name="software">SOFTWARE to send (RFC 8489 §14.14), or null.</param>
    /// <param name="random">Fills the 96-bit transaction ID (RFC 8489 §5: uniformly random); the system CSPRNG by default.</param>
    /// <param name="rto">The initial RTO (RFC 8489 §6.2.1; the machine's default 500 ms).</param>
    public StunBindingTransaction(StunTransport transport, string? software = null, Action<Span<byte>>? random = null, TimeSpan? rto = null)
    {
        Span<byte> id = stackalloc byte[StunHeader.TransactionIdLength];
        (random ?? RandomNumberGenerator.Fill)(id);
        Span<byte> buffer = stackalloc byte[1024];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), id);
        if (software is not null) builder.AddSoftware(software.AsSpan());
        builder.AddFingerprint();
        _transaction = new StunClientTransaction(builder.Written, transport, rto);
    }

    public ReadOnlySpan<byte> TransactionId => _transaction.TransactionId;

    public StunBindingOutcome Outcome { get; private set; }

    /// <summary>The result once <see cref="Outcome"/> is <see cref="StunBindingOutcome.Succeeded"/>.</summary>
    public StunBindingResult? Result { get; private set; }

    /// <summary>Why the transaction failed (an error response, an unusable response, a time-out).</summary>
    public StunClientException? Error { get; private set; }

    /// <summary>Datagrams dropped because they failed a check, with the last reason (RFC 8489 §6.3: discarded as if never received).</summary>
    public int Discarded { get; private set; }

    public string? LastDiscardReason { get; private set; }

    public int Transmissions => _transaction.Sends;

    /// <summary>The transaction's retransmission settings (the machine's params: Rto, Rc, Rm, Ti).</summary>
    public StunClientTransactionMachine Settings => _transaction.Settings;

    public void Start(TimeSpan now)
    {
        _started = now;
        _transaction.Start(now);
    }

    /// <summary>The request to send now, once per send the machine asked for.</summary>
    public bool TryPollTransmit(out ReadOnlyMemory<byte> message) => _transaction.TryPollTransmit(out message);

    public TimeSpan? PollTimeout() => Outcome == StunBindingOutcome.Pending ? _transaction.PollTimeout() : null;

    public void HandleTimeout(TimeSpan now)
    {
        if (Outcome != StunBindingOutcome.Pending) return;
        _transaction.HandleTimeout(now);
        if (_transaction.Outcome == StunTransactionOutcome.TimedOut)
        {
            Outcome = StunBindingOutcome.TimedOut;
            Error = new StunClientException(
                $"no Binding response after {_transaction.Sends} request(s) and {(now - _started).TotalSeconds:0.#} s (RFC 8489 §6.2)") { TimedOut = true };
        }
    }

    /// <summary>Feeds one received message; true if it was this transaction's response (whatever it said).</summary>
    public bool HandlePacket(TimeSpan now, ReadOnlySpan<byte> packet)
    {
        if (Outcome != StunBindingOutcome.Pending) return false;
        var check = StunMessageChecker.Check(packet, key: null, out var message);
        if (check.Outcome == StunCheckOutcome.Malformed)
            return Discard($"not a STUN message ({check.ParseStatus})");
        if (!message.TransactionId.SequenceEqual(TransactionId) || message.Method != StunMethods.Binding)
            return Discard("another transaction's message");
        // The checker stops at a broken rule before FINGERPRINT: check it here, so a corrupted datagram is never acted on.
        if (check.Outcome == StunCheckOutcome.FingerprintMismatch ||
            (message.HasFingerprint && StunIntegrity.VerifyFingerprint(message) != IntegrityStatus.Valid))
            return Discard("FINGERPRINT does not match (RFC 8489 §14.7)");
        if (!_transaction.HandleResponse(now, message))
            return Discard($"a Binding {message.Class}, not a response");

        if (check.Outcome != StunCheckOutcome.Valid)
        {
            // RFC 8489 §6.3.1/§6.3.4: unknown comprehension-required attributes, or a response the spec's rules reject.
            Fail(new StunClientException($"the Binding response broke a rule: {check.Violation}"));
            return true;
        }

        if (message.Class == StunClass.Error)
        {
            message.TryGetErrorCode(out var code, out var reason);
            var phrase = System.Text.Encoding.UTF8.GetString(reason);
            IPEndPoint? alternate = message.TryGetAlternateServer(out var address) ? address.ToEndPoint() : null;
            Fail(new StunClientException($"the server answered {code} {phrase}" + (alternate is null ? "" : $" (ALTERNATE-SERVER {alternate})"), code, phrase)
            {
                AlternateServer = alternate,
            });
            return true;
        }

        message.TryGetXorMappedAddress(out var mapped);
        Result = new StunBindingResult(
            mapped.ToEndPoint(),
            now - _started,
            _transaction.Sends,
            message.GetSoftwareString(),
            message.TryGetResponseOrigin(out var origin) ? origin.ToEndPoint() : null,
            message.TryGetOtherAddress(out var other) ? other.ToEndPoint() : null);
        Outcome = StunBindingOutcome.Succeeded;
        return true;
    }

    private void Fail(StunClientException error)
    {
        Error = error;
        Outcome = StunBindingOutcome.Failed;
    }

    private bool Discard(string reason)
    {
        Discarded++;
        LastDiscardReason = reason;
        return false;
    }
}
