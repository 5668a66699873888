using System.Buffers;
using System.Collections.Concurrent;

namespace IceSpec.Turn.Server;

/// <summary>
/// Read buffers of TCP/TLS connections: every connection starts with a <see cref="SmallSize"/> buffer from
/// <see cref="ArrayPool{T}.Shared"/> and takes a <see cref="LargeSize"/> buffer only while a message larger than that is
/// arriving, giving it back as soon as what is pending fits the small one again. Large buffers are counted against
/// <c>stream-buffer-memory</c>: a connection that needs one beyond it is closed (the memory of the server is bounded;
/// a waiting connection would hold its partial message and still need the buffer later).
/// </summary>
/// <remarks>
/// <see cref="LargeSize"/> fits the largest message a stream can carry — a STUN message of 20 + 65532 bytes (RFC 8489
/// §5: Message Length is a multiple of 4) or a ChannelData message of 4 + 65535 padded to 65536 (RFC 8656 §12.5) — and
/// stays below the 85,000-byte large object heap threshold, so freed large buffers are compacted away by the GC rather
/// than kept in the LOH. A few are kept for reuse (<see cref="KeptLarge"/>); the rest go back to the GC.
/// </remarks>
internal sealed class StreamBufferPool(long maxLargeBytes)
{
    public const int SmallSize = 4096;

    public const int LargeSize = 65_560;

    /// <summary>Large buffers kept for reuse after their connection gave them back.</summary>
    public const int KeptLarge = 16;

    /// <summary>Stream memory given back since the last trim at which the host compacts the heap once the load is over.</summary>
    public const long TrimThreshold = 8L << 20;

    private readonly ConcurrentStack<byte[]> _kept = new();
    private long _largeBytes;
    private long _releasedSinceTrim;

    /// <summary>Bytes held in large buffers by connections now.</summary>
    public long LargeBytesInUse => Interlocked.Read(ref _largeBytes);

    public byte[] RentSmall() => ArrayPool<byte>.Shared.Rent(SmallSize);

    /// <summary>A large buffer, or null when <c>stream-buffer-memory</c> is reached.</summary>
    public byte[]? TryRentLarge()
    {
        if (Interlocked.Add(ref _largeBytes, LargeSize) > maxLargeBytes)
        {
            Interlocked.Add(ref _largeBytes, -LargeSize);
            return null;
        }
        return _kept.TryPop(out var buffer) ? buffer : GC.AllocateUninitializedArray<byte>(LargeSize);
    }

    public void Return(byte[] buffer)
    {
        if (buffer.Length != LargeSize)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return;
        }
        Interlocked.Add(ref _largeBytes, -LargeSize);
        Interlocked.Add(ref _releasedSinceTrim, LargeSize);
        if (_kept.Count < KeptLarge) _kept.Push(buffer);
    }

    /// <summary>A connection ended: its small buffer and its objects are garbage now.</summary>
    public void ConnectionClosed() => Interlocked.Add(ref _releasedSinceTrim, SmallSize);

    /// <summary>
    /// Whether the load is over and enough stream memory became garbage to give back to the OS: no large buffer in use
    /// and at least <see cref="TrimThreshold"/> released since the last trim. The GC runs on allocation only, so a server
    /// that goes quiet after a burst would otherwise keep the burst's memory resident (issue 13: 205 → 417 MB).
    /// </summary>
    public bool TakeTrimDue()
    {
        if (LargeBytesInUse > 0 || Interlocked.Read(ref _releasedSinceTrim) < TrimThreshold) return false;
        Interlocked.Exchange(ref _releasedSinceTrim, 0);
        _kept.Clear();
        return true;
    }
}
