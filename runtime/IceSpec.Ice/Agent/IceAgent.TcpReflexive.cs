using System.Net;

namespace IceSpec.Ice;

// Server reflexive TCP candidates (RFC 6544 §5.2): the NAT's mapping of an S-O candidate's port, learnt with a STUN
// Binding over TCP (RFC 8489 §6.2.2) to the STUN server from that very port — the driver binds it with port reuse beside
// the S-O listener (IceTcpTransmitKind.ReflexiveBinding). Behind a NAT that keeps the port for every destination
// (endpoint-independent mapping, RFC 4787 §4.1) the peer's S-O check reaches the same mapping, and the two SYNs cross
// (TCP simultaneous open, §7.2). Only S-O ones are signalled: a server reflexive active candidate is redundant with the
// host active one (it is the same connect), and a passive one works only behind a NAT whose filter lets an unsolicited
// SYN in (endpoint-independent filtering), which no NAT of the lab does.
public sealed partial class IceAgent
{
    /// <summary>One Binding over TCP per host S-O candidate and STUN server of its family (the UDP ones: StartGathering).</summary>
    private void StartTcpReflexiveGathering(TimeSpan now)
    {
        if (_options.Lite || _options.Policy != IceCandidatePolicy.All) return;
        foreach (var stream in _streams)
            foreach (var host in stream.LocalCandidates.Where(c => c.Type == IceCandidateType.Host && c.TcpType == IceTcpType.SimultaneousOpen).ToList())
                foreach (var server in _options.StunServers.Where(s => s.AddressFamily == host.Socket.AddressFamily))
                    SendGatherRequest(now, host, Normalize(server));
    }

    /// <summary>
    /// RFC 6544 §4.2: a server reflexive S-O candidate has type preference 100 (RFC 8445 §5.1.2.2) and the reflexive
    /// direction-pref for S-O, 6 (the host one is 2); other-pref: its host candidate's. Its base is the host S-O
    /// candidate, which its pairs use (RFC 8445 §6.1.2.4), so the checks leave from the S-O port.
    /// </summary>
    private void AddTcpServerReflexive(TimeSpan now, IceAgentStream stream, IceLocalCandidate host, IPEndPoint mapped, IPEndPoint server)
    {
        var otherPreference = (host.Priority >> 8) & (long)IceFormulas.MaxTcpOtherPreference;
        var srflx = NewLocal(stream, host.Component, IceCandidateType.ServerReflexive, IceFormulas.ServerReflexiveTypePreference,
            IceFormulas.TcpLocalPreference(IceFormulas.ReflexiveSimultaneousOpenDirectionPreference, otherPreference), mapped, host.Base, host.Socket, null, server.Address, tcpType: IceTcpType.SimultaneousOpen);
        stream.LocalCandidates.Add(srflx);
        Emit(new IceCandidateGathered(now, srflx));
    }

    /// <summary>
    /// The driver could not open the connection from the S-O port <paramref name="socket"/> to the STUN server (refused,
    /// unreachable, timed out, closed before the answer): that Binding failed (RFC 8489 §6.2.2), gathering goes on without it.
    /// </summary>
    public void HandleTcpGatherFailed(TimeSpan now, IPEndPoint socket, IPEndPoint server)
    {
        if (_connection.State == IceConnectionState.Closed) return;
        socket = Normalize(socket);
        server = Normalize(server);
        foreach (var (key, request) in _requests.ToList())
        {
            if (request.Kind != IceRequestKind.Gather || request.Host is not { Transport: IceTransport.Tcp } host || !request.Server!.Equals(server)) continue;
            if (!host.Socket.Equals(socket)) continue;
            _requests.Remove(key);
            Emit(new IceServerFailed(now, server, "STUN over TCP: the connection failed before the answer"));
            GatherAnswered(now);
        }
        AfterInput(now);
    }
}
