using System.Net;
using System.Text;
using IceSpec.Stun;

namespace IceSpec.Ice;

// Receiving (RFC 8445 §7.3): demultiplexing STUN from data, answering checks, peer-reflexive remote candidates,
// triggered checks and the controlled agent's nomination.
public sealed partial class IceAgent
{
    private readonly HashSet<(IceTransport Transport, IPEndPoint Socket, IPEndPoint Source)> _authenticatedSources = [];
    private readonly HashSet<UInt128> _answeredChecks = [];   // only the RetransmittedCheckIgnored seeded defect reads it
    private readonly IceRecentChecks _recentChecks = new();

    /// <summary>Feeds a datagram the driver received on <paramref name="socket"/> from <paramref name="source"/>.</summary>
    public void HandlePacket(TimeSpan now, IPEndPoint socket, IPEndPoint source, ReadOnlySpan<byte> packet)
    {
        if (_connection.State == IceConnectionState.Closed) return;
        socket = Normalize(socket);
        source = Normalize(source);
        if (TryHandleGatherResponse(now, source, packet))
        {
            AfterInput(now);
            return;
        }
        foreach (var relay in _relays)
            if (relay.Server.Equals(source) && relay.Host.Socket.Equals(socket))
            {
                relay.Core.HandlePacket(now, packet);
                DrainRelay(now, relay);
                AfterInput(now);
                return;
            }
        IceLocalCandidate? host = null;
        foreach (var stream in _streams)
            if ((host = stream.HostFor(socket)) is not null) break;
        if (host is null) return;
        HandleDatagram(now, host, source, packet);
        AfterInput(now);
    }

    /// <summary>
    /// The answer of a STUN server to a gathering request (RFC 8445 §5.1.1.2), matched by transaction ID before anything
    /// else: a server that is both STUN and TURN server (coturn usually is) shares its address with the allocation.
    /// </summary>
    private bool TryHandleGatherResponse(TimeSpan now, IPEndPoint source, ReadOnlySpan<byte> packet)
    {
        if (!StunMessage.LooksLikeStun(packet) || StunMessage.TryParse(packet, out var message) != StunParseStatus.Ok) return false;
        if (message.Class is not (StunClass.Success or StunClass.Error)) return false;
        var key = IcePendingRequest.Key(message.TransactionId);
        if (!_requests.TryGetValue(key, out var request) || request.Kind != IceRequestKind.Gather || !source.Equals(request.Server)) return false;
        request.Transaction.HandleResponse(now, message);
        _requests.Remove(key);
        HandleGatherResponse(now, request, message);
        return true;
    }

    /// <summary>A datagram that arrived on a local candidate (a host socket, or a relayed candidate via TURN).</summary>
    private void HandleDatagram(TimeSpan now, IceLocalCandidate local, IPEndPoint source, ReadOnlySpan<byte> packet)
    {
        if (!StunMessage.LooksLikeStun(packet))
        {
            DeliverData(now, local, source, packet);
            return;
        }
        if (StunMessage.TryParse(packet, out var message) != StunParseStatus.Ok) return;
        // RFC 8445 §7.3 ("It MUST utilize the FINGERPRINT mechanism") and RFC 8489 §6.3: "the agent checks that the
        // FINGERPRINT attribute is present and contains the correct value. If any errors are detected, the message is
        // silently discarded."
        if (!message.HasFingerprint || (StunIntegrity.VerifyFingerprint(message) != IntegrityStatus.Valid && _options.SeededDefect != IceSeededDefect.AcceptBadFingerprint)) return;
        if (message.Method != StunMethods.Binding) return;
        switch (message.Class)
        {
            case StunClass.Request:
                HandleCheckRequest(now, local, source, message);
                break;
            case StunClass.Success or StunClass.Error when _requests.TryGetValue(IcePendingRequest.Key(message.TransactionId), out var request)
                                                            && request.Kind != IceRequestKind.Gather:
                HandleCheckResponse(now, local, source, request, message);
                break;
            case StunClass.Indication when _options.SeededDefect == IceSeededDefect.IndicationAnswered:
                SendSuccess(now, local, source, message);
                break;
        }
    }

    /// <summary>
    /// RFC 8445 §12.2: data is accepted on our candidates from the peer: a remote candidate of that component, or an
    /// address that sent an authenticated check (the controlling agent may send data once its nomination succeeded,
    /// before this agent has even read the peer's candidates). Anything else is dropped.
    /// </summary>
    private void DeliverData(TimeSpan now, IceLocalCandidate local, IPEndPoint source, ReadOnlySpan<byte> packet)
    {
        var stream = Stream(local.Stream);
        if (stream.RemoteAt(local.Component, local.Transport, source) is null && !_authenticatedSources.Contains((local.Transport, local.Socket, source))) return;
        // The event outlives the driver's receive buffer: it gets its own copy (the one allocation of a data packet).
        Emit(new IceDataReceived(now, local.Stream, local.Component, packet.ToArray()));
    }

    /// <summary>RFC 8445 §7.3: authenticate, resolve a role conflict, answer, then learn and trigger.</summary>
    private void HandleCheckRequest(TimeSpan now, IceLocalCandidate local, IPEndPoint source, in StunMessage request)
    {
        if (_options.SeededDefect == IceSeededDefect.NoAnswerAfterSelection && Stream(local.Stream).Data[local.Component].Selected is { } selected
            && selected.Local.Socket.Equals(local.Socket) && selected.Remote.Address.Equals(source)) return;
        if (_options.SeededDefect == IceSeededDefect.RetransmittedCheckIgnored && !_answeredChecks.Add(IcePendingRequest.Key(request.TransactionId))) return;
        // RFC 8489 §9.1.3: USERNAME and MESSAGE-INTEGRITY are required; a wrong USERNAME or integrity gets 401.
        if (!request.TryGetUsername(out var usernameBytes) || !request.HasMessageIntegrity)
        {
            SendError(now, local, source, request, StunErrorCodes.BadRequest, "Bad Request: USERNAME and MESSAGE-INTEGRITY are required");
            return;
        }
        // USERNAME is "ours:theirs" (RFC 8445 §7.2.2); compared as UTF-8 bytes (':' is one byte in UTF-8).
        var colon = usernameBytes.IndexOf((byte)':');
        if (colon < 0 || !usernameBytes[..colon].SequenceEqual(_localUfragBytes)
            || (StunIntegrity.VerifyMessageIntegrity(request, _localKey) != IntegrityStatus.Valid && _options.SeededDefect != IceSeededDefect.NoIntegrityCheck))
        {
            SendError(now, local, source, request, StunErrorCodes.Unauthenticated, "Unauthenticated");
            return;
        }
        _authenticatedSources.Add((local.Transport, local.Socket, source));
        // RFC 8489 §6.3.1: unknown comprehension-required attributes get 420 listing them; then the usage's rules (400).
        if (!StunValidator.TryValidate(request, StunValidator.Profile.IceCheck, out var violation))
        {
            if (violation.Rule == StunValidator.UnknownComprehensionRequiredRule) SendUnknownAttributes(now, local, source, request);
            else SendError(now, local, source, request, StunErrorCodes.BadRequest, "Bad Request: " + violation.Rule, authenticated: true);
            return;
        }
        if (_options.SeededDefect == IceSeededDefect.RefuseUnknownOptionalAttribute && HasUnknownComprehensionOptional(request))
        {
            SendError(now, local, source, request, StunErrorCodes.BadRequest, "Bad Request: unknown attribute", authenticated: true);
            return;
        }
        if (!ResolveRoleConflict(now, request))
        {
            SendError(now, local, source, request, StunErrorCodes.RoleConflict, "Role Conflict", authenticated: true);
            return;
        }
        SendSuccess(now, local, source, request);
        // RFC 8489 §6.3.1: a retransmission is answered as the first transmission was, and changes nothing more (its first
        // transmission already retriggered the pair; another trigger would cancel the check that one started, §7.3.1.4).
        if (_recentChecks.IsRetransmission(now, IcePendingRequest.Key(request.TransactionId), local.Socket, source)) return;
        request.TryGetPriority(out var priority);
        // The ice-check rules validated above allow USE-CANDIDATE only with ICE-CONTROLLING (RFC 8445 §7.1.2).
        var useCandidate = request.Contains(StunAttributeTypes.UseCandidate);
        if (_remote is null) _earlyChecks.Add((local, source, priority, useCandidate));
        else TriggerFromRequest(now, local, source, priority, useCandidate);
    }

    /// <summary>RFC 8445 §7.3.1.1, decided by the generated AgentRole machine. False: answer 487.</summary>
    private bool ResolveRoleConflict(TimeSpan now, in StunMessage request)
    {
        AgentRoleEvent trigger;
        var eitherRole = _options.SeededDefect == IceSeededDefect.EveryRoleAttributeConflicts;
        if (Controlling && (request.TryGetIceControlling(out var peerTieBreaker) || (eitherRole && request.TryGetIceControlled(out peerTieBreaker))))
            trigger = AgentRoleEvent.PeerClaimsControlling;
        else if (!Controlling && (request.TryGetIceControlled(out peerTieBreaker) || (eitherRole && request.TryGetIceControlling(out peerTieBreaker))))
            trigger = AgentRoleEvent.PeerClaimsControlled;
        else return true;
        _role.PeerTieBreaker = _options.SeededDefect != IceSeededDefect.SwitchOnEveryRoleConflict ? peerTieBreaker
            : trigger == AgentRoleEvent.PeerClaimsControlling ? ulong.MaxValue : 0;
        _role.Fire(trigger, now);
        if (_role.RoleSwitched) OnRoleSwitched(now);
        if (!_role.RoleConflictRejected) return true;
        _role.RoleConflictRejected = false;
        return false;
    }

    /// <summary>RFC 8445 §7.3.1.3–7.3.1.5 (full) or §7.3.2 (lite).</summary>
    private void TriggerFromRequest(TimeSpan now, IceLocalCandidate local, IPEndPoint source, uint priority, bool useCandidate)
    {
        var stream = Stream(local.Stream);
        var remote = stream.RemoteAt(local.Component, local.Transport, source);
        if (remote is null)
        {
            if (_options.SeededDefect == IceSeededDefect.NoPairForUnknownSource) return;
            // RFC 8445 §7.3.1.3: a peer-reflexive remote candidate with the request's PRIORITY and an arbitrary foundation.
            // RFC 6544 §7.2: over TCP it is the peer's side of the connection: active when ours is passive, and vice versa.
            var type = _options.SeededDefect == IceSeededDefect.PeerReflexiveRemoteAsHost ? IceCandidateType.Host : IceCandidateType.PeerReflexive;
            remote = new IceRemoteCandidate(stream.Index, PeerReflexive(local.Component, priority, source, local.Transport, Opposite(local.TcpType), type: type), source);
            stream.RemoteCandidates.Add(remote);
        }
        var list = stream.CheckList;
        var pair = list.Find(local.Transport, local.Socket, local.Base, source);
        if (pair is null)
        {
            pair = new IceCandidatePair(local, remote, _options.Lite);
            pair.UpdatePriority(Controlling);
            if (!list.TryAdd(pair)) return;
        }
        if (_options.Lite)
        {
            // RFC 8445 §7.3.2: the lite agent puts the pair in the valid list and nominates it.
            pair.MappedLocal = local;
            if (useCandidate && pair.Nomination.Fire(PairNominationEvent.UseCandidateReceived, now) && pair.Nominated) OnNominated(now, pair);
            return;
        }
        if (pair.State != CandidatePairState.Succeeded && list.Machine.State == CheckListState.Running && _options.SeededDefect != IceSeededDefect.NoTriggeredCheck)
        {
            // RFC 8445 §7.3.1.4: In-Progress: cancel the transaction; Waiting, Frozen, Failed: enqueue a triggered check.
            if (pair.Check is { } inFlight) CancelRequest(inFlight);
            FirePair(now, pair, CandidatePairEvent.Retrigger);
            list.EnqueueTriggered(pair, useCandidate: false);
        }
        if (useCandidate && !Controlling && _options.SeededDefect == IceSeededDefect.SelectOnUseCandidateBeforeSuccess) Select(now, stream, pair);
        if (useCandidate && !Controlling && !(_options.SeededDefect == IceSeededDefect.IgnoreNominationOfValidPair && pair.State == CandidatePairState.Succeeded)
            && pair.Nomination.Fire(PairNominationEvent.UseCandidateReceived, now) && pair.Nominated)
            OnNominated(now, pair);
    }

    /// <summary>RFC 8445 §7.3.1.2: a success response with XOR-MAPPED-ADDRESS = the request's source, integrity with our password.</summary>
    private void SendSuccess(TimeSpan now, IceLocalCandidate local, IPEndPoint source, in StunMessage request)
    {
        var builder = new StunMessageBuilder(_scratch.AsSpan(0, 128), new StunMessageType(StunMethods.Binding, StunClass.Success), request.TransactionId);
        builder.AddXorMappedAddress(new StunAddress(_options.SeededDefect == IceSeededDefect.WrongMappedAddress ? local.Socket : source));
        builder.AddMessageIntegrity(_options.SeededDefect == IceSeededDefect.ResponseSignedWithPeerPassword && _remoteKey is { } peerKey ? peerKey : _localKey);
        if (_options.SeededDefect != IceSeededDefect.ResponsesWithoutFingerprint) builder.AddFingerprint();
        var destination = _options.SeededDefect == IceSeededDefect.ResponseToSignalledCandidate && SignalledFor(local) is { } signalled ? signalled.Address : source;
        SendFrom(now, local, destination, _scratch.AsSpan(0, builder.Length));
    }

    /// <summary>Where the ResponseToSignalledCandidate seeded defect answers (a method of its own: its lambda allocates).</summary>
    private IceRemoteCandidate? SignalledFor(IceLocalCandidate local) =>
        Stream(local.Stream).RemoteCandidates.Find(r => r.Component == local.Component && r.Transport == local.Transport);

    /// <summary>
    /// RFC 8489 §9.1.3: an error response to an authenticated request carries MESSAGE-INTEGRITY with our password; one to a
    /// request that failed authentication MUST NOT (nor USERNAME).
    /// </summary>
    private void SendError(TimeSpan now, IceLocalCandidate local, IPEndPoint source, in StunMessage request, int code, string reason, bool authenticated = false)
    {
        var builder = new StunMessageBuilder(_scratch.AsSpan(0, 256), new StunMessageType(StunMethods.Binding, StunClass.Error), request.TransactionId);
        builder.AddErrorCode(code, reason);
        FinishError(now, local, source, ref builder, authenticated);
    }

    /// <summary>RFC 8489 §6.3.1.1 / §14.13: 420 with an UNKNOWN-ATTRIBUTES listing the request's unknown comprehension-required attributes.</summary>
    private void SendUnknownAttributes(TimeSpan now, IceLocalCandidate local, IPEndPoint source, in StunMessage request)
    {
        Span<ushort> unknown = stackalloc ushort[32];
        var count = StunValidator.CollectUnknownComprehensionRequired(request, unknown);
        var builder = new StunMessageBuilder(_scratch.AsSpan(0, 256), new StunMessageType(StunMethods.Binding, StunClass.Error), request.TransactionId);
        builder.AddErrorCode(StunErrorCodes.UnknownAttribute, "Unknown Attribute");
        builder.AddUnknownAttributes(unknown[..count]);
        FinishError(now, local, source, ref builder, authenticated: true);
    }

    private void FinishError(TimeSpan now, IceLocalCandidate local, IPEndPoint source, ref StunMessageBuilder builder, bool authenticated)
    {
        if (authenticated && _options.SeededDefect != IceSeededDefect.UnsignedErrorsAfterAuthentication) builder.AddMessageIntegrity(_localKey);
        if (_options.SeededDefect != IceSeededDefect.ResponsesWithoutFingerprint) builder.AddFingerprint();
        SendFrom(now, local, source, _scratch.AsSpan(0, builder.Length));
    }

    /// <summary>RFC 8489 §14: an attribute of type 0x8000–0xFFFF this agent does not understand (only a seeded defect asks).</summary>
    private static bool HasUnknownComprehensionOptional(in StunMessage message)
    {
        foreach (var attribute in message.Attributes)
            if (StunRanges.IsComprehensionOptional(attribute.Type) && !StunAttributeRegistry.IsUnderstood(attribute.Type)) return true;
        return false;
    }
}
