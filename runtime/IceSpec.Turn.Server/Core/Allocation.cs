using IceSpec.Stun;

namespace IceSpec.Turn.Server;

/// <summary>
/// Something the core's timer queue wakes: an allocation (its own machine, its permissions, its channels) or a port
/// reservation. <see cref="ScheduledAt"/> is the deadline of its live queue entry; entries with another time are stale.
/// </summary>
internal abstract class TimedEntry
{
    public TimeSpan? ScheduledAt { get; set; }

    public abstract TimeSpan? NextDeadline { get; }
}

/// <summary>
/// One allocation (RFC 8656 §2.2, §7): the client's 5-tuple, the credential that created it, the relayed transport
/// address(es), and the generated machines that own every lifetime: <see cref="TurnAllocationMachine"/> for the
/// allocation, one <see cref="TurnPermissionMachine"/> per peer IP, one <see cref="TurnChannelBindingMachine"/> per
/// channel number.
/// </summary>
internal sealed class Allocation : TimedEntry
{
    public Allocation(TurnFlow flow, string username, StunKey key, bool sha256Integrity, TurnAllocationMachine machine)
    {
        Flow = flow;
        Username = username;
        Key = key;
        Sha256Integrity = sha256Integrity;
        Machine = machine;
    }

    public TurnFlow Flow { get; }

    public string Username { get; }

    /// <summary>The long-term key of the request that created the allocation; later requests must use the same user (441).</summary>
    public StunKey Key { get; set; }

    public bool Sha256Integrity { get; set; }

    public TurnAllocationMachine Machine { get; }

    public TurnRelayPort? RelayIPv4 { get; set; }

    public TurnRelayPort? RelayIPv6 { get; set; }

    /// <summary>The transaction ID of the Allocate that created it: a retransmission gets the success response again (RFC 8656 §7.2).</summary>
    public byte[] AllocateTransactionId { get; } = new byte[StunHeader.TransactionIdLength];

    /// <summary>Whether the client's requests carry FINGERPRINT: Data indications then carry it too (RFC 8489 §7).</summary>
    public bool ClientUsesFingerprint { get; set; }

    /// <summary>Permissions by peer IP address (port 0).</summary>
    public Dictionary<TurnEndpoint, TurnPermissionMachine> Permissions { get; } = new();

    public Dictionary<ushort, TurnChannelBindingMachine> ChannelsByNumber { get; } = new();

    /// <summary>Channels by the peer transport address they are bound to (Bound or Quarantined).</summary>
    public Dictionary<TurnEndpoint, TurnChannelBindingMachine> ChannelsByPeer { get; } = new();

    public ushort ChannelNumberOf(TurnChannelBindingMachine channel)
    {
        foreach (var (number, machine) in ChannelsByNumber) if (ReferenceEquals(machine, channel)) return number;
        return 0;
    }

    /// <summary>A TCP allocation (RFC 6062 §5.1): its relay port is a TCP listener, its data flows on peer data connections.</summary>
    public bool IsTcp { get; init; }

    /// <summary>The peer data connections of a TCP allocation by CONNECTION-ID (RFC 6062 §5.2, §5.3).</summary>
    public Dictionary<uint, PeerConnection> PeerConnections { get; } = new();

    public long PacketsToPeers;
    public long PacketsFromPeers;
    public long BytesToPeers;
    public long BytesFromPeers;
    public long DroppedNoPermission;

    public bool IsActive => Machine.State == TurnAllocationState.Active;

    public TurnRelayPort? RelayFor(byte family) => family == StunAddress.FamilyIPv6 ? RelayIPv6 : RelayIPv4;

    /// <summary>RFC 8656 §9: traffic to and from a peer is relayed only while a permission for its IP address is installed.</summary>
    public bool HasPermission(in TurnEndpoint peer) =>
        Permissions.TryGetValue(peer.AddressOnly, out var permission) && permission.State == TurnPermissionState.Installed;

    public override TimeSpan? NextDeadline
    {
        get
        {
            var next = Machine.NextDeadline;
            foreach (var permission in Permissions.Values) next = Earliest(next, permission.NextDeadline);
            foreach (var channel in ChannelsByNumber.Values) next = Earliest(next, channel.NextDeadline);
            foreach (var connection in PeerConnections.Values) next = Earliest(next, connection.Machine.NextDeadline);
            return next;
        }
    }

    private static TimeSpan? Earliest(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;
}

/// <summary>
/// One peer data connection of a TCP allocation (RFC 6062 §5.2–§5.5): its <see cref="TurnPeerConnectionMachine"/>, the
/// Connect request still to be answered (its transaction and credential) while the machine is Connecting, and the client
/// data connection once bound.
/// </summary>
internal sealed class PeerConnection(Allocation allocation, TurnPeerConnectionMachine machine)
{
    public Allocation Allocation { get; } = allocation;

    public TurnPeerConnectionMachine Machine { get; } = machine;

    public uint Id => Machine.ConnectionId;

    /// <summary>The transaction ID of the Connect request answered once the TCP handshake ends (RFC 6062 §5.2); null for an accepted peer.</summary>
    public byte[]? ConnectTransactionId { get; init; }

    public Credential ConnectCredential { get; init; }

    /// <summary>The client data connection (RFC 6062 §5.4), once bound.</summary>
    public TurnFlow? DataFlow { get; set; }
}

/// <summary>A port held for the RESERVATION-TOKEN of a later Allocate (RFC 8656 §7.2, EVEN-PORT with the R bit).</summary>
internal sealed class Reservation : TimedEntry
{
    public Reservation(ulong token, TurnRelayPort port, TimeSpan expires)
    {
        Token = token;
        Port = port;
        Expires = expires;
    }

    public ulong Token { get; }

    public TurnRelayPort Port { get; }

    public TimeSpan Expires { get; }

    public bool Claimed { get; set; }

    public override TimeSpan? NextDeadline => Claimed ? null : Expires;
}
