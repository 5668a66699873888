using System.Net;
using Microsoft.Extensions.Logging;

namespace IceSpec.Turn.Client;

/// <summary>
/// The TURN client's log events (<see cref="TurnClientOptions.Logger"/>), source-generated: one per
/// <see cref="TurnClientEvent"/> the driver dispatches, except application data. The event names follow the server's
/// (<c>allocation.created</c>…) under the <c>client.</c> prefix.
/// </summary>
internal static partial class TurnClientLog
{
    public static void Event(ILogger logger, TurnClientEvent clientEvent)
    {
        switch (clientEvent)
        {
            case TurnAllocated e: Allocated(logger, string.Join(",", e.RelayedAddresses), e.MappedAddress, (int)e.Lifetime.TotalSeconds, e.Reallocated); break;
            case TurnAllocationLost e: AllocationLost(logger, e.Cause, e.Reason, e.Reallocating); break;
            case TurnReallocationFailed e: ReallocationFailed(logger, e.Attempt, e.Reason, e.NextAttempt is null); break;
            case TurnRefreshed e: Refreshed(logger, (int)e.Lifetime.TotalSeconds, e.Automatic); break;
            case TurnClosed: Closed(logger); break;
            case TurnPermissionCreated e: PermissionCreated(logger, e.Peers.Count, e.Peers[0], e.Automatic); break;
            case TurnChannelBound e: ChannelBound(logger, $"0x{e.Channel:X4}", e.Peer, e.Automatic); break;
            case TurnConnected e: Connected(logger, e.Peer, e.ConnectionId); break;
            case TurnConnectionAttempt e: ConnectionAttempt(logger, e.Peer, e.ConnectionId); break;
            case TurnRequestFailed e: RequestFailed(logger, e.Kind, e.ErrorCode, e.Reason, e.TimedOut, e.CredentialsRejected); break;
        }
    }

    [LoggerMessage(300, LogLevel.Information, "relay={relay} mapped={mapped} lifetime={lifetime} reallocated={reallocated}", EventName = "client.allocation.created")]
    private static partial void Allocated(ILogger logger, string relay, IPEndPoint mapped, int lifetime, bool reallocated);

    [LoggerMessage(301, LogLevel.Warning, "cause={cause} reason={reason} reallocating={reallocating}", EventName = "client.allocation.lost")]
    private static partial void AllocationLost(ILogger logger, TurnAllocationLossCause cause, string reason, bool reallocating);

    [LoggerMessage(302, LogLevel.Debug, "lifetime={lifetime} automatic={automatic}", EventName = "client.allocation.refreshed")]
    private static partial void Refreshed(ILogger logger, int lifetime, bool automatic);

    [LoggerMessage(303, LogLevel.Information, "allocation deleted", EventName = "client.allocation.deleted")]
    private static partial void Closed(ILogger logger);

    [LoggerMessage(304, LogLevel.Debug, "peers={peers} first={first} automatic={automatic}", EventName = "client.permission.installed")]
    private static partial void PermissionCreated(ILogger logger, int peers, IPAddress first, bool automatic);

    [LoggerMessage(305, LogLevel.Debug, "channel={channel} peer={peer} automatic={automatic}", EventName = "client.channel.bound")]
    private static partial void ChannelBound(ILogger logger, string channel, IPEndPoint peer, bool automatic);

    [LoggerMessage(306, LogLevel.Debug, "peer={peer} connection_id={connection_id}", EventName = "client.connection.connected")]
    private static partial void Connected(ILogger logger, IPEndPoint peer, uint connection_id);

    [LoggerMessage(307, LogLevel.Debug, "peer={peer} connection_id={connection_id}", EventName = "client.connection.attempt")]
    private static partial void ConnectionAttempt(ILogger logger, IPEndPoint peer, uint connection_id);

    [LoggerMessage(308, LogLevel.Warning, "kind={kind} code={code} reason={reason} timed_out={timed_out} credentials_rejected={credentials_rejected}",
        EventName = "client.request.failed")]
    private static partial void RequestFailed(ILogger logger, TurnRequestKind kind, int? code, string reason, bool timed_out, bool credentials_rejected);

    [LoggerMessage(309, LogLevel.Warning, "attempt={attempt} reason={reason} gave_up={gave_up}", EventName = "client.reallocation.failed")]
    private static partial void ReallocationFailed(ILogger logger, int attempt, string reason, bool gave_up);
}
