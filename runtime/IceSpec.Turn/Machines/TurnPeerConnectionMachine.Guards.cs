namespace IceSpec.Turn;

/// <summary>
/// The guard spec/turn.spec names on <c>TurnPeerConnection</c> (RFC 6062 §5.2), and what the server keeps with each
/// machine: its CONNECTION-ID and peer. The server sets <see cref="PeerAlreadyConnected"/> before firing <c>Connect</c>.
/// </summary>
public sealed partial class TurnPeerConnectionMachine
{
    /// <summary>The CONNECTION-ID that names this peer data connection (RFC 6062 §6.2.1).</summary>
    public uint ConnectionId { get; init; }

    /// <summary>The peer's transport address (RFC 6062 §5.2: XOR-PEER-ADDRESS; §5.3: the connecting peer).</summary>
    public Server.TurnEndpoint Peer { get; init; }

    /// <summary>Whether the allocation already has a connection to <see cref="Peer"/> that is connecting, pending or bound.</summary>
    public bool PeerAlreadyConnected { get; set; }

    private partial bool PeerUnconnected() => !PeerAlreadyConnected;
}
