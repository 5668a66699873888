using System.Runtime.InteropServices;

namespace IceSpec.Turn.Server;

/// <summary>
/// What <c>icespec turn-server</c> does once its flags are read: build the options (config file, then flags), start the
/// host, print the listening addresses, run until SIGINT/SIGTERM (or the <c>stop</c> token of <see cref="Run"/>), stop cleanly.
/// </summary>
public static class TurnServerRunner
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    /// <summary>Runs the server; returns the process exit code. <paramref name="configFile"/> settings come before <paramref name="flags"/>.</summary>
    public static int Run(string? configFile, IReadOnlyList<TurnConfigSetting> flags, TextWriter stdout, TextWriter stderr, CancellationToken stop)
    {
        TurnServerHostOptions options;
        TurnFleetMember? fleet = null;
        try
        {
            var settings = new List<TurnConfigSetting>();
            if (configFile is not null) settings.AddRange(TurnServerConfig.ReadFile(configFile));
            settings.AddRange(flags);
            options = TurnServerConfig.Build(settings);
            if (options.Fleet is { } redis)
            {
                fleet = JoinFleet(redis, options, settings, stderr);
                options = TurnServerConfig.Build(settings);   // with the realm's shared users and secrets
                options.Server.Fleet = fleet;
            }
        }
        catch (Exception e) when (e is TurnConfigException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine("icespec turn-server: " + e.Message);
            return Usage;
        }
        if (options.Server.Credentials is { IsEmpty: true } && !options.Server.StunOnly)
            stderr.WriteLine("icespec turn-server: warning: no users and no static-auth-secret: every Allocate will be refused (401)");

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stopping.Cancel();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            stopping.Cancel();
        });

        TurnServerHost host;
        try
        {
            host = TurnServerHost.Start(options);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            stderr.WriteLine("icespec turn-server: " + e.Message);
            return Failed;
        }
        try
        {
            foreach (var listener in host.Listening) stdout.WriteLine($"listening {listener}");
            if (host.PrometheusEndpoint is { } prometheus) stdout.WriteLine($"prometheus http://{prometheus}/metrics");
            if (fleet is not null)
            {
                var address = host.Listening.First(l => l.Transport == TurnTransport.Udp).Endpoint;
                fleet.StartAsync(options.FleetId, address, () => host.Metrics.RelayedBytes).GetAwaiter().GetResult();
                stdout.WriteLine($"fleet {fleet.Id} realm {options.Server.Realm} redis {options.Fleet} heartbeat {options.FleetHeartbeat.TotalMilliseconds:0} ms");
            }
            stdout.Flush();
            stopping.Token.WaitHandle.WaitOne();
        }
        finally
        {
            fleet?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        stdout.WriteLine("stopped");
        stdout.Flush();
        return Ok;
    }

    /// <summary>
    /// Connects to the fleet's Redis, shares this server's REST secrets and users with the realm and appends the realm's
    /// to <paramref name="settings"/>. Redis down at start: a warning, and the server starts with its own credentials
    /// (its heartbeat joins the fleet once Redis is up).
    /// </summary>
    private static TurnFleetMember JoinFleet(string redis, TurnServerHostOptions options, List<TurnConfigSetting> settings, TextWriter stderr)
    {
        var connection = TurnFleetStore.ConnectAsync(redis).GetAwaiter().GetResult();
        string KeyName(TurnConfigSetting setting) => TurnServerConfig.TryGetKey(setting.Key, out var key) ? key.Name : setting.Key;
        try
        {
            var shared = TurnFleetStore.ShareCredentialsAsync(connection.GetDatabase(), options.Server.Realm,
                settings.Where(s => KeyName(s) == "static-auth-secret").Select(s => s.Value!).ToArray(),
                settings.Where(s => KeyName(s) == "user").Select(s => s.Value!).ToArray()).GetAwaiter().GetResult();
            settings.AddRange(shared);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            stderr.WriteLine($"icespec turn-server: warning: fleet Redis {redis} unreachable ({e.GetType().Name}): starting with this server's own users and secrets");
        }
        var log = new Lock();
        return new TurnFleetMember(connection, options.Server.Realm, options.FleetHeartbeat, options.Server.TotalQuota,
            line => { lock (log) { stderr.WriteLine("icespec turn-server: " + line); stderr.Flush(); } });
    }
}
