using System.Net;

namespace IceSpec.Ice;

/// <summary>
/// What an <see cref="IceSession"/> needs: the agent's settings (servers, role, nomination, pacing, policy — see
/// <see cref="IceAgentOptions"/>) plus where to gather host candidates. No stream or component IDs, no gathering
/// bookkeeping: the session does that.
/// </summary>
public sealed record IceSessionOptions : IceAgentOptions
{
    /// <summary>Local addresses to gather host candidates on; null = every up, non-loopback interface (loopback if there is none).</summary>
    public IReadOnlyList<IPAddress>? Addresses { get; init; }

    public int Components { get; init; } = 1;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
