namespace IceSpec.Ice;

// Time: transaction retransmissions and time-outs, Ta pacing, the nomination wait, consent and keepalive timers.
public sealed partial class IceAgent
{
    /// <summary>When <see cref="HandleTimeout"/> must next be called, or null when nothing is pending.</summary>
    public TimeSpan? PollTimeout()
    {
        TimeSpan? next = null;
        void Consider(TimeSpan? candidate)
        {
            if (candidate is { } value && (next is null || value < next)) next = value;
        }
        if (_connection.State == IceConnectionState.Closed) return null;
        foreach (var request in _requests.Values) Consider(request.Transaction.PollTimeout());
        foreach (var relay in _relays) Consider(relay.Core.PollTimeout());
        if (HasCheckToSend()) Consider(_lastCheckAt is { } last ? last + _pacing : TimeSpan.Zero);
        foreach (var stream in _streams)
        {
            for (var c = 1; c <= stream.Components; c++)
            {
                Consider(stream.Data[c].Consent?.NextDeadline);
                Consider(stream.Data[c].Keepalive.NextDeadline);
                if (NominationDeadline(stream.CheckList, c, _lastInputAt) is { } deadline) Consider(deadline);
            }
        }
        return next;
    }

    public void HandleTimeout(TimeSpan now)
    {
        if (_connection.State == IceConnectionState.Closed) return;
        // A copy of the entries (reused, not allocated): handling one may remove or add others.
        _dueRequests.Clear();
        foreach (var entry in _requests) _dueRequests.Add(entry);
        foreach (var (key, request) in _dueRequests)
        {
            request.Transaction.HandleTimeout(now);
            FlushTransaction(now, request);
            if (request.Transaction.Outcome != Stun.StunTransactionOutcome.TimedOut) continue;
            _requests.Remove(key);
            if (request.Kind == IceRequestKind.Check) OnCheckTimeout(now, request);
            else if (request.Kind == IceRequestKind.Consent) _finishedConsentRequests.Push(request);
            else if (request.Kind == IceRequestKind.Gather)
            {
                Emit(new IceServerFailed(now, request.Server!, "no response (RFC 8489 §6.2.1 time-out)"));
                GatherAnswered(now);
            }
        }
        _dueRelays.Clear();
        _dueRelays.AddRange(_relays);
        foreach (var relay in _dueRelays)
        {
            relay.Core.HandleTimeout(now);
            DrainRelay(now, relay);
        }
        _dueRequests.Clear();
        _dueRelays.Clear();
        foreach (var stream in _streams)
            for (var c = 1; c <= stream.Components; c++) RunDataTimers(now, stream, c);
        AfterInput(now);
    }

    /// <summary>Work that follows any input: nomination decisions, paced checks, the connection state.</summary>
    private void AfterInput(TimeSpan now)
    {
        if (_connection.State == IceConnectionState.Closed) return;
        if (now > _lastInputAt) _lastInputAt = now;
        if (Controlling && !_options.Lite && _options.Nomination == IceNomination.Regular)
            foreach (var stream in _streams)
                for (var c = 1; c <= stream.Components; c++) MaybeNominate(now, stream.CheckList, c);
        if (_options.SeededDefect == IceSeededDefect.UnpacedChecks)
            for (var sent = 0; sent < IceFormulas.MaxCandidatePairs && HasCheckToSend(); sent++) SendPacedCheck(now);
        else if (HasCheckToSend() && (_lastCheckAt is not { } last || now >= last + _pacing)) SendPacedCheck(now);
        if (_connection.State == IceConnectionState.Connected && !HasCheckInFlight() && !HasCheckToSend())
            FireConnection(now, IceConnectionEvent.ChecksFinished);
    }

    private bool HasCheckInFlight()
    {
        foreach (var request in _requests.Values)
            if (request.Kind == IceRequestKind.Check && !request.Cancelled) return true;
        return false;
    }

    /// <summary>
    /// RFC 8445 §8.1.1, regular nomination. The RFC leaves the stopping criterion to the agent; ours: once a component has
    /// a valid pair, nominate the best valid pair as soon as no higher-priority pair can still win, where a pair can still
    /// win while it is queued for a triggered check (the peer's check reached us on it) or waits for its TCP connection
    /// (RFC 6544 §7.1), or while its check is In-Progress and younger than <see cref="NominationBound"/> = max(2 × the component's measured RTT, Ta). Why that bound: a path
    /// that answers more than twice as slowly as the one that already answered is not worth holding the call for, and
    /// checks leave one per Ta (§14.2) anyway, so waiting less than Ta gains no earlier slot. Pairs not yet checked
    /// (Frozen, Waiting) are not waited for: each would cost at least a Ta more. <see cref="IceAgentOptions.NominationWait"/>
    /// caps the wait after the first valid pair, and is the wait when no RTT was measured (every answer came to a
    /// retransmission). Before, the agent waited NominationWait (500 ms) whenever any higher-priority pair was pending.
    /// </summary>
    private void MaybeNominate(TimeSpan now, IceCheckList list, int component)
    {
        if (list.Machine.State != CheckListState.Running || list.Selected[component] is not null) return;
        IceCandidatePair? best = null;
        var higherPending = false;
        foreach (var pair in list.Pairs)
        {
            if (pair.Component != component) continue;
            if (pair.Nomination.State != PairNominationState.NotNominated || pair.TriggeredWithUseCandidate) return;
            if (pair.State == CandidatePairState.Succeeded) { best ??= pair; continue; }
            if (_options.SeededDefect == IceSeededDefect.NominateEveryValidPair)
            {
                if (pair.State is CandidatePairState.Frozen or CandidatePairState.Waiting or CandidatePairState.InProgress) higherPending = true;
            }
            else if (best is null && CanStillWin(now, list, pair) is not null) higherPending = true;
        }
        if (best is null) return;
        if (higherPending && now < list.FirstValidAt[component] + _options.NominationWait) return;
        if (_options.SeededDefect == IceSeededDefect.NominateEveryValidPair) NominateEveryValidPair(now, list, component);
        else list.EnqueueTriggered(best, useCandidate: true);
    }

    /// <summary>
    /// Whether a pair ranked above the best valid one can still win (see <see cref="MaybeNominate"/>): null when it
    /// cannot; otherwise until when it can (<see cref="TimeSpan.MaxValue"/> for a queued triggered check, which is decided
    /// by its answer, not by time).
    /// </summary>
    private TimeSpan? CanStillWin(TimeSpan now, IceCheckList list, IceCandidatePair pair)
    {
        if (pair.State is CandidatePairState.Succeeded or CandidatePairState.Failed) return null;
        if (pair.Triggered) return TimeSpan.MaxValue;
        if (pair.State != CandidatePairState.InProgress) return null;
        // RFC 6544 §7.1: an active TCP pair's check leaves once its connection is open; until then it has not been tried.
        if (pair.Local.TcpType is IceTcpType.Active or IceTcpType.SimultaneousOpen && TcpConnectionOf(pair) is { IsOpen: false }) return TimeSpan.MaxValue;
        if (list.Rtt[pair.Component] is not { } rtt || pair.CheckSentAt is not { } sent) return TimeSpan.MaxValue;
        var until = sent + NominationBound(rtt);
        return now < until ? until : null;
    }

    /// <summary>How long an In-Progress check may still win (<see cref="MaybeNominate"/>): max(2 × RTT, Ta).</summary>
    private TimeSpan NominationBound(TimeSpan rtt) => Max(rtt * 2, _pacing);

    /// <summary>The NominateEveryValidPair seeded defect (a method of its own: its lambda's closure would be allocated on every <see cref="MaybeNominate"/>).</summary>
    private void NominateEveryValidPair(TimeSpan now, IceCheckList list, int component)
    {
        foreach (var valid in list.Pairs.Where(p => p.Component == component && p.State == CandidatePairState.Succeeded).ToList())
        {
            valid.TriggeredWithUseCandidate = true;
            SendCheck(now, valid, triggered: true);
        }
    }

    /// <summary>When <see cref="MaybeNominate"/> must look again: the first of the cap after the first valid pair and the
    /// moments the higher-priority In-Progress checks stop being able to win.</summary>
    private TimeSpan? NominationDeadline(IceCheckList list, int component, TimeSpan now)
    {
        if (!Controlling || _options.Lite || _options.Nomination != IceNomination.Regular || list.Machine.State != CheckListState.Running) return null;
        if (list.Selected[component] is not null || list.FirstValidAt[component] is not { } first) return null;
        var deadline = first + _options.NominationWait;
        var sawValid = false;
        foreach (var pair in list.Pairs)
        {
            if (pair.Component != component) continue;
            if (pair.Nomination.State != PairNominationState.NotNominated || pair.TriggeredWithUseCandidate) return null;
            if (pair.State == CandidatePairState.Succeeded) sawValid = true;
            if (sawValid || _options.SeededDefect == IceSeededDefect.NominateEveryValidPair) continue;
            if (CanStillWin(now, list, pair) is { } until && until < deadline) deadline = until;
        }
        return deadline;
    }

    /// <summary>
    /// RFC 8445 §8.1.1: the nominated pair with the highest priority is the component's selected pair; a checklist whose
    /// components all have one is Completed (§8.1.2), and the agent is Connected when every checklist is.
    /// </summary>
    private void OnNominated(TimeSpan now, IceCandidatePair pair)
    {
        var stream = Stream(pair.Stream);
        var list = stream.CheckList;
        if (list.Selected[pair.Component] is { } current && current.Priority >= pair.Priority && current != pair
            && _options.SeededDefect != IceSeededDefect.LatestNominationWins) return;
        if (_options.SeededDefect == IceSeededDefect.AggressiveSelectionWaitsForHigherPairs && _options.Nomination == IceNomination.Aggressive
            && list.Pairs.Any(p => p.Component == pair.Component && p.Priority > pair.Priority && p.State is CandidatePairState.Frozen or CandidatePairState.Waiting or CandidatePairState.InProgress)) return;
        if (_options.SeededDefect == IceSeededDefect.SelectOtherPair && Controlling
            && list.Pairs.LastOrDefault(p => p.Component == pair.Component && p != pair) is { } other) pair = other;
        list.Selected[pair.Component] = pair;
        list.PruneAfterNomination(pair.Component);
        Select(now, stream, pair);
        if (list.AllComponentsSelected()) list.Machine.Fire(CheckListEvent.Nominated, now);
        if (_streams.TrueForAll(s => s.CheckList.Machine.State == CheckListState.Completed)) FireConnection(now, IceConnectionEvent.AllComponentsSelected);
    }

    /// <summary>Data now uses the pair: consent freshness (RFC 7675) and keepalives (RFC 8445 §11) follow it.</summary>
    private void Select(TimeSpan now, IceAgentStream stream, IceCandidatePair pair)
    {
        var slot = stream.Data[pair.Component];
        if (slot.Selected == pair) return;
        slot.Selected = pair;
        slot.Consent?.Fire(ConsentFreshnessEvent.Stop, now);
        if (_options.ConsentFreshness && !_options.Lite)
        {
            slot.Consent = new ConsentFreshnessMachine { Interval = ConsentInterval() };
            slot.Consent.Fire(ConsentFreshnessEvent.Start, now);
        }
        slot.Keepalive.Fire(KeepaliveEvent.Stop, now);
        slot.Keepalive.Fire(KeepaliveEvent.Start, now);
        if (pair.Local.Relay is { } relay && relay.ChannelOf(pair.Remote.Address) is null)
        {
            // RFC 8656 §12: a channel makes relayed data 4 bytes of overhead instead of 36.
            relay.BindChannel(now, pair.Remote.Address);
            DrainRelay(now, RelayOf(relay));
        }
        Emit(new IceSelectedPairChanged(now, pair));
    }

    /// <summary>RFC 7675 §5.1: every 5 s, randomized between 0.8 and 1.2 times that.</summary>
    private TimeSpan ConsentInterval()
    {
        if (_options.SeededDefect == IceSeededDefect.ConsentFixedPeriod) return DefaultConsentInterval;
        if (_options.SeededDefect == IceSeededDefect.ConsentEveryTwoSeconds) return TimeSpan.FromSeconds(2);
        Span<byte> jitter = stackalloc byte[2];
        _random(jitter);
        var fraction = 0.8 + 0.4 * (jitter[0] | jitter[1] << 8) / 65535.0;
        return TimeSpan.FromMilliseconds(DefaultConsentInterval.TotalMilliseconds * fraction);
    }

    /// <summary>The ConsentFreshness machine's Interval as spec/ice.spec sets it (RFC 7675 §5.1: 5 s).</summary>
    private static readonly TimeSpan DefaultConsentInterval = new ConsentFreshnessMachine().Interval;

    private ConsentFreshnessMachine? ConsentOf(IceCandidatePair pair)
    {
        var slot = Stream(pair.Stream).Data[pair.Component];
        return slot.Selected == pair ? slot.Consent : null;
    }

    private void RunDataTimers(TimeSpan now, IceAgentStream stream, int component)
    {
        var slot = stream.Data[component];
        if (slot.Selected is not { } pair || _options.SeededDefect == IceSeededDefect.IdleSelectedPairSilent) return;
        if (slot.Consent is { } consent && consent.HandleTimeout(now))
        {
            if (consent.CheckDue && _remote is not null)
            {
                consent.CheckDue = false;
                consent.Interval = ConsentInterval();
                SendConsentCheck(now, pair);
                slot.Keepalive.Fire(KeepaliveEvent.PacketSent, now);
            }
            if (consent.State == ConsentFreshnessState.Expired) FireConnection(now, IceConnectionEvent.ConsentExpired);
        }
        if (slot.Keepalive.HandleTimeout(now) && slot.Keepalive.KeepaliveDue)
        {
            slot.Keepalive.KeepaliveDue = false;
            SendKeepalive(now, pair);
        }
    }

    /// <summary>RFC 7675 §5.1: a consent check is a Binding request built like a connectivity check (RFC 8445 §7.2.4).</summary>
    private void SendConsentCheck(TimeSpan now, IceCandidatePair pair)
    {
        var priority = CheckPriority(pair);
        var request = BuildCheck(priority, useCandidate: false);
        IcePendingRequest pending;
        if (_finishedConsentRequests.TryPop(out var finished))
        {
            // A finished consent request and its transaction, made new (consent checks go on for the whole call: no allocation).
            finished.Transaction.Reuse(request, TransportOf(pair));
            (finished.Pair, finished.SentPriority, finished.SentRole, finished.Cancelled) = (pair, priority, Role, false);
            pending = finished;
        }
        else pending = new IcePendingRequest(IceRequestKind.Consent, new Stun.StunClientTransaction(request, TransportOf(pair))) { Pair = pair, SentPriority = priority, SentRole = Role };
        var transaction = pending.Transaction;
        _requests[IcePendingRequest.Key(transaction.TransactionId)] = pending;
        transaction.Start(now);
        FlushTransaction(now, pending);
    }

    /// <summary>RFC 8445 §11: a Binding indication with FINGERPRINT only, no authentication.</summary>
    private void SendKeepalive(TimeSpan now, IceCandidatePair pair)
    {
        Span<byte> id = stackalloc byte[Stun.StunHeader.TransactionIdLength];
        _random(id);
        var builder = new Stun.StunMessageBuilder(_scratch.AsSpan(0, 28), new Stun.StunMessageType(Stun.StunMethods.Binding, Stun.StunClass.Indication), id);
        builder.AddFingerprint();
        SendFrom(now, pair.Local, pair.Remote.Address, _scratch.AsSpan(0, builder.Length));
    }
}
