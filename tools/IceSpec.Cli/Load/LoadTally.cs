using System.Buffers.Binary;
using System.Numerics;

namespace IceSpec.Cli.Load;

/// <summary>
/// The payload every load message carries, so that the echo alone tells what came back and when it left:
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     allocation index (32)                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 sequence number (64, per worker)              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |              send time (64, Stopwatch timestamp)              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  filler up to --size bytes ...                |
/// </code>
/// </summary>
public static class LoadPayload
{
    public const int AllocationOffset = 0;
    public const int SequenceOffset = 4;
    public const int TimestampOffset = 12;
    public const int MinSize = 20;

    public static void Write(Span<byte> payload, int allocation, long sequence, long timestamp)
    {
        BinaryPrimitives.WriteInt32BigEndian(payload[AllocationOffset..], allocation);
        BinaryPrimitives.WriteInt64BigEndian(payload[SequenceOffset..], sequence);
        BinaryPrimitives.WriteInt64BigEndian(payload[TimestampOffset..], timestamp);
    }
}

/// <summary>
/// What one worker sent and what came back: a bit per sequence number (so a duplicate is not counted twice), the
/// round-trip times in a histogram. Lost is what was sent and never came back: <c>Sent − Received</c>, computed once.
/// Used by one thread; <see cref="Merge"/> adds workers together at the end.
/// </summary>
public sealed class LoadTally
{
    private ulong[] _seen = new ulong[1024];

    public long Sent { get; private set; }

    public long Received { get; private set; }

    public long Duplicates { get; private set; }

    public long Corrupt { get; private set; }

    public long Lost => Sent - Received;

    public LatencyHistogram RoundTrips { get; } = new();

    /// <summary>The next sequence number to send, counted as sent.</summary>
    public long NextSequence() => Sent++;

    /// <summary>Takes back a sequence number the socket did not accept (a full send buffer): it never left.</summary>
    public void Unsend(long count) => Sent -= count;

    /// <summary>
    /// An echo of <paramref name="payload"/> arrived at <paramref name="now"/> (Stopwatch timestamp). The round trip is
    /// from the send time written in the payload, not from when the batch was queued or the echo was read.
    /// </summary>
    public void Echo(ReadOnlySpan<byte> payload, int expectedSize, long now)
    {
        if (payload.Length != expectedSize) { Corrupt++; return; }
        var sequence = BinaryPrimitives.ReadInt64BigEndian(payload[LoadPayload.SequenceOffset..]);
        if (sequence < 0 || sequence >= Sent) { Corrupt++; return; }
        var word = (int)(sequence >> 6);
        if (word >= _seen.Length) Array.Resize(ref _seen, Math.Max(word + 1, _seen.Length * 2));
        var bit = 1UL << (int)(sequence & 63);
        if ((_seen[word] & bit) != 0) { Duplicates++; return; }
        _seen[word] |= bit;
        Received++;
        var sentAt = BinaryPrimitives.ReadInt64BigEndian(payload[LoadPayload.TimestampOffset..]);
        RoundTrips.Record(Math.Max(0, now - sentAt));
    }

    public void Merge(LoadTally other)
    {
        Sent += other.Sent;
        Received += other.Received;
        Duplicates += other.Duplicates;
        Corrupt += other.Corrupt;
        RoundTrips.Merge(other.RoundTrips);
    }
}

/// <summary>
/// Round-trip times in Stopwatch ticks, log-linear: exact below 32 ticks, then 32 buckets per power of two (at most 3 %
/// above the true value); the maximum is kept exactly. The percentile is the upper bound of the bucket it falls in.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBits = 5;
    private const int Sub = 1 << SubBits;
    private readonly long[] _counts = new long[64 * Sub];

    public long Count { get; private set; }

    public long Max { get; private set; }

    public void Record(long value)
    {
        _counts[Index(value)]++;
        Count++;
        if (value > Max) Max = value;
    }

    public void Merge(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++) _counts[i] += other._counts[i];
        Count += other.Count;
        Max = Math.Max(Max, other.Max);
    }

    /// <summary>The value at or below which <paramref name="fraction"/> of the samples lie (0 when there are none).</summary>
    public long Percentile(double fraction)
    {
        if (Count == 0) return 0;
        var rank = (long)Math.Ceiling(fraction * Count);
        if (rank < 1) rank = 1;
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank) return Math.Min(UpperBound(i), Max);
        }
        return Max;
    }

    internal static int Index(long value)
    {
        if (value < Sub) return (int)value;
        var exponent = 63 - BitOperations.LeadingZeroCount((ulong)value);
        var shift = exponent - SubBits;
        return (shift + 1) * Sub + (int)((value >> shift) - Sub);
    }

    internal static long UpperBound(int index)
    {
        if (index < Sub) return index;
        var shift = index / Sub - 1;
        return (((long)(index % Sub + Sub) + 1) << shift) - 1;
    }
}
