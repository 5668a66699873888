using System.Net;
using IceSpec.Stun;

namespace IceSpec.Ice.Tests.Agent;

/// <summary>
/// A network on a virtual clock for sans-IO agents: datagrams arrive after a latency (plus seeded jitter, which
/// reorders them), may be dropped by a seeded loss rate or a rule, and may cross a NAT. A STUN server answers Binding
/// requests. TCP (RFC 6544): a connect reaches a peer's listener after the latency, or is refused (no listener, or
/// <see cref="RefuseTcp"/>); a simultaneous open (RFC 6544 §7.2) from an S-O port connects when the peer's own open
/// from the remote port is in flight at the same time (the SYNs cross) or when the remote port listens, and fails when
/// that connection exists already (its 4-tuple is taken) or nothing answers; each message is framed (RFC 4571), delivered in two reads to exercise the deframer, and cut
/// back into messages on the other end. NATs, loss and <see cref="Drop"/> apply to UDP only.
/// Nothing sleeps: <see cref="RunUntil"/> jumps from one deadline to the next.
/// </summary>
internal sealed class SimulatedNetwork
{
    private readonly List<(TimeSpan At, long Order, IPEndPoint From, IPEndPoint To, byte[] Data)> _inFlight = [];
    private readonly List<SimulatedPeer> _peers = [];
    private readonly List<(TimeSpan At, long Order, Action Act)> _tcpInFlight = [];
    /// <summary>Each end of an open connection, keyed by (its local, its remote) address: its owner and its deframer.</summary>
    private readonly Dictionary<(IPEndPoint Local, IPEndPoint Remote), (SimulatedPeer Owner, IceTcpDeframer Deframer)> _tcpEnds = new();
    /// <summary>Simultaneous opens in flight, by (S-O port, remote port): the peer that opened each.</summary>
    private readonly Dictionary<(IPEndPoint From, IPEndPoint To), SimulatedPeer> _simultaneousOpens = new();
    private int _nextEphemeralPort = 50000;
    private readonly Random _random;
    private long _order;

    public SimulatedNetwork(int seed = 1) => _random = new Random(seed);

    public TimeSpan Now { get; private set; }
    public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(1);
    public TimeSpan Jitter { get; set; }
    public double LossRate { get; set; }
    /// <summary>Drops a datagram when it returns true (after NAT translation of the source).</summary>
    public Func<IPEndPoint, IPEndPoint, byte[], bool>? Drop { get; set; }
    public IPEndPoint? StunServer { get; set; }
    public List<SimulatedNat> Nats { get; } = [];
    /// <summary>Refuses a TCP connection to this listener address when it returns true (RST), as a closed port would.</summary>
    public Func<IPEndPoint, bool>? RefuseTcp { get; set; }
    /// <summary>Every ICE-TCP message written, as (time, connection local, connection remote, message without its frame).</summary>
    public List<(TimeSpan At, IPEndPoint From, IPEndPoint To, byte[] Data)> TcpLog { get; } = [];
    /// <summary>Every datagram sent, as (time, from, to, data) after NAT translation.</summary>
    public List<(TimeSpan At, IPEndPoint From, IPEndPoint To, byte[] Data)> Log { get; } = [];

    public SimulatedPeer Add(string name, IceAgent agent)
    {
        var peer = new SimulatedPeer(name, agent);
        _peers.Add(peer);
        return peer;
    }

    /// <summary>Advances time until <paramref name="done"/> holds or <paramref name="limit"/> of virtual time passes.</summary>
    public bool RunUntil(Func<bool> done, TimeSpan limit)
    {
        var end = Now + limit;
        for (var steps = 0; steps < 1_000_000; steps++)
        {
            Flush();
            if (done()) return true;
            var next = NextEvent();
            if (next is null || next > end) { Now = end; return done(); }
            Now = next.Value;
            Deliver();
            foreach (var peer in _peers)
                if (peer.Agent.PollTimeout() is { } due && due <= Now) peer.Agent.HandleTimeout(Now);
        }
        throw new InvalidOperationException("the simulation did not settle");
    }

    private TimeSpan? NextEvent()
    {
        TimeSpan? next = null;
        foreach (var packet in _inFlight) if (next is null || packet.At < next) next = packet.At;
        foreach (var tcp in _tcpInFlight) if (next is null || tcp.At < next) next = tcp.At;
        foreach (var peer in _peers)
            if (peer.Agent.PollTimeout() is { } due) { due = due < Now ? Now : due; if (next is null || due < next) next = due; }
        return next;
    }

    private void Deliver()
    {
        var tcpDue = _tcpInFlight.Where(t => t.At <= Now).OrderBy(t => t.At).ThenBy(t => t.Order).ToList();
        _tcpInFlight.RemoveAll(t => t.At <= Now);
        foreach (var (_, _, act) in tcpDue) act();
        var due = _inFlight.Where(p => p.At <= Now).OrderBy(p => p.At).ThenBy(p => p.Order).ToList();
        _inFlight.RemoveAll(p => p.At <= Now);
        foreach (var (_, _, from, to, data) in due)
        {
            if (StunServer is { } server && to.Equals(server)) { AnswerStun(from, data); continue; }
            var destination = to;
            var nat = Nats.Find(n => n.Public.Equals(to.Address));
            if (nat is not null && !nat.TryInbound(from, to, out destination)) continue;
            foreach (var peer in _peers)
                if (peer.Sockets.Contains(destination)) peer.Agent.HandlePacket(Now, destination, from, data);
        }
    }

    /// <summary>Moves every queued transmit of every agent into the network, and signalling events into the peers' logs.</summary>
    private void Flush()
    {
        var moved = true;
        while (moved)
        {
            moved = false;
            foreach (var peer in _peers)
            {
                while (peer.Agent.TryPollTransmit(out var transmit))
                {
                    moved = true;
                    if (transmit.IceTcp == IceTcpTransmitKind.Connect) Connect(peer, transmit.Source, transmit.Destination);
                    else if (transmit.IceTcp == IceTcpTransmitKind.SimultaneousOpen) SimultaneousOpen(peer, transmit.Source, transmit.Destination);
                    else if (transmit.IceTcp == IceTcpTransmitKind.Message) Write(transmit.Source, transmit.Destination, transmit.Data.ToArray());
                    else Send(transmit.Source, transmit.Destination, transmit.Data.ToArray());
                }
                while (peer.Agent.TryPollEvent(out var iceEvent)) { peer.Events.Add(iceEvent!); peer.OnEvent?.Invoke(iceEvent!); moved = true; }
            }
        }
    }

    public void Send(IPEndPoint from, IPEndPoint to, byte[] data)
    {
        var nat = Nats.Find(n => n.Owns(from.Address) && !n.Owns(to.Address));
        var source = nat is null ? from : nat.Outbound(from, to);
        Log.Add((Now, source, to, data));
        if (LossRate > 0 && _random.NextDouble() < LossRate) return;
        if (Drop?.Invoke(source, to, data) == true) return;
        var delay = Latency + (Jitter > TimeSpan.Zero ? Jitter * _random.NextDouble() : TimeSpan.Zero);
        _inFlight.Add((Now + delay, _order++, source, to, data));
    }

    /// <summary>RFC 6544 §7.1: the active side's connect; the listener accepts after the latency unless refused.</summary>
    private void Connect(SimulatedPeer from, IPEndPoint activeCandidate, IPEndPoint listener)
    {
        var acceptor = _peers.Find(p => p.TcpListeners.Contains(listener));
        var refused = acceptor is null || RefuseTcp?.Invoke(listener) == true;
        Schedule(() =>
        {
            if (refused)
            {
                from.Agent.HandleTcpConnectFailed(Now, activeCandidate, listener);
                return;
            }
            var local = new IPEndPoint(activeCandidate.Address, _nextEphemeralPort++);
            _tcpEnds[(local, listener)] = (from, new IceTcpDeframer());
            _tcpEnds[(listener, local)] = (acceptor!, new IceTcpDeframer());
            from.Agent.HandleTcpConnected(Now, activeCandidate, listener, local);
        });
    }

    /// <summary>RFC 6544 §7.2: a connect from the S-O port <paramref name="port"/> itself to the peer's S-O candidate.</summary>
    private void SimultaneousOpen(SimulatedPeer from, IPEndPoint port, IPEndPoint remote)
    {
        _simultaneousOpens[(port, remote)] = from;
        Schedule(() =>
        {
            if (!_simultaneousOpens.Remove((port, remote))) return; // the peer's crossing open completed it already
            if (_tcpEnds.ContainsKey((port, remote))) { from.Agent.HandleTcpConnectFailed(Now, port, remote); return; } // the 4-tuple is taken
            if (_simultaneousOpens.Remove((remote, port), out var other))
            {
                // The SYNs crossed: one connection, and both connects succeed on it.
                Open(from, port, other, remote);
                from.Agent.HandleTcpConnected(Now, port, remote, port);
                other.Agent.HandleTcpConnected(Now, remote, port, remote);
                return;
            }
            var acceptor = _peers.Find(p => p.TcpListeners.Contains(remote));
            if (acceptor is null || RefuseTcp?.Invoke(remote) == true) { from.Agent.HandleTcpConnectFailed(Now, port, remote); return; }
            Open(from, port, acceptor, remote);
            from.Agent.HandleTcpConnected(Now, port, remote, port);
        });
    }

    private void Open(SimulatedPeer one, IPEndPoint oneEnd, SimulatedPeer other, IPEndPoint otherEnd)
    {
        _tcpEnds[(oneEnd, otherEnd)] = (one, new IceTcpDeframer());
        _tcpEnds[(otherEnd, oneEnd)] = (other, new IceTcpDeframer());
    }

    /// <summary>Writes one RFC 4571 frame; it arrives after the latency, in two reads, at the connection's other end.</summary>
    private void Write(IPEndPoint local, IPEndPoint remote, byte[] message)
    {
        TcpLog.Add((Now, local, remote, message));
        if (!_tcpEnds.TryGetValue((remote, local), out var end)) return;
        var frame = IceTcpFraming.Frame(message);
        var split = frame.Length / 2;
        Schedule(() =>
        {
            foreach (var part in new[] { frame[..split], frame[split..] })
            {
                end.Deframer.Append(part);
                while (end.Deframer.TryRead(out var received) == IceTcpDeframeStatus.Frame) end.Owner.Agent.HandleTcpMessage(Now, remote, local, received);
            }
        });
    }

    private void Schedule(Action act) => _tcpInFlight.Add((Now + Latency, _order++, act));

    private void AnswerStun(IPEndPoint from, byte[] data)
    {
        if (StunMessage.TryParse(data, out var request) != StunParseStatus.Ok || request.Class != StunClass.Request) return;
        var buffer = new byte[64];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Success), request.TransactionId);
        builder.AddXorMappedAddress(new StunAddress(from));
        builder.AddFingerprint();
        Send(StunServer!, from, buffer.AsSpan(0, builder.Length).ToArray());
    }
}

/// <summary>An agent in the simulation: its sockets and every event it reported.</summary>
internal sealed class SimulatedPeer(string name, IceAgent agent)
{
    public string Name { get; } = name;
    public IceAgent Agent { get; } = agent;
    public List<IPEndPoint> Sockets { get; } = [];
    public List<IPEndPoint> TcpListeners { get; } = [];
    public List<IceEvent> Events { get; } = [];
    public Action<IceEvent>? OnEvent { get; set; }

    public IEnumerable<T> EventsOf<T>() => Events.OfType<T>();

    public IPEndPoint AddSocket(string address, int port, int stream = 0, int component = 1)
    {
        var socket = new IPEndPoint(IPAddress.Parse(address), port);
        Sockets.Add(socket);
        Agent.AddHostCandidate(stream, component, socket);
        return socket;
    }

    /// <summary>A TCP listener: a passive host candidate and an active one (port 9) on its address (RFC 6544 §4.5).</summary>
    public IPEndPoint AddTcpListener(string address, int port, int stream = 0, int component = 1)
    {
        var listener = new IPEndPoint(IPAddress.Parse(address), port);
        TcpListeners.Add(listener);
        Agent.AddTcpHostCandidates(stream, component, listener);
        return listener;
    }

    /// <summary>A simultaneous-open host candidate (RFC 6544 §4.5 tcptype so) on that port, which listens too unless <paramref name="listening"/> is false.</summary>
    public IPEndPoint AddTcpSimultaneousOpen(string address, int port, bool listening = true, int stream = 0, int component = 1)
    {
        var endPoint = new IPEndPoint(IPAddress.Parse(address), port);
        if (listening) TcpListeners.Add(endPoint);
        Agent.AddTcpSimultaneousOpenCandidate(stream, component, endPoint);
        return endPoint;
    }

    public override string ToString() => Name;
}

/// <summary>
/// A NAT (RFC 4787): mapping endpoint-independent or address-and-port-dependent (symmetric), filtering
/// endpoint-independent or address-and-port-dependent.
/// </summary>
internal sealed class SimulatedNat(string privatePrefix, IPAddress @public, bool symmetricMapping = false, bool portRestrictedFiltering = true)
{
    private readonly Dictionary<(IPEndPoint Inside, IPEndPoint? Destination), int> _mappings = new();
    private readonly HashSet<(int Port, IPEndPoint Remote)> _permitted = [];
    private int _nextPort = 40000;

    public IPAddress Public { get; } = @public;

    public bool Owns(IPAddress address) => address.ToString().StartsWith(privatePrefix, StringComparison.Ordinal);

    public IPEndPoint Outbound(IPEndPoint inside, IPEndPoint destination)
    {
        var key = (inside, symmetricMapping ? destination : null);
        if (!_mappings.TryGetValue(key, out var port)) _mappings[key] = port = _nextPort++;
        _permitted.Add((port, destination));
        return new IPEndPoint(Public, port);
    }

    public bool TryInbound(IPEndPoint from, IPEndPoint to, out IPEndPoint inside)
    {
        inside = to;
        var mapping = _mappings.FirstOrDefault(m => m.Value == to.Port);
        if (mapping.Key.Inside is null) return false;
        if (portRestrictedFiltering && !_permitted.Contains((to.Port, from))) return false;
        inside = mapping.Key.Inside;
        return true;
    }
}
