using System.Net;
using System.Text;
using IceSpec.Stun;

namespace IceSpec.Ice;

/// <summary>
/// A sans-IO ICE agent (RFC 8445 full or lite, RFC 8838 trickle, RFC 7675 consent). It owns no socket, clock or random
/// source: the driver binds sockets and declares them (<see cref="AddHostCandidate"/>), feeds received datagrams
/// (<see cref="HandlePacket"/>) and time (<see cref="HandleTimeout"/>), sends what <see cref="TryPollTransmit"/> hands
/// out and calls back at <see cref="PollTimeout"/>. Every state (pair, nomination, checklist, role, gathering, connection,
/// consent, keepalive) is a machine generated from spec/ice.spec; this class only fires their events.
/// </summary>
public sealed partial class IceAgent
{
    private readonly IceAgentOptions _options;
    private readonly Action<Span<byte>> _random;
    private readonly Queue<IceTransmit> _transmits = new();
    private readonly Queue<IceEvent> _events = new();
    private readonly List<IceAgentStream> _streams = [];
    private readonly Dictionary<UInt128, IcePendingRequest> _requests = new();
    private readonly AgentRoleMachine _role = new();
    private readonly IceConnectionMachine _connection = new();
    private readonly CandidateGatheringMachine _gathering = new();
    private RemoteCandidatesMachine _remoteCandidates = new();
    private IceCredentials _local;
    private StunKey _localKey;
    private byte[] _localUfragBytes;
    private IceCredentials? _remote;
    private IceCredentials? _firstRemote;   // only the OldCredentialsAfterRestart seeded defect reads it
    private StunKey? _remoteKey;
    private TimeSpan? _lastCheckAt;
    /// <summary>The time of the latest input (<see cref="AfterInput"/>): deadlines from <see cref="PollTimeout"/> lie after it.</summary>
    private TimeSpan _lastInputAt;
    private int _nextCheckList;
    private bool _restartedSinceRemote;
    private TimeSpan _pacing;
    private byte[] _outgoing = new byte[4096];
    private int _outgoingUsed;
    /// <summary>Where STUN messages are built before <see cref="SendFrom"/> copies them out (or a transaction keeps them).</summary>
    private readonly byte[] _scratch = new byte[512];
    /// <summary>What <see cref="HandleTimeout"/> walks (reused: it must not walk the collections it changes).</summary>
    private readonly List<KeyValuePair<UInt128, IcePendingRequest>> _dueRequests = [];
    private readonly List<IceRelay> _dueRelays = [];
    private readonly HashSet<string> _activeFoundations = [];
    /// <summary>Consent requests answered or timed out, out of <see cref="_requests"/>: the next consent check reuses one.</summary>
    private readonly Stack<IcePendingRequest> _finishedConsentRequests = new();

    public IceAgent(IceAgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Pacing < TimeSpan.FromMilliseconds(IceFormulas.MinimumPacingMilliseconds))
            throw new ArgumentException($"Ta must be at least {IceFormulas.MinimumPacingMilliseconds} ms (RFC 8445 §14.2).", nameof(options));
        _options = options.SeededDefect == IceSeededDefect.AggressiveNominatesLikeRegular ? options with { Nomination = IceNomination.Regular } : options;
        _pacing = options.Pacing;
        _random = options.Random;
        _local = options.Credentials ?? NewCredentials();
        _localKey = StunKey.ShortTerm(_local.Password);
        _localUfragBytes = Encoding.UTF8.GetBytes(_local.Ufrag);
        _role.OurTieBreaker = NewTieBreaker(null);
        _role.Lite = options.Lite;
        _role.Fire(options.Lite || options.Role == IceRole.Controlled ? AgentRoleEvent.TakeControlled : AgentRoleEvent.TakeControlling, TimeSpan.Zero);
    }

    public IceAgentOptions Options => _options;
    public IceCredentials LocalCredentials => _local;
    public IceCredentials? RemoteCredentials => _remote;
    public IceRole Role => _role.State == AgentRoleState.Controlling ? IceRole.Controlling : IceRole.Controlled;
    public ulong TieBreaker => _role.OurTieBreaker;
    public IceConnectionState ConnectionState => _connection.State;
    public CandidateGatheringState GatheringState => _gathering.State;
    public int StreamCount => _streams.Count;
    /// <summary>The Ta in use: the higher of ours and the peer's (RFC 8445 §14.2).</summary>
    public TimeSpan Pacing => _pacing;

    /// <summary>Adds a data stream with 1–256 components; returns its index (0, 1, …).</summary>
    public int AddStream(int components = 1)
    {
        if (components is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(components), "RFC 8445 §5.1.2.1: component IDs are 1 to 256.");
        var stream = new IceAgentStream(_streams.Count, components, _remoteCandidates);
        _streams.Add(stream);
        return stream.Index;
    }

    public IReadOnlyList<IceLocalCandidate> LocalCandidates(int stream) => Stream(stream).LocalCandidates;
    public IReadOnlyList<IceRemoteCandidate> RemoteCandidates(int stream) => Stream(stream).RemoteCandidates;
    public IReadOnlyList<IceCandidatePair> Pairs(int stream) => Stream(stream).CheckList.Pairs;
    public CheckListState GetCheckListState(int stream) => Stream(stream).CheckList.Machine.State;

    /// <summary>The pair data goes over for a component, or null before selection (RFC 8445 §8.1.1).</summary>
    public IceCandidatePair? SelectedPair(int stream, int component = 1) => Stream(stream).Data[component].Selected;

    public bool TryPollTransmit(out IceTransmit transmit) => _transmits.TryDequeue(out transmit);

    public bool TryPollEvent(out IceEvent? iceEvent) => _events.TryDequeue(out iceEvent);

    /// <summary>Sends a datagram on the selected pair. False (nothing sent) before selection or after consent expired (RFC 7675 §5.1).</summary>
    public bool Send(TimeSpan now, int stream, int component, ReadOnlySpan<byte> data)
    {
        var slot = Stream(stream).Data[component];
        var expired = slot.Consent?.State == ConsentFreshnessState.Expired && _options.SeededDefect != IceSeededDefect.DataAfterConsentExpired;
        if (slot.Selected is not { } pair || expired || _connection.State == IceConnectionState.Closed) return false;
        SendFrom(now, pair.Local, pair.Remote.Address, data);
        slot.Keepalive.Fire(KeepaliveEvent.PacketSent, now);
        return true;
    }

    /// <summary>Stops the agent: consent and keepalives end, allocations are released (RFC 8656 §7: Refresh with lifetime 0).</summary>
    public void Close(TimeSpan now)
    {
        FireConnection(now, IceConnectionEvent.Close);
        foreach (var stream in _streams)
            for (var c = 1; c <= stream.Components; c++)
            {
                stream.Data[c].Consent?.Fire(ConsentFreshnessEvent.Stop, now);
                stream.Data[c].Keepalive.Fire(KeepaliveEvent.Stop, now);
            }
        _requests.Clear();
        CloseRelays(now);
    }

    private IceAgentStream Stream(int index) =>
        index >= 0 && index < _streams.Count ? _streams[index] : throw new ArgumentOutOfRangeException(nameof(index), $"No stream {index}: the agent has {_streams.Count}.");

    private bool Controlling => _role.State == AgentRoleState.Controlling;

    /// <summary>RFC 8445 §16.1: a random 64-bit tie-breaker, different from <paramref name="previous"/> when it replaces one.</summary>
    private ulong NewTieBreaker(ulong? previous)
    {
        Span<byte> bytes = stackalloc byte[8];
        ulong value;
        do
        {
            _random(bytes);
            value = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes);
        }
        while (value == previous);
        return value;
    }

    /// <summary>RFC 8445 §5.3: random credentials, a ufrag of 8 ice-chars and a password of 24 (RFC 8839 §5.4: 4–32 and 22–256).</summary>
    private IceCredentials NewCredentials() => _options.SeededDefect switch
    {
        IceSeededDefect.ShortPassword => new(IceCredentials.RandomIceChars(_random, 8), IceCredentials.RandomIceChars(_random, 16)),
        IceSeededDefect.LongUfrag => new(IceCredentials.RandomIceChars(_random, 40), IceCredentials.RandomIceChars(_random, 24)),
        _ => IceCredentials.Random(_random),
    };

    private void Emit(IceEvent iceEvent) => _events.Enqueue(iceEvent);

    private void FireConnection(TimeSpan now, IceConnectionEvent trigger)
    {
        var before = _connection.State;
        if (_connection.Fire(trigger, now) && _connection.State != before) Emit(new IceConnectionStateChanged(now, _connection.State));
    }

    private void FirePair(TimeSpan now, IceCandidatePair pair, CandidatePairEvent trigger)
    {
        var before = pair.State;
        if (pair.Machine.Fire(trigger, now) && pair.State != before) Emit(new IcePairStateChanged(now, pair, before, pair.State));
    }

    /// <summary>
    /// Sends from a local candidate: directly from its socket, through its TURN allocation (RFC 8656 §11/§12), or on its
    /// TCP connection to the destination (RFC 6544).
    /// </summary>
    private void SendFrom(TimeSpan now, IceLocalCandidate local, IPEndPoint destination, ReadOnlySpan<byte> data)
    {
        if (local.Transport == IceTransport.Tcp)
        {
            SendOverTcp(now, local, destination, data);
            return;
        }
        if (local.Relay is { } relay)
        {
            // A lost allocation's candidate sends nothing (its pairs die; consent tells); nor through the one that replaced it.
            var owner = RelayOf(relay);
            if (relay.State != TurnClientState.Allocated || !owner.Relayed.Contains(local)) return;
            // ChannelData or a Send indication (RFC 8656 §12.5, §10.1) written straight into the outgoing buffer.
            var space = StageSpace(TurnClientCore.MaxDataMessageLength(data.Length));
            var length = relay.WriteData(destination, data, space.Span);
            _outgoingUsed += length;
            _transmits.Enqueue(new IceTransmit(owner.Host.Socket, owner.Server, space[..length], owner.OverTcp));
            DrainRelay(now, owner);
            return;
        }
        _transmits.Enqueue(new IceTransmit(local.Socket, destination, Stage(data)));
    }

    /// <summary>
    /// Copies an outgoing message into the reused outgoing buffer (no allocation per datagram). The buffer restarts only
    /// when every transmit was polled; when full, a new one takes over and the queued transmits keep the old one.
    /// </summary>
    private ReadOnlyMemory<byte> Stage(ReadOnlySpan<byte> data)
    {
        var staged = StageSpace(data.Length);
        data.CopyTo(staged.Span);
        _outgoingUsed += data.Length;
        return staged;
    }

    /// <summary>Room for <paramref name="length"/> bytes in the outgoing buffer; the caller adds what it wrote to <see cref="_outgoingUsed"/>.</summary>
    private Memory<byte> StageSpace(int length)
    {
        if (_transmits.Count == 0) _outgoingUsed = 0;
        if (_outgoingUsed + length > _outgoing.Length)
        {
            _outgoing = new byte[Math.Max(_outgoing.Length * 2, length)];
            _outgoingUsed = 0;
        }
        return _outgoing.AsMemory(_outgoingUsed, length);
    }
}
