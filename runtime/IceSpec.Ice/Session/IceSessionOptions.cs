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

    /// <summary>
    /// Offer host candidates under mDNS names instead of their addresses (draft-ietf-mmusic-mdns-ice-candidates §3.1.1): one
    /// fresh "UUIDv4.local" name per host address — an A record for an IPv4 one, AAAA for IPv6 — answered on
    /// 224.0.0.251:5353 and [ff02::fb]:5353 (RFC 6762 §6, §20) on the interfaces of the session's addresses for as long as
    /// the session lives (across restarts, §3.1.1 step 5), with a goodbye when it ends; a server-reflexive candidate then
    /// signals raddr 0.0.0.0 or :: and rport 9 (§3.1.2.2). Off by default, as a library whose users are not web pages
    /// (browsers turn it on for privacy).
    /// </summary>
    public bool OfferMdnsHostNames { get; init; }

    /// <summary>
    /// Resolve the peer's mDNS host candidates ("name.local", draft §3.2): on by default. Off, such candidates are dropped
    /// (reported as <see cref="IceRemoteCandidateDropped"/>).
    /// </summary>
    public bool ResolveMdnsCandidates { get; init; } = true;

    /// <summary>How long a name may go unanswered before its candidates are dropped (draft §3.2.1 step 4); 5 s (<see cref="Mdns.MdnsResolver.DefaultTimeout"/>).</summary>
    public TimeSpan MdnsResolutionTimeout { get; init; } = Mdns.MdnsResolver.DefaultTimeout;

    /// <summary>At most this many names are resolved at once; a candidate with one more is dropped with the reason. 32.</summary>
    public int MaxPendingMdnsResolutions { get; init; } = Mdns.MdnsResolver.DefaultMaxPending;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the session logs the agent's events (<c>IceSessionLog</c>); null logs nothing.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Where the meter <c>IceSpec.Ice.Session</c> comes from (<see cref="IceSessionMetrics"/>); null: the session creates its own.</summary>
    public IMeterFactory? MeterFactory { get; init; }
}
