using System.Net;
using System.Net.Sockets;
using IceSpec.Stun;


namespace IceSpec.Ice;

// Gathering (RFC 8445 §5.1.1): host candidates from the driver's sockets, server-reflexive ones from STUN Binding
// requests, relayed ones from TURN allocations; the CandidateGathering machine says when gathering is complete.
public sealed partial class IceAgent
{
    private readonly List<IceRelay> _relays = [];

    /// <summary>A TURN allocation made from one host socket (RFC 8445 §5.1.1.2).</summary>
    private sealed class IceRelay(TurnClientCore core, IPEndPoint server, IceLocalCandidate host, bool overTcp)
    {
        public TurnClientCore Core { get; } = core;
        public IPEndPoint Server { get; } = server;
        public IceLocalCandidate Host { get; } = host;
        /// <summary>The allocation's relayed candidates: one per relayed address (two for a dual allocation, RFC 8656 §7.1).</summary>
        public List<IceLocalCandidate> Relayed { get; } = [];
        public bool Answered { get; set; }
        public bool OverTcp { get; } = overTcp;
        /// <summary>The relayed candidates whose allocation was lost, until a new one replaces them.</summary>
        public List<IceLocalCandidate> Lost { get; } = [];

        /// <summary>The relayed candidate of that family (data from a peer arrives on the relayed address of its family), or null.</summary>
        public IceLocalCandidate? RelayedFor(AddressFamily family)
        {
            foreach (var candidate in Relayed)
                if (candidate.Address.AddressFamily == family) return candidate;
            return null;
        }
        /// <summary>An RFC 6062 TCP allocation: <see cref="Relayed"/> holds its passive TCP candidate, <see cref="RelayedActive"/> is its active one.</summary>
        public bool TcpRelay { get; init; }
        public IceLocalCandidate? RelayedActive { get; set; }
    }

    /// <summary>
    /// Declares a socket the driver bound for a component: it becomes a host candidate (RFC 8445 §5.1.1.1). Local
    /// preferences (§5.1.2.1) follow RFC 8421 §4: IPv6 first, the families interleaved, each family's interfaces in the
    /// order they are added. Declaring another address re-ranks the stream's UDP host candidates (the returned candidate
    /// of an earlier call may be replaced by one with a new priority); they are final once gathering starts.
    /// </summary>
    public IceLocalCandidate AddHostCandidate(int stream, int component, IPEndPoint socket)
    {
        if (!_options.Transports.HasFlag(IceTransports.Udp)) throw new InvalidOperationException("UDP candidates need IceAgentOptions.Transports to include Udp.");
        if (_gathering.State != CandidateGatheringState.New) throw new InvalidOperationException("Host candidates are declared before gathering starts (their local preferences are ranked together, RFC 8421 §4).");
        var target = Stream(stream);
        if (component < 1 || component > target.Components) throw new ArgumentOutOfRangeException(nameof(component), $"Stream {stream} has components 1..{target.Components}.");
        socket = Normalize(socket);
        target.LocalCandidates.Add(NewLocal(target, component, IceCandidateType.Host, IceFormulas.HostTypePreference, IceFormulas.SingleAddressLocalPreference, socket, socket, socket, null, null));
        RankHostCandidates(target);
        return target.LocalCandidates.Last(c => c.Type == IceCandidateType.Host && c.Transport == IceTransport.Udp && c.Component == component && c.Socket.Equals(socket));
    }

    /// <summary>
    /// RFC 8421 §4 via the spec's InterleavedLocalPreference: a UDP host candidate's local preference from its address's
    /// index among the stream's host addresses of its family (in the order added) and its family's rank (IPv6 first);
    /// with one family present, ranks and steps collapse to 65535, 65534, … (RFC 8445 §5.1.2.1).
    /// </summary>
    private void RankHostCandidates(IceAgentStream stream)
    {
        var addresses = stream.LocalCandidates.Where(c => c.Type == IceCandidateType.Host && c.Transport == IceTransport.Udp)
            .Select(c => c.Address.Address).Distinct().ToList();
        var families = addresses.Select(a => a.AddressFamily).Distinct().Count();
        for (var i = 0; i < stream.LocalCandidates.Count; i++)
        {
            var host = stream.LocalCandidates[i];
            if (host.Type != IceCandidateType.Host || host.Transport != IceTransport.Udp) continue;
            var family = host.Address.AddressFamily;
            var indexInFamily = addresses.Where(a => a.AddressFamily == family).ToList().IndexOf(host.Address.Address);
            var familyRank = families == 1 ? IceFormulas.Ipv6FamilyRank
                : family == AddressFamily.InterNetworkV6 ? IceFormulas.Ipv6FamilyRank : IceFormulas.Ipv4FamilyRank;
            var localPreference = IceFormulas.InterleavedLocalPreference(indexInFamily, familyRank, families);
            var priority = (uint)IceFormulas.CandidatePriority(IceFormulas.HostTypePreference, localPreference, host.Component);
            if (priority != host.Priority)
                stream.LocalCandidates[i] = NewLocal(stream, host.Component, IceCandidateType.Host, IceFormulas.HostTypePreference, localPreference,
                    host.Address, host.Base, host.Socket, null, null);
        }
    }

    /// <summary>The order in which an address's first host candidate of that transport was added: 0, 1, … (new ones last).</summary>
    private static int InterfaceIndex(IceAgentStream stream, IceTransport transport, IPAddress address)
    {
        var addresses = stream.LocalCandidates.Where(c => c.Type == IceCandidateType.Host && c.Transport == transport).Select(c => c.Address.Address).Distinct().ToList();
        var index = addresses.IndexOf(address);
        return index < 0 ? addresses.Count : index;
    }

    /// <summary>Starts gathering: host candidates are reported at once, reflexive and relayed ones as servers answer.</summary>
    public void StartGathering(TimeSpan now)
    {
        if (_gathering.State != CandidateGatheringState.New) throw new InvalidOperationException($"Gathering already {_gathering.State}.");
        foreach (var stream in _streams)
            foreach (var host in stream.LocalCandidates.Where(c => c.Type == IceCandidateType.Host && c.Transport == IceTransport.Udp).ToList())
            {
                if (_options.Lite) continue;
                if (_options.Policy == IceCandidatePolicy.All)
                    foreach (var server in _options.StunServers.Where(s => s.AddressFamily == host.Socket.AddressFamily))
                        SendGatherRequest(now, host, Normalize(server));
                foreach (var turn in _options.TurnServers.Where(s => !s.TcpRelay && s.Server.AddressFamily == host.Socket.AddressFamily))
                    StartAllocation(now, host, turn);
            }
        // RFC 6062 TCP allocations, one per passive host TCP candidate: its relayed candidates are TCP ones (RFC 6544).
        foreach (var stream in _streams)
            foreach (var host in stream.LocalCandidates.Where(c => c.Type == IceCandidateType.Host && c.TcpType == IceTcpType.Passive).ToList())
                foreach (var turn in _options.TurnServers.Where(s => s.TcpRelay && !_options.Lite && s.Server.AddressFamily == host.Socket.AddressFamily))
                    StartAllocation(now, host, turn);
        StartTcpReflexiveGathering(now);
        _gathering.Fire(CandidateGatheringEvent.Start, now);
        foreach (var stream in _streams)
            foreach (var host in stream.LocalCandidates.Where(c => c.Type == IceCandidateType.Host))
                if (_options.Policy == IceCandidatePolicy.All) Emit(new IceCandidateGathered(now, host));
        foreach (var relay in _relays) DrainRelay(now, relay);
        if (_gathering.State == CandidateGatheringState.Complete) Emit(new IceGatheringComplete(now));
        MaybeStartChecks(now);
    }

    private void SendGatherRequest(TimeSpan now, IceLocalCandidate host, IPEndPoint server)
    {
        Span<byte> id = stackalloc byte[StunHeader.TransactionIdLength];
        _random(id);
        var buffer = new byte[64];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), id);
        builder.AddFingerprint();
        // RFC 8445 §14.3: RTO = MAX (500ms, Ta * (Num-Of-Cands)) while gathering.
        var rto = Max(TimeSpan.FromMilliseconds(IceFormulas.MinimumCheckRtoMilliseconds), _pacing * (_options.StunServers.Count + _options.TurnServers.Count));
        var overTcp = host.Transport == IceTransport.Tcp;
        var transaction = new StunClientTransaction(buffer.AsSpan(0, builder.Length), overTcp ? StunTransport.Reliable : StunTransport.Unreliable, rto)
        {
            Settings = { Rc = _options.GatherRequestCount, Rm = _options.GatherFinalWaitFactor },
        };
        // RFC 8489 §6.2.2: over TCP the request is sent once; it gives up when the same request over UDP would (3.5 s by default), not after Ti's 39.5 s.
        if (overTcp) transaction.Settings.Ti = rto * ((1 << (_options.GatherRequestCount - 1)) - 1 + _options.GatherFinalWaitFactor);
        _requests[IcePendingRequest.Key(id)] = new IcePendingRequest(IceRequestKind.Gather, transaction) { Host = host, Server = server };
        _gathering.Fire(CandidateGatheringEvent.ServerRequest, now);
        transaction.Start(now);
        while (transaction.TryPollTransmit(out var datagram)) _transmits.Enqueue(GatherTransmit(host, server, datagram));
    }

    /// <summary>A gathering request from a UDP host candidate's socket, or over TCP from an S-O candidate's port (<see cref="IceTcpTransmitKind.ReflexiveBinding"/>).</summary>
    private static IceTransmit GatherTransmit(IceLocalCandidate host, IPEndPoint server, ReadOnlyMemory<byte> request) =>
        host.Transport == IceTransport.Udp
            ? new IceTransmit(host.Socket, server, request)
            : new IceTransmit(host.Socket, server, request, IceTcp: IceTcpTransmitKind.ReflexiveBinding);

    /// <summary>RFC 8445 §5.1.1.2: the XOR-MAPPED-ADDRESS of the STUN server's answer is a server-reflexive candidate.</summary>
    private void HandleGatherResponse(TimeSpan now, IcePendingRequest request, in StunMessage response)
    {
        if (response.Class == StunClass.Success && response.TryGetXorMappedAddress(out var mapped))
            AddServerReflexive(now, request.Host!, Normalize(mapped.ToEndPoint()), request.Server!);
        else
            Emit(new IceServerFailed(now, request.Server!, response.TryGetErrorCode(out var code, out _) ? $"error {code}" : "no XOR-MAPPED-ADDRESS"));
        GatherAnswered(now);
    }

    private void AddServerReflexive(TimeSpan now, IceLocalCandidate host, IPEndPoint mapped, IPEndPoint server)
    {
        var stream = Stream(host.Stream);
        // RFC 8445 §5.1.3: a candidate with the same transport address and base as another is redundant.
        if (stream.LocalCandidates.Exists(c => c.Transport == host.Transport && c.Address.Equals(mapped) && c.Base.Equals(host.Base))) return;
        if (host.Transport == IceTransport.Tcp)
        {
            AddTcpServerReflexive(now, stream, host, mapped, server);
            return;
        }
        var localPreference = (int)((host.Priority >> 8) & 0xFFFF);
        var srflx = NewLocal(stream, host.Component, IceCandidateType.ServerReflexive, IceFormulas.ServerReflexiveTypePreference, localPreference,
            mapped, host.Base, host.Socket, null, server.Address);
        stream.LocalCandidates.Add(srflx);
        if (_options.Policy == IceCandidatePolicy.All) Emit(new IceCandidateGathered(now, srflx));
    }

    private void GatherAnswered(TimeSpan now)
    {
        if (_gathering.Fire(CandidateGatheringEvent.ServerAnswered, now) && _gathering.State == CandidateGatheringState.Complete)
            Emit(new IceGatheringComplete(now));
    }

    private void StartAllocation(TimeSpan now, IceLocalCandidate host, IceTurnServer turn)
    {
        var core = new TurnClientCore(new TurnClientOptions
        {
            Username = turn.Username,
            Password = turn.Password,
            Realm = turn.Realm,
            Random = _random,
            Software = _options.Software,
            AddressFamily = RelayFamilies(Stream(host.Stream), host, turn.TcpRelay),
            Transport = turn.Transport,
            LivenessProbeInterval = turn.LivenessProbeInterval,
            ReallocateOnLoss = turn.ReallocateOnLoss,
            TcpRelay = turn.TcpRelay,
        });
        var relay = new IceRelay(core, Normalize(turn.Server), host, turn.Transport != Stun.Transports.TransportProtocol.Udp) { TcpRelay = turn.TcpRelay };
        _relays.Add(relay);
        _gathering.Fire(CandidateGatheringEvent.ServerRequest, now);
        core.Allocate(now);
    }

    /// <summary>
    /// Which relayed addresses to ask for (RFC 8656 §7.1): an agent whose host candidates are all of one family asks for
    /// both families (IPv4 plus ADDITIONAL-ADDRESS-FAMILY IPv6, §18.11), since a peer of only the other family can reach it
    /// through a relayed address of that family alone (issue 15's family mismatch); a dual-stack agent's own host
    /// candidates already cover both families, so it asks for its host's family (REQUESTED-ADDRESS-FAMILY for IPv6, §18.6).
    /// A server without the other family answers with the one it has and an ADDRESS-ERROR-CODE (§7.2). An RFC 6062 TCP
    /// allocation asks for its host's family only (RFC 6062 relays TCP between one client and its peers of that family).
    /// </summary>
    private static TurnAddressFamily RelayFamilies(IceAgentStream stream, IceLocalCandidate host, bool tcpRelay)
    {
        if (tcpRelay) return host.Socket.AddressFamily == AddressFamily.InterNetworkV6 ? TurnAddressFamily.IPv6 : TurnAddressFamily.IPv4;
        var families = stream.LocalCandidates.Where(c => c.Type == IceCandidateType.Host && c.Transport == IceTransport.Udp)
            .Select(c => c.Address.AddressFamily).Distinct().Count();
        if (families == 1) return TurnAddressFamily.Dual;
        return host.Socket.AddressFamily == AddressFamily.InterNetworkV6 ? TurnAddressFamily.IPv6 : TurnAddressFamily.IPv4;
    }

    /// <summary>Sends what a TURN client queued and acts on its events (allocation, data from peers, failures).</summary>
    private void DrainRelay(TimeSpan now, IceRelay relay)
    {
        while (relay.Core.TryPollTransmit(out var message)) _transmits.Enqueue(new IceTransmit(relay.Host.Socket, relay.Server, message, relay.OverTcp));
        while (relay.Core.TryPollEvent(out var turnEvent))
            switch (turnEvent)
            {
                case TurnAllocated { Reallocated: true } allocated when relay.Lost.Count > 0:
                    OnReallocated(now, relay, allocated);
                    break;
                case TurnAllocated allocated when relay.Relayed.Count == 0:
                    OnAllocated(now, relay, allocated);
                    break;
                case TurnAllocationLost lost when relay.Relayed.Count > 0:
                    OnRelayLost(now, relay, lost);
                    break;
                case TurnRequestFailed { Kind: TurnRequestKind.Allocate } failed when !relay.Answered:
                    relay.Answered = true;
                    Emit(new IceServerFailed(now, relay.Server, $"TURN Allocate failed: {failed.ErrorCode} {failed.Reason}"));
                    GatherAnswered(now);
                    break;
                case TurnDataReceived data when relay.RelayedFor(data.Peer.AddressFamily) is { } relayed:
                    HandleDatagram(now, relayed, Normalize(data.Peer), data.Data);
                    break;
                case TurnConnected or TurnConnectionAttempt or TurnRequestFailed { Kind: TurnRequestKind.Connect } when relay.TcpRelay:
                    HandleTcpRelayEvent(now, relay, turnEvent);
                    break;
            }
    }

    private void OnAllocated(TimeSpan now, IceRelay relay, TurnAllocated allocated)
    {
        relay.Answered = true;
        if (relay.TcpRelay)
        {
            OnTcpAllocated(now, relay, allocated);
            return;
        }
        var stream = Stream(relay.Host.Stream);
        foreach (var relayed in NewRelayed(stream, relay, allocated))
        {
            relay.Relayed.Add(relayed);
            stream.LocalCandidates.Add(relayed);
            Emit(new IceCandidateGathered(now, relayed));
        }
        // RFC 8445 §5.1.1.2: the Allocate response's XOR-MAPPED-ADDRESS is also a server-reflexive candidate.
        AddServerReflexive(now, relay.Host, Normalize(allocated.MappedAddress), relay.Server);
        PermitRemotes(now, relay, stream.RemoteCandidates.Where(r => r.Component == relay.Host.Component).Select(r => r.Address.Address));
        foreach (var relayed in relay.Relayed)
            foreach (var remote in stream.RemoteCandidates) TryPair(stream, relayed, remote);
        GatherAnswered(now);
    }

    /// <summary>
    /// One relayed candidate per relayed address. With one address it keeps the host's local preference (RFC 8445
    /// §5.1.2.1: unique, as the hosts' are); a dual allocation's two are ranked by the spec's InterleavedLocalPreference
    /// from the host's place (RFC 8421 §4: IPv6 first, then IPv4), so that they stay unique across hosts too.
    /// </summary>
    private List<IceLocalCandidate> NewRelayed(IceAgentStream stream, IceRelay relay, TurnAllocated allocated)
    {
        var hostLocalPreference = (relay.Host.Priority >> 8) & 0xFFFF;
        var relayed = new List<IceLocalCandidate>();
        foreach (var endPoint in allocated.RelayedAddresses)
        {
            var address = Normalize(endPoint);
            var localPreference = allocated.RelayedAddresses.Count == 1 ? hostLocalPreference
                : IceFormulas.InterleavedLocalPreference(IceFormulas.SingleAddressLocalPreference - hostLocalPreference,
                    address.AddressFamily == AddressFamily.InterNetworkV6 ? IceFormulas.Ipv6FamilyRank : IceFormulas.Ipv4FamilyRank, 2);
            relayed.Add(NewLocal(stream, relay.Host.Component, IceCandidateType.Relayed, IceFormulas.RelayedTypePreference, localPreference,
                address, address, relay.Host.Socket, relay.Core, relay.Server.Address, Normalize(allocated.MappedAddress)));
        }
        return relayed;
    }

    /// <summary>The allocation is gone: its candidates leave the local candidates (they relay nothing any more).</summary>
    private void OnRelayLost(TimeSpan now, IceRelay relay, TurnAllocationLost lost)
    {
        var stream = Stream(relay.Host.Stream);
        var selected = stream.Data[relay.Host.Component].Selected?.Local;
        foreach (var relayed in relay.Relayed)
        {
            stream.LocalCandidates.Remove(relayed);
            relay.Lost.Add(relayed);
            Emit(new IceRelayLost(now, relayed, lost.Reason, selected == relayed, lost.Reallocating));
        }
        relay.Relayed.Clear();
    }

    /// <summary>The new allocation's candidates take the old ones' places (by family); permissions for the known remote addresses (RFC 8656 §9).</summary>
    private void OnReallocated(TimeSpan now, IceRelay relay, TurnAllocated allocated)
    {
        var stream = Stream(relay.Host.Stream);
        foreach (var relayed in NewRelayed(stream, relay, allocated))
        {
            relay.Relayed.Add(relayed);
            stream.LocalCandidates.Add(relayed);
            var lost = relay.Lost.Find(l => l.Address.AddressFamily == relayed.Address.AddressFamily) ?? relay.Lost[0];
            Emit(new IceRelayReallocated(now, lost, relayed));
        }
        relay.Lost.Clear();
        PermitRemotes(now, relay, stream.RemoteCandidates.Where(r => r.Component == relay.Host.Component).Select(r => r.Address.Address));
    }

    /// <summary>
    /// The driver's TCP connection to a TURN server closed (RFC 8656 §3.1: the allocation ends with it). The next message
    /// for that server (the re-allocation) goes on a new connection.
    /// </summary>
    public void HandleRelayConnectionClosed(TimeSpan now, IPEndPoint socket, IPEndPoint server, string reason)
    {
        socket = Normalize(socket);
        server = Normalize(server);
        foreach (var relay in _relays.Where(r => r.OverTcp && r.Host.Socket.Equals(socket) && r.Server.Equals(server)).ToList())
        {
            relay.Core.HandleConnectionClosed(now, reason);
            DrainRelay(now, relay);
        }
    }

    /// <summary>RFC 8656 §9: the relay forwards only from peers with a permission; ICE installs one per remote address.</summary>
    private void PermitRemotes(TimeSpan now, IceRelay relay, IEnumerable<IPAddress> peers)
    {
        var wanted = peers.Where(p => relay.RelayedFor(p.AddressFamily) is not null && !relay.Core.HasPermission(p)).Distinct().ToArray();
        if (wanted.Length == 0) return;
        relay.Core.CreatePermission(now, wanted);
        DrainRelay(now, relay);
    }

    /// <summary>The relay of a TURN client (a loop, not List.Find: a lambda capturing <paramref name="core"/> would allocate per data packet).</summary>
    private IceRelay RelayOf(TurnClientCore core)
    {
        foreach (var relay in _relays)
            if (relay.Core == core) return relay;
        return null!;
    }

    private void CloseRelays(TimeSpan now)
    {
        foreach (var relay in _relays)
            if (relay.Core.State == TurnClientState.Allocated)
            {
                relay.Core.Close(now);
                while (relay.Core.TryPollTransmit(out var message)) _transmits.Enqueue(new IceTransmit(relay.Host.Socket, relay.Server, message, relay.OverTcp));
            }
    }

    private IceLocalCandidate NewLocal(IceAgentStream stream, int component, IceCandidateType type, long typePreference, long localPreference,
        IPEndPoint address, IPEndPoint @base, IPEndPoint socket, TurnClientCore? relay, IPAddress? server, IPEndPoint? related = null,
        IceTcpType? tcpType = null)
    {
        var transport = tcpType is null ? IceTransport.Udp : IceTransport.Tcp;
        var priority = (uint)IceFormulas.CandidatePriority(typePreference, localPreference, component);
        var foundation = Foundation(type, @base.Address, server, transport);
        if (_options.SeededDefect == IceSeededDefect.LongFoundation) foundation = foundation.PadLeft(40, '0');
        var relatedAddress = type == IceCandidateType.Host ? null : related ?? @base;
        var candidate = IceCandidate.Create(foundation, component, transport, priority, IceConnectionAddress.FromIP(address.Address), address.Port,
            type, relatedAddress is null ? null : IceConnectionAddress.FromIP(relatedAddress.Address), relatedAddress?.Port, tcpType);
        return new IceLocalCandidate(stream.Index, candidate, address, @base, socket, relay);
    }

    /// <summary>RFC 8445 §5.1.1.3: same type, base IP address, server and transport → same foundation.</summary>
    private static string Foundation(IceCandidateType type, IPAddress baseAddress, IPAddress? server, IceTransport transport)
    {
        var text = $"{type}|{baseAddress}|{server}|{(transport == IceTransport.Udp ? "udp" : "tcp")}";
        return (System.IO.Hashing.Crc32.HashToUInt32(System.Text.Encoding.UTF8.GetBytes(text)) % 100_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
