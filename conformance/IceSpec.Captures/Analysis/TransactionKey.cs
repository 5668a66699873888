using System.Buffers.Binary;

namespace IceSpec.Captures.Analysis;

/// <summary>
/// A transaction ID (RFC 8489 §5: 96 bits; RFC 3489's 128) as a value: the transaction tracker keeps tens of thousands
/// for ~40 s of capture time, and as strings they were garbage the GC had to copy (bench/RESULTS.md). Printed as
/// lower-case hex, as tshark prints stun.id.
/// </summary>
public readonly record struct TransactionKey(UInt128 Value, int Length)
{
    public static TransactionKey From(ReadOnlySpan<byte> id)
    {
        Span<byte> padded = stackalloc byte[16];
        id[..Math.Min(id.Length, 16)].CopyTo(padded);
        return new TransactionKey(BinaryPrimitives.ReadUInt128BigEndian(padded), Math.Min(id.Length, 16));
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, Value);
        return Convert.ToHexStringLower(bytes[..Length]);
    }
}
