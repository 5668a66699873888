using System.Globalization;
using StackExchange.Redis;

namespace IceSpec.Turn.Server;

/// <summary>
/// The fleet's records in Redis, per realm R (README.md, "A fleet on Redis"):
/// <code>
/// icespec:turn:R:servers          set   ids of the members (a member whose server key expired is removed by readers)
/// icespec:turn:R:server:ID        hash  address, allocations, bitrate (bit/s relayed), draining (0|1), capacity (0 = none),
///                                       beat (counter, +1 per heartbeat), heartbeat (ms) — readers judge liveness by
///                                       beat (TurnFleetLiveness); expires HeartbeatsToLive heartbeats after the last
/// icespec:turn:R:users:ID         hash  username → allocations on that member (same expiry)
/// icespec:turn:R:drain:ID         any   present: that member drains
/// icespec:turn:R:secrets          set   TURN REST API secrets shared by the realm
/// icespec:turn:R:accounts         hash  username → password (or 0x MD5 key), shared by the realm
/// </code>
/// </summary>
public static class TurnFleetStore
{
    public static string Servers(string realm) => $"icespec:turn:{realm}:servers";
    public static string Server(string realm, string id) => $"icespec:turn:{realm}:server:{id}";
    public static string Users(string realm, string id) => $"icespec:turn:{realm}:users:{id}";
    public static string Drain(string realm, string id) => $"icespec:turn:{realm}:drain:{id}";
    public static string Secrets(string realm) => $"icespec:turn:{realm}:secrets";
    public static string Accounts(string realm) => $"icespec:turn:{realm}:accounts";

    /// <summary>
    /// A server key lives this many heartbeats after the last one: the garbage collector of members that stopped. Readers
    /// leave a member out sooner, when its beat is overdue (<see cref="TurnFleetLiveness"/>).
    /// </summary>
    public const int HeartbeatsToLive = 4;

    /// <summary>Parses <c>redis://HOST:PORT</c>; null with <paramref name="error"/> otherwise.</summary>
    public static string? TryParseUrl(string url, out string? error)
    {
        error = null;
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == "redis" && uri.Port > 0 && uri.AbsolutePath is "" or "/")
            return $"{uri.Host}:{uri.Port.ToString(CultureInfo.InvariantCulture)}";
        error = $"'{url}' is not redis://HOST:PORT";
        return null;
    }

    /// <summary>
    /// Connects without waiting for Redis to be up (it reconnects by itself): a member keeps serving while Redis is down.
    /// </summary>
    public static Task<ConnectionMultiplexer> ConnectAsync(string hostPort) =>
        ConnectionMultiplexer.ConnectAsync($"{hostPort},abortConnect=false,connectTimeout=2000,syncTimeout=2000,asyncTimeout=2000,connectRetry=1");

    /// <summary>
    /// Sets (or, <paramref name="drain"/> false, clears) member <paramref name="id"/>'s drain flag; false when no member
    /// of that id is in the realm (the flag is set all the same: a member that joins later drains).
    /// </summary>
    public static async Task<bool> SetDrainAsync(IDatabase redis, string realm, string id, bool drain)
    {
        if (drain) await redis.StringSetAsync(Drain(realm, id), "1");
        else await redis.KeyDeleteAsync(Drain(realm, id));
        return await redis.KeyExistsAsync(Server(realm, id));
    }

    /// <summary>Adds this server's REST secrets and users (<c>user</c> values, NAME:PASSWORD) to the realm's.</summary>
    public static async Task PublishCredentialsAsync(IDatabase redis, string realm, IEnumerable<string> secrets, IEnumerable<string> users)
    {
        foreach (var secret in secrets) await redis.SetAddAsync(Secrets(realm), secret);
        foreach (var user in users)
        {
            var colon = user.IndexOf(':');
            if (colon > 0) await redis.HashSetAsync(Accounts(realm), user[..colon], user[(colon + 1)..]);
        }
    }

    /// <summary>Every secret and user the realm has, as settings (<c>static-auth-secret</c>, <c>user</c>), in a stable order.</summary>
    public static async Task<IReadOnlyList<TurnConfigSetting>> ReadCredentialsAsync(IDatabase redis, string realm)
    {
        var shared = new List<TurnConfigSetting>();
        foreach (var secret in (await redis.SetMembersAsync(Secrets(realm))).Select(s => s.ToString()).Order(StringComparer.Ordinal))
            shared.Add(new TurnConfigSetting("static-auth-secret", secret, "fleet"));
        foreach (var account in (await redis.HashGetAllAsync(Accounts(realm))).Select(a => $"{a.Name}:{a.Value}").Order(StringComparer.Ordinal))
            shared.Add(new TurnConfigSetting("user", account, "fleet"));
        return shared;
    }

    /// <summary>
    /// The members of the realm whose server key has not expired, least loaded first (drops the expired from the set);
    /// a reader keeps those its <see cref="TurnFleetLiveness"/> judges alive.
    /// </summary>
    public static async Task<IReadOnlyList<TurnFleetServer>> ReadServersAsync(IDatabase redis, string realm)
    {
        var servers = new List<TurnFleetServer>();
        foreach (var id in await redis.SetMembersAsync(Servers(realm)))
        {
            var fields = (await redis.HashGetAllAsync(Server(realm, id.ToString()))).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
            if (fields.Count == 0)
            {
                await redis.SetRemoveAsync(Servers(realm), id);
                continue;
            }
            if (!System.Net.IPEndPoint.TryParse(fields.GetValueOrDefault("address") ?? "", out var endPoint)) continue;
            var address = TurnEndpoint.From(endPoint);
            servers.Add(new TurnFleetServer(id.ToString(), address, Number(fields, "allocations"), Number(fields, "bitrate"),
                fields.GetValueOrDefault("draining") == "1", Number(fields, "capacity"))
            {
                Beat = Number(fields, "beat"),
                Heartbeat = Number(fields, "heartbeat") is > 0 and var ms ? TimeSpan.FromMilliseconds(ms) : TimeSpan.FromSeconds(1),
            });
        }
        servers.Sort(TurnFleetServer.ByLoad);
        return servers;
    }

    private static long Number(Dictionary<string, string> fields, string name) =>
        long.TryParse(fields.GetValueOrDefault(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;
}

/// <summary>One member of a fleet as its heartbeat last said.</summary>
public sealed record TurnFleetServer(string Id, TurnEndpoint Address, long Allocations, long BitRate, bool Draining, long Capacity)
{
    /// <summary>Its heartbeat counter: it advances once per heartbeat while the member lives.</summary>
    public long Beat { get; init; }

    /// <summary>Its heartbeat interval.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether it takes a new allocation: not draining, and below its capacity (TotalQuota; 0 is none).</summary>
    public bool TakesAllocations => !Draining && (Capacity == 0 || Allocations < Capacity);

    /// <summary>Least loaded first: fewer allocations, then a lower relayed bit rate, then the id (a stable order).</summary>
    public static int ByLoad(TurnFleetServer a, TurnFleetServer b) =>
        a.Allocations != b.Allocations ? a.Allocations.CompareTo(b.Allocations)
        : a.BitRate != b.BitRate ? a.BitRate.CompareTo(b.BitRate)
        : string.CompareOrdinal(a.Id, b.Id);
}
