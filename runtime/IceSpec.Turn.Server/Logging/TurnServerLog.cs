using System.Net;
using Microsoft.Extensions.Logging;

namespace IceSpec.Turn.Server;

/// <summary>
/// The TURN server's log events, source-generated (<see cref="LoggerMessageAttribute"/>): the event name is the
/// <see cref="EventId.Name"/> (<c>allocation.created</c>…) and the message template is the line's <c>key={key}</c> fields, so
/// any <see cref="ILogger"/> shows the same words and <c>TurnLogLineProvider</c> (IceSpec.Turn.Server.Hosting) writes the same lines from the
/// structured values. The generated methods check <see cref="ILogger.IsEnabled"/> first and box nothing when the level is
/// off; callers that compute a field (a string) check it themselves. Events per packet are Debug.
/// </summary>
internal static partial class TurnServerLog
{
    // The sans-IO core (Core/).

    [LoggerMessage(100, LogLevel.Error, "client={client} transport={transport} exception={exception} message={message}", EventName = "internal-error")]
    public static partial void InternalError(this ILogger logger, TurnEndpoint client, TurnTransport transport, string exception, string message);

    [LoggerMessage(101, LogLevel.Debug, "reason={reason} peer={peer} relay={relay}", EventName = "relay.dropped")]
    public static partial void RelayDropped(this ILogger logger, string reason, TurnEndpoint peer, TurnEndpoint relay);

    [LoggerMessage(102, LogLevel.Debug, "client={client} peer={peer}", EventName = "permission.expired")]
    public static partial void PermissionExpired(this ILogger logger, TurnEndpoint client, string peer);

    [LoggerMessage(103, LogLevel.Debug, "client={client} channel={channel} peer={peer}", EventName = "channel.freed")]
    public static partial void ChannelFreed(this ILogger logger, TurnEndpoint client, string channel, TurnEndpoint peer);

    [LoggerMessage(104, LogLevel.Information,
        "reason={reason} client={client} transport={transport} user={user} relay={relay} packets_to_peers={packets_to_peers} " +
        "packets_from_peers={packets_from_peers} bytes_to_peers={bytes_to_peers} bytes_from_peers={bytes_from_peers} dropped_no_permission={dropped_no_permission}",
        EventName = "allocation.deleted")]
    public static partial void AllocationDeleted(this ILogger logger, string reason, TurnEndpoint client, string transport, string user, TurnEndpoint? relay,
        long packets_to_peers, long packets_from_peers, long bytes_to_peers, long bytes_from_peers, long dropped_no_permission);

    [LoggerMessage(105, LogLevel.Debug, "relay={relay}", EventName = "reservation.expired")]
    public static partial void ReservationExpired(this ILogger logger, TurnEndpoint relay);

    [LoggerMessage(106, LogLevel.Debug, "reason={reason} client={client}", EventName = "stun.dropped")]
    public static partial void StunDropped(this ILogger logger, string reason, TurnEndpoint client);

    [LoggerMessage(107, LogLevel.Debug, "client={client} transport={transport} from={from} to={to}", EventName = "binding")]
    public static partial void Binding(this ILogger logger, TurnEndpoint client, string transport, TurnEndpoint from, TurnEndpoint to);

    [LoggerMessage(108, LogLevel.Warning, "reason={reason} client={client} transport={transport} rate={rate} burst={burst}", EventName = "request.dropped")]
    public static partial void RequestDropped(this ILogger logger, string reason, TurnEndpoint client, string transport, int rate, int burst);

    /// <summary>Debug for every error response; Warning for 441 (<paramref name="owner"/>: whose allocation it is).</summary>
    [LoggerMessage(EventId = 109, Message = "method={method} code={code} detail={detail} client={client} user={user} owner={owner}", EventName = "request.rejected")]
    public static partial void RequestRejected(this ILogger logger, LogLevel level, string method, int code, string? detail, TurnEndpoint client, string? user, string? owner);

    [LoggerMessage(111, LogLevel.Warning, "reason={reason} user={user} client={client} transport={transport} method={method}", EventName = "auth.failed")]
    public static partial void AuthFailed(this ILogger logger, string? reason, string? user, TurnEndpoint client, string transport, string method);

    [LoggerMessage(112, LogLevel.Debug, "user={user} client={client}", EventName = "auth.stale-nonce")]
    public static partial void AuthStaleNonce(this ILogger logger, string? user, TurnEndpoint client);

    [LoggerMessage(113, LogLevel.Debug, "client={client} user={user} peers={peers} first={first}", EventName = "permission.installed")]
    public static partial void PermissionInstalled(this ILogger logger, TurnEndpoint client, string? user, int peers, string first);

    [LoggerMessage(114, LogLevel.Debug, "client={client} user={user} channel={channel} peer={peer}", EventName = "channel.bound")]
    public static partial void ChannelBound(this ILogger logger, TurnEndpoint client, string? user, string channel, TurnEndpoint peer);

    [LoggerMessage(115, LogLevel.Warning, "reason={reason} client={client} user={user} peer={peer}", EventName = "permission.refused")]
    public static partial void PermissionRefused(this ILogger logger, string reason, TurnEndpoint client, string? user, string peer);

    [LoggerMessage(116, LogLevel.Information, "client={client} user={user} alternate={alternate}", EventName = "allocation.redirected")]
    public static partial void AllocationRedirected(this ILogger logger, TurnEndpoint client, string? user, TurnEndpoint alternate);

    [LoggerMessage(117, LogLevel.Warning, "reason={reason} user={user} client={client} quota={quota}", EventName = "allocation.refused")]
    public static partial void AllocationRefused(this ILogger logger, string reason, string user, TurnEndpoint client, int? quota);

    [LoggerMessage(118, LogLevel.Information, "client={client} transport={transport} user={user} relay={relay} relay6={relay6} lifetime={lifetime}",
        EventName = "allocation.created")]
    public static partial void AllocationCreated(this ILogger logger, TurnEndpoint client, string transport, string user, TurnEndpoint? relay, TurnEndpoint? relay6, int lifetime);

    [LoggerMessage(119, LogLevel.Debug, "client={client} user={user} lifetime={lifetime}", EventName = "allocation.refreshed")]
    public static partial void AllocationRefreshed(this ILogger logger, TurnEndpoint client, string? user, uint lifetime);

    /// <summary>RFC 6062 peer data connections: connecting, connected, accepted, bound, refused-…, and why one closed.</summary>
    [LoggerMessage(120, LogLevel.Debug, "event={event} client={client} connection_id={connection_id} peer={peer}", EventName = "peer-connection")]
    public static partial void PeerConnection(this ILogger logger, string @event, TurnEndpoint client, uint connection_id, TurnEndpoint peer);

    [LoggerMessage(215, LogLevel.Debug, "connection_id={connection_id} relay={relay} peer={peer} exception={exception} message={message}", EventName = "peer-connection.error")]
    public static partial void PeerConnectionError(this ILogger logger, uint connection_id, TurnEndpoint relay, TurnEndpoint peer, string exception, string message);

    // The socket host (Hosting/).

    [LoggerMessage(200, LogLevel.Error, "what={what} exception={exception} message={message}", EventName = "udp-engine.error")]
    public static partial void UdpEngineError(this ILogger logger, string what, string? exception, string? message);

    [LoggerMessage(201, LogLevel.Information,
        "listening={listening} relay={relay} relay6={relay6} ports={ports} realm={realm} users={users} rest_api={rest_api} stun_only={stun_only} rfc5780={rfc5780} prometheus={prometheus}",
        EventName = "server.started")]
    public static partial void ServerStarted(this ILogger logger, string listening, IPAddress? relay, IPAddress? relay6, string ports, string realm, int users,
        bool rest_api, bool stun_only, bool rfc5780, IPEndPoint? prometheus);

    [LoggerMessage(202, LogLevel.Error, "listener={listener} exception={exception} message={message}", EventName = "listener.error")]
    public static partial void ListenerError(this ILogger logger, TurnEndpoint listener, string exception, string message);

    [LoggerMessage(203, LogLevel.Debug, "heap_before_kb={heap_before_kb} heap_after_kb={heap_after_kb}", EventName = "memory.trimmed")]
    public static partial void MemoryTrimmed(this ILogger logger, long heap_before_kb, long heap_after_kb);

    /// <summary>Information when idle, else Warning; <paramref name="deadline_s"/> with message-deadline, <paramref name="limit_bytes"/> with stream-buffer-memory.</summary>
    [LoggerMessage(EventId = 204, Message = "reason={reason} client={client} transport={transport} deadline_s={deadline_s} limit_bytes={limit_bytes}", EventName = "connection.closed")]
    public static partial void ConnectionClosed(this ILogger logger, LogLevel level, string reason, TurnEndpoint client, TurnTransport transport,
        double? deadline_s = null, long? limit_bytes = null);

    [LoggerMessage(208, LogLevel.Debug, "to={to} error={error}", EventName = "send.failed")]
    public static partial void SendFailed(this ILogger logger, TurnEndpoint to, System.Net.Sockets.SocketError error);

    [LoggerMessage(209, LogLevel.Warning, "reason={reason} listener={listener} client={client} limit={limit}", EventName = "connection.refused")]
    public static partial void ConnectionRefused(this ILogger logger, string reason, TurnEndpoint listener, TurnEndpoint client, int limit);

    [LoggerMessage(210, LogLevel.Debug, "transport={transport} client={client} listener={listener}", EventName = "connection.opened")]
    public static partial void ConnectionOpened(this ILogger logger, TurnTransport transport, TurnEndpoint client, TurnEndpoint listener);

    [LoggerMessage(211, LogLevel.Debug, "transport={transport} client={client} exception={exception} message={message}", EventName = "connection.error")]
    public static partial void ConnectionError(this ILogger logger, TurnTransport transport, TurnEndpoint client, string exception, string message);

    [LoggerMessage(212, LogLevel.Debug, "exception={exception}", EventName = "connection.write-failed")]
    public static partial void ConnectionWriteFailed(this ILogger logger, string exception);

    [LoggerMessage(213, LogLevel.Information, "allocations_created={allocations_created} packets_to_peers={packets_to_peers} packets_to_clients={packets_to_clients}",
        EventName = "server.stopped")]
    public static partial void ServerStopped(this ILogger logger, long allocations_created, long packets_to_peers, long packets_to_clients);

    [LoggerMessage(214, LogLevel.Error, "prometheus={prometheus} exception={exception} message={message}", EventName = "prometheus.error")]
    public static partial void PrometheusError(this ILogger logger, IPEndPoint prometheus, string exception, string message);
}
