namespace IceSpec.Turn;

/// <summary>
/// The runtime side of the generated machine (spec/turn.spec, RFC 8656 §8): when its Refresh timer fires it
/// <c>call</c>s SendRefresh, which asks the client to send the refreshing request (Refresh for the allocation,
/// CreatePermission for a permission, ChannelBind for a channel) and feed the success back as <c>Granted</c>.
/// </summary>
public sealed partial class TurnClientRefreshMachine
{
    /// <summary>Set by the machine's action; the client clears it when it has sent the refreshing request.</summary>
    internal bool RefreshRequested { get; set; }

    partial void SendRefresh() => RefreshRequested = true;
}
