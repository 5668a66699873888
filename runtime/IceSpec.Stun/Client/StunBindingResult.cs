using System.Net;
using IceSpec.Stun.Transports;

namespace IceSpec.Stun.Client;

/// <summary>
/// What a Binding transaction learned (RFC 8489 §6.3.1): the server-reflexive address, the round trip, the server's
/// SOFTWARE, and the RFC 5780 §7 attributes RESPONSE-ORIGIN and OTHER-ADDRESS when the server sent them.
/// </summary>
public sealed record StunBindingResult(
    IPEndPoint MappedAddress,
    TimeSpan RoundTripTime,
    int Transmissions,
    string? Software,
    IPEndPoint? ResponseOrigin,
    IPEndPoint? OtherAddress)
{
    /// <summary>The server that answered (after any ALTERNATE-SERVER redirection).</summary>
    public IPEndPoint? Server { get; init; }

    /// <summary>The local transport address the request left from (the host candidate).</summary>
    public IPEndPoint? LocalEndPoint { get; init; }

    public TransportProtocol Protocol { get; init; }

    /// <summary>The servers that redirected the request with 300 (Try Alternate), in order.</summary>
    public IReadOnlyList<IPEndPoint> Redirections { get; init; } = [];
}
