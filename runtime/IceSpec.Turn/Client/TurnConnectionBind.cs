using System.Text;
using IceSpec.Stun;

namespace IceSpec.Turn.Client;

/// <summary>Where a ConnectionBind stands.</summary>
public enum TurnConnectionBindOutcome : byte
{
    Pending,
    /// <summary>The data connection now carries the peer's bytes, unframed (RFC 6062 §4.3).</summary>
    Succeeded,
    Failed,
}

/// <summary>
/// The ConnectionBind of one RFC 6062 data connection (§4.3, §4.4), sans-IO: sent on the new TCP/TLS connection with
/// the allocation's credentials, as a reliable transaction (RFC 8489 §6.2.2). The new connection has its own
/// <see cref="TurnClientAuthenticationMachine"/>, started from the allocation's Authenticated: a 438 with a fresh NONCE
/// is retried with it; a 401 is final.
/// </summary>
public sealed class TurnConnectionBind
{
    private readonly TurnClientOptions _options;
    private readonly StunKey _key;
    private readonly byte[] _realm;
    private readonly Action<Span<byte>> _random;
    private readonly TurnClientAuthenticationMachine _authentication = new();
    private readonly Queue<ReadOnlyMemory<byte>> _outbox = new();
    private byte[] _nonce;
    private StunClientTransaction? _transaction;
    private int _staleNonces;

    internal TurnConnectionBind(TurnClientOptions options, uint connectionId, StunKey key, byte[] realm, byte[] nonce, Action<Span<byte>> random)
    {
        _options = options;
        ConnectionId = connectionId;
        _key = key;
        _realm = realm;
        _nonce = nonce;
        _random = random;
        // The allocation's credentials were already accepted on the control connection, and RFC 6062 §4.3 sends the
        // same ones: the data connection starts Authenticated, so a 438 is retried and a 401 is final.
        _authentication.Fire(TurnClientAuthenticationEvent.Accepted, TimeSpan.Zero);
    }

    public uint ConnectionId { get; }

    public TurnConnectionBindOutcome Outcome { get; private set; }

    /// <summary>Why it failed, when <see cref="Outcome"/> is Failed.</summary>
    public string? Error { get; private set; }

    public int? ErrorCode { get; private set; }

    public TurnClientAuthenticationState AuthenticationState => _authentication.State;

    public void Start(TimeSpan now) => Send(now);

    public bool TryPollTransmit(out ReadOnlyMemory<byte> message) => _outbox.TryDequeue(out message);

    public TimeSpan? PollTimeout() => Outcome == TurnConnectionBindOutcome.Pending ? _transaction?.PollTimeout() : null;

    public void HandleTimeout(TimeSpan now)
    {
        if (_transaction is null || Outcome != TurnConnectionBindOutcome.Pending) return;
        _transaction.HandleTimeout(now);
        if (_transaction.Outcome == StunTransactionOutcome.TimedOut) Fail(null, "no answer to ConnectionBind (RFC 8489 §6.2.2: Ti)");
    }

    /// <summary>Feeds the message read from the data connection.</summary>
    public void HandlePacket(TimeSpan now, ReadOnlySpan<byte> packet)
    {
        if (_transaction is null || Outcome != TurnConnectionBindOutcome.Pending) return;
        if (StunMessage.TryParse(packet, out var parsed) != StunParseStatus.Ok) return;
        var code = 0;
        if (parsed.Class == StunClass.Error) parsed.TryGetErrorCode(out code, out _);
        var challenge = code is StunErrorCodes.Unauthenticated or StunErrorCodes.StaleNonce;
        var check = StunMessageChecker.Check(packet, challenge ? null : _key, out var message);
        if (check.Outcome is StunCheckOutcome.Malformed or StunCheckOutcome.FingerprintMismatch or StunCheckOutcome.IntegrityMismatch) return;
        if (message.Method != TurnMethods.ConnectionBind || !_transaction.HandleResponse(now, message)) return;

        if (message.Class == StunClass.Success)
        {
            if (check.Outcome != StunCheckOutcome.Valid) Fail(null, $"the ConnectionBind success does not verify: {check}");
            else
            {
                _authentication.Fire(TurnClientAuthenticationEvent.Accepted, now);
                Outcome = TurnConnectionBindOutcome.Succeeded;
            }
            return;
        }

        message.TryGetErrorCode(out _, out var reasonUtf8);
        var reason = Encoding.UTF8.GetString(reasonUtf8);
        if (challenge && message.TryGetNonce(out var nonce))
        {
            _nonce = nonce.ToArray();
            _authentication.RetryRequested = false;
            _authentication.Fire(code == StunErrorCodes.Unauthenticated ? TurnClientAuthenticationEvent.Unauthorized : TurnClientAuthenticationEvent.StaleNonce, now);
            if (_authentication.RetryRequested && _staleNonces++ < 4)
            {
                Send(now);
                return;
            }
            if (_authentication.State == TurnClientAuthenticationState.Rejected || code == StunErrorCodes.Unauthenticated)
            {
                Fail(code, $"the server rejected the credentials of user \"{_options.Username}\" for the data connection ({code} {reason}; RFC 8489 §9.2.5)");
                return;
            }
        }
        Fail(code, $"ConnectionBind failed: {code} {reason}");
    }

    private void Send(TimeSpan now)
    {
        Span<byte> id = stackalloc byte[StunHeader.TransactionIdLength];
        _random(id);
        Span<byte> buffer = stackalloc byte[2048];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(TurnMethods.ConnectionBind, StunClass.Request), id);
        builder.AddConnectionId(ConnectionId);
        builder.AddUsername(_options.Username.AsSpan());
        builder.AddRealm(_realm);
        builder.AddNonce(_nonce);
        if (_options.Software is { } software) builder.AddSoftware(software.AsSpan());
        builder.AddMessageIntegrity(_key);
        if (_options.Fingerprint) builder.AddFingerprint();
        _transaction = new StunClientTransaction(builder.Written, StunTransport.Reliable);
        _transaction.Start(now);
        while (_transaction.TryPollTransmit(out var message)) _outbox.Enqueue(message);
    }

    private void Fail(int? code, string error)
    {
        Outcome = TurnConnectionBindOutcome.Failed;
        ErrorCode = code;
        Error = error;
    }
}
