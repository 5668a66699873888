using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace IceSpec.Stun;

/// <summary>
/// A transport address as STUN carries it, without allocating (<see cref="IPEndPoint"/> only on demand).
/// Wire format of MAPPED-ADDRESS and friends (RFC 8489 §14.1); XOR-MAPPED-ADDRESS (§14.2) XORs the port with the
/// top 16 bits of the magic cookie and the address with the cookie (IPv4) or cookie ‖ transaction ID (IPv6).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0 0 0 0 0 0 0|    Family     |           Port                |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 Address (32 bits or 128 bits)                 |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public readonly struct StunAddress : IEquatable<StunAddress>
{
    public const byte FamilyIPv4 = 0x01;
    public const byte FamilyIPv6 = 0x02;

    private readonly Bytes16 _address;

    public StunAddress(byte family, ushort port, ReadOnlySpan<byte> address)
    {
        Family = family;
        Port = port;
        address.CopyTo(_address);
    }

    public StunAddress(IPEndPoint endPoint)
    {
        Family = endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? FamilyIPv6 : FamilyIPv4;
        Port = (ushort)endPoint.Port;
        endPoint.Address.TryWriteBytes(_address, out _);
    }

    public byte Family { get; }

    public ushort Port { get; }

    public int AddressLength => Family == FamilyIPv6 ? 16 : 4;

    /// <summary>The wire length of the attribute value: 8 (IPv4) or 20 (IPv6).</summary>
    public int EncodedLength => 4 + AddressLength;

    [System.Diagnostics.CodeAnalysis.UnscopedRef]
    public ReadOnlySpan<byte> AddressBytes => ((ReadOnlySpan<byte>)_address)[..AddressLength];

    public IPAddress Address => new(AddressBytes);

    public IPEndPoint ToEndPoint() => new(Address, Port);

    public static implicit operator StunAddress(IPEndPoint endPoint) => new(endPoint);

    public override string ToString() => Family == FamilyIPv6 ? $"[{Address}]:{Port}" : $"{Address}:{Port}";

    /// <summary>Reads a plain or XOR-ed address; false if the length or family is wrong.</summary>
    public static bool TryRead(ReadOnlySpan<byte> value, bool xor, ReadOnlySpan<byte> transactionId, out StunAddress address)
    {
        address = default;
        if (value.Length < 4) return false;
        var family = value[1];
        var length = family switch { FamilyIPv4 => 4, FamilyIPv6 => 16, _ => -1 };
        if (length < 0 || value.Length != 4 + length) return false;
        var port = BinaryPrimitives.ReadUInt16BigEndian(value[2..]);
        Span<byte> bytes = stackalloc byte[16];
        value.Slice(4, length).CopyTo(bytes);
        if (xor)
        {
            port ^= (ushort)(StunHeader.MagicCookie >> 16);
            ApplyXor(bytes[..length], transactionId);
        }
        address = new StunAddress(family, port, bytes[..length]);
        return true;
    }

    /// <summary>Writes the value (8 or 20 bytes) into <paramref name="destination"/>.</summary>
    public int Write(Span<byte> destination, bool xor, ReadOnlySpan<byte> transactionId)
    {
        destination[0] = 0;
        destination[1] = Family;
        var port = xor ? (ushort)(Port ^ (StunHeader.MagicCookie >> 16)) : Port;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], port);
        var address = destination.Slice(4, AddressLength);
        AddressBytes.CopyTo(address);
        if (xor) ApplyXor(address, transactionId);
        return EncodedLength;
    }

    private static void ApplyXor(Span<byte> address, ReadOnlySpan<byte> transactionId)
    {
        Span<byte> mask = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(mask, StunHeader.MagicCookie);
        transactionId.CopyTo(mask[4..]);
        for (var i = 0; i < address.Length; i++) address[i] ^= mask[i];
    }

    public bool Equals(StunAddress other) => Family == other.Family && Port == other.Port && AddressBytes.SequenceEqual(other.AddressBytes);

    public override bool Equals(object? obj) => obj is StunAddress other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Family);
        hash.Add(Port);
        hash.AddBytes(AddressBytes);
        return hash.ToHashCode();
    }

    [InlineArray(16)]
    private struct Bytes16
    {
        private byte _first;
    }
}
