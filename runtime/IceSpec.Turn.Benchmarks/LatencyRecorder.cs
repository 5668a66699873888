using System.Diagnostics;
using HdrHistogram;
using IceSpec.Turn.Client;

namespace IceSpec.Turn.Benchmarks;

/// <summary>p50/p99 of one kind of latency, in milliseconds, and how many were recorded.</summary>
public sealed record LatencySummary(long Count, double P50Ms, double P99Ms, double MaxMs);

/// <summary>
/// Latencies of a run in HdrHistogram histograms (microseconds, 1 µs to 2 min, 3 significant digits): one per request
/// kind (the round trip of the request that got the success, as <see cref="TurnTransactionCompleted"/> reports it,
/// retransmissions included) and three for the relayed probes (client→peer, peer→client, round trip).
/// </summary>
public sealed class LatencyRecorder
{
    private const long HighestMicroseconds = 120_000_000;
    private readonly Lock _gate = new();
    private readonly Dictionary<TurnRequestKind, LongHistogram> _requests = [];
    private readonly LongHistogram _toPeer = New();
    private readonly LongHistogram _fromPeer = New();
    private readonly LongHistogram _roundTrip = New();

    public void Request(TurnRequestKind kind, TimeSpan roundTrip)
    {
        lock (_gate)
        {
            if (!_requests.TryGetValue(kind, out var histogram)) _requests.Add(kind, histogram = New());
            Record(histogram, (long)roundTrip.TotalMicroseconds);
        }
    }

    /// <summary>A probe reached its peer: sent at <paramref name="sentTimestamp"/> (<see cref="Stopwatch"/> ticks).</summary>
    public void ToPeer(long sentTimestamp, long now)
    {
        lock (_gate) Record(_toPeer, Microseconds(now - sentTimestamp));
    }

    /// <summary>An answer came back: the peer sent it at <paramref name="peerTimestamp"/>, the client its probe at <paramref name="sentTimestamp"/>.</summary>
    public void Back(long sentTimestamp, long peerTimestamp, long now)
    {
        lock (_gate)
        {
            Record(_fromPeer, Microseconds(now - peerTimestamp));
            Record(_roundTrip, Microseconds(now - sentTimestamp));
        }
    }

    public Dictionary<string, LatencySummary> RequestSummaries()
    {
        lock (_gate) return _requests.OrderBy(r => r.Key).ToDictionary(r => r.Key.ToString(), r => Summarize(r.Value));
    }

    public (LatencySummary ToPeer, LatencySummary FromPeer, LatencySummary RoundTrip) RelaySummaries()
    {
        lock (_gate) return (Summarize(_toPeer), Summarize(_fromPeer), Summarize(_roundTrip));
    }

    private static LongHistogram New() => new(HighestMicroseconds, 3);

    private static void Record(LongHistogram histogram, long microseconds) => histogram.RecordValue(Math.Clamp(microseconds, 0, HighestMicroseconds));

    private static long Microseconds(long ticks) => ticks * 1_000_000 / Stopwatch.Frequency;

    private static LatencySummary Summarize(LongHistogram h) => h.TotalCount == 0
        ? new LatencySummary(0, 0, 0, 0)
        : new LatencySummary(h.TotalCount, h.GetValueAtPercentile(50) / 1000.0, h.GetValueAtPercentile(99) / 1000.0, h.GetMaxValue() / 1000.0);
}
