using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using IceSpec.Signalling.Server;

namespace IceSpec.Cli.Commands;

/// <summary>
/// <c>icespec signal-server</c>: the rendezvous of <c>icespec ice offer|answer --signal ws://HOST:PORT/ROOM</c>
/// (runtime/IceSpec.Signalling.Server: rooms over WebSocket, room tokens, TURN REST credentials, limits). Prints
/// <c>listening ws://IP:PORT</c> and runs until SIGINT/SIGTERM.
/// </summary>
public static class SignalServerCommand
{
    public static Command Create(CliConsole console)
    {
        var listen = new Option<string>("--listen") { Description = "IP:PORT to listen on (port 0 picks a free one).", DefaultValueFactory = _ => "127.0.0.1:8443" };
        var secret = new Option<string?>("--secret")
        {
            Description = "Secret the room tokens are signed with: token = EXPIRY.base64url(HMAC-SHA256(secret, ROOM \\n EXPIRY)), in the URL as ?token= " +
                          "(icespec ice --signal-secret mints one). Required.",
        };
        var turnSecret = new Option<string?>("--turn-secret") { Description = "The TURN servers' static-auth-secret: each peer gets TURN REST credentials (EXPIRY:PEER) minted with it." };
        var turnServers = new Option<string[]>("--turn-server") { Description = "A TURN server HOST:PORT handed out with the credentials (repeatable, in this order).", AllowMultipleArgumentsPerToken = false };
        var turnTtl = new Option<int>("--turn-ttl") { Description = "Seconds the TURN credentials stay valid (default 600).", DefaultValueFactory = _ => 600 };
        var maxRooms = new Option<int>("--max-rooms") { Description = "Rooms at once (default 1000; a join beyond is closed with 1013).", DefaultValueFactory = _ => 1000 };
        var maxPeers = new Option<int>("--max-peers") { Description = "Peers per room (default 2; a join beyond is closed with 1008).", DefaultValueFactory = _ => 2 };
        var maxMessage = new Option<int>("--max-message-bytes") { Description = "Largest message a peer may send (default 16384; a larger one closes it with 1009).", DefaultValueFactory = _ => 16384 };
        var idle = new Option<int>("--idle-timeout") { Description = "Seconds a peer may send nothing, not even a ping, before it is closed (default 60).", DefaultValueFactory = _ => 60 };
        var fleet = new Option<string?>("--fleet") { Description = "Hand out the TURN fleet's live servers (turn-server fleet=redis://HOST:PORT), least loaded first, instead of --turn-server." };
        var fleetRealm = new Option<string>("--fleet-realm") { Description = "The fleet's realm (default icespec).", DefaultValueFactory = _ => "icespec" };
        var command = new Command("signal-server",
            "Signalling server for 'icespec ice offer|answer --signal ws://HOST:PORT/ROOM': peers join a room over WebSocket with a token signed by --secret, " +
            "exchange descriptions and trickled candidates (JSON messages, runtime/IceSpec.Signalling.Server/README.md), and get TURN REST credentials " +
            "for the --turn-server list. Prints 'listening ws://IP:PORT'; runs until SIGINT/SIGTERM.")
        {
            listen, secret, turnSecret, turnServers, turnTtl, maxRooms, maxPeers, maxMessage, idle, fleet, fleetRealm,
        };
        command.SetAction(parse =>
        {
            if (!IPEndPoint.TryParse(parse.GetValue(listen)!, out var endPoint)) return console.UsageError($"--listen: '{parse.GetValue(listen)}' is not IP:PORT");
            if (parse.GetValue(secret) is not { Length: > 0 } key) return console.UsageError("--secret is required: the room tokens are signed with it");
            var servers = parse.GetValue(turnServers) ?? [];
            foreach (var server in servers)
                if (!IPEndPoint.TryParse(server, out var turn) || turn.Port == 0) return console.UsageError($"--turn-server: '{server}' is not IP:PORT");
            if ((servers.Length > 0 || parse.GetValue(fleet) is not null) && parse.GetValue(turnSecret) is null)
                return console.UsageError("--turn-server and --fleet need --turn-secret (the TURN servers' static-auth-secret)");
            if (servers.Length > 0 && parse.GetValue(fleet) is not null) return console.UsageError("--turn-server or --fleet, not both");
            string? redis = null;
            if (parse.GetValue(fleet) is { } fleetUrl && (redis = Turn.Server.TurnFleetStore.TryParseUrl(fleetUrl, out var fleetError)) is null) return console.UsageError("--fleet: " + fleetError);
            if (parse.GetValue(turnTtl) is < 60 or > 86400) return console.UsageError("--turn-ttl is 60 to 86400 seconds");
            if (parse.GetValue(maxRooms) < 1 || parse.GetValue(maxPeers) < 2) return console.UsageError("--max-rooms is at least 1 and --max-peers at least 2");
            if (parse.GetValue(maxMessage) is < 1024 or > 1 << 20) return console.UsageError("--max-message-bytes is 1024 to 1048576");
            if (parse.GetValue(idle) is < 5 or > 86400) return console.UsageError("--idle-timeout is 5 to 86400 seconds");
            var options = new SignalServerOptions
            {
                Listen = endPoint, Secret = key, TurnSecret = parse.GetValue(turnSecret), TurnServers = new StaticTurnServerDirectory(servers),
                TurnCredentialLifetime = TimeSpan.FromSeconds(parse.GetValue(turnTtl)), MaxRooms = parse.GetValue(maxRooms),
                MaxPeersPerRoom = parse.GetValue(maxPeers), MaxMessageBytes = parse.GetValue(maxMessage), IdleTimeout = TimeSpan.FromSeconds(parse.GetValue(idle)),
            };
            return Run(console, options, redis, parse.GetValue(fleetRealm)!);
        });
        return command;
    }

    private static int Run(CliConsole console, SignalServerOptions options, string? redis, string realm)
    {
        var directory = redis is null ? null : Turn.Server.TurnFleetDirectory.StartAsync(redis, realm, TimeSpan.FromSeconds(1)).GetAwaiter().GetResult();
        if (directory is not null) options = options with { TurnServers = new DelegateTurnServerDirectory(directory.LeastLoadedFirst) };
        using var stopping = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stopping.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stopping.Cancel(); });
        var log = new Lock();
        var server = new SignalServer(options, line => { lock (log) { console.Error.WriteLine("icespec signal-server: " + line); console.Error.Flush(); } });
        try
        {
            server.StartAsync().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            console.Error.WriteLine($"icespec signal-server: cannot listen on {options.Listen}: {e.Message}");
            directory?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return ExitCodes.Failed;
        }
        try
        {
            console.Out.WriteLine($"listening ws://{server.EndPoint}");
            console.Out.Flush();
            stopping.Token.WaitHandle.WaitOne();
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            directory?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        console.Out.WriteLine("stopped");
        console.Out.Flush();
        return ExitCodes.Ok;
    }
}
