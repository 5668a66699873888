using System.Net;

namespace IceSpec.Captures.Framing;

/// <summary>
/// One direction of a transport flow, <see cref="From"/> → <see cref="To"/>, as a dictionary key on the per-packet
/// path (bound channels, TURN allocations). Endpoints compare by reference first: <see cref="EndpointCache"/> hands out
/// one object per IPv4 endpoint, so a look-up rarely needs <see cref="IPEndPoint.Equals(object)"/> (IPv6 endpoints, made
/// per packet, still compare by value). A struct of its own rather than a tuple of references, whose dictionaries run
/// shared generic code (bench/RESULTS.md).
/// </summary>
public readonly struct Flow(IPEndPoint from, IPEndPoint to) : IEquatable<Flow>
{
    public IPEndPoint From { get; } = from;
    public IPEndPoint To { get; } = to;

    public Flow Reversed => new(To, From);

    public bool Equals(Flow other) => Same(From, other.From) && Same(To, other.To);

    public override bool Equals(object? obj) => obj is Flow other && Equals(other);

    public override int GetHashCode() => From.GetHashCode() * 31 + To.GetHashCode();

    private static bool Same(IPEndPoint a, IPEndPoint b) => ReferenceEquals(a, b) || a.Equals(b);
}
