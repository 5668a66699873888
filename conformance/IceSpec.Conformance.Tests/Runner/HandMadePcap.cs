using System.Buffers.Binary;
using System.Net;

namespace IceSpec.Conformance.Tests.Runner;

/// <summary>One UDP datagram of a hand-made capture: when, between which IPv4 endpoints, with which IP TTL.</summary>
public sealed record HandMadeDatagram(IPEndPoint From, IPEndPoint To, byte[] Payload, DateTime? At = null, byte Ttl = 64);

/// <summary>Hand-made captures for the cases judged on pcaps.</summary>
public static class HandMadePcap
{
    /// <summary>The time of a datagram without its own (<see cref="HandMadeDatagram.At"/>).</summary>
    public static readonly DateTime Epoch = DateTime.UnixEpoch.AddSeconds(1_700_000_000);

    /// <summary>A classic libpcap file (magic a1b2c3d4, version 2.4, Ethernet link type) of UDP datagrams between IPv4 endpoints.</summary>
    public static string Write(string path, params HandMadeDatagram[] datagrams)
    {
        using var file = new BinaryWriter(File.Create(path));
        file.Write(0xa1b2c3d4u); file.Write((ushort)2); file.Write((ushort)4); file.Write(0); file.Write(0u); file.Write(65535u); file.Write(1u);
        foreach (var (from, to, payload, at, ttl) in datagrams)
        {
            var frame = new byte[14 + 20 + 8 + payload.Length];
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
            var ip = frame.AsSpan(14);
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + 8 + payload.Length));
            ip[8] = ttl;
            ip[9] = 17;
            from.Address.GetAddressBytes().CopyTo(ip[12..]);
            to.Address.GetAddressBytes().CopyTo(ip[16..]);
            var udp = ip[20..];
            BinaryPrimitives.WriteUInt16BigEndian(udp, (ushort)from.Port);
            BinaryPrimitives.WriteUInt16BigEndian(udp[2..], (ushort)to.Port);
            BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + payload.Length));
            payload.CopyTo(udp[8..]);
            var since = (at ?? Epoch) - DateTime.UnixEpoch;
            file.Write((uint)since.TotalSeconds); file.Write((uint)(since.Ticks % TimeSpan.TicksPerSecond / 10)); file.Write((uint)frame.Length); file.Write((uint)frame.Length);
            file.Write(frame);
        }
        return path;
    }
}
