using System.Net;

namespace IceSpec.Ice;

/// <summary>What an ICE-TCP transmit asks of the driver (RFC 6544); <see cref="None"/> for every other transmit.</summary>
public enum IceTcpTransmitKind : byte
{
    None,
    /// <summary>
    /// Open a TCP connection from the active candidate <see cref="IceTransmit.Source"/> (its IP address, any port) to
    /// <see cref="IceTransmit.Destination"/>, then report <see cref="IceAgent.HandleTcpConnected"/> or
    /// <see cref="IceAgent.HandleTcpConnectFailed"/> (RFC 6544 §7.1).
    /// </summary>
    Connect,
    /// <summary>
    /// Open a TCP connection from exactly <see cref="IceTransmit.Source"/>, an S-O candidate (its address and port, bound
    /// with port reuse beside whatever else holds that port), to the peer's S-O candidate <see cref="IceTransmit.Destination"/>,
    /// whose agent does the same at the same time (RFC 6544 §7.2: TCP simultaneous open); then report
    /// <see cref="IceAgent.HandleTcpConnected"/> or <see cref="IceAgent.HandleTcpConnectFailed"/>. A connection the peer
    /// opened to that port first serves the pair instead: the driver reports it as the open's result (connected, from the
    /// S-O port) when its own open fails on the taken 4-tuple, and its messages through <see cref="IceAgent.HandleTcpMessage"/>.
    /// </summary>
    SimultaneousOpen,
    /// <summary>
    /// RFC 6062 §4.3, §4.4: open a data connection from <see cref="IceTransmit.Source"/>'s address (any port) to the TURN
    /// server <see cref="IceTransmit.Destination"/> and write <see cref="IceTransmit.Data"/>, a ConnectionBind request, as
    /// it is (STUN over TCP, no RFC 4571 frame); hand each STUN message that comes back to
    /// <see cref="IceAgent.HandleTcpMessage"/> as it is until a ConnectionBind success response, then read and write RFC
    /// 4571 frames as on any ICE-TCP connection (the server relays the peer's stream). Report
    /// <see cref="IceAgent.HandleTcpConnected"/> or <see cref="IceAgent.HandleTcpConnectFailed"/> as for <see cref="Connect"/>.
    /// </summary>
    TurnDataConnection,
    /// <summary>
    /// RFC 6544 §5.2: learn the NAT's TCP mapping of an S-O candidate's port. Open a TCP connection from exactly
    /// <see cref="IceTransmit.Source"/> (the S-O candidate's address and port, bound with port reuse beside its listener)
    /// to the STUN server <see cref="IceTransmit.Destination"/>, write <see cref="IceTransmit.Data"/>, a Binding request,
    /// as it is (STUN over TCP, RFC 8489 §6.2.2: no RFC 4571 frame), hand the STUN message that comes back to
    /// <see cref="IceAgent.HandlePacket"/> (socket <see cref="IceTransmit.Source"/>, source the server), then close the
    /// connection. A connection that cannot be opened or closes before the answer: <see cref="IceAgent.HandleTcpGatherFailed"/>.
    /// </summary>
    ReflexiveBinding,
    /// <summary>
    /// Write <see cref="IceTransmit.Data"/> as one RFC 4571 frame on the connection from <see cref="IceTransmit.Source"/>
    /// (the connection's own local address) to <see cref="IceTransmit.Destination"/>.
    /// </summary>
    Message,
}

/// <summary>
/// A message the driver must send from <see cref="Source"/> (one of its sockets) to <see cref="Destination"/>: a UDP
/// datagram, or, when <see cref="OverTcp"/>, one message on the TCP connection the driver keeps from that socket's
/// address to a TURN server (RFC 8656 §3.1). What arrives on that connection goes back through
/// <see cref="IceAgent.HandlePacket"/> message by message, with <see cref="Source"/> as the socket and the server as the source.
/// An ICE-TCP transmit (RFC 6544) says what to do in <see cref="IceTcp"/>.
/// <see cref="Data"/> may lie in a buffer the agent reuses (its hot paths allocate nothing): send it, or copy it, before
/// giving the agent more input (the buffer is rewritten only once every queued transmit has been polled).
/// </summary>
public readonly record struct IceTransmit(IPEndPoint Source, IPEndPoint Destination, ReadOnlyMemory<byte> Data, bool OverTcp = false,
    IceTcpTransmitKind IceTcp = IceTcpTransmitKind.None);

/// <summary>Something the agent reports; poll with <see cref="IceAgent.TryPollEvent"/>.</summary>
public abstract record IceEvent(TimeSpan Time);

/// <summary>A local candidate was gathered: signal it to the peer (trickle, RFC 8838) or wait for the full list.</summary>
public sealed record IceCandidateGathered(TimeSpan Time, IceLocalCandidate Candidate) : IceEvent(Time);

/// <summary>Gathering ended (RFC 8838 §8.2: signal end-of-candidates).</summary>
public sealed record IceGatheringComplete(TimeSpan Time) : IceEvent(Time);

/// <summary>A STUN or TURN server did not give a candidate (timeout or error); gathering goes on without it.</summary>
public sealed record IceServerFailed(TimeSpan Time, IPEndPoint Server, string Reason) : IceEvent(Time);

public sealed record IceConnectionStateChanged(TimeSpan Time, IceConnectionState State) : IceEvent(Time);

public sealed record IcePairStateChanged(TimeSpan Time, IceCandidatePair Pair, CandidatePairState From, CandidatePairState To) : IceEvent(Time);

/// <summary>A check left for a pair (ordinary or triggered, RFC 8445 §6.1.4.2), with or without USE-CANDIDATE.</summary>
public sealed record IceCheckSent(TimeSpan Time, IceCandidatePair Pair, bool UseCandidate, bool Triggered) : IceEvent(Time);

public sealed record IceSelectedPairChanged(TimeSpan Time, IceCandidatePair Pair) : IceEvent(Time);

/// <summary>An authenticated success response to a consent check on the selected pair refreshed consent for 30 s (RFC 7675 §5.1).</summary>
public sealed record IceConsentRefreshed(TimeSpan Time, IceCandidatePair Pair) : IceEvent(Time);

/// <summary>The agent's role changed after a role conflict (RFC 8445 §7.3.1.1, §7.2.5.1).</summary>
public sealed record IceRoleChanged(TimeSpan Time, IceRole Role) : IceEvent(Time);

/// <summary>
/// The TURN allocation behind a relayed candidate is gone (RFC 8656: 437 to a refresh or the probe, no answer, or the
/// TCP connection to the server closed; see <see cref="TurnAllocationLost"/>): the candidate no longer relays. When
/// <paramref name="SelectedPairAffected"/>, data of that component went through it: consent on that pair will expire
/// (RFC 7675 §5.1, within 30 s) and the connection state follow — this event says why, first. Restart ICE (RFC 8445 §9)
/// once <see cref="IceRelayReallocated"/> brings the new relayed candidate (or with the remaining candidates).
/// </summary>
public sealed record IceRelayLost(TimeSpan Time, IceLocalCandidate Candidate, string Reason, bool SelectedPairAffected, bool Reallocating) : IceEvent(Time);

/// <summary>
/// A lost relay was allocated again: <paramref name="Candidate"/> (a new relayed address) replaces <paramref name="Lost"/>
/// among the local candidates. It is not trickled into the running checks: restart ICE (RFC 8445 §9) to offer it.
/// </summary>
public sealed record IceRelayReallocated(TimeSpan Time, IceLocalCandidate Lost, IceLocalCandidate Candidate) : IceEvent(Time);

/// <summary>A peer's new credentials restarted ICE (RFC 8445 §9.2): send the new local description.</summary>
public sealed record IceRestarted(TimeSpan Time, IceCredentials LocalCredentials) : IceEvent(Time);

/// <summary>An ICE-TCP connection ended (the peer closed it, it failed, or it carried a frame over the limit); reported by <see cref="IceSession"/>.</summary>
public sealed record IceTcpConnectionClosed(TimeSpan Time, IPEndPoint Local, IPEndPoint Remote, string Reason) : IceEvent(Time);

/// <summary>
/// A remote candidate's mDNS name resolved (draft-ietf-mmusic-mdns-ice-candidates §3.2.1 step 3): the candidate was added
/// with <paramref name="Address"/>; reported by <see cref="IceSession"/>.
/// </summary>
public sealed record IceRemoteCandidateResolved(TimeSpan Time, Sdp.IceCandidate Candidate, IPAddress Address) : IceEvent(Time);

/// <summary>
/// A remote candidate with a name was not added, and why: its mDNS name got no answer within the timeout or an ambiguous
/// one (draft §3.2.1 step 4, §3.2.2), or the name is no mDNS candidate name; reported by <see cref="IceSession"/>.
/// </summary>
public sealed record IceRemoteCandidateDropped(TimeSpan Time, Sdp.IceCandidate Candidate, string Reason) : IceEvent(Time);

/// <summary>
/// The session could not open an mDNS socket (224.0.0.251:5353 or [ff02::fb]:5353): names are neither answered nor
/// resolved over that family — over none when the reason names both.
/// </summary>
public sealed record IceMdnsUnavailable(TimeSpan Time, string Reason) : IceEvent(Time);

public sealed record IceDataReceived(TimeSpan Time, int Stream, int Component, ReadOnlyMemory<byte> Data) : IceEvent(Time);
