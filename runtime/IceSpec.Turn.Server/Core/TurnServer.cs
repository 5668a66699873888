using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using IceSpec.Stun;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IceSpec.Turn.Server;

/// <summary>Fills a span with random bytes (injected: the core has no randomness of its own).</summary>
public delegate void TurnRandom(Span<byte> destination);

/// <summary>
/// The STUN/TURN server as a sans-IO state machine (RFC 8489, RFC 8656, RFC 5780). Inputs: packets from clients
/// (<see cref="HandlePacket"/>), packets from peers at a relay port (<see cref="HandleRelayPacket"/>), closed client
/// connections, and the time (<see cref="HandleTimeout"/>). Outputs: transmits (<see cref="PollTransmit"/>) and the next
/// deadline (<see cref="PollTimeout"/>). No sockets, threads, clock or randomness inside; relay ports are opened through
/// the injected <see cref="ITurnRelayPortProvider"/>. Not thread-safe: the driver serialises calls.
/// </summary>
/// <remarks>
/// Every lifetime is a generated machine's: <see cref="TurnAllocationMachine"/> (lifetimes, Refresh, deletion),
/// <see cref="TurnPermissionMachine"/> (300 s), <see cref="TurnChannelBindingMachine"/> (600 s, quarantine, rebinding
/// rules as guards). The request rules come from the generated validators (<see cref="StunValidator"/>,
/// <see cref="TurnValidator"/>). Bad input is answered with the RFC's error or dropped; it never throws out of here.
/// </remarks>
public sealed partial class TurnServer
{
    /// <summary>Room for any control response (attributes are small; SOFTWARE and reason phrases are bounded).</summary>
    private const int ControlBufferSize = 2048;

    private readonly TurnServerOptions _options;
    private readonly ITurnRelayPortProvider _relays;
    private readonly ILogger _log;
    private readonly TurnServerMetrics _metrics;
    private readonly TurnRandom _random;
    private readonly TurnNonceIssuer _nonces;
    private readonly Dictionary<TurnFlow, Allocation> _allocations = new();
    private readonly Dictionary<string, int> _allocationsPerUser = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, Reservation> _reservations = new();
    private readonly PriorityQueue<TimedEntry, TimeSpan> _timers = new();
    private readonly Queue<TurnTransmit> _transmits = new();
    private readonly List<StunKey> _candidateKeys = new();
    private readonly byte[] _software;
    private readonly byte[] _passwordAlgorithms;
    private readonly TurnEndpoint[] _ownEndpoints;
    private readonly UnauthenticatedRateLimiter? _unauthenticatedLimiter;
    private TimeSpan _nextTimer = TimeSpan.MaxValue;
    private int _alternateIndex;
    private ulong _prng;

    public TurnServer(TurnServerOptions options, ITurnRelayPortProvider relays, ILogger? log = null, TurnRandom? random = null)
    {
        _options = options;
        _relays = relays;
        _log = log ?? NullLogger.Instance;
        _metrics = new TurnServerMetrics(options.MeterFactory);
        if (options.Fleet is { } fleet) _metrics.ObserveFleet(fleet);
        _random = random ?? RandomNumberGenerator.Fill;
        Span<byte> secret = stackalloc byte[32];
        _random(secret);
        _nonces = new TurnNonceIssuer(secret, options.NonceLifetime, options.OfferPasswordAlgorithms);
        Span<byte> seed = stackalloc byte[8];
        _random(seed);
        _prng = BinaryPrimitives.ReadUInt64LittleEndian(seed) | 1;
        _software = string.IsNullOrEmpty(options.Software) ? [] : Encoding.UTF8.GetBytes(options.Software);
        // RFC 8489 §14.11: SHA-256 first (preferred), then MD5; no parameters.
        _passwordAlgorithms = [0x00, (byte)StunPasswordAlgorithm.Sha256, 0, 0, 0x00, (byte)StunPasswordAlgorithm.Md5, 0, 0];
        _ownEndpoints = [.. options.OwnEndpoints];
        if (options.UnauthenticatedRate > 0)
            _unauthenticatedLimiter = new UnauthenticatedRateLimiter(options.UnauthenticatedRate, Math.Max(1, options.UnauthenticatedBurst));
    }

    public TurnServerOptions Options => _options;

    public TurnServerCounters Counters { get; } = new();

    /// <summary>The meter <c>IceSpec.Turn.Server</c> of this server (disposed by <see cref="Shutdown"/> when the server created it).</summary>
    public TurnServerMetrics Metrics => _metrics;

    public int AllocationCount => _allocations.Count;

    /// <summary>A packet from a client, received on the server address <paramref name="local"/> (one whole message on streams).</summary>
    public void HandlePacket(TimeSpan now, TurnTransport transport, in TurnEndpoint local, in TurnEndpoint remote, ReadOnlySpan<byte> packet)
    {
        if (now >= _nextTimer) HandleTimeout(now);
        if (packet.Length < ChannelData.HeaderLength)
        {
            Counters.DroppedMalformed++;
            return;
        }
        var flow = new TurnFlow(transport, local, remote);
        var top = packet[0] & 0xC0;
        if (top == 0x40)
        {
            RelayChannelDataFromClient(flow, packet);
            return;
        }
        if (top != 0)
        {
            // RFC 8656 §12: neither STUN (00) nor ChannelData (01).
            Counters.DroppedMalformed++;
            return;
        }
        try
        {
            HandleStun(now, flow, packet);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug of ours must cost one message, not the server.
            Counters.InternalErrors++;
            _log.InternalError(flow.Remote, flow.Transport, e.GetType().Name, e.Message);
        }
    }

    /// <summary>A datagram from a peer at one of the relay ports this core opened.</summary>
    public void HandleRelayPacket(TimeSpan now, TurnRelayPort relay, in TurnEndpoint peer, ReadOnlySpan<byte> data)
    {
        if (now >= _nextTimer) HandleTimeout(now);
        if (relay.Owner is not Allocation allocation || !allocation.IsActive)
        {
            Counters.DroppedNoAllocation++;
            return;
        }
        // RFC 8656 §11.3: no permission for the peer's IP address, no relaying.
        if (!allocation.HasPermission(peer))
        {
            allocation.DroppedNoPermission++;
            Counters.DroppedNoPermission++;
            _log.RelayDropped("no-permission", peer, relay.Address);
            return;
        }
        var flow = allocation.Flow;
        byte[] buffer;
        int length;
        if (allocation.ChannelsByPeer.TryGetValue(peer, out var channel) && channel.State == TurnChannelBindingState.Bound)
        {
            // RFC 8656 §12.6 (sending): ChannelData, padded to 4 bytes on TCP/TLS (§12.5).
            length = ChannelData.HeaderLength + (flow.IsStream ? StunHeader.Padded(data.Length) : data.Length);
            if (length > ushort.MaxValue + ChannelData.HeaderLength)
            {
                Counters.DroppedMalformed++;
                return;
            }
            buffer = ArrayPool<byte>.Shared.Rent(length);
            ChannelData.Write(buffer, channel.Number, data, padForStream: flow.IsStream);
        }
        else
        {
            // RFC 8656 §11.3: a Data indication with XOR-PEER-ADDRESS and DATA.
            if (data.Length > ushort.MaxValue - 64)
            {
                Counters.DroppedMalformed++;
                return;
            }
            buffer = ArrayPool<byte>.Shared.Rent(StunHeader.Length + 24 + 4 + StunHeader.Padded(data.Length) + 8);
            Span<byte> transactionId = stackalloc byte[StunHeader.TransactionIdLength];
            NextTransactionId(transactionId);
            var builder = new StunMessageBuilder(buffer, new StunMessageType(TurnMethods.Data, StunClass.Indication), transactionId);
            builder.AddXorPeerAddress(peer.ToStunAddress());
            builder.AddData(data);
            if (allocation.ClientUsesFingerprint) builder.AddFingerprint();
            length = builder.Length;
        }
        allocation.PacketsFromPeers++;
        allocation.BytesFromPeers += data.Length;
        Counters.PacketsToClients++;
        Counters.BytesToClients += data.Length;
        _metrics.RelayedToClient(data.Length);
        _transmits.Enqueue(new TurnTransmit(TurnTransmitTarget.Client, flow.Transport, flow.Local, flow.Remote, null, buffer, length));
    }

    /// <summary>
    /// A client's TCP or TLS connection closed: its allocation goes with it (RFC 8656 §3.1, RFC 6062 §5), or, for a client
    /// data connection, its peer data connection (RFC 6062 §5.5).
    /// </summary>
    public void HandleConnectionClosed(TimeSpan now, TurnTransport transport, in TurnEndpoint local, in TurnEndpoint remote)
    {
        if (now >= _nextTimer) HandleTimeout(now);
        var flow = new TurnFlow(transport, local, remote);
        if (_allocations.TryGetValue(flow, out var allocation))
            DeleteAllocation(allocation, now, "connection-closed");
        else CloseDataConnection(flow, now);
    }

    /// <summary>Deletes every allocation and reservation (their relay ports are closed): the server is stopping.</summary>
    public void Shutdown(TimeSpan now)
    {
        foreach (var allocation in _allocations.Values.ToArray()) DeleteAllocation(allocation, now, "shutdown");
        foreach (var reservation in _reservations.Values.ToArray())
        {
            _reservations.Remove(reservation.Token);
            _relays.Close(reservation.Port);
        }
        while (_transmits.TryDequeue(out var transmit)) ReturnBuffer(transmit);
        _unauthenticatedLimiter?.Dispose();
        _metrics.Dispose();
    }

    /// <summary>Fires every due timer of every machine; deletes what expired (releasing relay ports).</summary>
    public void HandleTimeout(TimeSpan now)
    {
        while (_timers.TryPeek(out var entry, out var at) && at <= now)
        {
            _timers.Dequeue();
            if (entry.ScheduledAt != at) continue; // superseded by an earlier schedule, or deleted
            entry.ScheduledAt = null;
            switch (entry)
            {
                case Allocation allocation:
                    TickAllocation(allocation, now);
                    break;
                case Reservation reservation:
                    ExpireReservation(reservation, now);
                    break;
            }
        }
        _nextTimer = _timers.TryPeek(out _, out var next) ? next : TimeSpan.MaxValue;
    }

    /// <summary>When to call <see cref="HandleTimeout"/> next; null when nothing is pending.</summary>
    public TimeSpan? PollTimeout() => _timers.TryPeek(out _, out var at) ? at : null;

    /// <summary>The next datagram to send; return its buffer with <see cref="ReturnBuffer"/> once sent.</summary>
    public bool PollTransmit(out TurnTransmit transmit) => _transmits.TryDequeue(out transmit);

    public int PendingTransmits => _transmits.Count;

    public static void ReturnBuffer(in TurnTransmit transmit) => ArrayPool<byte>.Shared.Return(transmit.Buffer);

    public bool HasAllocation(in TurnFlow flow) => _allocations.ContainsKey(flow);

    /// <summary>A snapshot of the allocation on a 5-tuple, for tests and diagnostics.</summary>
    public bool TryGetAllocation(in TurnFlow flow, out TurnAllocationInfo info)
    {
        info = default!;
        if (!_allocations.TryGetValue(flow, out var allocation)) return false;
        info = Describe(allocation);
        return true;
    }

    public IReadOnlyList<TurnAllocationInfo> Allocations => [.. _allocations.Values.Select(Describe)];

    private static TurnAllocationInfo Describe(Allocation a) => new(
        a.Flow, a.Username, a.RelayIPv4?.Address, a.RelayIPv6?.Address, a.Machine.ExpiryDeadline,
        [.. a.Permissions.Where(p => p.Value.State == TurnPermissionState.Installed).Select(p => p.Key)],
        [.. a.ChannelsByNumber.Select(c => new TurnChannelInfo(c.Key, c.Value.Peer, c.Value.State))]);

    private void RelayChannelDataFromClient(in TurnFlow flow, ReadOnlySpan<byte> packet)
    {
        if (ChannelData.TryParse(packet, out var message, _options.AcceptRfc5766ChannelNumbers) != ChannelDataStatus.Ok)
        {
            // RFC 8656 §12.4: too short for its length, or not a channel: silently discarded.
            Counters.DroppedMalformed++;
            return;
        }
        var number = message.Channel;
        var data = message.Data;
        if (!_allocations.TryGetValue(flow, out var allocation) || !allocation.ChannelsByNumber.TryGetValue(number, out var channel) ||
            channel.State != TurnChannelBindingState.Bound)
        {
            // RFC 8656 §12.6: a ChannelData message on an unbound channel is discarded.
            Counters.DroppedNoAllocation++;
            return;
        }
        SendToPeer(allocation, channel.Peer, data);
    }

    private void SendToPeer(Allocation allocation, in TurnEndpoint peer, ReadOnlySpan<byte> data)
    {
        // RFC 8656 §11.2, §12.6: only to a peer with an installed permission, from the relay of the peer's family.
        if (!allocation.HasPermission(peer))
        {
            allocation.DroppedNoPermission++;
            Counters.DroppedNoPermission++;
            return;
        }
        var relay = allocation.RelayFor(peer.Family);
        if (relay is null || IsOwnEndpoint(peer))
        {
            Counters.DroppedPolicy++;
            return;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(data.Length, 1));
        data.CopyTo(buffer);
        allocation.PacketsToPeers++;
        allocation.BytesToPeers += data.Length;
        Counters.PacketsToPeers++;
        Counters.BytesToPeers += data.Length;
        _metrics.RelayedToPeer(data.Length);
        _transmits.Enqueue(new TurnTransmit(TurnTransmitTarget.Peer, TurnTransport.Udp, relay.Address, peer, relay, buffer, data.Length));
    }

    private bool IsOwnEndpoint(in TurnEndpoint peer)
    {
        foreach (var own in _ownEndpoints) if (own == peer) return true;
        return false;
    }

    private void TickAllocation(Allocation allocation, TimeSpan now)
    {
        allocation.Machine.HandleTimeout(now);
        if (!allocation.IsActive)
        {
            DeleteAllocation(allocation, now, "expired");
            return;
        }
        TickPeerConnections(allocation, now);
        foreach (var (address, permission) in allocation.Permissions)
        {
            permission.HandleTimeout(now);
            if (permission.IsFinal)
            {
                allocation.Permissions.Remove(address);
                _metrics.PermissionsChanged(-1);
                if (_log.IsEnabled(LogLevel.Debug)) _log.PermissionExpired(allocation.Flow.Remote, address.AddressText);
            }
        }
        foreach (var (number, channel) in allocation.ChannelsByNumber)
        {
            channel.HandleTimeout(now);
            if (channel.IsFinal)
            {
                allocation.ChannelsByNumber.Remove(number);
                _metrics.ChannelsChanged(-1);
                if (allocation.ChannelsByPeer.TryGetValue(channel.Peer, out var bound) && ReferenceEquals(bound, channel))
                    allocation.ChannelsByPeer.Remove(channel.Peer);
                if (_log.IsEnabled(LogLevel.Debug)) _log.ChannelFreed(allocation.Flow.Remote, $"0x{number:X4}", channel.Peer);
            }
        }
        Schedule(allocation);
    }

    private void Schedule(TimedEntry entry)
    {
        if (entry.NextDeadline is not { } next) return;
        if (entry.ScheduledAt is { } at && at <= next) return;
        entry.ScheduledAt = next;
        _timers.Enqueue(entry, next);
        if (next < _nextTimer) _nextTimer = next;
    }

    private void DeleteAllocation(Allocation allocation, TimeSpan now, string reason)
    {
        _allocations.Remove(allocation.Flow);
        allocation.ScheduledAt = null;
        ClosePeerConnections(allocation, now);
        foreach (var relay in (ReadOnlySpan<TurnRelayPort?>)[allocation.RelayIPv4, allocation.RelayIPv6])
        {
            if (relay is null) continue;
            relay.Owner = null;
            _relays.Close(relay);
        }
        _options.Fleet?.AllocationClosed(allocation.Username);
        if (_allocationsPerUser.TryGetValue(allocation.Username, out var count))
        {
            if (count <= 1) _allocationsPerUser.Remove(allocation.Username);
            else _allocationsPerUser[allocation.Username] = count - 1;
        }
        Counters.AllocationsDeleted++;
        _metrics.AllocationDeleted(allocation.Permissions.Count, allocation.ChannelsByNumber.Count);
        _log.AllocationDeleted(reason, allocation.Flow.Remote, Name(allocation.Flow.Transport), allocation.Username,
            allocation.RelayIPv4?.Address ?? allocation.RelayIPv6?.Address, allocation.PacketsToPeers, allocation.PacketsFromPeers,
            allocation.BytesToPeers, allocation.BytesFromPeers, allocation.DroppedNoPermission);
    }

    private void ExpireReservation(Reservation reservation, TimeSpan now)
    {
        if (reservation.Claimed || reservation.Expires > now) return;
        _reservations.Remove(reservation.Token);
        _relays.Close(reservation.Port);
        _log.ReservationExpired(reservation.Port.Address);
    }

    private void NextTransactionId(Span<byte> destination)
    {
        // xorshift64*: indications need unpredictable-enough, unique IDs, not cryptographic ones (RFC 8489 §5).
        Span<byte> bytes = stackalloc byte[8];
        for (var i = 0; i < destination.Length; i += 8)
        {
            _prng ^= _prng >> 12;
            _prng ^= _prng << 25;
            _prng ^= _prng >> 27;
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, _prng * 0x2545F4914F6CDD1DUL);
            bytes[..Math.Min(8, destination.Length - i)].CopyTo(destination[i..]);
        }
    }

    private static string Name(TurnTransport transport) => transport switch
    {
        TurnTransport.Udp => "udp",
        TurnTransport.Tcp => "tcp",
        _ => "tls",
    };
}

/// <summary>Counters a driver can report; incremented on the relay path without locking (the core is single-threaded).</summary>
public sealed class TurnServerCounters
{
    public long PacketsToPeers;
    public long PacketsToClients;
    public long BytesToPeers;
    public long BytesToClients;
    public long DroppedNoPermission;
    public long DroppedNoAllocation;
    public long DroppedMalformed;
    public long DroppedPolicy;
    public long Requests;
    public long ErrorResponses;
    public long AllocationsCreated;
    public long AllocationsDeleted;
    public long InternalErrors;
    /// <summary>RFC 6062 peer data connections made by Connect or accepted on a relayed address.</summary>
    public long PeerConnectionsOpened;
    /// <summary>Requests left unanswered by unauthenticated-rate (no valid credentials, the source's bucket empty).</summary>
    public long DroppedRateLimited;
}

/// <summary>A channel of an allocation, for diagnostics.</summary>
public sealed record TurnChannelInfo(ushort Number, TurnEndpoint Peer, TurnChannelBindingState State);

/// <summary>An allocation, for diagnostics and tests.</summary>
public sealed record TurnAllocationInfo(
    TurnFlow Flow, string Username, TurnEndpoint? RelayIPv4, TurnEndpoint? RelayIPv6, TimeSpan? ExpiresAt,
    IReadOnlyList<TurnEndpoint> Permissions, IReadOnlyList<TurnChannelInfo> Channels);
