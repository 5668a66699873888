using System.Threading.RateLimiting;
using IceSpec.Stun;

namespace IceSpec.Turn.Server;

/// <summary>
/// <c>unauthenticated-rate</c> / <c>unauthenticated-burst</c>: one token bucket per client source (an IPv4 address, or an
/// IPv6 /64: one subscriber's prefix) for every response the server would send without integrity — Binding answers,
/// 401 challenges, and errors to requests that carry no valid credentials. Over the limit the request is dropped without
/// an answer: RFC 8489 and RFC 8656 define no "too many requests" error for STUN, an answer is exactly the reflected
/// traffic being limited, and a dropped request is retransmitted by a real client (RFC 8489 §6.2.1), as coturn and
/// pion do for their own limits.
/// </summary>
/// <remarks>
/// Memory is bounded: at most <see cref="MaxSources"/> buckets are tracked. Buckets that have refilled to the burst are
/// forgotten by <see cref="Sweep"/> (they hold nothing a new bucket would not); when the table is still full, new sources
/// share one overflow bucket, so an attacker with many source addresses is limited as one.
/// The buckets are <see cref="TokenBucketRateLimiter"/>s refilled on use (no timer each): continuous refill at the rate.
/// </remarks>
public sealed class UnauthenticatedRateLimiter : IDisposable
{
    /// <summary>Buckets tracked at most (about 200 bytes each).</summary>
    public const int DefaultMaxSources = 65_536;

    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);
    private readonly Dictionary<(ulong High, ulong Low), Bucket> _buckets = new();
    private readonly TokenBucketRateLimiterOptions _options;
    private readonly Bucket _overflow;
    private long _lastSweep = Environment.TickCount64;

    public UnauthenticatedRateLimiter(int ratePerSecond, int burst, int maxSources = DefaultMaxSources)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ratePerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        MaxSources = maxSources;
        _options = new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = ratePerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            AutoReplenishment = false,
            QueueLimit = 0,
        };
        _overflow = new Bucket(new TokenBucketRateLimiter(_options));
    }

    public int MaxSources { get; }

    /// <summary>Buckets held now (not counting the overflow bucket).</summary>
    public int TrackedSources => _buckets.Count;

    /// <summary>Takes a token for <paramref name="client"/>: false means drop. <paramref name="firstDrop"/> is true once per episode (for one log line).</summary>
    public bool TryAcquire(in TurnEndpoint client, out bool firstDrop)
    {
        if (Environment.TickCount64 - _lastSweep > SweepInterval.TotalMilliseconds) Sweep();
        var key = SourceKey(client);
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            if (_buckets.Count >= MaxSources) Sweep();
            if (_buckets.Count < MaxSources) _buckets[key] = bucket = new Bucket(new TokenBucketRateLimiter(_options));
            else bucket = _overflow;
        }
        bucket.Limiter.TryReplenish();
        using var lease = bucket.Limiter.AttemptAcquire();
        firstDrop = false;
        if (lease.IsAcquired)
        {
            bucket.Dropping = false;
            return true;
        }
        firstDrop = !bucket.Dropping;
        bucket.Dropping = true;
        return false;
    }

    /// <summary>Forgets the buckets that are full again.</summary>
    public void Sweep()
    {
        _lastSweep = Environment.TickCount64;
        List<(ulong, ulong)>? idle = null;
        foreach (var (key, bucket) in _buckets)
        {
            bucket.Limiter.TryReplenish();
            if (bucket.Limiter.IdleDuration is not null) (idle ??= []).Add(key);
        }
        if (idle is null) return;
        foreach (var key in idle)
        {
            _buckets.Remove(key, out var bucket);
            bucket!.Limiter.Dispose();
        }
    }

    /// <summary>A client source: IPv4, the address; IPv6, the /64 prefix (a subscriber is given at least a /64, RFC 6177).</summary>
    public static (ulong High, ulong Low) SourceKey(in TurnEndpoint client) =>
        client.IsIPv6 ? (client.High, 0UL) : (ulong.MaxValue, client.Low);

    public void Dispose()
    {
        foreach (var bucket in _buckets.Values) bucket.Limiter.Dispose();
        _buckets.Clear();
        _overflow.Limiter.Dispose();
    }

    private sealed class Bucket(TokenBucketRateLimiter limiter)
    {
        public TokenBucketRateLimiter Limiter { get; } = limiter;

        public bool Dropping { get; set; }
    }
}
