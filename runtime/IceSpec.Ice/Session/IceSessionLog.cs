using Microsoft.Extensions.Logging;

namespace IceSpec.Ice;

/// <summary>
/// <see cref="IceSession"/>'s log events (<see cref="IceSessionOptions.Logger"/>), source-generated: one per agent event
/// except received data. Event names after the TURN server's (<c>ice.state.changed</c>…). Checks and pair states are
/// Debug; the connection state, the selected pair and failures Information or Warning. States are passed as text: the
/// logging generator cannot see the enums another generator (spec/ice.spec) emits.
/// </summary>
internal static partial class IceSessionLog
{
    public static void Event(ILogger logger, IceEvent iceEvent)
    {
        switch (iceEvent)
        {
            case IceCandidateGathered e: CandidateGathered(logger, e.Candidate); break;
            case IceGatheringComplete: GatheringComplete(logger); break;
            case IceServerFailed e: ServerFailed(logger, e.Server, e.Reason); break;
            case IceConnectionStateChanged e: StateChanged(logger, e.State.ToString(), e.Time.TotalSeconds); break;
            case IcePairStateChanged e when logger.IsEnabled(LogLevel.Debug): PairStateChanged(logger, e.Pair, e.From.ToString(), e.To.ToString()); break;
            case IceCheckSent e: CheckSent(logger, e.Pair, e.UseCandidate, e.Triggered); break;
            case IceSelectedPairChanged e: PairSelected(logger, e.Pair.Local, e.Pair.Remote); break;
            case IceRoleChanged e: RoleChanged(logger, e.Role); break;
            case IceRelayLost e: RelayLost(logger, e.Candidate, e.Reason, e.SelectedPairAffected, e.Reallocating); break;
            case IceRelayReallocated e: RelayReallocated(logger, e.Lost, e.Candidate); break;
            case IceRestarted: Restarted(logger); break;
            case IceTcpConnectionClosed e: TcpConnectionClosed(logger, e.Local, e.Remote, e.Reason); break;
            case IceRemoteCandidateResolved e: CandidateResolved(logger, e.Candidate.Address.Text, e.Address); break;
            case IceRemoteCandidateDropped e: CandidateDropped(logger, e.Candidate.Address.Text, e.Reason); break;
            case IceMdnsUnavailable e: MdnsUnavailable(logger, e.Reason); break;
        }
    }

    [LoggerMessage(400, LogLevel.Debug, "candidate={candidate}", EventName = "ice.candidate.gathered")]
    private static partial void CandidateGathered(ILogger logger, IceLocalCandidate candidate);

    [LoggerMessage(401, LogLevel.Debug, "gathering complete", EventName = "ice.gathering.complete")]
    private static partial void GatheringComplete(ILogger logger);

    [LoggerMessage(402, LogLevel.Warning, "server={server} reason={reason}", EventName = "ice.server.failed")]
    private static partial void ServerFailed(ILogger logger, System.Net.IPEndPoint server, string reason);

    [LoggerMessage(403, LogLevel.Information, "state={state} elapsed_s={elapsed_s}", EventName = "ice.state.changed")]
    private static partial void StateChanged(ILogger logger, string state, double elapsed_s);

    [LoggerMessage(404, LogLevel.Debug, "pair={pair} from={from} to={to}", EventName = "ice.pair.changed")]
    private static partial void PairStateChanged(ILogger logger, IceCandidatePair pair, string from, string to);

    [LoggerMessage(405, LogLevel.Debug, "pair={pair} use_candidate={use_candidate} triggered={triggered}", EventName = "ice.check.sent")]
    private static partial void CheckSent(ILogger logger, IceCandidatePair pair, bool use_candidate, bool triggered);

    [LoggerMessage(406, LogLevel.Information, "local={local} remote={remote}", EventName = "ice.pair.selected")]
    private static partial void PairSelected(ILogger logger, IceLocalCandidate local, IceRemoteCandidate remote);

    [LoggerMessage(407, LogLevel.Information, "role={role}", EventName = "ice.role.changed")]
    private static partial void RoleChanged(ILogger logger, IceRole role);

    [LoggerMessage(408, LogLevel.Warning, "candidate={candidate} reason={reason} selected_pair_affected={selected_pair_affected} reallocating={reallocating}",
        EventName = "ice.relay.lost")]
    private static partial void RelayLost(ILogger logger, IceLocalCandidate candidate, string reason, bool selected_pair_affected, bool reallocating);

    [LoggerMessage(409, LogLevel.Information, "lost={lost} candidate={candidate}", EventName = "ice.relay.reallocated")]
    private static partial void RelayReallocated(ILogger logger, IceLocalCandidate lost, IceLocalCandidate candidate);

    [LoggerMessage(410, LogLevel.Information, "restarted", EventName = "ice.restarted")]
    private static partial void Restarted(ILogger logger);

    [LoggerMessage(411, LogLevel.Debug, "local={local} remote={remote} reason={reason}", EventName = "ice.tcp.closed")]
    private static partial void TcpConnectionClosed(ILogger logger, System.Net.IPEndPoint local, System.Net.IPEndPoint remote, string reason);

    [LoggerMessage(412, LogLevel.Debug, "name={name} address={address}", EventName = "ice.mdns.resolved")]
    private static partial void CandidateResolved(ILogger logger, string name, System.Net.IPAddress address);

    [LoggerMessage(413, LogLevel.Warning, "name={name} reason={reason}", EventName = "ice.candidate.dropped")]
    private static partial void CandidateDropped(ILogger logger, string name, string reason);

    [LoggerMessage(414, LogLevel.Warning, "reason={reason}", EventName = "ice.mdns.unavailable")]
    private static partial void MdnsUnavailable(ILogger logger, string reason);
}
