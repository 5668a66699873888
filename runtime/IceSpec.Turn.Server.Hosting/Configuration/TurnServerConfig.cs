using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;

namespace IceSpec.Turn.Server;

/// <summary>How a setting takes its value: one value (the last one wins), a repeatable value, or a switch.</summary>
public enum TurnConfigKind : byte
{
    Value,
    Values,
    Flag,
    /// <summary>A coturn setting with a value that this server does not have: refused, the description naming what to use instead.</summary>
    UnsupportedValue,
    /// <summary>A coturn switch that this server does not have: refused, the description naming what to use instead.</summary>
    UnsupportedFlag,
    /// <summary>A switch that may carry a value: <c>--prometheus</c> or <c>--prometheus IP:PORT</c>.</summary>
    OptionalValue,
}

/// <summary>One setting: the same name as a command-line flag (<c>--name</c>) and as a config-file key (<c>name=value</c>).</summary>
public sealed record TurnConfigKey(string Name, TurnConfigKind Kind, string Description, params string[] Aliases);

/// <summary>A setting as read from a file or the command line; <see cref="Source"/> says where, for error messages.</summary>
public readonly record struct TurnConfigSetting(string Key, string? Value, string Source);

/// <summary>A setting that cannot be used, with where it came from.</summary>
public sealed class TurnConfigException(string message) : Exception(message);

/// <summary>
/// The settings of <c>icespec turn-server</c>: one table for flags and config-file keys (coturn's names where coturn has
/// the setting, so its <c>turnserver.conf</c> lines mostly carry over), the file reader, and the translation into
/// <see cref="TurnServerHostOptions"/>. Documented in this project's README.md.
/// </summary>
public static class TurnServerConfig
{
    public static IReadOnlyList<TurnConfigKey> Keys { get; } =
    [
        new("listening-ip", TurnConfigKind.Values, "Address to listen on (repeatable). Default: every address of every interface.", "L"),
        new("listening-port", TurnConfigKind.Value, "UDP and TCP port (default 3478; 0 picks a free port).", "p"),
        new("tls-listening-port", TurnConfigKind.Value, "TLS port (default 5349; 0 picks a free port); needs cert and pkey."),
        new("cert", TurnConfigKind.Value, "TLS certificate (PEM)."),
        new("pkey", TurnConfigKind.Value, "TLS private key (PEM)."),
        new("no-udp", TurnConfigKind.Flag, "Do not listen on UDP."),
        new("no-tcp", TurnConfigKind.Flag, "Do not listen on TCP."),
        new("no-tls", TurnConfigKind.Flag, "Do not listen on TLS even with a certificate."),
        new("relay-ip", TurnConfigKind.Values, "Relay address (repeatable; one per family is used). Default: the listening addresses.", "E"),
        new("external-ip", TurnConfigKind.Values, "PUBLIC or PUBLIC/PRIVATE: advertise PUBLIC for the relay address PRIVATE (1:1 NAT).", "X"),
        new("min-port", TurnConfigKind.Value, "Lowest relay port (default 49152)."),
        new("max-port", TurnConfigKind.Value, "Highest relay port (default 65535)."),
        new("realm", TurnConfigKind.Value, "Realm of the long-term credentials (default icespec).", "r"),
        new("user", TurnConfigKind.Values, "A long-term user, user:password or user:0x<md5 key> (repeatable).", "u"),
        new("users-file", TurnConfigKind.Value, "File of users, one 'user:password' (or coturn 'user=user:password') per line."),
        new("static-auth-secret", TurnConfigKind.Values, "TURN REST API shared secret (repeatable for rotation), as coturn's."),
        new("rest-api-separator", TurnConfigKind.Value, "Separator of timestamp and user in REST API usernames (default ':').", "C"),
        new("user-quota", TurnConfigKind.Value, "Allocations per username (486 beyond; default 1000; 0 = no limit, coturn's default).", "q"),
        new("total-quota", TurnConfigKind.Value, "Allocations in total (508 beyond; default 0 = no limit but the port range).", "Q"),
        new("max-allocate-lifetime", TurnConfigKind.Value, "Longest allocation lifetime in seconds (default 3600)."),
        new("default-allocate-lifetime", TurnConfigKind.Value, "Default (and shortest) allocation lifetime in seconds (default 600)."),
        new("idle-connection-timeout", TurnConfigKind.Value, "Close TCP/TLS connections without an allocation after this many silent seconds (default 300)."),
        new("max-connections", TurnConfigKind.Value, "TCP+TLS connections in total; more are closed on accept (default 10000)."),
        new("max-connections-per-source", TurnConfigKind.Value, "TCP+TLS connections per client IPv4 address or IPv6 /64 (default 1000; 0 = no limit)."),
        new("message-deadline", TurnConfigKind.Value, "Seconds a TCP/TLS message may take once its first byte arrived, else the connection is closed (default 30; 0 = off)."),
        new("stream-buffer-memory", TurnConfigKind.Value, "MB of 64 KB read buffers all TCP/TLS connections may hold; a connection needing more is closed (default 256)."),
        new("stream-buffer-preallocate", TurnConfigKind.Flag, "Measurements only: rent a 128 KB read buffer per connection up front and keep it (the behaviour before issue 13)."),
        new("unauthenticated-rate", TurnConfigKind.Value, "Answers per second per client source to requests without valid credentials (Binding, 401, errors); over it, dropped (default 100; 0 = off)."),
        new("unauthenticated-burst", TurnConfigKind.Value, "Burst of unauthenticated-rate: answers a source may get at once (default 200)."),
        new("stale-nonce", TurnConfigKind.Value, "Nonce lifetime in seconds before 438 Stale Nonce (default 600)."),
        new("allow-loopback-peers", TurnConfigKind.Flag, "Allow peers on loopback addresses (refused by default)."),
        new("allowed-peer-ip", TurnConfigKind.Values, "Allow peers in this address or CIDR prefix even if special-purpose (repeatable).", "allow-peer"),
        new("denied-peer-ip", TurnConfigKind.Values, "Refuse peers in this address or CIDR prefix (repeatable).", "deny-peer"),
        new("fleet", TurnConfigKind.Value, "Join the fleet of this realm on Redis, redis://HOST:PORT: shared users and REST secrets, per-user quota across the fleet, load published every heartbeat, a full or draining server redirects Allocate (300) to the least-loaded live one (README: A fleet on Redis). Default: stand alone."),
        new("fleet-id", TurnConfigKind.Value, "This server's id in the fleet (default: its listening IP:PORT); its drain flag is the Redis key icespec:turn:REALM:drain:ID."),
        new("fleet-heartbeat", TurnConfigKind.Value, "Milliseconds between fleet heartbeats (default 1000, 100 to 60000); the others leave out a server whose beat is H + H/4 + 50 ms overdue."),
        new("alternate-server", TurnConfigKind.Values, "Redirect Allocate requests to IP:PORT with 300 Try Alternate (repeatable, round robin)."),
        new("alt-listening-ip", TurnConfigKind.Value, "RFC 5780: second IP address (OTHER-ADDRESS, CHANGE-REQUEST); with alt-listening-port."),
        new("alt-listening-port", TurnConfigKind.Value, "RFC 5780: second port."),
        new("stun-only", TurnConfigKind.Flag, "Answer STUN Binding only; no TURN.", "S"),
        new("no-tcp-relay", TurnConfigKind.Flag, "Refuse TCP allocations (RFC 6062) with 442; by default they are offered over TCP and TLS."),
        new("max-tcp-peer-connections", TurnConfigKind.Value, "RFC 6062 peer data connections per TCP allocation (Connect beyond it: 508; default 64)."),
        new("tcp-bind-timeout", TurnConfigKind.Value, "Seconds a peer data connection waits for its ConnectionBind before it is closed (RFC 6062 §5.2; default 30)."),
        new("tcp-connect-timeout", TurnConfigKind.Value, "Seconds a Connect waits for the peer before 447 (RFC 6062 §5.2: at least 30; default 30)."),
        new("rfc5766-channel-numbers", TurnConfigKind.Flag, "Accept channel numbers 0x4000-0x7FFF as coturn does (RFC 5766), not only 0x4000-0x4FFF."),
        new("no-password-algorithms", TurnConfigKind.Flag, "Do not offer PASSWORD-ALGORITHMS (SHA-256 keys) in the nonce cookie (RFC 8489 §9.2)."),
        new("software", TurnConfigKind.Value, "SOFTWARE attribute value (default 'IceSpec TURN server')."),
        new("no-software", TurnConfigKind.Flag, "Send no SOFTWARE attribute."),
        new("log-file", TurnConfigKind.Value, "Log file (default: standard error; 'stderr' or '-' for it).", "l"),
        new("log-level", TurnConfigKind.Value, "debug, info (default), warn or error."),
        new("log-format", TurnConfigKind.Value, "kv (key=value, default) or json."),
        new("verbose", TurnConfigKind.Flag, "Same as log-level=debug.", "v", "V", "Verbose"),
        new("prometheus", TurnConfigKind.OptionalValue, "Serve the meters in Prometheus text format (/metrics) and /health on IP:PORT. Bare, as coturn spells it: on 127.0.0.1 and prometheus-port (coturn binds every interface). Default: off."),
        new("prometheus-port", TurnConfigKind.Value, "Port of a bare prometheus (default 9641, coturn's)."),
        new("portable-sockets", TurnConfigKind.Flag, "Use .NET's asynchronous UDP sockets instead of the Linux epoll/recvmmsg/sendmmsg engine."),
        // coturn settings accepted so its configuration files load; they describe what this server always does.
        new("lt-cred-mech", TurnConfigKind.Flag, "Accepted for coturn compatibility: long-term credentials are always used.", "a"),
        new("use-auth-secret", TurnConfigKind.Flag, "Accepted for coturn compatibility: implied by static-auth-secret."),
        new("fingerprint", TurnConfigKind.Flag, "Accepted for coturn compatibility: responses always carry FINGERPRINT.", "f"),
        new("no-multicast-peers", TurnConfigKind.Flag, "Accepted for coturn compatibility: multicast peers are always refused."),
        new("no-loopback-peers", TurnConfigKind.Flag, "Accepted for coturn compatibility: loopback peers are refused unless allowed."),
        new("no-cli", TurnConfigKind.Flag, "Accepted for coturn compatibility: there is no CLI."),
        new("no-dtls", TurnConfigKind.Flag, "Accepted for coturn compatibility: there is no DTLS."),
        new("simple-log", TurnConfigKind.Flag, "Accepted for coturn compatibility: the log is one file."),
        new("no-stdout-log", TurnConfigKind.Flag, "Accepted for coturn compatibility: with log-file the log goes to that file only."),
        new("relay-threads", TurnConfigKind.Value, "UDP relay loops (threads, each with its own SO_REUSEPORT listener socket), 0-1024; 0 is 1. Default: the number of CPUs the process may run on.", "m"),
        // coturn settings this server does not have: refused with what to use instead.
        new("userdb", TurnConfigKind.UnsupportedValue, "coturn's SQLite user database is not supported: put the users in a file of 'name:password' (or 'name:0x<key>') lines and give users-file FILE, or give user NAME:PASSWORD.", "b", "db"),
        new("psql-userdb", TurnConfigKind.UnsupportedValue, "coturn's PostgreSQL user database is not supported: give users-file FILE ('name:password' lines), user NAME:PASSWORD, or static-auth-secret S for TURN REST API credentials.", "e", "sql-userdb"),
        new("mysql-userdb", TurnConfigKind.UnsupportedValue, "coturn's MySQL user database is not supported: give users-file FILE ('name:password' lines), user NAME:PASSWORD, or static-auth-secret S for TURN REST API credentials.", "M"),
        new("mongo-userdb", TurnConfigKind.UnsupportedValue, "coturn's MongoDB user database is not supported: give users-file FILE ('name:password' lines), user NAME:PASSWORD, or static-auth-secret S for TURN REST API credentials.", "J"),
        new("redis-userdb", TurnConfigKind.UnsupportedValue, "coturn's Redis user database is not supported: give users-file FILE ('name:password' lines), user NAME:PASSWORD, or static-auth-secret S for TURN REST API credentials.", "N"),
        new("redis-statsdb", TurnConfigKind.UnsupportedValue, "coturn's Redis statistics database is not supported: the server logs each allocation (log-format json for machines)."),
        new("pidfile", TurnConfigKind.UnsupportedValue, "coturn's pid file is not supported: the server runs in the foreground, so the shell or service manager that starts it has its PID (e.g. $! in sh)."),
        new("daemon", TurnConfigKind.UnsupportedFlag, "coturn's daemon mode is not supported: the server runs in the foreground; run it under a service manager (systemd) or in the background with '&'.", "o"),
        new("no-auth", TurnConfigKind.UnsupportedFlag, "coturn's anonymous mode is not supported: TURN requests are always authenticated (RFC 8656 §5); give user NAME:PASSWORD (STUN Binding needs no credentials).", "z"),
    ];

    private static readonly Dictionary<string, TurnConfigKey> ByName = BuildIndex();

    private static Dictionary<string, TurnConfigKey> BuildIndex()
    {
        var index = new Dictionary<string, TurnConfigKey>(StringComparer.Ordinal);
        foreach (var key in Keys)
        {
            index[key.Name] = key;
            foreach (var alias in key.Aliases) index[alias] = key;
        }
        return index;
    }

    public static bool TryGetKey(string name, out TurnConfigKey key) => ByName.TryGetValue(name, out key!);

    /// <summary>
    /// Reads a config file: <c>key=value</c> or <c>key value</c> lines, a bare <c>key</c> for a switch, <c>#</c> comments,
    /// optional leading <c>--</c> (so command lines can be pasted).
    /// </summary>
    public static IReadOnlyList<TurnConfigSetting> ReadFile(string path)
    {
        var settings = new List<TurnConfigSetting>();
        var number = 0;
        foreach (var raw in File.ReadAllLines(path))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (line.StartsWith("--", StringComparison.Ordinal)) line = line[2..];
            var split = line.IndexOfAny(['=', ' ', '\t']);
            var key = split < 0 ? line : line[..split].Trim();
            var value = split < 0 ? null : line[(split + 1)..].Trim().Trim('"');
            settings.Add(new TurnConfigSetting(key, value, $"{path}:{number}"));
        }
        return settings;
    }

    /// <summary>Builds the host options from settings applied in order (files first, then flags). Throws <see cref="TurnConfigException"/>.</summary>
    public static TurnServerHostOptions Build(IEnumerable<TurnConfigSetting> settings)
    {
        var host = new TurnServerHostOptions();
        var server = host.Server;
        var users = new List<TurnUser>();
        var secrets = new List<string>();
        var allowed = new List<IpPrefix>();
        var denied = new List<IpPrefix>();
        var allowLoopback = false;
        var realm = "icespec";
        var separator = ':';
        var noTls = false;
        string? alternateIp = null;
        string? alternatePort = null;
        TurnConfigSetting? prometheus = null;
        var prometheusPort = DefaultPrometheusPort;

        foreach (var setting in settings)
        {
            if (!ByName.TryGetValue(setting.Key, out var key)) throw Error(setting, $"unknown setting '{setting.Key}' (see icespec turn-server --help)");
            if (key.Kind is TurnConfigKind.UnsupportedValue or TurnConfigKind.UnsupportedFlag) throw Error(setting, key.Description);
            var value = setting.Value;
            if (key.Kind == TurnConfigKind.Flag)
            {
                if (!ParseFlag(value, out var on)) throw Error(setting, $"'{key.Name}' is a switch: give no value, or true/false");
                if (!on) continue;
            }
            else if (key.Kind != TurnConfigKind.OptionalValue && string.IsNullOrEmpty(value))
            {
                throw Error(setting, $"'{key.Name}' needs a value");
            }

            switch (key.Name)
            {
                case "listening-ip": host.ListeningIps.Add(Address(setting)); break;
                case "listening-port": host.ListeningPort = Port(setting, allowZero: true); break;
                case "tls-listening-port": host.TlsListeningPort = Port(setting, allowZero: true); break;
                case "cert": host.CertificateFile = value; break;
                case "pkey": host.PrivateKeyFile = value; break;
                case "no-udp": host.EnableUdp = false; break;
                case "no-tcp": host.EnableTcp = false; break;
                case "no-tls": noTls = true; break;
                case "relay-ip": host.RelayIps.Add(Address(setting)); break;
                case "external-ip":
                {
                    var parts = value!.Split('/', 2);
                    var publicIp = Address(setting with { Value = parts[0] });
                    var privateIp = parts.Length > 1 ? Address(setting with { Value = parts[1] }) : null;
                    if (privateIp is null)
                    {
                        if (host.ExternalIps.ContainsKey(IPAddress.Any)) throw Error(setting, "only one external-ip without /PRIVATE");
                        host.ExternalIps[IPAddress.Any] = publicIp;
                    }
                    else host.ExternalIps[privateIp] = publicIp;
                    break;
                }
                case "min-port": host.MinPort = Port(setting, allowZero: false); break;
                case "max-port": host.MaxPort = Port(setting, allowZero: false); break;
                case "realm": realm = value!; break;
                case "user":
                    if (!TurnUserFile.TryParseUser(value!, out var user, out var userError)) throw Error(setting, userError);
                    users.Add(user);
                    break;
                case "users-file":
                    try
                    {
                        users.AddRange(TurnUserFile.Load(value!));
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
                    {
                        throw Error(setting, e.Message);
                    }
                    break;
                case "static-auth-secret": secrets.Add(value!); break;
                case "rest-api-separator":
                    if (value!.Length != 1) throw Error(setting, "the separator is one character");
                    separator = value[0];
                    break;
                case "user-quota": server.UserQuota = Integer(setting, 0, int.MaxValue); break;
                case "total-quota": server.TotalQuota = Integer(setting, 0, int.MaxValue); break;
                case "max-allocate-lifetime": server.MaxLifetime = TimeSpan.FromSeconds(Integer(setting, 1, int.MaxValue)); break;
                case "default-allocate-lifetime": server.DefaultLifetime = TimeSpan.FromSeconds(Integer(setting, 1, int.MaxValue)); break;
                case "idle-connection-timeout": host.IdleConnectionTimeout = TimeSpan.FromSeconds(Integer(setting, 1, int.MaxValue)); break;
                case "max-connections": host.MaxConnections = Integer(setting, 1, int.MaxValue); break;
                case "max-connections-per-source": host.MaxConnectionsPerSource = Integer(setting, 0, int.MaxValue); break;
                case "message-deadline": host.MessageDeadline = TimeSpan.FromSeconds(Integer(setting, 0, int.MaxValue)); break;
                case "stream-buffer-memory": host.StreamBufferMemory = (long)Integer(setting, 1, 1 << 20) << 20; break;
                case "stream-buffer-preallocate": host.StreamBufferPreallocate = true; break;
                case "unauthenticated-rate": server.UnauthenticatedRate = Integer(setting, 0, int.MaxValue); break;
                case "unauthenticated-burst": server.UnauthenticatedBurst = Integer(setting, 1, int.MaxValue); break;
                case "stale-nonce": server.NonceLifetime = TimeSpan.FromSeconds(Integer(setting, 1, int.MaxValue)); break;
                case "allow-loopback-peers": allowLoopback = true; break;
                case "allowed-peer-ip": allowed.Add(Prefix(setting)); break;
                case "denied-peer-ip": denied.Add(Prefix(setting)); break;
                case "alternate-server":
                    if (!IPEndPoint.TryParse(value!, out var alternate) || alternate.Port == 0) throw Error(setting, $"'{value}' is not IP:PORT");
                    server.AlternateServers.Add(TurnEndpoint.From(alternate));
                    break;
                case "alt-listening-ip": alternateIp = value; break;
                case "alt-listening-port": alternatePort = value; break;
                case "stun-only": server.StunOnly = true; break;
                case "relay-threads": host.RelayThreads = Integer(setting, 0, 1024); break;
                case "no-tcp-relay": server.NoTcpRelay = true; break;
                case "max-tcp-peer-connections": server.MaxPeerConnectionsPerAllocation = Integer(setting, 1, int.MaxValue); break;
                case "tcp-bind-timeout": server.PeerConnectionBindTimeout = TimeSpan.FromSeconds(Integer(setting, 1, int.MaxValue)); break;
                case "tcp-connect-timeout": server.PeerConnectTimeout = TimeSpan.FromSeconds(Integer(setting, 30, int.MaxValue)); break;
                case "rfc5766-channel-numbers": server.AcceptRfc5766ChannelNumbers = true; break;
                case "no-password-algorithms": server.OfferPasswordAlgorithms = false; break;
                case "software": server.Software = value; break;
                case "no-software": server.Software = null; break;
                case "log-file": host.LogFile = value is "stderr" or "-" ? null : value; break;
                case "log-level":
                    host.LogLevel = value switch
                    {
                        "debug" => LogLevel.Debug,
                        "info" => LogLevel.Information,
                        "warn" or "warning" => LogLevel.Warning,
                        "error" => LogLevel.Error,
                        _ => throw Error(setting, "log-level is debug, info, warn or error"),
                    };
                    break;
                case "log-format":
                    host.LogFormat = value switch
                    {
                        "kv" or "keyvalue" => TurnLogFormat.KeyValue,
                        "json" => TurnLogFormat.Json,
                        _ => throw Error(setting, "log-format is kv or json"),
                    };
                    break;
                case "verbose": host.LogLevel = LogLevel.Debug; break;
                case "portable-sockets": host.PortableSockets = true; break;
                case "prometheus": prometheus = setting; break;
                case "prometheus-port": prometheusPort = Port(setting, allowZero: false); break;
                case "fleet":
                    host.Fleet = TurnFleetStore.TryParseUrl(value!, out var fleetError) ?? throw Error(setting, "fleet: " + fleetError);
                    break;
                case "fleet-id": host.FleetId = value; break;
                case "fleet-heartbeat": host.FleetHeartbeat = TimeSpan.FromMilliseconds(Integer(setting, 100, 60_000)); break;
                default: break; // coturn switches that describe fixed behaviour
            }
        }

        if (alternateIp is not null || alternatePort is not null)
        {
            var source = new TurnConfigSetting("alt-listening-ip", alternateIp, "alt-listening-ip/alt-listening-port");
            if (alternateIp is null || alternatePort is null) throw Error(source, "RFC 5780 needs both alt-listening-ip and alt-listening-port");
            host.AlternateIp = Address(source);
            host.AlternatePort = Port(source with { Value = alternatePort }, allowZero: true);
        }
        if (prometheus is { } metrics) host.Prometheus = PrometheusEndpoint(metrics, prometheusPort);
        if (noTls) host.CertificateFile = null;
        if (host.CertificateFile is not null && host.PrivateKeyFile is null)
            throw new TurnConfigException("cert: the private key (pkey) is missing");
        server.Realm = realm;
        server.Credentials = new TurnCredentials(realm, users, secrets, separator);
        server.PeerPolicy = new TurnPeerPolicy(allowLoopback, allowed, denied);
        return host;
    }

    /// <summary>coturn's <c>--prometheus-port</c> default.</summary>
    public const int DefaultPrometheusPort = 9641;

    /// <summary>
    /// <c>prometheus</c>: bare (coturn's spelling) is 127.0.0.1 on <paramref name="port"/> — loopback unless an address is
    /// given, where coturn listens on every interface; <c>IP</c> takes <paramref name="port"/>; <c>IP:PORT</c> is used as is.
    /// </summary>
    private static IPEndPoint PrometheusEndpoint(in TurnConfigSetting setting, int port)
    {
        var value = setting.Value;
        if (string.IsNullOrEmpty(value)) return new IPEndPoint(IPAddress.Loopback, port);
        // IPEndPoint reads IP (port 0), IPv4:PORT and [IPv6]:PORT.
        if (IPEndPoint.TryParse(value, out var endpoint)) return endpoint.Port != 0 ? endpoint : new IPEndPoint(endpoint.Address, port);
        throw Error(setting, $"'{value}' is not IP:PORT or IP (prometheus)");
    }

    private static bool ParseFlag(string? value, out bool on)
    {
        on = true;
        if (string.IsNullOrEmpty(value)) return true;
        switch (value.ToLowerInvariant())
        {
            case "true" or "yes" or "on" or "1": return true;
            case "false" or "no" or "off" or "0":
                on = false;
                return true;
            default: return false;
        }
    }

    private static TurnConfigException Error(in TurnConfigSetting setting, string message) => new($"{setting.Source}: {message}");

    private static IPAddress Address(in TurnConfigSetting setting) =>
        IPAddress.TryParse(setting.Value, out var address) ? address : throw Error(setting, $"'{setting.Value}' is not an IP address");

    private static IpPrefix Prefix(in TurnConfigSetting setting) =>
        IpPrefix.TryParse(setting.Value!, out var prefix, out var error) ? prefix : throw Error(setting, error);

    private static int Port(in TurnConfigSetting setting, bool allowZero) => Integer(setting, allowZero ? 0 : 1, 65535);

    private static int Integer(in TurnConfigSetting setting, int min, int max) =>
        int.TryParse(setting.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw Error(setting, $"'{setting.Value}' is not a number from {min} to {max}");
}
