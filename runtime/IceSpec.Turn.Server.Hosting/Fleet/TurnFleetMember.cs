using System.Collections.Concurrent;
using System.Globalization;
using StackExchange.Redis;

namespace IceSpec.Turn.Server;

/// <summary>
/// This server as a member of a fleet on Redis (<c>turn-server fleet=redis://HOST:PORT</c>; keys: <see cref="TurnFleetStore"/>).
/// Every heartbeat it publishes its load (allocations, relayed bit rate, its allocations per user, draining) and its beat
/// counter with a TTL of <see cref="TurnFleetStore.HeartbeatsToLive"/> heartbeats, reads its drain flag and the realm's
/// users and REST secrets (a change reaches the server at once). Every quarter heartbeat it reads the other members into
/// its view, those whose beat is not overdue (<see cref="TurnFleetLiveness"/>), which the core asks on every Allocate
/// (<see cref="ITurnFleet"/>: from memory). When Redis is down it serves with the last view, and the first heartbeat
/// that reaches Redis again republishes (its own users and secrets too) and rereads (resynchronises).
/// </summary>
public sealed class TurnFleetMember : ITurnFleet, IAsyncDisposable
{
    private readonly ConnectionMultiplexer _redis;
    private readonly string _realm;
    private readonly TimeSpan _heartbeat;
    private readonly long _capacity;
    private readonly Action<string> _log;
    private readonly ConcurrentDictionary<string, int> _local = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly TurnFleetLiveness _liveness = new();
    private readonly IReadOnlyList<string> _ownSecrets;
    private readonly IReadOnlyList<string> _ownUsers;
    private readonly Action<IReadOnlyList<TurnConfigSetting>> _credentialsChanged;
    private string? _credentials;
    private long _beat;
    private bool _republishCredentials;
    private View _view = View.Empty;
    private Task _beating = Task.CompletedTask;
    private string _id = "";
    private TurnEndpoint _address;
    private Func<long> _relayedBytes = () => 0;
    private long _lastBytes;
    private bool _draining;
    private bool _reachable = true;

    /// <param name="redis">The fleet's Redis.</param>
    /// <param name="realm">The realm: the fleet's name in Redis.</param>
    /// <param name="heartbeat">Between two publications of this member's load.</param>
    /// <param name="capacity">This server's total quota (0: none), published.</param>
    /// <param name="ownSecrets">This server's REST secrets, (re)published to the realm at start and after an outage.</param>
    /// <param name="ownUsers">This server's users (NAME:PASSWORD), likewise.</param>
    /// <param name="credentialsChanged">Told the realm's users and secrets when they change (read every heartbeat).</param>
    /// <param name="log">Where the fleet's events are told (Redis lost and back, drain, credentials changed).</param>
    public TurnFleetMember(ConnectionMultiplexer redis, string realm, TimeSpan heartbeat, long capacity, IReadOnlyList<string> ownSecrets,
        IReadOnlyList<string> ownUsers, Action<IReadOnlyList<TurnConfigSetting>> credentialsChanged, Action<string>? log = null)
    {
        _ownSecrets = ownSecrets;
        _ownUsers = ownUsers;
        _credentialsChanged = credentialsChanged;
        _redis = redis;
        _realm = realm;
        _heartbeat = heartbeat;
        _capacity = capacity;
        _log = log ?? (_ => { });
    }

    public string Id => _id;

    public bool Draining => Volatile.Read(ref _draining);

    /// <summary>The other live members, least loaded first, as last read.</summary>
    public IReadOnlyList<TurnFleetServer> Others => Volatile.Read(ref _view).Servers;

    public int AllocationsElsewhere(string username) => Volatile.Read(ref _view).Users.GetValueOrDefault(username);

    public bool TryLeastLoaded(byte family, out TurnEndpoint server)
    {
        foreach (var other in Volatile.Read(ref _view).Servers)
        {
            if (other.Address.Family != family || !other.TakesAllocations) continue;
            server = other.Address;
            return true;
        }
        server = default;
        return false;
    }

    public void AllocationOpened(string username) => _local.AddOrUpdate(username, 1, (_, n) => n + 1);

    public void AllocationClosed(string username)
    {
        if (_local.AddOrUpdate(username, 0, (_, n) => n - 1) <= 0) _local.TryRemove(new KeyValuePair<string, int>(username, 0));
    }

    /// <summary>Starts the heartbeat once the server listens: its id (default: the address), the address clients are sent to.</summary>
    public async Task StartAsync(string? id, TurnEndpoint address, Func<long> relayedBytes)
    {
        _id = id ?? address.ToIPEndPoint().ToString();
        _address = address;
        _relayedBytes = relayedBytes;
        _lastBytes = relayedBytes();
        await BeatAsync(publish: true);
        _beating = BeatForeverAsync();
    }

    /// <summary>Reads every quarter heartbeat (<see cref="TurnFleetLiveness.ReadInterval"/>), publishes every fourth time.</summary>
    private async Task BeatForeverAsync()
    {
        using var timer = new PeriodicTimer(TurnFleetLiveness.ReadInterval(_heartbeat));
        var tick = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token)) await BeatAsync(publish: ++tick % 4 == 0);
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>
    /// A heartbeat (<paramref name="publish"/>: read the drain flag and the realm's credentials, publish our load) and a
    /// read of the others'. Redis down: keep the last view.
    /// </summary>
    private async Task BeatAsync(bool publish)
    {
        var db = _redis.GetDatabase();
        try
        {
            if (publish) await PublishAsync(db);
            var servers = _liveness.Alive(await TurnFleetStore.ReadServersAsync(db, _realm)).Where(s => s.Id != _id).ToArray();
            var elsewhere = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var server in servers)
                foreach (var entry in await db.HashGetAllAsync(TurnFleetStore.Users(_realm, server.Id)))
                    elsewhere[entry.Name.ToString()] = elsewhere.GetValueOrDefault(entry.Name.ToString()) + (int)entry.Value;
            Volatile.Write(ref _view, new View(servers, elsewhere));
            if (!_reachable) _log($"fleet: Redis reachable again: resynchronised ({servers.Length} other live servers)");
            _reachable = true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            if (_reachable) _log($"fleet: Redis unreachable ({e.GetType().Name}): serving with the last view of {Others.Count} other servers");
            _reachable = false;
            _republishCredentials = true;
        }
    }

    private async Task PublishAsync(IDatabase db)
    {
        var bytes = _relayedBytes();
        var bitRate = (long)((bytes - _lastBytes) * 8 / _heartbeat.TotalSeconds);
        _lastBytes = bytes;
        if (_republishCredentials) await TurnFleetStore.PublishCredentialsAsync(db, _realm, _ownSecrets, _ownUsers);   // e.g. into a restarted Redis
        _republishCredentials = false;
        var credentials = await TurnFleetStore.ReadCredentialsAsync(db, _realm);
        var fingerprint = string.Join('\n', credentials.Select(c => $"{c.Key}={c.Value}"));
        if (_credentials is not null && fingerprint != _credentials)
        {
            _credentialsChanged(credentials);
            _log($"fleet: users and secrets changed in Redis: {credentials.Count(c => c.Key == "user")} users, {credentials.Count(c => c.Key != "user")} secrets");
        }
        _credentials = fingerprint;
        var draining = await db.KeyExistsAsync(TurnFleetStore.Drain(_realm, _id));
        if (draining != Draining) _log(draining ? "fleet: draining (no new allocations; existing ones kept)" : "fleet: no longer draining");
        Volatile.Write(ref _draining, draining);
        var ttl = _heartbeat * TurnFleetStore.HeartbeatsToLive;
        var users = _local.Where(e => e.Value > 0).Select(e => new HashEntry(e.Key, e.Value)).ToArray();
        var publish = db.CreateTransaction();
        _ = publish.HashSetAsync(TurnFleetStore.Server(_realm, _id),
        [
            new HashEntry("address", _address.ToIPEndPoint().ToString()),
            new HashEntry("allocations", users.Sum(u => (long)u.Value)),
            new HashEntry("bitrate", bitRate),
            new HashEntry("draining", draining ? 1 : 0),
            new HashEntry("capacity", _capacity),
            new HashEntry("beat", ++_beat),
            new HashEntry("heartbeat", (long)_heartbeat.TotalMilliseconds),
        ]);
        _ = publish.KeyExpireAsync(TurnFleetStore.Server(_realm, _id), ttl);
        _ = publish.KeyDeleteAsync(TurnFleetStore.Users(_realm, _id));
        if (users.Length > 0)
        {
            _ = publish.HashSetAsync(TurnFleetStore.Users(_realm, _id), users);
            _ = publish.KeyExpireAsync(TurnFleetStore.Users(_realm, _id), ttl);
        }
        _ = publish.SetAddAsync(TurnFleetStore.Servers(_realm), _id);
        await publish.ExecuteAsync();
    }

    /// <summary>Leaves the fleet at once (its keys are deleted) rather than after the TTL.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _beating;
        try
        {
            var db = _redis.GetDatabase();
            await db.KeyDeleteAsync([TurnFleetStore.Server(_realm, _id), TurnFleetStore.Users(_realm, _id)]);
            await db.SetRemoveAsync(TurnFleetStore.Servers(_realm), _id);
        }
        catch (Exception e) when (e is RedisException or TimeoutException) { }
        await _redis.DisposeAsync();
        _stop.Dispose();
    }

    private sealed record View(IReadOnlyList<TurnFleetServer> Servers, IReadOnlyDictionary<string, int> Users)
    {
        public static readonly View Empty = new([], new Dictionary<string, int>());
    }
}
