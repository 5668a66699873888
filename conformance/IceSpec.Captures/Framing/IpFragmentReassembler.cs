using System.Net;

namespace IceSpec.Captures.Framing;

/// <summary>
/// Puts fragmented IPv4 (RFC 791 §3.2, "Fragmentation and Reassembly") and IPv6 (RFC 8200 §4.5) packets back together.
/// Fragments are keyed by source, destination, protocol and identification; a packet is complete once the fragment
/// without the more-fragments flag has arrived and the bytes from 0 to its end are all covered (overlaps: first copy
/// wins). Incomplete packets are dropped after <see cref="Timeout"/> of capture time (RFC 8200 §4.5: 60 seconds), and
/// at most <see cref="MaxPending"/> are held, so memory stays bounded on long captures.
/// </summary>
public sealed class IpFragmentReassembler
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    public const int MaxPending = 4096;
    /// <summary>The largest payload an IP packet can carry (IPv4 total length 65535 minus a 20-byte header; IPv6 jumbograms are not fragmented).</summary>
    private const int MaxPayload = 65535;

    private readonly Dictionary<Key, Pending> _pending = [];

    /// <summary>Packets dropped unfinished (timed out, evicted, or inconsistent).</summary>
    public int Dropped { get; private set; }

    /// <summary>Adds one fragment; returns the reassembled payload when this fragment completed its packet, else null.</summary>
    public byte[]? Add(in IpPacket fragment, DateTime time)
    {
        var key = new Key(fragment.Source, fragment.Destination, fragment.Protocol, fragment.FragmentId);
        if (!_pending.TryGetValue(key, out var pending))
        {
            if (_pending.Count >= MaxPending) Expire(time, evictOldest: true);
            _pending[key] = pending = new Pending(time);
        }
        var end = fragment.FragmentOffset + fragment.Payload.Length;
        if (end > MaxPayload || (!fragment.MoreFragments && pending.Total is { } known && known != end) ||
            (pending.Total is { } total && end > total))
        {
            _pending.Remove(key);
            Dropped++;
            return null;
        }
        if (!fragment.MoreFragments) pending.Total = end;
        pending.Pieces.Add((fragment.FragmentOffset, fragment.Payload.ToArray()));
        if (pending.Total is not { } length || !Covers(pending.Pieces, length)) return null;

        _pending.Remove(key);
        var payload = new byte[length];
        // Later pieces first, so that for overlapping bytes the first copy received is the one kept.
        for (var i = pending.Pieces.Count - 1; i >= 0; i--)
        {
            var (offset, bytes) = pending.Pieces[i];
            bytes.AsSpan(0, Math.Min(bytes.Length, length - offset)).CopyTo(payload.AsSpan(offset));
        }
        return payload;
    }

    /// <summary>Drops packets whose first fragment is older than <see cref="Timeout"/>; with evictOldest, at least the oldest one.</summary>
    public void Expire(DateTime now, bool evictOldest = false)
    {
        if (_pending.Count == 0) return;
        var oldest = _pending.MinBy(p => p.Value.Started);
        foreach (var (key, pending) in _pending.ToList())
        {
            if (now - pending.Started <= Timeout && !(evictOldest && key.Equals(oldest.Key))) continue;
            _pending.Remove(key);
            Dropped++;
        }
    }

    private static bool Covers(List<(int Offset, byte[] Bytes)> pieces, int length)
    {
        var reached = 0;
        foreach (var (offset, bytes) in pieces.OrderBy(p => p.Offset))
        {
            if (offset > reached) return false;
            reached = Math.Max(reached, offset + bytes.Length);
        }
        return reached >= length;
    }

    private readonly record struct Key(IPAddress Source, IPAddress Destination, byte Protocol, uint Id);

    private sealed class Pending(DateTime started)
    {
        public DateTime Started { get; } = started;
        public int? Total { get; set; }
        public List<(int Offset, byte[] Bytes)> Pieces { get; } = [];
    }
}
