using System.Diagnostics.Metrics;
using IceSpec.Stun;

namespace IceSpec.Turn.Server;

/// <summary>
/// The meter <c>IceSpec.Turn.Server</c> of one <see cref="TurnServer"/> (System.Diagnostics.Metrics; names and units after
/// the OpenTelemetry conventions; listed in Server/README.md, "Logs and metrics"). Recording is thread-safe and allocates
/// nothing (the tags are preallocated); with no listener an instrument is one branch.
/// </summary>
public sealed class TurnServerMetrics : IDisposable
{
    public const string MeterName = "IceSpec.Turn.Server";

    private static readonly KeyValuePair<string, object?> ClientToPeer = new("direction", "client-to-peer");
    private static readonly KeyValuePair<string, object?> PeerToClient = new("direction", "peer-to-client");

    private readonly bool _ownsMeter;
    private readonly UpDownCounter<long> _allocationsActive;
    private readonly Counter<long> _allocationsCreated;
    private readonly Counter<long> _allocationsRefused;
    private readonly UpDownCounter<long> _permissionsActive;
    private readonly Counter<long> _permissionsRefused;
    private readonly UpDownCounter<long> _channelsActive;
    private readonly Counter<long> _relayedPackets;
    private readonly Counter<long> _relayedBytes;
    private readonly Counter<long> _authFailures;
    private readonly Counter<long> _nonceRenewals;

    /// <summary>A meter from <paramref name="factory"/> (a host's DI container), or one of its own (disposed with this).</summary>
    public TurnServerMetrics(IMeterFactory? factory = null)
    {
        _ownsMeter = factory is null;
        Meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _allocationsActive = Meter.CreateUpDownCounter<long>("icespec.turn.allocations.active", "{allocation}", "Allocations now.");
        _allocationsCreated = Meter.CreateCounter<long>("icespec.turn.allocations.created", "{allocation}", "Allocations created (RFC 8656 §7.2).");
        _allocationsRefused = Meter.CreateCounter<long>("icespec.turn.allocations.refused", "{request}",
            "Allocate requests answered with an error, by reason (the initial 401 challenge and 438 Stale Nonce are not refusals).");
        _permissionsActive = Meter.CreateUpDownCounter<long>("icespec.turn.permissions.active", "{permission}", "Permissions now (RFC 8656 §9).");
        _permissionsRefused = Meter.CreateCounter<long>("icespec.turn.permissions.refused", "{peer}", "Peers refused by the peer policy (403), by reason.");
        _channelsActive = Meter.CreateUpDownCounter<long>("icespec.turn.channels.active", "{channel}", "Channel bindings now (RFC 8656 §12).");
        _relayedPackets = Meter.CreateCounter<long>("icespec.turn.relayed.packets", "{packet}", "Packets relayed, by direction.");
        _relayedBytes = Meter.CreateCounter<long>("icespec.turn.relayed.bytes", "By", "Application data bytes relayed (no TURN framing), by direction.");
        _authFailures = Meter.CreateCounter<long>("icespec.turn.auth.failures", "{request}",
            "Requests whose long-term credentials failed (401 after MESSAGE-INTEGRITY, RFC 8489 §9.2.4), by reason.");
        _nonceRenewals = Meter.CreateCounter<long>("icespec.turn.nonce.renewals", "{response}", "438 Stale Nonce responses with a new nonce (RFC 8489 §9.2.4).");
    }

    public Meter Meter { get; }

    internal void AllocationCreated()
    {
        _allocationsCreated.Add(1);
        _allocationsActive.Add(1);
    }

    internal void AllocationDeleted(int permissions, int channels)
    {
        _allocationsActive.Add(-1);
        if (permissions > 0) _permissionsActive.Add(-permissions);
        if (channels > 0) _channelsActive.Add(-channels);
    }

    /// <summary>An error response to an Allocate request; <paramref name="authenticated"/>: the request carried MESSAGE-INTEGRITY.</summary>
    internal void AllocateError(int code, bool authenticated)
    {
        // The 401 challenge to a request without credentials and 438 are steps of every allocation, not refusals.
        if (code == StunErrorCodes.StaleNonce || (code == StunErrorCodes.Unauthenticated && !authenticated)) return;
        if (!_allocationsRefused.Enabled) return;
        _allocationsRefused.Add(1, new KeyValuePair<string, object?>("reason", RefusalReason(code)));
    }

    internal void PermissionRefused(string reason) => _permissionsRefused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    internal void PermissionsChanged(int delta)
    {
        if (delta != 0) _permissionsActive.Add(delta);
    }

    internal void ChannelsChanged(int delta)
    {
        if (delta != 0) _channelsActive.Add(delta);
    }

    internal void RelayedToPeer(int bytes)
    {
        _relayedPackets.Add(1, ClientToPeer);
        _relayedBytes.Add(bytes, ClientToPeer);
    }

    internal void RelayedToClient(int bytes)
    {
        _relayedPackets.Add(1, PeerToClient);
        _relayedBytes.Add(bytes, PeerToClient);
    }

    internal void AuthFailed(string reason) => _authFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    internal void NonceRenewed() => _nonceRenewals.Add(1);

    /// <summary>The <c>reason</c> tag of a refused Allocate: the error code's name (RFC 8489 §14.8, RFC 8656 §19).</summary>
    internal static string RefusalReason(int code) => code switch
    {
        StunErrorCodes.TryAlternate => "try-alternate",
        StunErrorCodes.BadRequest => "bad-request",
        StunErrorCodes.Unauthenticated => "unauthenticated",
        TurnErrorCodes.Forbidden => "forbidden",
        StunErrorCodes.UnknownAttribute => "unknown-attribute",
        TurnErrorCodes.AllocationMismatch => "allocation-mismatch",
        TurnErrorCodes.AddressFamilyNotSupported => "address-family-not-supported",
        TurnErrorCodes.WrongCredentials => "wrong-credentials",
        TurnErrorCodes.UnsupportedTransportProtocol => "unsupported-transport",
        TurnErrorCodes.AllocationQuotaReached => "quota",
        TurnErrorCodes.InsufficientCapacity => "insufficient-capacity",
        StunErrorCodes.ServerError => "server-error",
        _ => "other",
    };

    public void Dispose()
    {
        if (_ownsMeter) Meter.Dispose();
    }
}
