namespace IceSpec.Turn;

/// <summary>
/// The guards spec/turn.spec names on <c>TurnChannelBinding</c> (RFC 8656 §12.2, §12). The server sets
/// <see cref="RequestedPeer"/> and <see cref="RequestedPeerInUseElsewhere"/> before firing <c>Bind</c>; the machine keeps
/// the peer it is bound to.
/// </summary>
public sealed partial class TurnChannelBindingMachine
{
    /// <summary>The channel number this machine is for (RFC 8656 §12).</summary>
    public ushort Number { get; init; }

    /// <summary>The peer transport address this channel number is bound to (meaningful once Bound).</summary>
    public Server.TurnEndpoint Peer { get; private set; }

    /// <summary>The peer the ChannelBind request being processed names.</summary>
    public Server.TurnEndpoint RequestedPeer { get; set; }

    /// <summary>Whether that peer is bound (or quarantined) on another channel number of the same allocation.</summary>
    public bool RequestedPeerInUseElsewhere { get; set; }

    private partial bool SamePeer() => RequestedPeer == Peer;

    private partial bool PeerUnbound() => !RequestedPeerInUseElsewhere;

    partial void OnTransition(TurnChannelBindingState from, TurnChannelBindingState to, TurnChannelBindingEvent trigger)
    {
        if (from == TurnChannelBindingState.Unbound && to == TurnChannelBindingState.Bound) Peer = RequestedPeer;
    }
}
