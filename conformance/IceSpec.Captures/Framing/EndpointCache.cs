using System.Buffers.Binary;
using System.Net;

namespace IceSpec.Captures.Framing;

/// <summary>
/// One <see cref="IPEndPoint"/> object per IPv4 address and port seen, so that a large capture does not allocate two
/// endpoints per packet (IPv6 endpoints are made each time). Bounded: cleared when it reaches <see cref="Capacity"/>.
/// </summary>
public sealed class EndpointCache
{
    public const int Capacity = 1 << 16;
    private readonly Dictionary<ulong, IPEndPoint> _v4 = [];

    public IPEndPoint Get(ReadOnlySpan<byte> address, ushort port)
    {
        if (address.Length != 4) return new IPEndPoint(new IPAddress(address), port);
        var key = (ulong)BinaryPrimitives.ReadUInt32BigEndian(address) << 16 | port;
        if (_v4.TryGetValue(key, out var endpoint)) return endpoint;
        if (_v4.Count >= Capacity) _v4.Clear();
        return _v4[key] = new IPEndPoint(new IPAddress(address), port);
    }
}
