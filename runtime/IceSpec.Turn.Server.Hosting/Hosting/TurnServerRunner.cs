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
                TurnServerOptions? server = null;
                fleet = JoinFleet(redis, options, settings, () => Volatile.Read(ref server), stderr);
                options = TurnServerConfig.Build(settings);
                Volatile.Write(ref server, options.Server);   // with the realm's shared users and secrets
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
    /// to <paramref name="settings"/>; later changes in Redis replace the credentials of <paramref name="server"/> (read
    /// every heartbeat). Redis down at start: a warning, and the server starts with its own credentials (its heartbeat
    /// joins the fleet once Redis is up).
    /// </summary>
    private static TurnFleetMember JoinFleet(string redis, TurnServerHostOptions options, List<TurnConfigSetting> settings, Func<TurnServerOptions?> server, TextWriter stderr)
    {
        var connection = TurnFleetStore.ConnectAsync(redis).GetAwaiter().GetResult();
        string KeyName(TurnConfigSetting setting) => TurnServerConfig.TryGetKey(setting.Key, out var key) ? key.Name : setting.Key;
        TurnConfigSetting[] own = [.. settings];
        string[] secrets = [.. own.Where(s => KeyName(s) == "static-auth-secret").Select(s => s.Value!)];
        string[] users = [.. own.Where(s => KeyName(s) == "user").Select(s => s.Value!)];
        try
        {
            var db = connection.GetDatabase();
            TurnFleetStore.PublishCredentialsAsync(db, options.Server.Realm, secrets, users).GetAwaiter().GetResult();
            settings.AddRange(TurnFleetStore.ReadCredentialsAsync(db, options.Server.Realm).GetAwaiter().GetResult());
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            stderr.WriteLine($"icespec turn-server: warning: fleet Redis {redis} unreachable ({e.GetType().Name}): starting with this server's own users and secrets");
        }
        var log = new Lock();
        void Log(string line)
        {
            lock (log)
            {
                stderr.WriteLine("icespec turn-server: " + line);
                stderr.Flush();
            }
        }
        // This server's own credentials stay; the realm's are replaced (the core reads Credentials on every request).
        void CredentialsChanged(IReadOnlyList<TurnConfigSetting> shared)
        {
            try
            {
                if (server() is { } running) running.Credentials = TurnServerConfig.Build([.. own, .. shared]).Server.Credentials;
            }
            catch (TurnConfigException e)
            {
                Log($"fleet: the realm's users in Redis are refused ({e.Message}): keeping the previous ones");
            }
        }
        return new TurnFleetMember(connection, options.Server.Realm, options.FleetHeartbeat, options.Server.TotalQuota, secrets, users, CredentialsChanged, Log);
    }
}
