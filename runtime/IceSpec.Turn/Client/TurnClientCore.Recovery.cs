namespace IceSpec.Turn.Client;

// Noticing a lost allocation and making a new one: a Refresh, CreatePermission or ChannelBind answered 437 (RFC 8656
// §19) or unanswered (RFC 8489 §6.2.1), or the stream to the server closed (RFC 8656 §3.1); the liveness probe (a
// Refresh when the server has been silent, RFC 8656 §8) makes a restarted server answer 437 within seconds instead of at
// the next refresh. The new allocation is a new Allocate (§7.1): a new relayed address, none of the old permissions and
// channels (they belonged to the allocation the server no longer has).
public sealed partial class TurnClientCore
{
    /// <summary>When the server last sent something authentic: a response, a Data indication or ChannelData.</summary>
    private TimeSpan _lastHeard;
    private TimeSpan? _reallocateAt;
    private int _reallocationAttempts;
    private bool _reallocating;

    /// <summary>True between a <see cref="TurnAllocationLost"/> that re-allocates and the new <see cref="TurnAllocated"/> (or giving up).</summary>
    public bool Reallocating => _reallocating;

    /// <summary>
    /// When the liveness probe (a Refresh) goes out if nothing is heard from the server before: only while allocated and
    /// no request is outstanding (an outstanding request is a probe already).
    /// </summary>
    public TimeSpan? NextLivenessProbe =>
        State == TurnClientState.Allocated && _pending.Count == 0 && _options.LivenessProbeInterval is { } interval && interval > TimeSpan.Zero
            ? _lastHeard + interval
            : null;

    private TimeSpan? RecoveryDeadline => Earliest(_reallocateAt, NextLivenessProbe);

    /// <summary>
    /// The TCP/TLS connection to the server closed (the driver tells): the server deletes the allocation with it (RFC 8656
    /// §3.1). Allocated: the allocation is lost. While re-allocating: that attempt failed. The driver opens a new connection
    /// before sending what the client queues next.
    /// </summary>
    public void HandleConnectionClosed(TimeSpan now, string reason)
    {
        switch (State)
        {
            case TurnClientState.Allocated:
                AllocationLost(now, TurnAllocationLossCause.ConnectionClosed, reason);
                break;
            case TurnClientState.Closing:
                _pending.Clear();
                State = TurnClientState.Closed;
                _events.Enqueue(new TurnClosed(now, null));
                break;
            case TurnClientState.Allocating when _reallocating:
                DropPending(now, "the connection to the server closed: " + reason);
                if (_reallocateAt is not null)
                {
                    // The driver could not open the connection for the attempt that was due: that attempt is used up.
                    _reallocateAt = null;
                    _reallocationAttempts++;
                }
                ReallocationFailed(now, reason);
                break;
            case TurnClientState.Allocating:
                foreach (var request in _pending.ToArray())
                {
                    _pending.Remove(request);
                    Fail(now, request, null, "the connection to the server closed: " + reason);
                }
                break;
        }
    }

    /// <summary>Sends the re-allocation and the liveness probe when due.</summary>
    private void HandleRecoveryTimeout(TimeSpan now)
    {
        if (_reallocateAt is { } at && now >= at)
        {
            _reallocateAt = null;
            _reallocationAttempts++;
            // RFC 8489 §9.2.3: the first Allocate carries no credentials; the new server (or the restarted one) answers 401
            // with its REALM and a NONCE of its own.
            Start(now, new Request(TurnRequestKind.Allocate) { Lifetime = RequestedLifetime, Automatic = true, Reallocation = true });
        }
        if (NextLivenessProbe is { } probe && now >= probe)
            Start(now, new Request(TurnRequestKind.Refresh) { Lifetime = RequestedLifetime, Automatic = true });
    }

    private void AllocationLost(TimeSpan now, TurnAllocationLossCause cause, string reason)
    {
        var lost = RelayedAddresses;
        _allocationRefresh.Fire(TurnClientRefreshEvent.Close, now);
        _allocationRefresh = new TurnClientRefreshMachine();
        foreach (var permission in _permissions.Values) permission.Fire(TurnClientRefreshEvent.Close, now);
        foreach (var channel in _channelsByNumber.Values) channel.Refresh.Fire(TurnClientRefreshEvent.Close, now);
        _permissions.Clear();
        _channelsByPeer.Clear();
        _channelsByNumber.Clear();
        _nextChannel = TurnRanges.ChannelNumbersLow;
        DropPending(now, "the allocation was lost: " + reason);
        RelayedAddresses = [];
        MappedAddress = null;
        Lifetime = null;
        // The server that answers next may not know our NONCE (a restart): start over as a first Allocate does.
        _authentication = new TurnClientAuthenticationMachine();
        _key = null;
        _nonce = null;

        _reallocating = _options.ReallocateOnLoss && _options.ReallocateAttempts > 0;
        State = _reallocating ? TurnClientState.Allocating : TurnClientState.Failed;
        _events.Enqueue(new TurnAllocationLost(now, cause, reason, lost, _reallocating));
        if (_reallocating)
        {
            _reallocationAttempts = 0;
            _reallocateAt = now;
        }
    }

    /// <summary>A re-allocation Allocate failed (error, time-out, connection closed): try again after the backoff, or give up.</summary>
    private void ReallocationFailed(TimeSpan now, string reason)
    {
        if (_reallocationAttempts >= _options.ReallocateAttempts)
        {
            _reallocating = false;
            State = TurnClientState.Failed;
            _events.Enqueue(new TurnReallocationFailed(now, _reallocationAttempts, reason, null));
            return;
        }
        State = TurnClientState.Allocating;
        _reallocateAt = now + _options.ReallocateBackoff * (1 << Math.Clamp(_reallocationAttempts - 1, 0, 16));
        _events.Enqueue(new TurnReallocationFailed(now, _reallocationAttempts, reason, _reallocateAt));
    }

    private void StopReallocating()
    {
        if (!_reallocating) return;
        _reallocating = false;
        _reallocateAt = null;
        _pending.Clear();
    }

    /// <summary>Outstanding requests die with the allocation: each caller is told (their waiters must not hang).</summary>
    private void DropPending(TimeSpan now, string reason)
    {
        foreach (var request in _pending)
            _events.Enqueue(new TurnRequestFailed(now, request.Id, request.Kind, null, reason, false, false, Realm, null, request.Automatic));
        _pending.Clear();
    }
}
