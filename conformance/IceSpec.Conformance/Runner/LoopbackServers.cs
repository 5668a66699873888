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

/// <summary>A long-term user (RFC 8489 §9.2) a loopback server is started with.</summary>
public sealed record LoopbackUser(string Name, string Password, string Realm)
{
    /// <summary>The user of the server cases.</summary>
    public static readonly LoopbackUser Conformance = new("conformance", "conformance-password", "icespec.conformance");

    /// <summary>
    /// The server cases' further users, same realm: the second is the other user of <c>rfc8656-7.2-15</c>; on the quota
    /// instance the 508 case allocates as these two in turn while the 486 case uses <see cref="Conformance"/>.
    /// </summary>
    public static readonly IReadOnlyList<LoopbackUser> ConformanceOthers =
    [
        new("conformance-2", "conformance-password-2", Conformance.Realm),
        new("conformance-3", "conformance-password-3", Conformance.Realm),
    ];
}

/// <summary>How a loopback server limits allocations: <paramref name="UserQuota"/> per username (0: none) and the size of its relay port range.</summary>
public sealed record LoopbackLimits(int UserQuota, int RelayPorts)
{
    /// <summary>No quota, 200 relay ports: every server case but the quota ones, and <c>icespec replay --impl</c>.</summary>
    public static readonly LoopbackLimits Open = new(0, 200);

    /// <summary>
    /// 3 allocations per user, 4 relay ports: the instance of the 486 and 508 cases. The 486 case allocates as one user:
    /// 3 granted (3 ports), the 4th refused by the quota with a port still free. The 508 case allocates as two other users
    /// in turn: 2 each fill the 4 ports, the 5th (that user's 3rd) is refused for capacity — earlier if coturn still holds
    /// the 486 case's deleted allocations' ports (it does, about a second), never by a quota (2 × 3 &gt; 4).
    /// </summary>
    public static readonly LoopbackLimits Quota = new(3, 4);
}

/// <summary>
/// The servers the server cases run against, of one kind: the main instance (<see cref="LoopbackLimits.Open"/>) and, when
/// the quota cases run, a quota instance (<see cref="LoopbackLimits.Quota"/>) that <see cref="Target"/> names as its
/// <see cref="ServerTarget.QuotaTarget"/>. Both are stopped together.
/// </summary>
public sealed class LoopbackServerCaseServers(LoopbackServer main, LoopbackServer? quota) : IAsyncDisposable
{
    public LoopbackServer Main { get; } = main;

    public LoopbackServer? Quota { get; } = quota;

    /// <summary>The main instance's target, with the other users and the quota instance.</summary>
    public ServerTarget Target { get; } = main.Target with { QuotaTarget = quota?.Target };

    /// <summary>The log of the instance <paramref name="serverCase"/> ran against.</summary>
    public string LogPathFor(ServerCase serverCase) => serverCase.OnQuotaTarget && Quota is not null ? Quota.LogPath : Main.LogPath;

    public async ValueTask DisposeAsync() =>
        await Task.WhenAll(Main.DisposeAsync().AsTask(), Quota?.DisposeAsync().AsTask() ?? Task.CompletedTask);
}

/// <summary>
/// Starts coturn or <c>icespec turn-server</c> on 127.0.0.1 of this namespace for the black-box server cases (their
/// client sockets live here, so the servers do too) and for <c>icespec replay --impl</c>: free ports below the ephemeral
/// range, UDP and TCP on the same port, loopback peers allowed, the given users (one realm) and limits. The server cases
/// get two instances (<see cref="StartForServerCasesAsync"/>): a quota small enough to reach would refuse the other cases'
/// allocations, since coturn counts a deleted allocation, and holds its relay port, for about a second after the Refresh
/// that deletes it (measured: a 4th allocation refused with 486 under quota 3 until 1.0 s after three were deleted, and
/// with 508 on a 4-port range likewise).
/// </summary>
public static class LoopbackServers
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    /// <summary>One instance for <paramref name="user"/>, no quota, <see cref="LoopbackLimits.Open"/>'s relay range (replay).</summary>
    public static Task<LoopbackServer> StartAsync(LabServerKind kind, LoopbackUser user, string logDirectory, CancellationToken ct) =>
        StartAsync(kind, [user], LoopbackLimits.Open, logDirectory, ct);

    /// <summary>
    /// The server cases' servers: the main instance and, when <paramref name="withQuotaInstance"/>, the quota instance,
    /// both with <see cref="LoopbackUser.Conformance"/> and <see cref="LoopbackUser.ConformanceOthers"/>. Logs:
    /// <c>coturn.log</c>/<c>icespec.log</c> and <c>coturn-quota.log</c>/<c>icespec-quota.log</c>.
    /// </summary>
    public static async Task<LoopbackServerCaseServers> StartForServerCasesAsync(LabServerKind kind, string logDirectory, bool withQuotaInstance, CancellationToken ct)
    {
        LoopbackUser[] users = [LoopbackUser.Conformance, .. LoopbackUser.ConformanceOthers];
        // Both instances' ports are picked before either starts (relay ports are bound only when allocated): two listening
        // ports and two relay ranges that do not overlap, so one instance's allocations never take the other's ports.
        var mainPorts = PickPorts(LoopbackLimits.Open, []);
        var quotaPorts = withQuotaInstance ? PickPorts(LoopbackLimits.Quota, [mainPorts]) : null;
        var mainTask = StartAsync(kind, users, LoopbackLimits.Open, logDirectory, ct, null, mainPorts);
        var quotaTask = quotaPorts is null ? Task.FromResult<LoopbackServer?>(null) : StartQuotaAsync();
        try
        {
            await Task.WhenAll((Task)mainTask, quotaTask);
        }
        catch
        {
            if (mainTask.IsCompletedSuccessfully) await mainTask.Result.DisposeAsync();
            if (quotaTask.IsCompletedSuccessfully && quotaTask.Result is { } started) await started.DisposeAsync();
            throw;
        }
        return new LoopbackServerCaseServers(mainTask.Result, quotaTask.Result);

        async Task<LoopbackServer?> StartQuotaAsync() => await StartAsync(kind, users, LoopbackLimits.Quota, logDirectory, ct, "quota", quotaPorts);
    }

    /// <summary>The listening port and relay range of one instance.</summary>
    private sealed record PortPlan(int Listening, int RelayStart, int RelayPorts)
    {
        /// <summary>Every port the instance may bind: the listening port and the relay range.</summary>
        public IEnumerable<int> Ports => [Listening, .. Enumerable.Range(RelayStart, RelayPorts)];

        public bool SharesAPortWith(PortPlan other) => Ports.Intersect(other.Ports).Any();
    }

    /// <summary>Free ports for an instance with <paramref name="limits"/>, clear of <paramref name="taken"/>.</summary>
    private static PortPlan PickPorts(LoopbackLimits limits, IReadOnlyList<PortPlan> taken)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var plan = new PortPlan(LoopbackPorts.Listening(), LoopbackPorts.Range(limits.RelayPorts), limits.RelayPorts);
            if (plan.Ports.Distinct().Count() == 1 + limits.RelayPorts && !taken.Any(plan.SharesAPortWith)) return plan;
        }
        throw new LabException($"no free listening port and {limits.RelayPorts}-port relay range clear of the other instance's");
    }

    /// <summary>
    /// One instance with <paramref name="users"/> (the first is the target's user, the others its <see cref="ServerTarget.OtherUsers"/>;
    /// all of one realm) and <paramref name="limits"/>; its log is <c>coturn[-INSTANCE].log</c> or <c>icespec[-INSTANCE].log</c>.
    /// </summary>
    /// <exception cref="ArgumentException">No users, users of different realms, or limits out of range.</exception>
    /// <exception cref="LabException">The server is not installed, exits at start or does not listen within 20 s.</exception>
    public static Task<LoopbackServer> StartAsync(LabServerKind kind, IReadOnlyList<LoopbackUser> users, LoopbackLimits limits, string logDirectory,
        CancellationToken ct, string? instance = null) =>
        StartAsync(kind, users, limits, logDirectory, ct, instance, null);

    private static async Task<LoopbackServer> StartAsync(LabServerKind kind, IReadOnlyList<LoopbackUser> users, LoopbackLimits limits, string logDirectory,
        CancellationToken ct, string? instance, PortPlan? ports)
    {
        if (users.Count == 0) throw new ArgumentException("a loopback server needs at least one user", nameof(users));
        var realm = users[0].Realm;
        if (users.Any(u => u.Realm != realm))
            throw new ArgumentException($"a loopback server has one realm; the users have {string.Join(", ", users.Select(u => u.Realm).Distinct())}", nameof(users));
        if (limits.UserQuota < 0) throw new ArgumentException($"the user quota must be 0 (none) or positive, not {limits.UserQuota}", nameof(limits));
        if (limits.RelayPorts is < 1 or > 10000) throw new ArgumentException($"the relay range must have 1..10000 ports, not {limits.RelayPorts}", nameof(limits));
        Directory.CreateDirectory(logDirectory);
        ports ??= PickPorts(limits, []);
        var (port, relay) = (ports.Listening, ports.RelayStart);
        var name = kind == LabServerKind.Coturn ? "coturn" : "icespec";
        var file = instance is null ? name : $"{name}-{instance}";
        var logPath = Path.Combine(logDirectory, $"{file}.log");
        LabProcess process;
        if (kind == LabServerKind.Coturn)
        {
            if (!OnPath("turnserver")) throw new LabException("coturn is not installed (no turnserver on PATH): apt-get install coturn, or run scripts/install-deps.sh");
            process = LabProcess.Start(null, "turnserver",
            [
                "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", $"--listening-port={port}", $"--min-port={relay}",
                $"--max-port={relay + limits.RelayPorts - 1}", "--lt-cred-mech", .. users.Select(u => $"--user={u.Name}:{u.Password}"), $"--realm={realm}",
                .. limits.UserQuota > 0 ? [$"--user-quota={limits.UserQuota}"] : Array.Empty<string>(),
                "--allow-loopback-peers", "--no-multicast-peers", "--no-tls", "--no-dtls", "--no-cli",
                $"--userdb={Path.Combine(logDirectory, $"{file}-turndb")}", $"--pidfile={Path.Combine(logDirectory, $"{file}.pid")}",
                "--log-file=stdout", "--simple-log",
            ], logPath);
        }
        else
        {
            var (program, prefix) = IceSpecTool.Command();
            process = LabProcess.Start(null, program,
            [
                .. prefix, "turn-server", "--listening-ip", "127.0.0.1", "--listening-port", port.ToString(),
                "--min-port", relay.ToString(), "--max-port", (relay + limits.RelayPorts - 1).ToString(), "--realm", realm,
                .. users.SelectMany(u => new[] { "--user", $"{u.Name}:{u.Password}" }),
                "--user-quota", limits.UserQuota.ToString(), "--allow-loopback-peers",
            ], logPath);
        }
        var target = new ServerTarget(name, "127.0.0.1", port, port, users[0].Name, users[0].Password, realm)
        {
            OtherUsers = [.. users.Skip(1).Select(u => new ServerUser(u.Name, u.Password))],
        };
        var server = new LoopbackServer(target, process, logPath);
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
