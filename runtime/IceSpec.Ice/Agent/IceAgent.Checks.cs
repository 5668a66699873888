using System.Net;
using IceSpec.Stun;

namespace IceSpec.Ice;

// Sending checks (RFC 8445 §6.1.4, §7.2.4) paced by Ta (§14.2), and processing their responses (§7.2.5).
public sealed partial class IceAgent
{
    /// <summary>
    /// RFC 8445 §6.1.4.2: at each Ta the next Running checklist (round robin) sends its oldest triggered check, else its
    /// highest-priority Waiting pair, else unfreezes pairs and sends one of them. At most one check per Ta in all.
    /// </summary>
    private void SendPacedCheck(TimeSpan now)
    {
        for (var tried = 0; tried < _streams.Count; tried++)
        {
            var list = _streams[_nextCheckList % _streams.Count].CheckList;
            _nextCheckList++;
            if (list.Machine.State != CheckListState.Running) continue;
            if (NextTriggered(list) is { } triggered)
            {
                SendCheck(now, triggered, triggered: true);
                return;
            }
            var waiting = list.HighestWaiting();
            if (waiting is null)
            {
                var active = ActiveFoundations();
                foreach (var pair in list.PairsToUnfreeze(active)) FirePair(now, pair, CandidatePairEvent.Unfreeze);
                waiting = list.HighestWaiting();
            }
            if (waiting is not null)
            {
                SendCheck(now, waiting, triggered: false);
                return;
            }
        }
    }

    /// <summary>
    /// The next triggered check worth sending: a pair that succeeded meanwhile (its cancelled check was answered,
    /// RFC 8445 §7.3.1.4) needs no new check unless the controlling agent nominates it (§8.1.1).
    /// </summary>
    private static IceCandidatePair? NextTriggered(IceCheckList list)
    {
        while (list.DequeueTriggered() is { } pair)
            if (pair.State != CandidatePairState.Succeeded || pair.TriggeredWithUseCandidate) return pair;
        return null;
    }

    private bool HasCheckToSend()
    {
        if (_remote is null || _options.Lite || _connection.State is IceConnectionState.New or IceConnectionState.Closed) return false;
        foreach (var stream in _streams)
        {
            var list = stream.CheckList;
            if (list.Machine.State != CheckListState.Running) continue;
            if (list.HasTriggered || list.HighestWaiting() is not null) return true;
        }
        var active = ActiveFoundations();
        foreach (var stream in _streams)
            if (stream.CheckList.Machine.State == CheckListState.Running && stream.CheckList.HasPairToUnfreeze(active)) return true;
        return false;
    }

    /// <summary>The foundations with a Waiting or In-Progress pair (a reused set: valid until the next call).</summary>
    private HashSet<string> ActiveFoundations()
    {
        var active = _activeFoundations;
        active.Clear();
        foreach (var stream in _streams)
            foreach (var pair in stream.CheckList.Pairs)
                if (pair.State is CandidatePairState.Waiting or CandidatePairState.InProgress) active.Add(pair.Foundation);
        return active;
    }

    /// <summary>RFC 8445 §7.2.4: a Binding request with USERNAME, PRIORITY, the role attribute, MESSAGE-INTEGRITY, FINGERPRINT.</summary>
    private void SendCheck(TimeSpan now, IceCandidatePair pair, bool triggered)
    {
        var useCandidate = Controlling && (_options.Nomination == IceNomination.Aggressive || pair.TriggeredWithUseCandidate
                                           || _options.SeededDefect == IceSeededDefect.NominateBeforeSuccess);
        pair.TriggeredWithUseCandidate = false;
        var priority = CheckPriority(pair);
        var request = BuildCheck(priority, useCandidate);
        var transaction = new StunClientTransaction(request, TransportOf(pair), CheckRto()) { Settings = { Rc = _options.CheckRequestCount } };
        if (pair.Check is { } previous) CancelRequest(previous);
        pair.Check = transaction;
        var pending = new IcePendingRequest(IceRequestKind.Check, transaction)
        {
            Pair = pair, UseCandidate = useCandidate, SentPriority = priority, SentRole = Role, SentAt = now,
        };
        pair.CheckSentAt = now;
        _requests[IcePendingRequest.Key(transaction.TransactionId)] = pending;
        pair.Machine.SendingNomination = useCandidate;
        FirePair(now, pair, CandidatePairEvent.CheckSent);
        if (useCandidate) pair.Nomination.Fire(PairNominationEvent.UseCandidateSent, now);
        _lastCheckAt = now;
        transaction.Start(now);
        Emit(new IceCheckSent(now, pair, useCandidate, triggered));
        FlushTransaction(now, pending);
    }

    /// <summary>RFC 8445 §7.1.1: PRIORITY is what a peer-reflexive candidate of the pair's base would get (§5.1.2).</summary>
    private uint CheckPriority(IceCandidatePair pair) => _options.SeededDefect == IceSeededDefect.HostTypePriority
        ? pair.Local.Priority
        : (uint)IceFormulas.CandidatePriority(IceFormulas.PeerReflexiveTypePreference, (pair.Local.Priority >> 8) & 0xFFFF, pair.Component);

    /// <summary>RFC 8445 §7.2.5.3.1 / §7.3.1.3: a peer-reflexive candidate: the check's PRIORITY, an arbitrary foundation.</summary>
    private IceCandidate PeerReflexive(int component, uint priority, IPEndPoint address, IceTransport transport, IceTcpType? tcpType, IPEndPoint? @base = null,
        IceCandidateType type = IceCandidateType.PeerReflexive) =>
        IceCandidate.Create(IceCredentials.RandomIceChars(_random, 8), component, transport, priority,
            IceConnectionAddress.FromIP(address.Address), address.Port, type,
            @base is null ? null : IceConnectionAddress.FromIP(@base.Address), @base?.Port, tcpType);

    /// <summary>The request, built in the scratch buffer: valid until the next message is built (the transaction keeps a copy).</summary>
    private ReadOnlySpan<byte> BuildCheck(uint priority, bool useCandidate)
    {
        Span<byte> transactionId = stackalloc byte[StunHeader.TransactionIdLength];
        _random(transactionId);
        var builder = new StunMessageBuilder(_scratch, new StunMessageType(StunMethods.Binding, StunClass.Request), transactionId);
        var (remote, remoteKey) = _options.SeededDefect == IceSeededDefect.OldCredentialsAfterRestart && _firstRemote is { } first
            ? (first, StunKey.ShortTerm(first.Password)) : (_remote!, _remoteKey!);
        var (before, after) = _options.SeededDefect == IceSeededDefect.SwappedUsername ? (_local.Ufrag, remote.Ufrag) : (remote.Ufrag, _local.Ufrag);
        Span<char> username = stackalloc char[before.Length + 1 + after.Length];
        before.CopyTo(username);
        username[before.Length] = ':';
        after.CopyTo(username[(before.Length + 1)..]);
        builder.AddUsername(username);
        builder.AddPriority(priority);
        var withRole = _options.SeededDefect != IceSeededDefect.NoRoleAttribute;
        if (withRole && Controlling) builder.AddIceControlling(_role.OurTieBreaker);
        else if (withRole) builder.AddIceControlled(_role.OurTieBreaker);
        if (useCandidate || (!Controlling && _options.SeededDefect == IceSeededDefect.UseCandidateWhenControlled)) builder.AddUseCandidate();
        builder.AddMessageIntegrity(_options.SeededDefect == IceSeededDefect.IntegrityWithOwnPassword ? _localKey : remoteKey);
        if (_options.SeededDefect != IceSeededDefect.NoFingerprint) builder.AddFingerprint();
        return _scratch.AsSpan(0, builder.Length);
    }

    /// <summary>
    /// RFC 8489 §6.2.2 (reliable transport): over TCP a request is sent once and the transaction times out after Ti, with
    /// no retransmission (RFC 6544 §7.1); over UDP it is retransmitted (§6.2.1).
    /// </summary>
    private StunTransport TransportOf(IceCandidatePair pair) =>
        pair.Local.Transport == IceTransport.Tcp && _options.SeededDefect != IceSeededDefect.RetransmitOverTcp ? StunTransport.Reliable : StunTransport.Unreliable;

    /// <summary>RFC 8445 §14.3: RTO = MAX (500ms, Ta * N * (Num-Waiting + Num-In-Progress)).</summary>
    private TimeSpan CheckRto()
    {
        var total = 0;
        var active = 0;
        foreach (var stream in _streams)
            foreach (var pair in stream.CheckList.Pairs)
            {
                total++;
                if (pair.State is CandidatePairState.Waiting or CandidatePairState.InProgress) active++;
            }
        return Max(TimeSpan.FromMilliseconds(IceFormulas.MinimumCheckRtoMilliseconds), _pacing * total * Math.Max(1, active));
    }

    /// <summary>RFC 8445 §7.3.1.4: a cancelled check is not retransmitted, but its response is still awaited.</summary>
    private void CancelRequest(StunClientTransaction transaction)
    {
        foreach (var request in _requests.Values)
            if (request.Transaction == transaction) request.Cancelled = true;
    }

    private void FlushTransaction(TimeSpan now, IcePendingRequest request)
    {
        while (request.Transaction.TryPollTransmit(out var datagram))
        {
            if (request.Cancelled && _options.SeededDefect != IceSeededDefect.RetransmitCancelled) continue;
            if (request.Kind == IceRequestKind.Gather) _transmits.Enqueue(GatherTransmit(request.Host!, request.Server!, datagram));
            else SendFrom(now, request.Pair!.Local, request.Pair.Remote.Address, datagram.Span);
        }
    }

    /// <summary>RFC 8445 §7.2.5: a response to one of our checks (or consent checks, RFC 7675).</summary>
    private void HandleCheckResponse(TimeSpan now, IceLocalCandidate arrivedAt, IPEndPoint source, IcePendingRequest request, in StunMessage response)
    {
        // RFC 8445 §7.2.5.1 / RFC 8489 §9.1.4: a response that fails the integrity check is discarded.
        if (_remoteKey is null || StunIntegrity.VerifyMessageIntegrity(response, _remoteKey) != IntegrityStatus.Valid) return;
        // spec/stun.spec "Binding success/error as ice-check": XOR-MAPPED-ADDRESS, ERROR-CODE and MESSAGE-INTEGRITY rules.
        if (!StunValidator.TryValidate(response, StunValidator.Profile.IceCheck, out _)) return;
        request.Transaction.HandleResponse(now, response);
        _requests.Remove(IcePendingRequest.Key(response.TransactionId));
        var pair = request.Pair!;
        if (request.Kind == IceRequestKind.Consent)
        {
            if (response.Class == StunClass.Success && ConsentOf(pair) is { } consent)
            {
                consent.Fire(ConsentFreshnessEvent.ResponseReceived, now);
                Emit(new IceConsentRefreshed(now, pair));
            }
            _finishedConsentRequests.Push(request);
            return;
        }
        if (pair.Check == request.Transaction) pair.Check = null;

        // RFC 8445 §7.2.5.2.1: the response must come from where the request went, to where it came from.
        var symmetric = _options.SeededDefect == IceSeededDefect.NonSymmetricAccepted ||
                        (source.Equals(pair.Remote.Address) && arrivedAt.Transport == pair.Local.Transport &&
                         arrivedAt.Socket.Equals(pair.Local.Socket) && arrivedAt.Base.Equals(pair.Local.Base));
        int? errorCode = response.Class == StunClass.Error && response.TryGetErrorCode(out var code, out _) ? code : null;
        switch (CheckResponseClassification.PairEventOf(response.Class, errorCode, symmetric))
        {
            case CandidatePairEvent.SuccessResponse:
                if (response.TryGetXorMappedAddress(out var mapped)) OnCheckSucceeded(now, pair, request, Normalize(mapped.ToEndPoint()));
                return;
            case CandidatePairEvent.RoleConflict:
                if (_options.SeededDefect == IceSeededDefect.IgnoreRoleConflictResponse) FailPair(now, pair, CandidatePairEvent.ErrorResponse);
                else OnRoleConflictResponse(now, pair, request);
                return;
            case var failure:
                FailPair(now, pair, failure);
                return;
        }
    }

    /// <summary>RFC 8445 §7.2.5.3: the pair succeeds; the mapped address names the valid pair's local candidate.</summary>
    private void OnCheckSucceeded(TimeSpan now, IceCandidatePair pair, IcePendingRequest request, IPEndPoint mapped)
    {
        var stream = Stream(pair.Stream);
        var local = stream.LocalCandidates.Find(c => c.Address.Equals(mapped) && c.Base.Equals(pair.Local.Base) && c.Component == pair.Component && c.Transport == pair.Local.Transport);
        // RFC 6544 §4.5: an active candidate's port 9 stands for whatever port its connection left from, so a mapped
        // address that differs from it only in the port names the active candidate itself.
        if (local is null && pair.Local.TcpType == IceTcpType.Active && mapped.Address.Equals(pair.Local.Address.Address)) local = pair.Local;
        if (local is null)
        {
            // RFC 8445 §7.2.5.3.1: a peer-reflexive local candidate, with the PRIORITY the check carried.
            var candidate = PeerReflexive(pair.Component, request.SentPriority, mapped, pair.Local.Transport, pair.Local.TcpType, pair.Local.Base);
            local = new IceLocalCandidate(stream.Index, candidate, mapped, pair.Local.Base, pair.Local.Socket, pair.Local.Relay);
            stream.LocalCandidates.Add(local);
        }
        pair.MappedLocal = local;
        pair.TcpConnectionLocal = TcpConnectionOf(pair)?.LocalEndPoint;
        // The round-trip time regular nomination bounds its wait with (IceAgent.Timers.cs, NominationBound): from a check
        // sent once only (RFC 6298 §3, Karn: a response to a retransmitted request could answer any of its sends).
        if (request.Transaction.Sends == 1 && now - request.SentAt is var rtt && (stream.CheckList.Rtt[pair.Component] is not { } known || rtt < known))
            stream.CheckList.Rtt[pair.Component] = rtt;
        FirePair(now, pair, CandidatePairEvent.SuccessResponse);
        stream.CheckList.FirstValidAt[pair.Component] ??= now;
        if (!Controlling && _options.SeededDefect == IceSeededDefect.SelectBeforeNomination) Select(now, stream, pair);

        // RFC 8445 §7.2.5.3.3: Frozen pairs of the same foundation, in every checklist, become Waiting.
        foreach (var other in _streams)
            foreach (var candidatePair in other.CheckList.Pairs)
                if (candidatePair.State == CandidatePairState.Frozen && candidatePair.Foundation == pair.Foundation)
                    FirePair(now, candidatePair, CandidatePairEvent.Unfreeze);

        // RFC 8445 §7.2.5.3.4: the check carried USE-CANDIDATE (controlling), or the peer's did first (controlled, §7.3.1.5).
        if ((request.UseCandidate && Controlling) || (!Controlling && pair.NominationPending))
            if (pair.Nomination.Fire(PairNominationEvent.PairSucceeded, now)) OnNominated(now, pair);
    }

    private void OnCheckTimeout(TimeSpan now, IcePendingRequest request)
    {
        var pair = request.Pair!;
        if (pair.Check == request.Transaction) pair.Check = null;
        if (request.Cancelled) return;
        FailPair(now, pair, CandidatePairEvent.Timeout);
    }

    private void FailPair(TimeSpan now, IceCandidatePair pair, CandidatePairEvent failure)
    {
        FirePair(now, pair, failure);
        pair.Nomination.Fire(PairNominationEvent.PairFailed, now);
        UpdateCheckListFailure(now, Stream(pair.Stream).CheckList);
    }

    /// <summary>RFC 8445 §7.2.5.4: every pair Failed → the checklist fails (only after end-of-candidates, RFC 8838 §8).</summary>
    private void UpdateCheckListFailure(TimeSpan now, IceCheckList list)
    {
        if (_options.SeededDefect == IceSeededDefect.FailBeforeEndOfCandidates && list.AllFailed()) FireConnection(now, IceConnectionEvent.CheckListFailed);
        if (list.Machine.State == CheckListState.Running && list.AllFailed() && list.Machine.Fire(CheckListEvent.AllFailed, now))
            FireConnection(now, IceConnectionEvent.CheckListFailed);
    }

    /// <summary>
    /// RFC 8445 §7.2.5.1: switch role if the request's role is still ours ("The agent MUST change the tiebreaker value"),
    /// and retry the pair as a triggered check.
    /// </summary>
    private void OnRoleConflictResponse(TimeSpan now, IceCandidatePair pair, IcePendingRequest request)
    {
        if (request.SentRole == Role && _role.Fire(AgentRoleEvent.RoleConflictResponse, now))
        {
            if (_options.SeededDefect != IceSeededDefect.KeepTieBreakerAfterRoleConflict) _role.OurTieBreaker = NewTieBreaker(_role.OurTieBreaker);
            OnRoleSwitched(now);
        }
        FirePair(now, pair, CandidatePairEvent.RoleConflict);
        Stream(pair.Stream).CheckList.EnqueueTriggered(pair, useCandidate: false);
    }

    private void OnRoleSwitched(TimeSpan now)
    {
        _role.RoleSwitched = false;
        foreach (var stream in _streams) stream.CheckList.Reprioritise(Controlling);
        Emit(new IceRoleChanged(now, Role));
    }
}
