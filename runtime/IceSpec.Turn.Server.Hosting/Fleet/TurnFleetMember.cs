using System.Collections.Concurrent;
using System.Globalization;
using StackExchange.Redis;

namespace IceSpec.Turn.Server;

/// <summary>
/// This server as a member of a fleet on Redis (<c>turn-server fleet=redis://HOST:PORT</c>; keys: <see cref="TurnFleetStore"/>).
/// Every heartbeat it publishes its load (allocations, relayed bit rate, its allocations per user, draining) with a TTL
/// of <see cref="TurnFleetStore.HeartbeatsToLive"/> heartbeats, reads its drain flag, and reads the other live members
/// into its view, which the core asks on every Allocate (<see cref="ITurnFleet"/>: from memory). When Redis is down it
/// serves with the last view, and the first heartbeat that reaches Redis again republishes and rereads (resynchronises).
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
    private View _view = View.Empty;
    private Task _beating = Task.CompletedTask;
    private string _id = "";
    private TurnEndpoint _address;
    private Func<long> _relayedBytes = () => 0;
    private long _lastBytes;
    private bool _draining;
    private bool _reachable = true;

    public TurnFleetMember(ConnectionMultiplexer redis, string realm, TimeSpan heartbeat, long capacity, Action<string>? log = null)
    {
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
        await BeatAsync();
        _beating = BeatForeverAsync();
    }

    private async Task BeatForeverAsync()
    {
        using var timer = new PeriodicTimer(_heartbeat);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token)) await BeatAsync();
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>One heartbeat: read the drain flag, publish our load, read the others'. Redis down: keep the last view.</summary>
    private async Task BeatAsync()
    {
        var bytes = _relayedBytes();
        var bitRate = (long)((bytes - _lastBytes) * 8 / _heartbeat.TotalSeconds);
        _lastBytes = bytes;
        var db = _redis.GetDatabase();
        try
        {
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

            var servers = (await TurnFleetStore.ReadServersAsync(db, _realm)).Where(s => s.Id != _id).ToArray();
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
        }
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
