namespace IceSpec.Stun.Transports;

/// <summary>How a client reaches a STUN or TURN server (RFC 8489 §6.2, RFC 8656 §3.1).</summary>
public enum TransportProtocol : byte
{
    /// <summary>One message per datagram; requests are retransmitted (RFC 8489 §6.2.1).</summary>
    Udp,
    /// <summary>A byte stream with messages back to back (RFC 8489 §6.2.2); sent once, then wait Ti.</summary>
    Tcp,
    /// <summary>TCP under TLS (RFC 8489 §6.2.3), framed as TCP.</summary>
    Tls,
}

public static class TransportProtocolExtensions
{
    /// <summary>The default port (RFC 8489 §18.6: "stun"/"turn" 3478, "stuns"/"turns" 5349).</summary>
    public static int DefaultPort(this TransportProtocol protocol) => protocol == TransportProtocol.Tls ? 5349 : 3478;

    /// <summary>How requests travel over this transport: retransmitted (UDP) or sent once (TCP, TLS).</summary>
    public static IceSpec.Stun.StunTransport Reliability(this TransportProtocol protocol) =>
        protocol == TransportProtocol.Udp ? IceSpec.Stun.StunTransport.Unreliable : IceSpec.Stun.StunTransport.Reliable;

    public static bool IsStream(this TransportProtocol protocol) => protocol != TransportProtocol.Udp;

    public static string Name(this TransportProtocol protocol) => protocol switch
    {
        TransportProtocol.Udp => "udp",
        TransportProtocol.Tcp => "tcp",
        _ => "tls",
    };
}
