using System.Net;
using System.Net.Sockets;
using IceSpec.Conformance.Cases.Server;
using IceSpec.Conformance.Lab;

namespace IceSpec.Conformance.Runner;

/// <summary>A STUN/TURN server started for the server cases, and the target that points the cases at it.</summary>
public sealed record LoopbackServer(ServerTarget Target, LabProcess Process, string LogPath) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Process.DisposeAsync();
}

/// <summary>The one long-term user (RFC 8489 §9.2) a loopback server is started with.</summary>
public sealed record LoopbackUser(string Name, string Password, string Realm)
{
    /// <summary>The user of the server cases.</summary>
    public static readonly LoopbackUser Conformance = new("conformance", "conformance-password", "icespec.conformance");
}

/// <summary>
/// Starts coturn or <c>icespec turn-server</c> on 127.0.0.1 of this namespace for the black-box server cases (their
/// client sockets live here, so the servers do too) and for <c>icespec replay --impl</c>: free ports below the ephemeral
/// range, UDP and TCP on the same port, loopback peers allowed, no allocation quota (coturn counts just-deleted
/// allocations for a while: a quota would refuse later cases' allocations, so the 486 case is inconclusive here).
/// </summary>
public static class LoopbackServers
{
    private const int RelayPorts = 200;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    public static async Task<LoopbackServer> StartAsync(LabServerKind kind, LoopbackUser user, string logDirectory, CancellationToken ct)
    {
        Directory.CreateDirectory(logDirectory);
        var port = LoopbackPorts.Listening();
        var relay = LoopbackPorts.Range(RelayPorts);
        var name = kind == LabServerKind.Coturn ? "coturn" : "icespec";
        var logPath = Path.Combine(logDirectory, $"{name}.log");
        LabProcess process;
        if (kind == LabServerKind.Coturn)
        {
            if (!OnPath("turnserver")) throw new LabException("coturn is not installed (no turnserver on PATH): apt-get install coturn, or run scripts/install-deps.sh");
            process = LabProcess.Start(null, "turnserver",
            [
                "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", $"--listening-port={port}", $"--min-port={relay}",
                $"--max-port={relay + RelayPorts - 1}", "--lt-cred-mech", $"--user={user.Name}:{user.Password}", $"--realm={user.Realm}",
                "--allow-loopback-peers", "--no-multicast-peers", "--no-tls", "--no-dtls", "--no-cli",
                $"--userdb={Path.Combine(logDirectory, "coturn-turndb")}", $"--pidfile={Path.Combine(logDirectory, "coturn.pid")}",
                "--log-file=stdout", "--simple-log",
            ], logPath);
        }
        else
        {
            var (file, prefix) = IceSpecTool.Command();
            process = LabProcess.Start(null, file,
            [
                .. prefix, "turn-server", "--listening-ip", "127.0.0.1", "--listening-port", port.ToString(),
                "--min-port", relay.ToString(), "--max-port", (relay + RelayPorts - 1).ToString(), "--realm", user.Realm,
                "--user", $"{user.Name}:{user.Password}", "--allow-loopback-peers",
            ], logPath);
        }
        var server = new LoopbackServer(new ServerTarget(name, "127.0.0.1", port, port, user.Name, user.Password, user.Realm), process, logPath);
        try
        {
            await WaitListeningAsync(server, port, ct);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Any(directory => File.Exists(Path.Combine(directory, program)));

    private static async Task WaitListeningAsync(LoopbackServer server, int port, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (server.Process.HasExited) throw new LabException($"{server.Target.Name} exited at start; see {server.LogPath}");
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
            attempt.CancelAfter(TimeSpan.FromMilliseconds(500));
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), attempt.Token);
                return;
            }
            catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                await Task.Delay(200, ct);
            }
        }
        throw new LabException($"{server.Target.Name} did not listen on 127.0.0.1:{port} within {StartTimeout.TotalSeconds:0} s; see {server.LogPath}");
    }
}
