using StackExchange.Redis;

namespace IceSpec.Turn.Server;

/// <summary>
/// The fleet's live servers as the signalling server hands them out: read from Redis every quarter of the shortest
/// heartbeat its members publish (the one given to StartAsync until one does), those whose beat is overdue
/// (<see cref="TurnFleetLiveness"/>) and those that take no allocation (draining, full) left out, least loaded first.
/// Redis down: the last list.
/// </summary>
public sealed class TurnFleetDirectory : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _redis;
    private readonly string _realm;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;
    private readonly TurnFleetLiveness _liveness = new();
    private IReadOnlyList<string> _servers = [];

    private TurnFleetDirectory(ConnectionMultiplexer redis, string realm, TimeSpan heartbeat)
    {
        _redis = redis;
        _realm = realm;
        _reading = ReadForeverAsync(heartbeat);
    }

    public static async Task<TurnFleetDirectory> StartAsync(string hostPort, string realm, TimeSpan heartbeat) =>
        new(await TurnFleetStore.ConnectAsync(hostPort), realm, heartbeat);

    /// <summary>HOST:PORT of each live server that takes allocations, least loaded first.</summary>
    public IReadOnlyList<string> LeastLoadedFirst() => Volatile.Read(ref _servers);

    private async Task ReadForeverAsync(TimeSpan heartbeat)
    {
        var wait = TurnFleetLiveness.ReadInterval(heartbeat);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    var servers = await TurnFleetStore.ReadServersAsync(_redis.GetDatabase(), _realm);
                    Volatile.Write(ref _servers, [.. _liveness.Alive(servers).Where(s => s.TakesAllocations).Select(s => s.Address.ToIPEndPoint().ToString())]);
                    wait = TurnFleetLiveness.ReadInterval(servers.Count == 0 ? heartbeat : servers.Min(s => s.Heartbeat));
                }
                catch (Exception e) when (e is RedisException or TimeoutException) { }
                await Task.Delay(wait, _stop.Token);
            }
        }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _reading;
        await _redis.DisposeAsync();
        _stop.Dispose();
    }
}
