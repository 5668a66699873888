using System.Net;

namespace IceSpec.Ice;

// Relayed TCP candidates (RFC 6544 §4.4 with an RFC 6062 TCP allocation): the allocation's relayed address is a passive
// TCP candidate (a peer connects to it: ConnectionAttempt) and, at port 9, an active one (we ask the server to connect to
// the peer's passive candidate: Connect). Either way one data connection per peer connection goes from our host to the
// TURN server, is bound with ConnectionBind (RFC 6062 §4.3, §4.4) and from then on carries the ICE-TCP stream (RFC 4571
// frames) to and from the peer, which the agent treats like any other ICE-TCP connection of that candidate.
public sealed partial class IceAgent
{
    /// <summary>
    /// RFC 6544 §4.2: relayed TCP candidates take the host direction-prefs (6 active, 4 passive); type preference 0
    /// (RFC 8445 §5.1.2.2). Other-pref: the host candidate's.
    /// </summary>
    private void OnTcpAllocated(TimeSpan now, IceRelay relay, TurnAllocated allocated)
    {
        var stream = Stream(relay.Host.Stream);
        var address = Normalize(allocated.RelayedAddresses[0]);
        var otherPreference = (relay.Host.Priority >> 8) & (long)IceFormulas.MaxTcpOtherPreference;
        var mapped = Normalize(allocated.MappedAddress);
        var passive = NewLocal(stream, relay.Host.Component, IceCandidateType.Relayed, IceFormulas.RelayedTypePreference,
            IceFormulas.TcpLocalPreference(HostDirectionPreference(IceTcpType.Passive), otherPreference), address, address, relay.Host.Socket,
            relay.Core, relay.Server.Address, mapped, IceTcpType.Passive);
        var discard = new IPEndPoint(address.Address, (int)IceFormulas.TcpActiveCandidatePort);
        var active = NewLocal(stream, relay.Host.Component, IceCandidateType.Relayed, IceFormulas.RelayedTypePreference,
            IceFormulas.TcpLocalPreference(HostDirectionPreference(IceTcpType.Active), otherPreference), discard, discard, relay.Host.Socket,
            relay.Core, relay.Server.Address, mapped, IceTcpType.Active);
        relay.Relayed.Add(passive);
        relay.RelayedActive = active;
        foreach (var candidate in (IceLocalCandidate[])[passive, active])
        {
            stream.LocalCandidates.Add(candidate);
            Emit(new IceCandidateGathered(now, candidate));
        }
        // RFC 6062 §5.2: the server accepts a peer's connection only with a permission for its address (RFC 8656 §9).
        PermitRemotes(now, relay, stream.RemoteCandidates.Where(r => r.Component == passive.Component && r.Transport == IceTransport.Tcp).Select(r => r.Address.Address));
        foreach (var remote in stream.RemoteCandidates) TryPair(stream, active, remote);
        GatherAnswered(now);
    }

    /// <summary>RFC 6062 §4.3: a check from the relayed active candidate needs the server's connection to the peer: Connect.</summary>
    private IceTcpConnection? RelayTcpConnect(TimeSpan now, IceRelay relay, IceLocalCandidate local, IPEndPoint peer)
    {
        if (relay.Core.State != TurnClientState.Allocated || relay.RelayedActive != local) return null;
        PermitRemotes(now, relay, [peer.Address]);
        var connection = new IceTcpConnection(local, peer, null, relay.Server) { ConnectRequest = relay.Core.Connect(now, peer) };
        _tcpConnections.Add(connection);
        DrainRelay(now, relay);
        return connection;
    }

    private void HandleTcpRelayEvent(TimeSpan now, IceRelay relay, TurnClientEvent turnEvent)
    {
        switch (turnEvent)
        {
            // RFC 6062 §4.3: the server connected to the peer; our data connection binds to it.
            case TurnConnected connected when _tcpConnections.Find(c => c.ConnectRequest == connected.RequestId && c.Local == relay.RelayedActive) is { } connection:
                StartDataConnection(now, relay, connection, connected.ConnectionId);
                break;
            // RFC 6062 §4.4: a peer connected to the relayed address (with a permission): a data connection accepts it.
            case TurnConnectionAttempt attempt when relay.Relayed.FirstOrDefault() is { } passive:
                var accepted = new IceTcpConnection(passive, Normalize(attempt.Peer), null, relay.Server);
                _tcpConnections.Add(accepted);
                StartDataConnection(now, relay, accepted, attempt.ConnectionId);
                break;
            // RFC 6062 §4.3: the server could not connect (447 and others): the pair's check fails as for a refused connection (RFC 6544 §7.1).
            case TurnRequestFailed failed when _tcpConnections.Find(c => c.ConnectRequest == failed.RequestId && c.Local == relay.RelayedActive) is { } connection:
                DropConnection(now, connection);
                break;
        }
    }

    /// <summary>Asks the driver for the data connection (<see cref="IceTcpTransmitKind.TurnDataConnection"/>), its first message the ConnectionBind.</summary>
    private void StartDataConnection(TimeSpan now, IceRelay relay, IceTcpConnection connection, uint connectionId)
    {
        var bind = relay.Core.CreateConnectionBind(connectionId);
        connection.Bind = bind;
        bind.Start(now);
        if (!bind.TryPollTransmit(out var request)) return;
        _transmits.Enqueue(new IceTransmit(relay.Host.Socket, relay.Server, request, IceTcp: IceTcpTransmitKind.TurnDataConnection));
    }

    /// <summary>The answer to a data connection's ConnectionBind: bound, its waiting messages go out; refused, its pairs fail.</summary>
    private void HandleConnectionBindAnswer(TimeSpan now, IceTcpConnection connection, TurnConnectionBind bind, ReadOnlySpan<byte> message)
    {
        bind.HandlePacket(now, message);
        if (bind.Outcome == TurnConnectionBindOutcome.Succeeded) Opened(connection, connection.LocalEndPoint!);
        else if (bind.Outcome == TurnConnectionBindOutcome.Failed)
        {
            Emit(new IceServerFailed(now, connection.Wire, bind.Error ?? "ConnectionBind failed"));
            DropConnection(now, connection);
        }
    }
}
