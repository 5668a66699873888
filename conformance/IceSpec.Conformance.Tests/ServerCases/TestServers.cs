using System.Net;
using IceSpec.Conformance.Cases.Server;
using IceSpec.Conformance.Lab;

namespace IceSpec.Conformance.Tests.ServerCases;

/// <summary>How a test server is configured: an allocation quota per user (0 = none) and the size of the relay port range.</summary>
public sealed record ServerLimits(int UserQuota, int RelayPorts);

/// <summary>A running server under test and the <see cref="ServerTarget"/> that points the cases at it.</summary>
public sealed class RunningServer(ServerTarget target, ServerProcess process, string configuration) : IAsyncDisposable
{
    public ServerTarget Target { get; } = target;

    public ServerProcess Process { get; } = process;

    /// <summary>The command line, for reports and failure messages.</summary>
    public string Configuration { get; } = configuration;

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}

/// <summary>
/// Starts coturn (Debian's turnserver 4.6.1) and our server (<c>icespec turn-server</c>, the built CLI run with dotnet) on
/// loopback with the same user, realm and limits. A missing turnserver fails the test with how to install it.
/// </summary>
public static class TestServers
{
    public const string Username = "alice";
    public const string Password = "secret";
    public const string Realm = "example.org";

    public static async Task<RunningServer> StartCoturnAsync(ServerLimits limits)
    {
        var turnserver = new[] { "/usr/bin/turnserver", "/usr/sbin/turnserver", "/usr/local/bin/turnserver" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("turnserver (coturn) is not installed: ./test.sh installs it (scripts/install-deps.sh: apt-get install coturn)");
        var directory = System.IO.Directory.CreateTempSubdirectory("icespec-servercases-coturn-").FullName;
        var port = LoopbackPorts.Listening();
        var relay = LoopbackPorts.Range(limits.RelayPorts);
        string[] arguments =
        [
            "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", $"--listening-port={port}",
            $"--min-port={relay}", $"--max-port={relay + limits.RelayPorts - 1}",
            "--lt-cred-mech", $"--user={Username}:{Password}", $"--realm={Realm}", $"--user-quota={limits.UserQuota}",
            "--allow-loopback-peers", "--no-multicast-peers", "--no-tls", "--no-dtls", "--no-cli",
            $"--userdb={Path.Combine(directory, "turndb")}", $"--pidfile={Path.Combine(directory, "turnserver.pid")}",
            $"--log-file={Path.Combine(directory, "turnserver.log")}", "--simple-log",
        ];
        return await StartAsync("coturn", turnserver, arguments, directory, port);
    }

    public static async Task<RunningServer> StartIceSpecAsync(ServerLimits limits)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "icespec.dll");
        if (!File.Exists(cli)) throw new InvalidOperationException($"{cli} is missing: the test project references tools/IceSpec.Cli, rebuild it");
        var directory = System.IO.Directory.CreateTempSubdirectory("icespec-servercases-ours-").FullName;
        var port = LoopbackPorts.Listening();
        var relay = LoopbackPorts.Range(limits.RelayPorts);
        string[] arguments =
        [
            cli, "turn-server", "--listening-ip", "127.0.0.1", "--listening-port", port.ToString(),
            "--min-port", relay.ToString(), "--max-port", (relay + limits.RelayPorts - 1).ToString(),
            "--realm", Realm, "--user", $"{Username}:{Password}", "--user-quota", limits.UserQuota.ToString(),
            "--allow-loopback-peers", "--log-file", Path.Combine(directory, "icespec.log"),
        ];
        return await StartAsync("icespec", "dotnet", arguments, directory, port);
    }

    private static async Task<RunningServer> StartAsync(string name, string file, string[] arguments, string directory, int port)
    {
        var process = ServerProcess.Start(file, arguments, directory);
        try
        {
            await process.WaitAnswersBindingAsync(new IPEndPoint(IPAddress.Loopback, port), name);
            var target = new ServerTarget(name, "127.0.0.1", port, port, Username, Password, Realm);
            return new RunningServer(target, process, $"{file} {string.Join(' ', arguments)}");
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }
}
