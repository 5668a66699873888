using System.Net;

namespace IceSpec.Ice;

// ICE-TCP (RFC 6544): host TCP candidates (active, passive, simultaneous-open), the connections checks and data travel on, and what the driver reports about
// them. The driver owns the sockets and the RFC 4571 framing (IceTcpFraming); the agent sees whole messages.
public sealed partial class IceAgent
{
    private readonly List<IceTcpConnection> _tcpConnections = [];

    /// <summary>
    /// One TCP connection of a local TCP candidate: opened by us from an active candidate (RFC 6544 §7.1), or accepted on
    /// a passive candidate's listener (§7.2). <see cref="LocalEndPoint"/> is null while the connection is being opened.
    /// </summary>
    private sealed class IceTcpConnection(IceLocalCandidate local, IPEndPoint remote, IPEndPoint? localEndPoint, IPEndPoint? server = null)
    {
        public IceLocalCandidate Local { get; } = local;
        /// <summary>The peer: its candidate's address, or the address it connected from.</summary>
        public IPEndPoint Remote { get; } = remote;
        /// <summary>The driver's end of the connection: the peer, or for a relayed candidate the TURN server its data connection goes to (RFC 6062 §4.3).</summary>
        public IPEndPoint Wire { get; } = server ?? remote;
        public bool ThroughRelay { get; } = server is not null;
        public IPEndPoint? LocalEndPoint { get; set; } = localEndPoint;
        /// <summary>A relayed candidate's data connection: its ConnectionBind (RFC 6062 §4.3, §4.4), and the Connect that asked for it.</summary>
        public TurnConnectionBind? Bind { get; set; }
        public long? ConnectRequest { get; set; }
        /// <summary>Open, and for a data connection bound: messages go out on it.</summary>
        public bool IsOpen => LocalEndPoint is not null && Bind is null or { Outcome: TurnConnectionBindOutcome.Succeeded };
        /// <summary>Messages sent before the connection was open, in order.</summary>
        public List<ReadOnlyMemory<byte>> Waiting { get; } = [];
    }

    /// <summary>
    /// Declares a TCP listener the driver opened for a component (needs <see cref="IceTransports.Tcp"/>): it becomes a
    /// passive host candidate, and an active host candidate on the same address with port 9 (RFC 6544 §4.5) is added
    /// beside it. Local preferences follow RFC 6544 §4.2: direction-pref 6 for active, 4 for passive; other-pref orders
    /// the interfaces in the order they are added.
    /// </summary>
    public (IceLocalCandidate Passive, IceLocalCandidate Active) AddTcpHostCandidates(int stream, int component, IPEndPoint listener)
    {
        if (!_options.Transports.HasFlag(IceTransports.Tcp)) throw new InvalidOperationException("TCP candidates need IceAgentOptions.Transports to include Tcp.");
        var target = Stream(stream);
        if (component < 1 || component > target.Components) throw new ArgumentOutOfRangeException(nameof(component), $"Stream {stream} has components 1..{target.Components}.");
        listener = Normalize(listener);
        var otherPreference = IceFormulas.MaxTcpOtherPreference - InterfaceIndex(target, IceTransport.Tcp, listener.Address);
        var passive = NewLocal(target, component, IceCandidateType.Host, IceFormulas.HostTypePreference,
            IceFormulas.TcpLocalPreference(HostDirectionPreference(IceTcpType.Passive), otherPreference), listener, listener, listener, null, null, tcpType: IceTcpType.Passive);
        var discard = new IPEndPoint(listener.Address, _options.SeededDefect == IceSeededDefect.ActiveTcpPortNotNine ? listener.Port : (int)IceFormulas.TcpActiveCandidatePort);
        var active = NewLocal(target, component, IceCandidateType.Host, IceFormulas.HostTypePreference,
            IceFormulas.TcpLocalPreference(HostDirectionPreference(IceTcpType.Active), otherPreference), discard, discard, discard, null, null, tcpType: IceTcpType.Active);
        target.LocalCandidates.Add(passive);
        target.LocalCandidates.Add(active);
        return (passive, active);
    }

    /// <summary>
    /// Declares a simultaneous-open host candidate (RFC 6544 §4.5 tcptype so) at <paramref name="port"/>, an address and
    /// port the driver holds for it: checks to the peer's S-O candidates leave on a connection opened from exactly that
    /// port (<see cref="IceTcpTransmitKind.SimultaneousOpen"/>, §7.2), and a connection the peer's S-O candidate opens
    /// to it (the driver may also listen there, with port reuse) is taken as that pair's connection. Local preference:
    /// direction-pref 2 (§4.2), below active (6) and passive (4); other-pref as for <see cref="AddTcpHostCandidates"/>.
    /// </summary>
    public IceLocalCandidate AddTcpSimultaneousOpenCandidate(int stream, int component, IPEndPoint port)
    {
        if (!_options.Transports.HasFlag(IceTransports.Tcp)) throw new InvalidOperationException("TCP candidates need IceAgentOptions.Transports to include Tcp.");
        var target = Stream(stream);
        if (component < 1 || component > target.Components) throw new ArgumentOutOfRangeException(nameof(component), $"Stream {stream} has components 1..{target.Components}.");
        port = Normalize(port);
        if (port.Port == 0 || port.Port == IceFormulas.TcpActiveCandidatePort)
            throw new ArgumentException($"RFC 6544 §4.5: an S-O candidate has a real port (not 0 or {IceFormulas.TcpActiveCandidatePort}); got {port}.", nameof(port));
        var otherPreference = IceFormulas.MaxTcpOtherPreference - InterfaceIndex(target, IceTransport.Tcp, port.Address);
        var candidate = NewLocal(target, component, IceCandidateType.Host, IceFormulas.HostTypePreference,
            IceFormulas.TcpLocalPreference(HostDirectionPreference(IceTcpType.SimultaneousOpen), otherPreference), port, port, port, null, null,
            tcpType: IceTcpType.SimultaneousOpen);
        target.LocalCandidates.Add(candidate);
        return candidate;
    }

    /// <summary>RFC 6544 §4.2: the RECOMMENDED direction-pref of a host candidate of this tcptype.</summary>
    internal static long HostDirectionPreference(IceTcpType type) => type switch
    {
        IceTcpType.Active => IceFormulas.HostActiveDirectionPreference,
        IceTcpType.Passive => IceFormulas.HostPassiveDirectionPreference,
        _ => IceFormulas.HostSimultaneousOpenDirectionPreference,
    };

    /// <summary>
    /// RFC 6544 §6.2: which TCP candidates pair — local active with remote passive, local S-O with remote S-O (and local
    /// passive with remote active, which §6.2 prunes: this agent sends no check from a passive candidate; such a pair
    /// appears when the peer's check arrives on an accepted connection, §7.2). Never active with active, passive with
    /// passive, or S-O with either of the others.
    /// </summary>
    private bool TcpTypesPair(IceTcpType? local, IceTcpType? remote) => (local, remote) switch
    {
        (IceTcpType.Active, IceTcpType.Passive) => true,
        (IceTcpType.SimultaneousOpen, IceTcpType.SimultaneousOpen) => true,
        (IceTcpType.Active, IceTcpType.Active) => _options.SeededDefect == IceSeededDefect.ActivePairsWithActive,
        _ => false,
    };

    /// <summary>
    /// The connection a <see cref="IceTcpTransmitKind.Connect"/> transmit asked for is open, from
    /// <paramref name="localEndPoint"/>: the messages waiting for it are handed out.
    /// </summary>
    public void HandleTcpConnected(TimeSpan now, IPEndPoint activeCandidate, IPEndPoint remote, IPEndPoint localEndPoint)
    {
        if (_connection.State == IceConnectionState.Closed || Connecting(Normalize(activeCandidate), Normalize(remote)) is not { } connection) return;
        if (connection.Bind is not null) connection.LocalEndPoint = Normalize(localEndPoint); // open once the ConnectionBind succeeds
        else Opened(connection, Normalize(localEndPoint));
        AfterInput(now);
    }

    /// <summary>The connection is open from <paramref name="localEndPoint"/>: the messages waiting for it are handed out.</summary>
    private void Opened(IceTcpConnection connection, IPEndPoint localEndPoint)
    {
        connection.LocalEndPoint = localEndPoint;
        foreach (var message in connection.Waiting) Write(connection, message);
        connection.Waiting.Clear();
    }

    /// <summary>RFC 6544 §7.1: the connection could not be opened (refused, unreachable, timed out): its checks fail.</summary>
    public void HandleTcpConnectFailed(TimeSpan now, IPEndPoint activeCandidate, IPEndPoint remote)
    {
        if (_connection.State == IceConnectionState.Closed || Connecting(Normalize(activeCandidate), Normalize(remote)) is not { } connection) return;
        DropConnection(now, connection);
        AfterInput(now);
    }

    /// <summary>
    /// One message (an RFC 4571 frame's content) that arrived on the connection from <paramref name="localEndPoint"/> to
    /// <paramref name="remote"/>. A connection the agent does not know yet was accepted on a passive candidate's listener
    /// (<paramref name="localEndPoint"/> is the listener's address): it belongs to that candidate from now on.
    /// </summary>
    public void HandleTcpMessage(TimeSpan now, IPEndPoint localEndPoint, IPEndPoint remote, ReadOnlySpan<byte> message)
    {
        if (_connection.State == IceConnectionState.Closed) return;
        localEndPoint = Normalize(localEndPoint);
        remote = Normalize(remote);
        var connection = Open(localEndPoint, remote);
        if (connection is null)
        {
            var accepting = _streams.SelectMany(s => s.LocalCandidates)
                .FirstOrDefault(c => c.TcpType is IceTcpType.Passive or IceTcpType.SimultaneousOpen && c.Socket.Equals(localEndPoint));
            if (accepting is null || _options.SeededDefect == IceSeededDefect.NoChecksOnPassiveTcp) return;
            // RFC 6544 §7.2: the peer's S-O candidate reached ours first (its connect met the port before ours left): that
            // one connection is the pair's, also for the checks waiting for our own connect, which will fail or be dropped.
            connection = accepting.TcpType == IceTcpType.SimultaneousOpen ? Connecting(accepting.Socket, remote) : null;
            if (connection is not null) Opened(connection, localEndPoint);
            else
            {
                connection = new IceTcpConnection(accepting, remote, localEndPoint);
                _tcpConnections.Add(connection);
            }
        }
        if (connection.Bind is { Outcome: TurnConnectionBindOutcome.Pending } bind) HandleConnectionBindAnswer(now, connection, bind, message);
        else HandleDatagram(now, connection.Local, connection.Remote, message);
        AfterInput(now);
    }

    /// <summary>The connection closed (by the peer, or after a framing error): checks in flight on it fail (RFC 6544 §7.1).</summary>
    public void HandleTcpClosed(TimeSpan now, IPEndPoint localEndPoint, IPEndPoint remote)
    {
        if (_connection.State == IceConnectionState.Closed || Open(Normalize(localEndPoint), Normalize(remote)) is not { } connection) return;
        DropConnection(now, connection);
        AfterInput(now);
    }

    /// <summary>
    /// Sends from a TCP candidate on its connection to <paramref name="destination"/>. An active candidate without one
    /// asks the driver to open it first (RFC 6544 §7.1), an S-O candidate to open it from its own port (§7.2); a passive
    /// candidate only answers on connections it accepted.
    /// </summary>
    private void SendOverTcp(TimeSpan now, IceLocalCandidate local, IPEndPoint destination, ReadOnlySpan<byte> data)
    {
        IceTcpConnection? connection = null;
        foreach (var open in _tcpConnections) // not List.Find: its lambda would capture and allocate per data packet
            if (open.Local == local && open.Remote.Equals(destination)) { connection = open; break; }
        if (connection is null)
        {
            if (local.TcpType == IceTcpType.Passive) return;
            if (local.Relay is { } relay)
            {
                if (RelayTcpConnect(now, RelayOf(relay), local, destination) is not { } relayed) return;
                connection = relayed;
            }
            else
            {
                connection = new IceTcpConnection(local, destination, null);
                _tcpConnections.Add(connection);
                var kind = local.TcpType == IceTcpType.SimultaneousOpen && _options.SeededDefect != IceSeededDefect.SimultaneousOpenFromAnyPort
                    ? IceTcpTransmitKind.SimultaneousOpen : IceTcpTransmitKind.Connect;
                _transmits.Enqueue(new IceTransmit(local.Socket, destination, ReadOnlyMemory<byte>.Empty, IceTcp: kind));
            }
        }
        if (!connection.IsOpen) connection.Waiting.Add(data.ToArray());
        else Write(connection, Stage(data));
    }

    /// <summary>RFC 6544 §7.2: the peer's end of a connection is active where ours is passive, and passive where ours is active.</summary>
    private static IceTcpType? Opposite(IceTcpType? ours) => ours switch
    {
        IceTcpType.Passive => IceTcpType.Active,
        IceTcpType.Active => IceTcpType.Passive,
        _ => ours,
    };

    private void Write(IceTcpConnection connection, ReadOnlyMemory<byte> data) =>
        _transmits.Enqueue(new IceTransmit(connection.LocalEndPoint!, connection.Wire, data, IceTcp: IceTcpTransmitKind.Message));

    private IceTcpConnection? TcpConnectionOf(IceCandidatePair pair) =>
        pair.Local.Transport == IceTransport.Tcp ? _tcpConnections.Find(c => c.Local == pair.Local && c.Remote.Equals(pair.Remote.Address)) : null;

    /// <summary>The connection waiting for the driver's open from that candidate's socket to <paramref name="wire"/>; for data connections to one TURN server, the first (they are alike until bound).</summary>
    private IceTcpConnection? Connecting(IPEndPoint activeCandidate, IPEndPoint wire) =>
        _tcpConnections.Find(c => c.LocalEndPoint is null && c.Local.Socket.Equals(activeCandidate) && c.Wire.Equals(wire) && (!c.ThroughRelay || c.Bind is not null));

    private IceTcpConnection? Open(IPEndPoint localEndPoint, IPEndPoint wire) =>
        _tcpConnections.Find(c => localEndPoint.Equals(c.LocalEndPoint) && c.Wire.Equals(wire));

    /// <summary>RFC 6544 §7.1: the pairs whose check needed this connection fail; their transactions end unanswered.</summary>
    private void DropConnection(TimeSpan now, IceTcpConnection connection)
    {
        _tcpConnections.Remove(connection);
        foreach (var (key, request) in _requests.ToList())
        {
            if (request.Pair is not { } pair || pair.Local != connection.Local || !pair.Remote.Address.Equals(connection.Remote)) continue;
            _requests.Remove(key);
            if (pair.Check == request.Transaction) pair.Check = null;
            if (request.Kind == IceRequestKind.Check && pair.State == CandidatePairState.InProgress) FailPair(now, pair, CandidatePairEvent.ConnectionFailed);
        }
    }
}
