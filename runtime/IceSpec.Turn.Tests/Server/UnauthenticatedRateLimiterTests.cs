using System.Net;
using IceSpec.Stun;
using IceSpec.Turn.Server;

namespace IceSpec.Turn.Tests.Server;

/// <summary>The per-source token buckets: their table is bounded however many sources send, and full buckets are forgotten.</summary>
[Trait("Category", "unit")]
public sealed class UnauthenticatedRateLimiterTests
{
    private static TurnEndpoint Source(int i) => TurnEndpoint.From(new IPAddress([10, 0, (byte)(i >> 8), (byte)i]), 5000);

    [Theory]
    [InlineData(64, true)]            // bounded: 5000 sources, 64 buckets; the rest share the overflow bucket
    [InlineData(int.MaxValue, false)] // unbounded (the seeded variant): one bucket per source, the table grows with the attack
    public void Many_sources_do_not_grow_the_table_beyond_its_bound(int maxSources, bool bounded)
    {
        using var limiter = new UnauthenticatedRateLimiter(ratePerSecond: 1, burst: 2, maxSources);
        var answered = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 5000; i++)
            for (var j = 0; j < 3; j++)
                if (limiter.TryAcquire(Source(i), out _)) answered++;
        Assert.Equal(bounded, limiter.TrackedSources <= 64);
        if (!bounded)
        {
            Assert.Equal(5000, limiter.TrackedSources);
            Assert.Equal(10_000, answered); // every spread source got its own burst
            return;
        }
        // 64 buckets of 2, each forgotten and replaced at most once per 2 s (the time it takes to refill), plus the
        // overflow bucket's 2 and 1/s: far from the 10,000 the spread sources get with one bucket each.
        var seconds = clock.Elapsed.TotalSeconds;
        Assert.True(answered <= 2 * 64 * (1 + seconds / 2 + 1) + 2 + seconds, $"{answered} answered in {seconds:F1} s: the overflow bucket did not limit the spread sources as one");
    }

    [Fact]
    public void Buckets_are_forgotten_once_full_again()
    {
        using var limiter = new UnauthenticatedRateLimiter(ratePerSecond: 1000, burst: 2, maxSources: 16);
        for (var i = 0; i < 16; i++) limiter.TryAcquire(Source(i), out _);
        Assert.Equal(16, limiter.TrackedSources);
        Thread.Sleep(50); // 1000 tokens/s: every bucket is full again
        limiter.Sweep();
        Assert.Equal(0, limiter.TrackedSources);
    }

    [Fact]
    public void IPv6_sources_share_a_bucket_per_slash_64()
    {
        using var limiter = new UnauthenticatedRateLimiter(ratePerSecond: 1, burst: 2);
        Assert.True(limiter.TryAcquire(TurnEndpoint.From(IPAddress.Parse("2001:db8:1:2::1"), 1), out _));
        Assert.True(limiter.TryAcquire(TurnEndpoint.From(IPAddress.Parse("2001:db8:1:2::ffff"), 1), out _));
        Assert.False(limiter.TryAcquire(TurnEndpoint.From(IPAddress.Parse("2001:db8:1:2:ffff::2"), 1), out var firstDrop));
        Assert.True(firstDrop);
        Assert.True(limiter.TryAcquire(TurnEndpoint.From(IPAddress.Parse("2001:db8:1:3::1"), 1), out _));
        Assert.Equal(2, limiter.TrackedSources);
    }
}
