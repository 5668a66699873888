using System.Buffers.Binary;

namespace IceSpec.Turn.Benchmarks;

/// <summary>
/// The relayed payload: a client sends it through its channel, the peer stamps it and sends it back.
/// <code>
///  0                   1                   2                   3
/// |  allocation index (32)  |  sequence (32)  |  client send time (64, Stopwatch ticks)  |  peer send time (64)  |
/// </code>
/// Both ends live in the generator's process, so one clock times both directions.
/// </summary>
public static class Probe
{
    public const int Length = 24;

    public static void Write(Span<byte> payload, int index, uint sequence, long sentTimestamp)
    {
        BinaryPrimitives.WriteInt32BigEndian(payload, index);
        BinaryPrimitives.WriteUInt32BigEndian(payload[4..], sequence);
        BinaryPrimitives.WriteInt64BigEndian(payload[8..], sentTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(payload[16..], 0);
    }

    public static bool TryRead(ReadOnlySpan<byte> payload, out int index, out long sentTimestamp, out long peerTimestamp)
    {
        index = 0;
        sentTimestamp = peerTimestamp = 0;
        if (payload.Length < Length) return false;
        index = BinaryPrimitives.ReadInt32BigEndian(payload);
        sentTimestamp = BinaryPrimitives.ReadInt64BigEndian(payload[8..]);
        peerTimestamp = BinaryPrimitives.ReadInt64BigEndian(payload[16..]);
        return true;
    }

    public static void StampPeer(Span<byte> payload, long peerTimestamp) => BinaryPrimitives.WriteInt64BigEndian(payload[16..], peerTimestamp);
}
