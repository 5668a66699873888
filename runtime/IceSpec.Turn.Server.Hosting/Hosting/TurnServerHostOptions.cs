using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace IceSpec.Turn.Server;

/// <summary>The socket side of a server: where to listen, which relay addresses and ports, TLS, logs. See this project's README.md.</summary>
public sealed class TurnServerHostOptions
{
    /// <summary>The core's options (realm, credentials, quotas, peer policy…).</summary>
    public TurnServerOptions Server { get; set; } = new();

    /// <summary>Addresses to listen on; empty means every unicast address of this host's interfaces (as coturn does).</summary>
    public List<IPAddress> ListeningIps { get; } = [];

    /// <summary>UDP and TCP listening port (RFC 8489 §6: 3478; 0 picks a free port).</summary>
    public int ListeningPort { get; set; } = 3478;

    /// <summary>TLS listening port (RFC 8656 §3.1: 5349); used only with a certificate. 0 picks a free port.</summary>
    public int TlsListeningPort { get; set; } = 5349;

    public bool EnableUdp { get; set; } = true;

    public bool EnableTcp { get; set; } = true;

    /// <summary>PEM certificate (chain) for TLS.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>PEM private key for TLS.</summary>
    public string? PrivateKeyFile { get; set; }

    /// <summary>Relay addresses (one per family is used); empty means the listening addresses (non-loopback first).</summary>
    public List<IPAddress> RelayIps { get; } = [];

    /// <summary>Public addresses to advertise in XOR-RELAYED-ADDRESS for relay addresses behind a 1:1 NAT (private → public).</summary>
    public Dictionary<IPAddress, IPAddress> ExternalIps { get; } = [];

    /// <summary>The relay port range (RFC 8656 §7.2 recommends 49152–65535).</summary>
    public int MinPort { get; set; } = 49152;

    public int MaxPort { get; set; } = 65535;

    /// <summary>RFC 5780: the second IP address (with <see cref="AlternatePort"/>): OTHER-ADDRESS, CHANGE-REQUEST.</summary>
    public IPAddress? AlternateIp { get; set; }

    public int? AlternatePort { get; set; }

    /// <summary>The log file; null for standard error.</summary>
    public string? LogFile { get; set; }

    /// <summary>The lowest level written to <see cref="LogFile"/> (<c>log-level</c>; <c>verbose</c> is Debug).</summary>
    public LogLevel LogLevel { get; set; } = LogLevel.Information;

    public TurnLogFormat LogFormat { get; set; } = TurnLogFormat.KeyValue;

    /// <summary>
    /// Where to serve the meters in Prometheus text format (<c>/metrics</c>) and <c>/health</c> (<c>prometheus</c>); null
    /// (the default) serves nothing.
    /// </summary>
    public IPEndPoint? Prometheus { get; set; }

    /// <summary>The fleet's Redis, HOST:PORT (<c>fleet=redis://HOST:PORT</c>); null: the server stands alone.</summary>
    public string? Fleet { get; set; }

    /// <summary>This server's id in the fleet; null: its listening IP:PORT.</summary>
    public string? FleetId { get; set; }

    /// <summary>Time between fleet heartbeats; a server key lives <see cref="TurnFleetStore.HeartbeatsToLive"/> of them.</summary>
    public TimeSpan FleetHeartbeat { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Kernel socket buffer sizes asked for on listeners and relay ports (bursts on the relay path).</summary>
    public int SocketBufferSize { get; set; } = 1 << 20;

    /// <summary>
    /// Kernel buffer sizes asked for on the UDP listeners, which carry every client's traffic: 4 MiB as coturn's (the
    /// kernel caps it at net.core.rmem_max). The soak (runtime/IceSpec.Turn.Benchmarks/RESULTS.md) lost probes in bursts
    /// of ~4,000 datagrams with 1 MiB.
    /// </summary>
    public int ListenerSocketBufferSize { get; set; } = 4 << 20;

    /// <summary>
    /// UDP loops of the Linux engine (<c>relay-threads</c>, coturn's name): each has its own thread, its own
    /// SO_REUSEPORT socket on every UDP listening address, and reads the relay ports of the allocations it created. Null
    /// (the default): one per core the process may run on (<see cref="Environment.ProcessorCount"/>, which counts the
    /// CPUs of the process's affinity mask, taskset, and a cgroup CPU limit rounded up). 0 is 1, as in coturn (relaying in
    /// the listener's thread). Not used with <see cref="PortableSockets"/>.
    /// </summary>
    public int? RelayThreads { get; set; }

    /// <summary>The number of UDP loops <see cref="RelayThreads"/> asks for.</summary>
    public int EffectiveRelayThreads() => RelayThreads is { } n ? Math.Max(1, n) : Math.Max(1, Environment.ProcessorCount);

    /// <summary>Use .NET's asynchronous sockets for UDP even on Linux (instead of the epoll/recvmmsg/sendmmsg engine).</summary>
    public bool PortableSockets { get; set; }

    /// <summary>TCP/TLS connections served at once (<c>max-connections</c>); more are closed on accept.</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>
    /// TCP/TLS connections one client source (IPv4 address, IPv6 /64) may hold (<c>max-connections-per-source</c>); more
    /// are closed on accept; 0 for no limit. The default, a tenth of <see cref="MaxConnections"/>, leaves room for a large
    /// NAT's users and takes ten sources to fill the server.
    /// </summary>
    public int MaxConnectionsPerSource { get; set; } = 1_000;

    /// <summary>
    /// A TCP/TLS message whose first byte has arrived must be complete within this (<c>message-deadline</c>), or the
    /// connection is closed: a client trickling bytes cannot hold it open. 64 KB, the largest message, takes 9 s at
    /// 56 kbit/s. <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    public TimeSpan MessageDeadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Bytes all connections may hold in large (64 KB) read buffers at once (<c>stream-buffer-memory</c>, in MB in the
    /// config): a connection that needs one beyond it is closed. Every connection also has a 4 KB buffer.
    /// </summary>
    public long StreamBufferMemory { get; set; } = 256L << 20;

    /// <summary>Each connection rents the largest read buffer (128 KB) up front and keeps it: the behaviour before issue 13, for measurements only.</summary>
    public bool StreamBufferPreallocate { get; set; }

    /// <summary>A TCP/TLS connection without an allocation that sends nothing for this long is closed.</summary>
    public TimeSpan IdleConnectionTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A TLS handshake that takes longer is dropped.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The listening addresses to use: <see cref="ListeningIps"/>, or every unicast interface address.</summary>
    public IReadOnlyList<IPAddress> EffectiveListeningIps()
    {
        if (ListeningIps.Count > 0) return ListeningIps;
        var found = new List<IPAddress>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus is not (OperationalStatus.Up or OperationalStatus.Unknown)) continue;
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                var address = unicast.Address;
                if (address.AddressFamily == AddressFamily.InterNetworkV6 && (address.IsIPv6LinkLocal || address.ScopeId != 0)) continue;
                if (address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 && !found.Contains(address)) found.Add(address);
            }
        }
        if (found.Count == 0) found.Add(IPAddress.Loopback);
        return found;
    }

    /// <summary>One relay address per family: <see cref="RelayIps"/>, or the first listening address of each family (non-loopback preferred).</summary>
    public (IPAddress? IPv4, IPAddress? IPv6) EffectiveRelayIps(IReadOnlyList<IPAddress> listening)
    {
        var source = RelayIps.Count > 0 ? RelayIps : listening;
        IPAddress? Pick(AddressFamily family) =>
            source.Where(a => a.AddressFamily == family).OrderBy(a => IPAddress.IsLoopback(a) ? 1 : 0).FirstOrDefault();
        return (Pick(AddressFamily.InterNetwork), Pick(AddressFamily.InterNetworkV6));
    }
}
