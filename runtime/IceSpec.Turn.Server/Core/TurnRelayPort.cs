namespace IceSpec.Turn.Server;

/// <summary>
/// A relayed transport address the driver has opened for an allocation (RFC 8656 §7.2: a UDP port from the server's
/// relay range; RFC 6062 §5.1: a TCP port for a TCP allocation). The core only reads <see cref="Address"/> and tags the port with its allocation; the driver subclasses
/// it with the socket.
/// </summary>
public abstract class TurnRelayPort
{
    protected TurnRelayPort(TurnEndpoint address) => Address = address;

    /// <summary>The bound relay address; what XOR-RELAYED-ADDRESS carries unless <see cref="Advertised"/> differs.</summary>
    public TurnEndpoint Address { get; }

    /// <summary>The address told to clients (a public address when the relay sits behind a 1:1 NAT); the bound one by default.</summary>
    public virtual TurnEndpoint Advertised => Address;

    /// <summary>The allocation using this port, or null (reserved, or closed): set by the core.</summary>
    internal object? Owner { get; set; }

    public override string ToString() => Address.ToString();
}

/// <summary>
/// What an Allocate asks of a relay port (RFC 8656 §7.2, §18.7, §18.9). <paramref name="Tcp"/>: a TCP relayed transport
/// address (RFC 6062 §5.1), on which the driver accepts peer connections (§5.3, <see cref="TurnServer.HandlePeerAccepted"/>)
/// and from which it connects to peers (§5.2); no datagrams go through it.
/// </summary>
public readonly record struct TurnRelayPortRequest(
    byte Family,
    bool EvenPort = false,
    bool ReserveNext = false,
    bool DontFragment = false,
    bool Tcp = false);

/// <summary>
/// Opens and closes relay ports: the one side effect the sans-IO core cannot avoid, injected like a clock. The socket
/// driver binds real UDP sockets in the configured range; tests use an in-memory provider.
/// </summary>
public interface ITurnRelayPortProvider
{
    /// <summary>Whether relayed addresses of this family (StunAddress.FamilyIPv4/IPv6) can be allocated at all (else 440).</summary>
    bool SupportsFamily(byte family);

    /// <summary>
    /// Opens a relay port, or returns false when none is free (508). With <see cref="TurnRelayPortRequest.ReserveNext"/>
    /// the port is even and the next-higher one is opened too and returned in <paramref name="reserved"/>.
    /// </summary>
    bool TryOpen(in TurnRelayPortRequest request, out TurnRelayPort port, out TurnRelayPort? reserved);

    /// <summary>Closes a port the allocation no longer uses: its socket is released, the port number is free again.</summary>
    void Close(TurnRelayPort port);
}
