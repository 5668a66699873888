using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging;

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

    /// <summary>
    /// With <see cref="IceTransports.Tcp"/>: also a simultaneous-open host candidate per address and component (RFC 6544
    /// §4.5 tcptype so), on a port of its own where the session listens and from which it connects to the peer's S-O
    /// candidates (SO_REUSEADDR/SO_REUSEPORT, §7.2). Off by default: few peers pair S-O (libnice offers none).
    /// </summary>
    public bool TcpSimultaneousOpen { get; init; }

    /// <summary>How long opening an ICE-TCP connection may take before its check fails (RFC 6544 §7.1).</summary>
    public TimeSpan TcpConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest RFC 4571 frame accepted on an ICE-TCP connection; a longer one closes that connection.</summary>
    public int MaxTcpFrameLength { get; init; } = (int)IceFormulas.MaxTcpFrameLength;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the session logs the agent's events (<c>IceSessionLog</c>); null logs nothing.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Where the meter <c>IceSpec.Ice.Session</c> comes from (<see cref="IceSessionMetrics"/>); null: the session creates its own.</summary>
    public IMeterFactory? MeterFactory { get; init; }
}
