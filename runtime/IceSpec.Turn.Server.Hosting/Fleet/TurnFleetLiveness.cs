using System.Diagnostics;

namespace IceSpec.Turn.Server;

/// <summary>
/// One reader's judgement of which members are alive, by its own monotonic clock (no clock is compared across hosts):
/// a member is alive while its heartbeat counter (<c>beat</c>) has advanced within its heartbeat interval plus
/// <see cref="JitterAllowance"/>, counted from the read that first saw the counter's current value. A member first
/// seen counts as alive from that read. The key's TTL (<see cref="TurnFleetStore.HeartbeatsToLive"/>) only collects the
/// garbage. Readers read every <see cref="ReadInterval"/>, so a killed member is left out at most
/// H + J + 2·H/4 after its last heartbeat, i.e. 1.75·H + 50 ms after it was killed (README.md, "A fleet on Redis").
/// </summary>
public sealed class TurnFleetLiveness
{
    private readonly Dictionary<string, (long Beat, long SeenAt)> _seen = new(StringComparer.Ordinal);
    private readonly Func<long> _clock;

    public TurnFleetLiveness(Func<long>? clock = null) => _clock = clock ?? Stopwatch.GetTimestamp;

    /// <summary>How late a heartbeat may be before its member is judged dead: a quarter heartbeat plus 50 ms (timer and Redis latency).</summary>
    public static TimeSpan JitterAllowance(TimeSpan heartbeat) => heartbeat / 4 + TimeSpan.FromMilliseconds(50);

    /// <summary>How often a reader reads the members: a quarter heartbeat.</summary>
    public static TimeSpan ReadInterval(TimeSpan heartbeat) => heartbeat / 4;

    /// <summary>The members among <paramref name="servers"/> (one read) whose heartbeat is not overdue; forgets the others' history once gone from Redis.</summary>
    public IReadOnlyList<TurnFleetServer> Alive(IReadOnlyList<TurnFleetServer> servers)
    {
        var now = _clock();
        var alive = new List<TurnFleetServer>(servers.Count);
        foreach (var server in servers)
        {
            if (!_seen.TryGetValue(server.Id, out var seen) || seen.Beat != server.Beat) _seen[server.Id] = seen = (server.Beat, now);
            if (Stopwatch.GetElapsedTime(seen.SeenAt, now) <= server.Heartbeat + JitterAllowance(server.Heartbeat)) alive.Add(server);
        }
        foreach (var gone in _seen.Keys.Where(id => !servers.Any(s => s.Id == id)).ToArray()) _seen.Remove(gone);
        return alive;
    }
}
