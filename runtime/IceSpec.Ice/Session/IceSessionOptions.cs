using System.Net;

namespace IceSpec.Ice;

/// <summary>
/// What an <see cref="IceSession"/> needs: servers, role and nomination policy. No stream or component IDs, no
/// gathering bookkeeping — the session does that.
/// </summary>
public sealed record IceSessionOptions
{
    public IceRole Role { get; init; } = IceRole.Controlling;
    public IceNomination Nomination { get; init; } = IceNomination.Regular;
    /// <summary>Ta (RFC 8445 §14.2); the default 50 ms. Announced in the description as a=ice-pacing when different.</summary>
    public TimeSpan Pacing { get; init; } = TimeSpan.FromMilliseconds(IceFormulas.DefaultPacingMilliseconds);
    public IReadOnlyList<IPEndPoint> StunServers { get; init; } = [];
    public IReadOnlyList<IceTurnServer> TurnServers { get; init; } = [];
    public IceCandidatePolicy Policy { get; init; } = IceCandidatePolicy.All;
    public bool Lite { get; init; }
    public bool ConsentFreshness { get; init; } = true;
    /// <summary>Local addresses to gather host candidates on; null = every up, non-loopback interface (loopback if there is none).</summary>
    public IReadOnlyList<IPAddress>? Addresses { get; init; }
    public int Components { get; init; } = 1;
    public IceCredentials? Credentials { get; init; }
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
