using System.Net;
using System.Text;
using IceSpec.Stun;

namespace IceSpec.Ice;

// The peer's description: credentials, candidates (all at once or trickled, RFC 8838), end-of-candidates, lite, and
// ICE restarts (RFC 8445 §9).
public sealed partial class IceAgent
{
    private readonly List<(IceLocalCandidate Local, IPEndPoint Source, uint Priority, bool UseCandidate)> _earlyChecks = [];

    /// <summary>
    /// The peer's ufrag and password (RFC 8445 §5.3). New credentials after the first ones mean the peer restarted ICE
    /// (§9.2): unless this agent restarted first, it restarts too and reports <see cref="IceRestarted"/>.
    /// </summary>
    public void SetRemoteCredentials(TimeSpan now, IceCredentials credentials, bool lite = false)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        if (_remote is { } known && known != credentials && !_restartedSinceRemote) Restart(now);
        _restartedSinceRemote = false;
        _firstRemote ??= credentials;
        _remote = credentials;
        _remoteKey = StunKey.ShortTerm(credentials.Password);
        if (lite && _options.SeededDefect != IceSeededDefect.StayControlledWithLitePeer && _role.Fire(AgentRoleEvent.PeerIsLite, now)) OnRoleSwitched(now);
        MaybeStartChecks(now);
        foreach (var (local, source, priority, useCandidate) in _earlyChecks) TriggerFromRequest(now, local, source, priority, useCandidate);
        _earlyChecks.Clear();
    }

    /// <summary>
    /// The peer's a=ice-pacing (RFC 8839 §5.5), or null when it announced none: RFC 8445 §14.2 makes both agents use the
    /// higher of the two values, a peer without one counting as the 50 ms default.
    /// </summary>
    public void SetRemotePacing(TimeSpan? announced)
    {
        var remote = announced ?? TimeSpan.FromMilliseconds(IceFormulas.DefaultPacingMilliseconds);
        _pacing = Max(_options.Pacing, remote);
    }

    /// <summary>
    /// Adds a candidate of the peer (from its description or trickled). Ignored (false): candidates after the peer's
    /// end-of-candidates (RFC 8838 §14: "it MUST ignore any newly received candidates"; an ICE restart starts a new
    /// session), mDNS candidates, candidates of a transport not in <see cref="IceAgentOptions.Transports"/>, and TCP
    /// candidates without a tcptype (RFC 6544 §4.5: active, passive or so).
    /// </summary>
    public bool AddRemoteCandidate(TimeSpan now, int stream, IceCandidate candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        return AddRemote(now, stream, candidate, candidate.Address.IPAddress);
    }

    /// <summary>
    /// draft-ietf-mmusic-mdns-ice-candidates §3.2.1 step 3: a candidate whose mDNS name the host resolved to
    /// <paramref name="resolved"/> (resolving is I/O: <see cref="IceSession"/> does it). The candidate keeps its name (what
    /// statistics show, §3.3.1); its pairs use the address, never with a local relayed candidate (§3.3.2: the TURN server
    /// would learn the peer's host address). Otherwise as <see cref="AddRemoteCandidate"/>.
    /// </summary>
    public bool AddResolvedRemoteCandidate(TimeSpan now, int stream, IceCandidate candidate, IPAddress resolved)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(resolved);
        if (!candidate.Address.IsMdnsName) throw new ArgumentException("only a candidate with an mDNS name (….local) is resolved", nameof(candidate));
        return AddRemote(now, stream, candidate, resolved);
    }

    private bool AddRemote(TimeSpan now, int stream, IceCandidate candidate, IPAddress? ip)
    {
        var target = Stream(stream);
        if (_remoteCandidates.State == RemoteCandidatesState.Ended && _options.SeededDefect != IceSeededDefect.CandidatesAfterEndOfCandidates) return false;
        if (!Accepts(candidate) || ip is null) return false;
        if (candidate.ComponentId < 1 || candidate.ComponentId > target.Components) return false;
        var address = Normalize(new IPEndPoint(ip, candidate.Port));
        var remote = new IceRemoteCandidate(stream, candidate, address);
        if (target.RemoteAt(candidate.ComponentId, candidate.Transport, address) is { } known)
        {
            if (known.Type != IceCandidateType.PeerReflexive) return false;
            ReplacePeerReflexive(now, target, known, remote);
            return true;
        }
        target.RemoteCandidates.Add(remote);
        foreach (var relay in _relays.Where(r => r.Relayed.Any(c => c.Transport == remote.Transport) && r.Host.Stream == stream && r.Host.Component == remote.Component))
            PermitRemotes(now, relay, [address.Address]);
        foreach (var local in target.LocalCandidates.ToList()) TryPair(target, local, remote);
        return true;
    }

    /// <summary>
    /// RFC 8445 §7.3.1.3: "if any subsequent candidate exchanges contain this peer-reflexive candidate, it will signal the
    /// actual foundation": a candidate signalled at the address of a peer-reflexive one learned from an early check takes its
    /// place, in the pairs too (their priorities follow); a selected pair is reported again with its true remote type.
    /// </summary>
    private void ReplacePeerReflexive(TimeSpan now, IceAgentStream stream, IceRemoteCandidate learned, IceRemoteCandidate signalled)
    {
        stream.RemoteCandidates[stream.RemoteCandidates.IndexOf(learned)] = signalled;
        foreach (var pair in stream.CheckList.Pairs)
            if (pair.Remote == learned) pair.Remote = signalled;
        stream.CheckList.Reprioritise(Controlling);
        for (var c = 1; c <= stream.Components; c++)
            if (stream.Data[c].Selected is { } selected && selected.Remote == signalled) Emit(new IceSelectedPairChanged(now, selected));
    }

    /// <summary>The peer will send no more candidates (RFC 8838 §13); only now may a checklist fail.</summary>
    public void EndOfRemoteCandidates(TimeSpan now)
    {
        _remoteCandidates.Fire(RemoteCandidatesEvent.EndOfCandidates, now);
        foreach (var stream in _streams) UpdateCheckListFailure(now, stream.CheckList);
    }

    /// <summary>
    /// ICE restart (RFC 8445 §9): new local credentials, fresh checklists and remote candidates; data keeps flowing on the
    /// previously selected pairs until new ones are selected (§9.1.1.1). Send the new local description to the peer.
    /// </summary>
    public void Restart(TimeSpan now)
    {
        _local = _options.SeededDefect == IceSeededDefect.RestartKeepsPassword ? _local with { Ufrag = IceCredentials.RandomIceChars(_random, 8) } : NewCredentials();
        _localKey = StunKey.ShortTerm(_local.Password);
        _localUfragBytes = Encoding.UTF8.GetBytes(_local.Ufrag);
        _remote = null;
        _remoteKey = null;
        _restartedSinceRemote = true;
        _remoteCandidates = new RemoteCandidatesMachine();
        foreach (var request in _requests.Values) request.Cancelled = true;
        foreach (var stream in _streams)
        {
            stream.RemoteCandidates.Clear();
            stream.CheckList = new IceCheckList(stream.Index, stream.Components, _remoteCandidates);
        }
        // Seeded defect: the role is redetermined (swapped; RoleConflictResponse is the role machine's unconditional switch).
        if (_options.SeededDefect == IceSeededDefect.RoleSwappedOnRestart && _role.Fire(AgentRoleEvent.RoleConflictResponse, now)) OnRoleSwitched(now);
        FireConnection(now, IceConnectionEvent.Restart);
        Emit(new IceRestarted(now, _local));
    }

    private bool Accepts(IceCandidate candidate) => candidate.Transport switch
    {
        IceTransport.Udp => _options.Transports.HasFlag(IceTransports.Udp),
        IceTransport.Tcp => _options.Transports.HasFlag(IceTransports.Tcp) && candidate.TcpType is not null,
        _ => false,
    };

    /// <summary>
    /// RFC 8445 §6.1.2.2: pairs local with remote of the same component and address family (srflx replaced by its base,
    /// §6.1.2.4). RFC 6544 §6.2: and of the same transport, with tcptypes that pair (<see cref="TcpTypesPair"/>).
    /// draft-ietf-mmusic-mdns-ice-candidates §3.3.2: never a local relayed candidate with a remote mDNS candidate.
    /// </summary>
    private void TryPair(IceAgentStream stream, IceLocalCandidate local, IceRemoteCandidate remote)
    {
        if (local.Type is IceCandidateType.ServerReflexive or IceCandidateType.PeerReflexive) return;
        if (_options.Policy == IceCandidatePolicy.RelayOnly && local.Type != IceCandidateType.Relayed) return;
        if (local.Component != remote.Component || local.Address.AddressFamily != remote.Address.AddressFamily) return;
        if (local.Transport != remote.Transport) return;
        if (local.Type == IceCandidateType.Relayed && remote.Candidate.Address.IsMdnsName) return;
        if (local.Transport == IceTransport.Tcp && !TcpTypesPair(local.TcpType, remote.TcpType)) return;
        var pair = new IceCandidatePair(local, remote, _options.Lite);
        pair.UpdatePriority(Controlling);
        stream.CheckList.TryAdd(pair);
    }

    private void MaybeStartChecks(TimeSpan now)
    {
        if (_remote is null || _gathering.State == CandidateGatheringState.New) return;
        FireConnection(now, IceConnectionEvent.ChecksStarted);
    }
}
