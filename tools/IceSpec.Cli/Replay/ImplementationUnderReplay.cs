using System.Net;
using IceSpec.Captures.Credentials;
using IceSpec.Captures.Replay;
using IceSpec.Conformance.Adapter;
using IceSpec.Ice;
using IceSpec.Conformance.Lab;
using IceSpec.Conformance.Runner;

namespace IceSpec.Cli.Replay;

/// <summary>
/// <c>icespec replay --impl NAME</c>: the implementation the tool starts, replays against and stops (by PID, also on
/// failure and Ctrl-C, when disposed). For STUN/TURN requests, a server started the way the conformance kit starts its
/// loopback servers (<see cref="LoopbackServers"/>: coturn or <c>icespec turn-server</c> on free ports of 127.0.0.1,
/// loopback peers allowed) with the side's long-term user; for ICE checks, an agent started through its driver
/// (<see cref="IceAgentUnderReplay"/>), whose own checks of the replaying socket are answered by <see cref="IceCheckResponder"/>.
/// </summary>
internal sealed class ImplementationUnderReplay : IAsyncDisposable
{
    private const string Coturn = "coturn";
    private const string IceSpecServer = "icespec";
    /// <summary>How long an agent may still take, after the last answer, to leave checking (its own checks may be paced).</summary>
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(5);
    private readonly IAsyncDisposable _process;
    private readonly Func<CancellationToken, Task<string>> _summary;

    private ImplementationUnderReplay(IAsyncDisposable process, IPEndPoint target, ReplaySigning signing, UdpReplaySocket? socket, ReplayIceTcp? iceTcp,
        string description, Func<CancellationToken, Task<string>> summary) =>
        (_process, Target, Signing, Socket, IceTcp, Description, _summary) = (process, target, signing, socket, iceTcp, description, summary);

    public IPEndPoint Target { get; }
    public ReplaySigning Signing { get; }
    /// <summary>The socket the replay must send from (an ICE agent was told its address), or null: any.</summary>
    public UdpReplaySocket? Socket { get; }
    /// <summary>For an ICE agent replayed to over ICE-TCP: how the replay's connections are framed and the agent's checks answered.</summary>
    public ReplayIceTcp? IceTcp { get; }
    /// <summary>What was started, its PID and where it listens.</summary>
    public string Description { get; }
    /// <summary>What the implementation did besides answering (an agent's states and checks), after the replay.</summary>
    public Task<string> SummarizeAsync(CancellationToken ct) => _summary(ct);

    public static IReadOnlyList<string> Known => [Coturn, .. DriverRegistry.All.Select(d => d.Name)];

    /// <summary>Why <paramref name="name"/> cannot be replayed against for this side with these credentials (a usage error), or null.</summary>
    public static string? Check(string name, ReplayedSide side, CaptureCredentials credentials)
    {
        if (!Known.Contains(name, StringComparer.Ordinal)) return $"--impl: unknown implementation '{name}'; known: {string.Join(", ", Known)}";
        var agents = string.Join(", ", DriverRegistry.All.Select(d => d.Name));
        if (side.IsIce)
        {
            if (name == Coturn) return $"--impl coturn is a STUN/TURN server, but the side's requests are ICE connectivity checks: use an ICE agent ({agents})";
            if (side.Transports.Count > 1) return "--impl: the side's checks went over UDP and TCP; replay one of them with --transport udp|tcp";
            if (side.Transports.Contains("tcp") && !(DriverRegistry.Get(name).Supports("ice-tcp") || DriverRegistry.Get(name).Supports("ice-tcp-passive")))
                return $"--impl {name}: the side's checks went over TCP and {name}'s driver offers no ICE-TCP (RFC 6544) candidates";
            if (side.IceUfrag is null) return "--impl: the side's checks carry no USERNAME 'RFRAG:LFRAG' to take its ufrag from";
            if (!credentials.IcePasswords.ContainsKey(side.IceUfrag))
                return $"--impl {name} needs the password of the side's ufrag '{side.IceUfrag}' (to be its remote description): --ice-credentials {side.IceUfrag}:PASSWORD or --credentials FILE";
            return null;
        }
        if (name is not (Coturn or IceSpecServer))
            return $"--impl {name} is an ICE agent, but the side's requests are not ICE checks (no ICE-CONTROLLING/ICE-CONTROLLED): use a STUN/TURN server ({Coturn}, {IceSpecServer})";
        if (side.TurnUsername is { } user && TurnUserOf(side, credentials) is null)
            return $"--impl {name} needs the long-term credential of the side's user '{user}'{(side.Realm is null ? "" : $" in realm '{side.Realm}'")} " +
                   $"(the server is started with it): --turn-user {user}:{side.Realm ?? "REALM"}:PASSWORD or --credentials FILE";
        return null;
    }

    /// <exception cref="LabException">A server could not be started (not installed, exited, did not listen).</exception>
    /// <exception cref="DriverException">An agent's driver could not be built or started, or failed.</exception>
    /// <exception cref="FileNotFoundException">IceSpec's own driver was not built beside this tool.</exception>
    public static async Task<ImplementationUnderReplay> StartAsync(string name, ReplayedSide side, CaptureCredentials credentials, string logDirectory,
        CancellationToken ct)
    {
        if (!side.IsIce)
        {
            // A capture without authentication (Binding only) still needs a user to start the server with.
            var user = TurnUserOf(side, credentials) is { } u ? new LoopbackUser(u.Username, u.Password, u.Realm) : LoopbackUser.Conformance;
            var server = await LoopbackServers.StartAsync(name == Coturn ? LabServerKind.Coturn : LabServerKind.IceSpec, user, logDirectory, ct);
            var target = new IPEndPoint(IPAddress.Parse(server.Target.Host), server.Target.UdpPort);
            return new ImplementationUnderReplay(server, target, ReplaySigning.WithCaptureCredentials(credentials), null, null,
                $"{name} (PID {server.Process.Pid}) on {target}, UDP and TCP, user {user.Name} realm {user.Realm}, log {server.LogPath}", _ => Task.FromResult(""));
        }
        var ufrag = side.IceUfrag!;
        var password = credentials.IcePasswords[ufrag];
        var responder = new IceCheckResponder(ufrag, password);
        // Over ICE-TCP the replay is an active candidate (RFC 6544 §4.5: port 9) that connects to the agent's passive one.
        var overTcp = side.Transports.Contains("tcp");
        var socket = overTcp ? null : UdpReplaySocket.Bind(new IPEndPoint(IPAddress.Loopback, 0), responder.Answer);
        var ours = socket?.LocalEndPoint ?? new IPEndPoint(IPAddress.Loopback, (int)IceFormulas.TcpActiveCandidatePort);
        try
        {
            var agent = await IceAgentUnderReplay.StartAsync(DriverRegistry.Get(name), !side.Controlling, ufrag, password, ours, overTcp,
                Path.Combine(logDirectory, $"{name}.log"), ct);
            return new ImplementationUnderReplay(new Both(agent, socket), agent.HostCandidate, ReplaySigning.ForIceAgent(agent.Ufrag, agent.Password), socket,
                overTcp ? new ReplayIceTcp(responder.Answer) : null,
                $"{name} (PID {agent.ProcessId}), {(side.Controlling ? "controlled" : "controlling")}, ufrag {agent.Ufrag}, " +
                $"{(overTcp ? "passive TCP" : "host")} candidate {agent.HostCandidate}; replaying " +
                $"{(overTcp ? "as an active TCP candidate (RFC 4571 frames)" : $"from {ours}")} as ufrag {ufrag}, log {Path.Combine(logDirectory, $"{name}.log")}",
                async ct =>
                {
                    await agent.SettleAsync(SettleTimeout, ct);
                    return $"{name}: {responder.Answered} check(s) of its own answered; states: {(agent.States.Count == 0 ? "none" : string.Join(" → ", agent.States))}";
                });
        }
        catch
        {
            if (socket is not null) await socket.DisposeAsync();
            throw;
        }
    }

    private static TurnUser? TurnUserOf(ReplayedSide side, CaptureCredentials credentials) =>
        credentials.TurnUsers.FirstOrDefault(u => u.Username == side.TurnUsername && (side.Realm is null || u.Realm == side.Realm));

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    /// <summary>The agent first (killed by PID), then the socket it was checking.</summary>
    private sealed class Both(IceAgentUnderReplay agent, UdpReplaySocket? socket) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await agent.DisposeAsync();
            if (socket is not null) await socket.DisposeAsync();
        }
    }
}
