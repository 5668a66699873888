using System.Diagnostics.Metrics;
using IceSpec.Stun;

namespace IceSpec.Turn.Server;

/// <summary>
/// The meter <c>IceSpec.Turn.Server</c> of one <see cref="TurnServer"/> (System.Diagnostics.Metrics; names and units after
/// the OpenTelemetry conventions; listed in IceSpec.Turn.Server.Hosting/README.md, "Logs and metrics"). The core counts in
/// plain fields (it is single-threaded: one writer; the host's RFC 6062 copy loops, outside its lock, add atomically to
/// fields of their own) and every instrument is observable, read when a listener collects: the relay path costs an
/// addition, and an exporter always sees the current totals, however long a counter stands still.
/// </summary>
public sealed class TurnServerMetrics : IDisposable
{
    public const string MeterName = "IceSpec.Turn.Server";

    /// <summary>The <c>reason</c> tags of refused Allocates, indexed by <see cref="RefusalIndex"/>.</summary>
    private static readonly string[] RefusalReasons =
    [
        "try-alternate", "bad-request", "unauthenticated", "forbidden", "unknown-attribute", "allocation-mismatch",
        "address-family-not-supported", "wrong-credentials", "unsupported-transport", "quota", "insufficient-capacity", "server-error", "other",
    ];

    private readonly bool _ownsMeter;
    private readonly long[] _refused = new long[RefusalReasons.Length];
    private readonly Dictionary<string, long> _authFailures = new(StringComparer.Ordinal);
    private long _allocationsActive;
    private long _allocationsCreated;
    private long _permissionsActive;
    private long _permissionsRefused;
    private long _channelsActive;
    private long _packetsToPeers;
    private long _bytesToPeers;
    private long _packetsToClients;
    private long _bytesToClients;
    private long _streamBytesToPeers;
    private long _streamBytesToClients;
    private long _nonceRenewals;

    /// <summary>A meter from <paramref name="factory"/> (a host's DI container), or one of its own (disposed with this).</summary>
    public TurnServerMetrics(IMeterFactory? factory = null)
    {
        _ownsMeter = factory is null;
        Meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        Meter.CreateObservableUpDownCounter("icespec.turn.allocations.active", () => Volatile.Read(ref _allocationsActive), "{allocation}", "Allocations now.");
        Meter.CreateObservableCounter("icespec.turn.allocations.created", () => Volatile.Read(ref _allocationsCreated), "{allocation}",
            "Allocations created (RFC 8656 §7.2).");
        Meter.CreateObservableCounter("icespec.turn.allocations.refused", ObserveRefusals, "{request}",
            "Allocate requests answered with an error, by reason (the initial 401 challenge and 438 Stale Nonce are not refusals).");
        Meter.CreateObservableUpDownCounter("icespec.turn.permissions.active", () => Volatile.Read(ref _permissionsActive), "{permission}",
            "Permissions now (RFC 8656 §9).");
        Meter.CreateObservableCounter("icespec.turn.permissions.refused",
            () => new Measurement<long>(Volatile.Read(ref _permissionsRefused), new KeyValuePair<string, object?>("reason", "forbidden-peer")), "{peer}",
            "Peers refused by the peer policy (403), by reason.");
        Meter.CreateObservableUpDownCounter("icespec.turn.channels.active", () => Volatile.Read(ref _channelsActive), "{channel}",
            "Channel bindings now (RFC 8656 §12).");
        Meter.CreateObservableCounter("icespec.turn.relayed.packets",
            () => ByDirection(Volatile.Read(ref _packetsToPeers), Volatile.Read(ref _packetsToClients)), "{packet}",
            "UDP datagrams relayed, by direction.");
        Meter.CreateObservableCounter("icespec.turn.relayed.bytes", () => ByDirection(BytesToPeers, BytesToClients), "By",
            "Application data bytes relayed (no TURN framing; UDP datagrams and RFC 6062 TCP data connections), by direction.");
        Meter.CreateObservableCounter("icespec.turn.auth.failures", ObserveAuthFailures, "{request}",
            "Requests whose long-term credentials failed (401 after MESSAGE-INTEGRITY, RFC 8489 §9.2.4), by reason.");
        Meter.CreateObservableCounter("icespec.turn.nonce.renewals", () => Volatile.Read(ref _nonceRenewals), "{response}",
            "438 Stale Nonce responses with a new nonce (RFC 8489 §9.2.4).");
    }

    public Meter Meter { get; }

    internal void AllocationCreated()
    {
        _allocationsCreated++;
        _allocationsActive++;
    }

    internal void AllocationDeleted(int permissions, int channels)
    {
        _allocationsActive--;
        _permissionsActive -= permissions;
        _channelsActive -= channels;
    }

    /// <summary>An error response to an Allocate request; <paramref name="authenticated"/>: the request carried MESSAGE-INTEGRITY.</summary>
    internal void AllocateError(int code, bool authenticated)
    {
        // The 401 challenge to a request without credentials and 438 are steps of every allocation, not refusals.
        if (code == StunErrorCodes.StaleNonce || (code == StunErrorCodes.Unauthenticated && !authenticated)) return;
        _refused[RefusalIndex(code)]++;
    }

    internal void PermissionRefused() => _permissionsRefused++;

    internal void PermissionsChanged(int delta) => _permissionsActive += delta;

    internal void ChannelsChanged(int delta) => _channelsActive += delta;

    /// <summary>Application data bytes relayed so far, both directions, UDP and TCP (a fleet publishes the bit rate from it).</summary>
    public long RelayedBytes => BytesToPeers + BytesToClients;

    private long BytesToPeers => Volatile.Read(ref _bytesToPeers) + Interlocked.Read(ref _streamBytesToPeers);

    private long BytesToClients => Volatile.Read(ref _bytesToClients) + Interlocked.Read(ref _streamBytesToClients);

    /// <summary>A member of a fleet: <c>icespec.turn.fleet.draining</c> is 1 while it drains (Prometheus <c>icespec_turn_fleet_draining</c>).</summary>
    internal void ObserveFleet(ITurnFleet fleet) =>
        Meter.CreateObservableGauge("icespec.turn.fleet.draining", () => fleet.Draining ? 1 : 0, "{server}",
            "1 while this server drains (takes no new allocation, redirects them with 300; keeps the existing ones), else 0.");

    internal void RelayedToPeer(int bytes)
    {
        _packetsToPeers++;
        _bytesToPeers += bytes;
    }

    internal void RelayedToClient(int bytes)
    {
        _packetsToClients++;
        _bytesToClients += bytes;
    }

    /// <summary>
    /// Bytes copied on an RFC 6062 data connection (§5.4), <paramref name="toPeer"/> or to the client. Called from the
    /// host's copy loops, outside the core's lock: counted in fields of their own, atomically.
    /// </summary>
    internal void RelayedOnDataConnection(bool toPeer, int bytes) =>
        Interlocked.Add(ref toPeer ? ref _streamBytesToPeers : ref _streamBytesToClients, bytes);

    internal void AuthFailed(string reason)
    {
        lock (_authFailures) _authFailures[reason] = _authFailures.GetValueOrDefault(reason) + 1;
    }

    internal void NonceRenewed() => _nonceRenewals++;

    /// <summary>The index in <see cref="RefusalReasons"/> of a refused Allocate's error code (RFC 8489 §14.8, RFC 8656 §19).</summary>
    private static int RefusalIndex(int code) => code switch
    {
        StunErrorCodes.TryAlternate => 0,
        StunErrorCodes.BadRequest => 1,
        StunErrorCodes.Unauthenticated => 2,
        TurnErrorCodes.Forbidden => 3,
        StunErrorCodes.UnknownAttribute => 4,
        TurnErrorCodes.AllocationMismatch => 5,
        TurnErrorCodes.AddressFamilyNotSupported => 6,
        TurnErrorCodes.WrongCredentials => 7,
        TurnErrorCodes.UnsupportedTransportProtocol => 8,
        TurnErrorCodes.AllocationQuotaReached => 9,
        TurnErrorCodes.InsufficientCapacity => 10,
        StunErrorCodes.ServerError => 11,
        _ => 12,
    };

    private IEnumerable<Measurement<long>> ObserveRefusals()
    {
        for (var i = 0; i < RefusalReasons.Length; i++)
            yield return new Measurement<long>(Volatile.Read(ref _refused[i]), new KeyValuePair<string, object?>("reason", RefusalReasons[i]));
    }

    private IEnumerable<Measurement<long>> ObserveAuthFailures()
    {
        lock (_authFailures) return [.. _authFailures.Select(f => new Measurement<long>(f.Value, new KeyValuePair<string, object?>("reason", f.Key)))];
    }

    private static Measurement<long>[] ByDirection(long toPeers, long toClients) =>
    [
        new(toPeers, new KeyValuePair<string, object?>("direction", "client-to-peer")),
        new(toClients, new KeyValuePair<string, object?>("direction", "peer-to-client")),
    ];

    public void Dispose()
    {
        if (_ownsMeter) Meter.Dispose();
    }
}
