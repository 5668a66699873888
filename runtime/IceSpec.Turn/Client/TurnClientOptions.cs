using IceSpec.Stun.Transports;
using Microsoft.Extensions.Logging;

namespace IceSpec.Turn.Client;

/// <summary>Which relayed addresses to ask for (RFC 8656 §7.1: REQUESTED-ADDRESS-FAMILY, ADDITIONAL-ADDRESS-FAMILY).</summary>
public enum TurnAddressFamily : byte
{
    /// <summary>An IPv4 relayed address (the default: no REQUESTED-ADDRESS-FAMILY).</summary>
    IPv4,
    /// <summary>An IPv6 relayed address (REQUESTED-ADDRESS-FAMILY 0x02).</summary>
    IPv6,
    /// <summary>Both: IPv4 and ADDITIONAL-ADDRESS-FAMILY IPv6 (RFC 8656 §7.1).</summary>
    Dual,
}

/// <summary>Settings of a TURN client: where, how, who, and what allocation to ask for.</summary>
public sealed record TurnClientOptions
{
    /// <summary><c>host[:port]</c> of the TURN server; the port defaults to 3478 (5349 over TLS). Used by <see cref="TurnClient"/>.</summary>
    public string? Server { get; init; }

    /// <summary>The transport between client and server (RFC 8656 §3.1).</summary>
    public TransportProtocol Transport { get; init; } = TransportProtocol.Udp;

    public TlsClientOptions? Tls { get; init; }

    /// <summary>The long-term credential (RFC 8489 §9.2).</summary>
    public required string Username { get; init; }

    public required string Password { get; init; }

    /// <summary>The realm the client expects; null accepts the server's REALM. A different REALM fails the allocation.</summary>
    public string? Realm { get; init; }

    public TurnAddressFamily AddressFamily { get; init; } = TurnAddressFamily.IPv4;

    /// <summary>Ask for a TCP relayed address (RFC 6062: REQUESTED-TRANSPORT 6); needs a TCP or TLS control connection.</summary>
    public bool TcpRelay { get; init; }

    /// <summary>The LIFETIME to ask for in Allocate and Refresh (RFC 8656 §7.1); null leaves it to the server (600 s by default).</summary>
    public TimeSpan? Lifetime { get; init; }

    /// <summary>
    /// How long before the end of a lifetime a refresh is sent: the <c>Margin</c> param of the generated
    /// TurnClientRefreshMachine (null: the spec's 60 s). When a granted lifetime is not longer than the margin, half the
    /// lifetime is used instead, so a short lifetime is still refreshed in time.
    /// </summary>
    public TimeSpan? RefreshMargin { get; init; }

    /// <summary>The initial RTO over UDP (RFC 8489 §6.2.1); null for the spec's default (500 ms).</summary>
    public TimeSpan? Rto { get; init; }

    /// <summary>SOFTWARE sent with requests (RFC 8489 §14.14), or null.</summary>
    public string? Software { get; init; } = "IceSpec";

    /// <summary>Add DONT-FRAGMENT to Allocate (RFC 8656 §7.1) and Send indications (§11.1).</summary>
    public bool DontFragment { get; init; }

    /// <summary>Add FINGERPRINT to requests and Send indications (RFC 8489 §14.7).</summary>
    public bool Fingerprint { get; init; } = true;

    /// <summary>Fills transaction IDs (RFC 8489 §5: uniformly random); the system CSPRNG by default. Tests inject their own.</summary>
    public Action<Span<byte>>? Random { get; init; }

    /// <summary>The clock of the async driver; the sans-IO core takes its time from the caller.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// When the allocation is lost — a Refresh, CreatePermission or ChannelBind answered 437 Allocation Mismatch (RFC 8656
    /// §19: the server has no allocation for this 5-tuple, e.g. after a restart), left unanswered (RFC 8489 §6.2.1), or the
    /// TCP/TLS connection closed (RFC 8656 §3.1: the server deletes the allocation with it) — allocate again: a new relayed
    /// address; the old permissions and channels are gone with the old allocation. <see cref="TurnAllocationLost"/> is
    /// reported either way; off, the client stays <see cref="TurnClientState.Failed"/>.
    /// </summary>
    public bool ReallocateOnLoss { get; init; } = true;

    /// <summary>How many Allocates a re-allocation tries before the client gives up (<see cref="TurnClientState.Failed"/>).</summary>
    public int ReallocateAttempts { get; init; } = 5;

    /// <summary>The wait before the second re-allocation attempt, doubled for each later one (1, 2, 4, 8 s by default); the first goes at once.</summary>
    public TimeSpan ReallocateBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The liveness probe: a Refresh (keeping the requested LIFETIME) sent when nothing authentic came from the server for
    /// this long — no response and no data from a peer. RFC 8656 has no keepalive for allocations, but a Refresh may be
    /// sent at any time (§8); without a probe a restarted server is noticed only at the next refresh, a minute before the
    /// lifetime ends. 15 s is the RFC 8445 §11 keepalive interval an ICE agent already sends on the same path, and half
    /// the 30 s in which RFC 7675 §5.1 consent expires, so a restart is reported (437, one round trip after the probe)
    /// before consent fails on a pair using this relay. Null turns the probe off.
    /// </summary>
    public TimeSpan? LivenessProbeInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Where the client logs its events (allocation created, lost, refreshed, request failures…; <c>TurnClientLog</c>); null logs nothing.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>How long DisposeAsync waits for the answer to the closing Refresh (LIFETIME 0) before it gives up.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(2);
}
