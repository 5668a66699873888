using System.Net;
using IceSpec.Stun;

namespace IceSpec.Ice.Tests.Agent;

/// <summary>
/// A network on a virtual clock for sans-IO agents: datagrams arrive after a latency (plus seeded jitter, which
/// reorders them), may be dropped by a seeded loss rate or a rule, and may cross a NAT. A STUN server answers Binding
/// requests. Nothing sleeps: <see cref="RunUntil"/> jumps from one deadline to the next.
/// </summary>
internal sealed class SimulatedNetwork
{
    private readonly List<(TimeSpan At, long Order, IPEndPoint From, IPEndPoint To, byte[] Data)> _inFlight = [];
    private readonly List<SimulatedPeer> _peers = [];
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
        foreach (var peer in _peers)
            if (peer.Agent.PollTimeout() is { } due) { due = due < Now ? Now : due; if (next is null || due < next) next = due; }
        return next;
    }

    private void Deliver()
    {
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
                while (peer.Agent.TryPollTransmit(out var transmit)) { Send(transmit.Source, transmit.Destination, transmit.Data.ToArray()); moved = true; }
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
