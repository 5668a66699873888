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
        try
        {
            var settings = new List<TurnConfigSetting>();
            if (configFile is not null) settings.AddRange(TurnServerConfig.ReadFile(configFile));
            settings.AddRange(flags);
            options = TurnServerConfig.Build(settings);
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
            stdout.Flush();
            stopping.Token.WaitHandle.WaitOne();
        }
        finally
        {
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        stdout.WriteLine("stopped");
        stdout.Flush();
        return Ok;
    }
}
