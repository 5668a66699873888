using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using IceSpec.Stun;

namespace IceSpec.Turn.Server;

/// <summary>
/// An IP transport address as the server core keys its tables on: family, 128 address bits, port. An unmanaged value
/// with cheap equality and hashing (a dictionary key on the relay path), converted to and from <see cref="StunAddress"/>,
/// <see cref="IPEndPoint"/> and <see cref="SocketAddress"/> without allocating. IPv4 addresses keep their 4 bytes in the
/// low 32 bits; the family tells them apart from IPv6.
/// </summary>
public readonly struct TurnEndpoint : IEquatable<TurnEndpoint>
{
    private readonly ulong _high;
    private readonly ulong _low;

    private TurnEndpoint(byte family, ulong high, ulong low, ushort port)
    {
        Family = family;
        _high = high;
        _low = low;
        Port = port;
    }

    /// <summary><see cref="StunAddress.FamilyIPv4"/> or <see cref="StunAddress.FamilyIPv6"/>; 0 for <c>default</c>.</summary>
    public byte Family { get; }

    public ushort Port { get; }

    public bool IsIPv4 => Family == StunAddress.FamilyIPv4;

    public bool IsIPv6 => Family == StunAddress.FamilyIPv6;

    public bool IsDefault => Family == 0;

    /// <summary>The same address with port 0: the key of a permission (RFC 8656 §9: permissions are per IP address).</summary>
    public TurnEndpoint AddressOnly => new(Family, _high, _low, 0);

    public TurnEndpoint WithPort(ushort port) => new(Family, _high, _low, port);

    /// <summary>The IPv4 address as a big-endian 32-bit number (only for IPv4).</summary>
    public uint IPv4Value => (uint)_low;

    /// <summary>The upper and lower 64 bits of an IPv6 address (IPv4: 0 and the 32-bit value).</summary>
    public ulong High => _high;

    public ulong Low => _low;

    public static TurnEndpoint IPv4(uint address, ushort port) => new(StunAddress.FamilyIPv4, 0, address, port);

    public static TurnEndpoint IPv6(ulong high, ulong low, ushort port) => new(StunAddress.FamilyIPv6, high, low, port);

    public static TurnEndpoint FromBytes(ReadOnlySpan<byte> address, ushort port) => address.Length switch
    {
        4 => IPv4(BinaryPrimitives.ReadUInt32BigEndian(address), port),
        16 => IPv6(BinaryPrimitives.ReadUInt64BigEndian(address), BinaryPrimitives.ReadUInt64BigEndian(address[8..]), port),
        _ => throw new ArgumentException("An IP address is 4 or 16 bytes.", nameof(address)),
    };

    public static TurnEndpoint From(in StunAddress address) => FromBytes(address.AddressBytes, address.Port);

    public static TurnEndpoint From(IPEndPoint endPoint) => From(endPoint.Address, (ushort)endPoint.Port);

    public static TurnEndpoint From(IPAddress address, ushort port)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return FromBytes(bytes[..written], port);
    }

    public static TurnEndpoint Parse(string text) => From(IPEndPoint.Parse(text));

    /// <summary>Reads a Linux/Windows <c>sockaddr_in</c> / <c>sockaddr_in6</c>: port at bytes 2–3, address at 4 (IPv4) or 8 (IPv6).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TurnEndpoint From(SocketAddress socketAddress)
    {
        var bytes = socketAddress.Buffer.Span;
        var port = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
        if (socketAddress.Family == AddressFamily.InterNetwork) return IPv4(BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]), port);
        var high = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        var low = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        // An IPv4-mapped address (::ffff:a.b.c.d) from a dual-mode socket is the IPv4 address.
        if (high == 0 && (low >> 32) == 0xFFFF) return IPv4((uint)low, port);
        return IPv6(high, low, port);
    }

    /// <summary>Writes this endpoint into <paramref name="socketAddress"/> (created for this family, or IPv6 for a dual-mode socket).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteTo(SocketAddress socketAddress)
    {
        var bytes = socketAddress.Buffer.Span;
        BinaryPrimitives.WriteUInt16BigEndian(bytes[2..], Port);
        if (socketAddress.Family == AddressFamily.InterNetwork)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes[4..], (uint)_low);
            return;
        }
        BinaryPrimitives.WriteUInt32BigEndian(bytes[4..], 0); // flow info
        if (IsIPv4)
        {
            BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], 0);
            BinaryPrimitives.WriteUInt64BigEndian(bytes[16..], 0xFFFF_0000_0000UL | _low);
        }
        else
        {
            BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], _high);
            BinaryPrimitives.WriteUInt64BigEndian(bytes[16..], _low);
        }
        if (bytes.Length >= 28) BinaryPrimitives.WriteUInt32LittleEndian(bytes[24..], 0); // scope id
    }

    public AddressFamily AddressFamily => IsIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;

    public int WriteAddressBytes(Span<byte> destination)
    {
        if (IsIPv4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_low);
            return 4;
        }
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
        return 16;
    }

    public StunAddress ToStunAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        var length = WriteAddressBytes(bytes);
        return new StunAddress(Family, Port, bytes[..length]);
    }

    public IPAddress Address
    {
        get
        {
            Span<byte> bytes = stackalloc byte[16];
            return new IPAddress(bytes[..WriteAddressBytes(bytes)]);
        }
    }

    public IPEndPoint ToIPEndPoint() => new(Address, Port);

    public bool Equals(TurnEndpoint other) => _low == other._low && _high == other._high && Port == other.Port && Family == other.Family;

    public override bool Equals(object? obj) => obj is TurnEndpoint other && Equals(other);

    public override int GetHashCode()
    {
        var mixed = (_low * 0x9E3779B97F4A7C15UL) ^ (_high * 0xC2B2AE3D27D4EB4FUL) ^ ((ulong)Port << 17) ^ Family;
        return (int)(mixed ^ (mixed >> 32));
    }

    public static bool operator ==(TurnEndpoint left, TurnEndpoint right) => left.Equals(right);

    public static bool operator !=(TurnEndpoint left, TurnEndpoint right) => !left.Equals(right);

    public override string ToString() => IsDefault ? "-" : IsIPv6 ? $"[{Address}]:{Port}" : $"{Address}:{Port}";

    /// <summary>The address without the port, for logs.</summary>
    public string AddressText => IsDefault ? "-" : Address.ToString();
}
