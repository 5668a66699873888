using System.Net;


namespace IceSpec.Ice;

/// <summary>
/// A candidate of ours (RFC 8445 §5.1.1): its transport address, its base (§5.1.1.1), and the host socket its packets
/// leave from (the same as the base except for a relayed candidate, whose packets travel through the TURN server).
/// </summary>
public sealed class IceLocalCandidate
{
    internal IceLocalCandidate(int stream, IceCandidate candidate, IPEndPoint address, IPEndPoint @base, IPEndPoint socket, TurnClientCore? relay)
    {
        Stream = stream;
        Candidate = candidate;
        Address = address;
        Base = @base;
        Socket = socket;
        Relay = relay;
    }

    public int Stream { get; }
    public IceCandidate Candidate { get; }
    public IceCandidateType Type => Candidate.Type;
    public int Component => Candidate.ComponentId;
    public uint Priority => Candidate.Priority;
    public IceTransport Transport => Candidate.Transport;
    /// <summary>RFC 6544 §4.5 tcptype of a TCP candidate; null for UDP.</summary>
    public IceTcpType? TcpType => Candidate.TcpType;
    public IPEndPoint Address { get; }
    public IPEndPoint Base { get; }
    /// <summary>The local socket the driver sends this candidate's packets from.</summary>
    public IPEndPoint Socket { get; }
    internal TurnClientCore? Relay { get; }

    public override string ToString() => Transport == IceTransport.Tcp ? $"{Candidate.TypeToken} tcp-{Candidate.TcpType.ToString()!.ToLowerInvariant()} {Address}" : $"{Candidate.TypeToken} {Address}";
}

/// <summary>A candidate of the peer: signalled (RFC 8839 a=candidate) or peer-reflexive, learned from a check (§7.3.1.3).</summary>
public sealed class IceRemoteCandidate
{
    internal IceRemoteCandidate(int stream, IceCandidate candidate, IPEndPoint address)
    {
        Stream = stream;
        Candidate = candidate;
        Address = address;
    }

    public int Stream { get; }
    public IceCandidate Candidate { get; }
    public IceCandidateType Type => Candidate.Type;
    public int Component => Candidate.ComponentId;
    public uint Priority => Candidate.Priority;
    public IceTransport Transport => Candidate.Transport;
    public IceTcpType? TcpType => Candidate.TcpType;
    public IPEndPoint Address { get; }

    public override string ToString() => Transport == IceTransport.Tcp ? $"{Candidate.TypeToken} tcp-{Candidate.TcpType.ToString()!.ToLowerInvariant()} {Address}" : $"{Candidate.TypeToken} {Address}";
}
