using System.Net;

namespace IceSpec.Conformance.Lab;

/// <summary>Which STUN/TURN server sits on the lab's public side.</summary>
public enum LabServerKind : byte
{
    /// <summary>coturn's <c>turnserver</c> (Debian coturn 4.6.1) on <see cref="LabAddressPlan.CoturnAddress"/>.</summary>
    Coturn,
    /// <summary>Ours, <c>icespec turn-server</c>, on <see cref="LabAddressPlan.IceSpecServerAddress"/>.</summary>
    IceSpec,
}

/// <summary>A running STUN/TURN server of the lab with the long-term credentials it accepts (RFC 8489 §9.2).</summary>
public sealed record LabServer(LabServerKind Kind, IPEndPoint Endpoint, string Username, string Password, string Realm, string LogPath)
{
    /// <summary>
    /// The server's IPv6 endpoint when the lab has IPv6 (it then listens and relays on both families, so that it can
    /// allocate a relayed address of either family, RFC 8656 §7.1); null otherwise.
    /// </summary>
    public IPEndPoint? Endpoint6 { get; init; }

    /// <summary>The endpoint a host with only <paramref name="family"/> reaches: IPv6 for an IPv6-only host, else IPv4.</summary>
    public IPEndPoint EndpointFor(System.Net.Sockets.AddressFamily family) =>
        family == System.Net.Sockets.AddressFamily.InterNetworkV6 && Endpoint6 is { } six ? six : Endpoint;

    /// <summary>The server's process (replaced by <see cref="LabServers.RestartAsync"/>).</summary>
    public LabServerProcess Running { get; init; } = new();
}

/// <summary>The process currently serving a <see cref="LabServer"/>.</summary>
public sealed class LabServerProcess
{
    public LabProcess? Process { get; set; }
}

/// <summary>Starts the STUN/TURN servers in the lab's public namespace; the lab stops them when it is torn down.</summary>
public static class LabServers
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    public static Task<LabServer> StartAsync(NatLab lab, LabServerKind kind, string logDirectory, CancellationToken ct) => kind switch
    {
        LabServerKind.Coturn => StartCoturnAsync(lab, logDirectory, ct),
        _ => StartIceSpecAsync(lab, logDirectory, ct),
    };

    /// <summary>
    /// Kills the server (SIGKILL: a crash, every allocation lost) and starts it again on the same address and port, its
    /// log in <paramref name="logDirectory"/>; returns once it listens again.
    /// </summary>
    public static async Task RestartAsync(NatLab lab, LabServer server, string logDirectory, CancellationToken ct)
    {
        if (server.Running.Process is { } old) await old.StopAsync(TimeSpan.Zero);
        var fresh = await StartAsync(lab, server.Kind, logDirectory, ct);
        server.Running.Process = fresh.Running.Process;
    }

    private static async Task<LabServer> StartCoturnAsync(NatLab lab, string logDirectory, CancellationToken ct)
    {
        var address = LabAddressPlan.CoturnAddress;
        var work = Directory.CreateDirectory(Path.Combine(logDirectory, "coturn")).FullName;
        string[] ipv6 = lab.Topology.HasIPv6
            ? [$"--listening-ip={LabAddressPlan.CoturnAddress6}", $"--relay-ip={LabAddressPlan.CoturnAddress6}", "--allowed-peer-ip=2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"]
            : [];
        string[] args =
        [
            .. ipv6,
            "-n", $"--listening-ip={address}", $"--relay-ip={address}", $"--listening-port={LabAddressPlan.TurnPort}",
            "--min-port=49152", "--max-port=65535", "--lt-cred-mech", $"--user={LabAddressPlan.TurnUser}:{LabAddressPlan.TurnPassword}",
            $"--realm={LabAddressPlan.TurnRealm}", "--no-tls", "--no-dtls", "--no-cli", $"--userdb={work}/turndb",
            $"--pidfile={work}/turnserver.pid", "--log-file=stdout", "--simple-log", "-v",
            // The lab's peers live in documentation and private ranges: allow them explicitly.
            "--allowed-peer-ip=10.0.0.0-10.255.255.255", "--allowed-peer-ip=198.51.100.0-198.51.100.255",
            "--allowed-peer-ip=203.0.113.0-203.0.113.255",
        ];
        var logPath = Path.Combine(logDirectory, "coturn.log");
        var process = lab.Start(lab.PublicNamespace, "turnserver", args, logPath);
        return await ReadyAsync(lab, process, LabServerKind.Coturn, address, lab.Topology.HasIPv6 ? LabAddressPlan.CoturnAddress6 : null, logPath, ct);
    }

    private static async Task<LabServer> StartIceSpecAsync(NatLab lab, string logDirectory, CancellationToken ct)
    {
        var address = LabAddressPlan.IceSpecServerAddress;
        var (file, prefix) = IceSpecTool.Command();
        var six = LabAddressPlan.IceSpecServerAddress6.ToString();
        string[] ipv6 = lab.Topology.HasIPv6 ? ["--listening-ip", six, "--relay-ip", six] : [];
        string[] args =
        [
            .. prefix, "turn-server", .. ipv6, "--listening-ip", address.ToString(), "--relay-ip", address.ToString(),
            "--listening-port", LabAddressPlan.TurnPort.ToString(), "--realm", LabAddressPlan.TurnRealm,
            "--user", $"{LabAddressPlan.TurnUser}:{LabAddressPlan.TurnPassword}", "--verbose",
            .. LabAddressPlan.PeerPrefixes.SelectMany(p => (string[])["--allowed-peer-ip", p]),
        ];
        var logPath = Path.Combine(logDirectory, "icespec-turn-server.log");
        var process = lab.Start(lab.PublicNamespace, file, args, logPath);
        return await ReadyAsync(lab, process, LabServerKind.IceSpec, address, lab.Topology.HasIPv6 ? LabAddressPlan.IceSpecServerAddress6 : null, logPath, ct);
    }

    /// <summary>Ready once its TCP listener accepts a connection (both servers open TCP and UDP together).</summary>
    private static async Task<LabServer> ReadyAsync(NatLab lab, LabProcess process, LabServerKind kind, IPAddress address, IPAddress? address6, string logPath, CancellationToken ct)
    {
        var endpoint = new IPEndPoint(address, LabAddressPlan.TurnPort);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            ct.ThrowIfCancellationRequested();
            if (process.HasExited)
                throw new LabException($"{kind} server exited at start; see {logPath}: {Tail(logPath)}");
            if (await NamespaceSockets.CanConnectAsync(lab.PublicNamespace, endpoint, TimeSpan.FromMilliseconds(500)))
                return new LabServer(kind, endpoint, LabAddressPlan.TurnUser, LabAddressPlan.TurnPassword, LabAddressPlan.TurnRealm, logPath)
                {
                    Running = new LabServerProcess { Process = process },
                    Endpoint6 = address6 is null ? null : new IPEndPoint(address6, LabAddressPlan.TurnPort),
                };
            await Task.Delay(200, ct);
        }
        throw new LabException($"{kind} server did not listen on {endpoint} within {StartTimeout.TotalSeconds:0} s; see {logPath}");
    }

    private static string Tail(string path) =>
        File.Exists(path) ? string.Join(" | ", File.ReadLines(path).TakeLast(3)) : "(no log)";
}
