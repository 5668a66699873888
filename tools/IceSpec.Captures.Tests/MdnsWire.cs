using System.Buffers.Binary;
using System.Net;

namespace IceSpec.Captures.Tests;

/// <summary>
/// mDNS messages written byte by byte from RFC 1035 §4.1 (header, question, resource record, §4.1.4 compression
/// pointers) and RFC 6762 (§5.4 QU bit, §10.2 cache-flush bit: the top bit of the class), independent of the reader.
/// </summary>
internal static class MdnsWire
{
    public const ushort ClassIn = 1, TopBit = 0x8000;

    /// <summary>A name as labels, ending in the root label (0).</summary>
    public static byte[] Name(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in name.Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }
        bytes.Add(0);
        return [.. bytes];
    }

    /// <summary>A compression pointer to <paramref name="offset"/> (top bits 11).</summary>
    public static byte[] Pointer(int offset) => [(byte)(0xC0 | offset >> 8), (byte)offset];

    public static byte[] Header(bool response, int questions, int answers, int authority = 0, int additional = 0, ushort id = 0)
    {
        var header = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, id);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), response ? (ushort)0x8400 : (ushort)0); // QR, AA (RFC 6762 §18.4)
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), (ushort)questions);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), (ushort)answers);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(8), (ushort)authority);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(10), (ushort)additional);
        return header;
    }

    public static byte[] Question(byte[] name, ushort type, bool unicastResponse) =>
        [.. name, (byte)(type >> 8), (byte)type, (byte)((unicastResponse ? TopBit : 0) >> 8), (byte)ClassIn];

    public static byte[] Record(byte[] name, ushort type, bool cacheFlush, uint ttl, byte[] rdata)
    {
        var fixedPart = new byte[10];
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart, type);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart.AsSpan(2), (ushort)(ClassIn | (cacheFlush ? TopBit : 0)));
        BinaryPrimitives.WriteUInt32BigEndian(fixedPart.AsSpan(4), ttl);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart.AsSpan(8), (ushort)rdata.Length);
        return [.. name, .. fixedPart, .. rdata];
    }

    public static byte[] A(byte[] name, string address, uint ttl = 120, bool cacheFlush = true) =>
        Record(name, 1, cacheFlush, ttl, IPAddress.Parse(address).GetAddressBytes());

    public static byte[] Aaaa(byte[] name, string address, uint ttl = 120, bool cacheFlush = true) =>
        Record(name, 28, cacheFlush, ttl, IPAddress.Parse(address).GetAddressBytes());

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    /// <summary>A one-question query for <paramref name="name"/>.</summary>
    public static byte[] Query(string name, ushort type = 1, bool unicastResponse = false) =>
        Concat(Header(false, 1, 0), Question(Name(name), type, unicastResponse));

    /// <summary>A response with one A record per address for <paramref name="name"/>, the first written in full, the others pointing to it.</summary>
    public static byte[] Response(string name, uint ttl, params string[] addresses)
    {
        var parts = new List<byte[]> { Header(true, 0, addresses.Length) };
        for (var i = 0; i < addresses.Length; i++)
            parts.Add(A(i == 0 ? Name(name) : Pointer(12), addresses[i], ttl));
        return Concat([.. parts]);
    }
}
