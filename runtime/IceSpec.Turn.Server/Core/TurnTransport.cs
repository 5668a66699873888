namespace IceSpec.Turn.Server;

/// <summary>The transport between a client and the server (RFC 8656 §3.1): UDP, TCP, or TLS over TCP.</summary>
public enum TurnTransport : byte
{
    Udp,
    Tcp,
    Tls,
}

/// <summary>
/// A client's 5-tuple as the server sees it (RFC 8656 §2: the client's address and port, the server's address and
/// port, the transport): the key of an allocation.
/// </summary>
public readonly record struct TurnFlow(TurnTransport Transport, TurnEndpoint Local, TurnEndpoint Remote)
{
    /// <summary>Over TCP and TLS, ChannelData is padded to a multiple of 4 bytes (RFC 8656 §12.5).</summary>
    public bool IsStream => Transport != TurnTransport.Udp;

    public override string ToString() => $"{Transport.ToString().ToLowerInvariant()}:{Remote}->{Local}";
}

/// <summary>Where a transmit goes: back to a client through a listener, or to a peer through a relay port.</summary>
public enum TurnTransmitTarget : byte
{
    Client,
    Peer,
}

/// <summary>
/// One datagram (or stream message) the core wants sent. <see cref="Buffer"/> is rented from
/// <see cref="System.Buffers.ArrayPool{T}.Shared"/>: the driver returns it once the bytes are sent
/// (<see cref="TurnServer.ReturnBuffer"/>).
/// </summary>
public readonly struct TurnTransmit
{
    public TurnTransmit(TurnTransmitTarget target, TurnTransport transport, TurnEndpoint source, TurnEndpoint destination,
        TurnRelayPort? relay, byte[] buffer, int length)
    {
        Target = target;
        Transport = transport;
        Source = source;
        Destination = destination;
        Relay = relay;
        Buffer = buffer;
        Length = length;
    }

    public TurnTransmitTarget Target { get; }

    /// <summary>For a client: its transport (and so which listener); for a peer: UDP.</summary>
    public TurnTransport Transport { get; }

    /// <summary>The server address to send from: a listener (possibly the RFC 5780 other address) or the relay address.</summary>
    public TurnEndpoint Source { get; }

    public TurnEndpoint Destination { get; }

    /// <summary>The relay port to send through (peer transmits only).</summary>
    public TurnRelayPort? Relay { get; }

    public byte[] Buffer { get; }

    public int Length { get; }

    public ReadOnlySpan<byte> Data => Buffer.AsSpan(0, Length);

    public override string ToString() => $"{Target} {Transport} {Source} -> {Destination} ({Length} bytes)";
}
