using System.Buffers;
using System.Buffers.Binary;
using IceSpec.Stun;
using Microsoft.Extensions.Logging;

namespace IceSpec.Turn.Server;

/// <summary>Allocate (RFC 8656 §7.2) and Refresh (§8.2).</summary>
public sealed partial class TurnServer
{
    /// <summary>RFC 8656 §18.8 (and RFC 6062 §6.2): the IP protocol numbers REQUESTED-TRANSPORT carries.</summary>
    private const byte ProtocolUdp = (byte)TurnFormulas.RequestedTransportUdp;

    /// <summary>RFC 8656 §18.7: the R bit of EVEN-PORT.</summary>
    private const byte EvenPortReserveBit = 0x80;

    private void HandleAllocate(TimeSpan now, in TurnFlow flow, in StunMessage message, in Credential credential)
    {
        // RFC 8656 §7.2 step 2: the 5-tuple already has an allocation. A retransmission of the request that created it
        // gets the same success response; anything else is refused because TurnAllocation has no Allocate transition
        // from Active: 437.
        if (_allocations.TryGetValue(flow, out var existing))
        {
            if (message.TransactionId.SequenceEqual(existing.AllocateTransactionId) && existing.Username == credential.Username)
            {
                SendAllocateSuccess(now, flow, message, credential, existing, null, null);
                return;
            }
            var refused = !existing.Machine.Fire(TurnAllocationEvent.Allocate, now);
            SendError(flow, message, refused ? TurnErrorCodes.AllocationMismatch : StunErrorCodes.ServerError, "the 5-tuple already has an allocation", credential);
            return;
        }

        // RFC 8489 §10 / RFC 8656 §7.2: redirect to another server (load spreading), authenticated.
        if (TryPickAlternate(flow.Remote.Family, out var alternate))
        {
            Redirect(flow, message, credential, alternate);
            return;
        }

        // A draining member of a fleet takes no new allocation: the fleet's least-loaded live server does.
        if (_options.Fleet is { Draining: true } draining)
        {
            if (draining.TryLeastLoaded(flow.Remote.Family, out var elsewhere)) Redirect(flow, message, credential, elsewhere);
            else SendError(flow, message, TurnErrorCodes.InsufficientCapacity, "draining, and no other server in the fleet", credential);
            return;
        }

        // Step 3: REQUESTED-TRANSPORT (present: the spec's rule): UDP, or TCP (RFC 6062 §5.1) unless no-tcp-relay; else 442.
        message.TryGetRequestedTransport(out var transport);
        var tcp = transport.Protocol == TurnFormulas.RequestedTransportTcp && !_options.NoTcpRelay;
        if (transport.Protocol != ProtocolUdp && !tcp)
        {
            SendError(flow, message, TurnErrorCodes.UnsupportedTransportProtocol, transport.Protocol == TurnFormulas.RequestedTransportTcp ? "TCP relaying (RFC 6062) is not offered" : null, credential);
            return;
        }
        if (tcp)
        {
            // RFC 6062 §5.1: "If the client connection transport is not TCP or TLS, the server MUST reject the request with a
            // 400 (Bad Request) error": the data connections of §5.4 belong to a TCP or TLS control connection.
            if (!flow.IsStream)
            {
                SendError(flow, message, StunErrorCodes.BadRequest, "a TCP allocation needs a TCP or TLS connection", credential);
                return;
            }
            // The attributes a TCP allocation cannot honour: spec/turn.spec's "Allocate request as tcp-allocation".
            if (!TurnValidator.TryValidate(message, TurnValidator.Profile.TcpAllocation, out var violation))
            {
                SendError(flow, message, StunErrorCodes.BadRequest, violation.Rule, credential);
                return;
            }
        }

        // Steps 5–7: RESERVATION-TOKEN, EVEN-PORT, REQUESTED-ADDRESS-FAMILY, ADDITIONAL-ADDRESS-FAMILY.
        var hasToken = message.TryGetReservationToken(out var tokenBytes);
        var hasEvenPort = message.TryGetEvenPort(out var evenPort);
        var hasFamily = message.TryGetRequestedAddressFamily(out var requestedFamily);
        var hasAdditional = message.TryGetAdditionalAddressFamily(out var additionalFamily);
        if (hasToken && (hasEvenPort || hasFamily))
        {
            SendError(flow, message, StunErrorCodes.BadRequest, "RESERVATION-TOKEN with EVEN-PORT or REQUESTED-ADDRESS-FAMILY", credential);
            return;
        }
        if (hasFamily && hasAdditional)
        {
            SendError(flow, message, StunErrorCodes.BadRequest, "REQUESTED-ADDRESS-FAMILY with ADDITIONAL-ADDRESS-FAMILY", credential);
            return;
        }
        if (hasAdditional && additionalFamily.Family != StunAddress.FamilyIPv6)
        {
            SendError(flow, message, StunErrorCodes.BadRequest, "ADDITIONAL-ADDRESS-FAMILY must be IPv6", credential);
            return;
        }
        var family = hasFamily ? requestedFamily.Family : StunAddress.FamilyIPv4;
        if (family is not (StunAddress.FamilyIPv4 or StunAddress.FamilyIPv6) || !_relays.SupportsFamily(family))
        {
            SendError(flow, message, TurnErrorCodes.AddressFamilyNotSupported, null, credential);
            return;
        }
        Reservation? reservation = null;
        if (hasToken)
        {
            if (!_reservations.TryGetValue(BinaryPrimitives.ReadUInt64BigEndian(tokenBytes), out reservation) || reservation.Claimed)
            {
                SendError(flow, message, TurnErrorCodes.InsufficientCapacity, "unknown or used RESERVATION-TOKEN", credential);
                return;
            }
        }

        // Quotas: per username (486; across the fleet: its allocations on the other servers count), per server (508; a
        // full member of a fleet redirects to the least-loaded live server instead, RFC 8489 §10).
        var username = credential.Username!;
        var userCount = _allocationsPerUser.GetValueOrDefault(username);
        if (_options.UserQuota > 0 && userCount + (_options.Fleet?.AllocationsElsewhere(username) ?? 0) >= _options.UserQuota)
        {
            _log.AllocationRefused("user-quota", username, flow.Remote, _options.UserQuota);
            SendError(flow, message, TurnErrorCodes.AllocationQuotaReached, null, credential);
            return;
        }
        if (_options.TotalQuota > 0 && _allocations.Count >= _options.TotalQuota)
        {
            if (_options.Fleet is { } fleet && fleet.TryLeastLoaded(flow.Remote.Family, out var lessLoaded))
            {
                Redirect(flow, message, credential, lessLoaded);
                return;
            }
            _log.AllocationRefused("total-quota", username, flow.Remote, _options.TotalQuota);
            SendError(flow, message, TurnErrorCodes.InsufficientCapacity, "allocation quota", credential);
            return;
        }

        // The lifetime is TurnAllocation's: Requested is LIFETIME (or the default), the transitions take min/max.
        var machine = NewAllocationMachine();
        machine.Requested = message.TryGetLifetime(out var seconds) ? TimeSpan.FromSeconds(seconds) : machine.DefaultLifetime;

        // Relay ports (step 8): the provider binds them; none free is 508.
        TurnRelayPort? primary;
        TurnRelayPort? reserved = null;
        if (reservation is not null)
        {
            primary = reservation.Port;
            reservation.Claimed = true;
            _reservations.Remove(reservation.Token);
        }
        else if (!_relays.TryOpen(new TurnRelayPortRequest(family, hasEvenPort, hasEvenPort && (evenPort & EvenPortReserveBit) != 0, message.HasDontFragment(), tcp), out primary, out reserved))
        {
            _log.AllocationRefused("no-relay-port", username, flow.Remote, null);
            SendError(flow, message, TurnErrorCodes.InsufficientCapacity, "no relay port", credential);
            return;
        }
        TurnRelayPort? secondary = null;
        var additionalError = 0;
        if (hasAdditional)
        {
            if (!_relays.SupportsFamily(StunAddress.FamilyIPv6)) additionalError = TurnErrorCodes.AddressFamilyNotSupported;
            else if (!_relays.TryOpen(new TurnRelayPortRequest(StunAddress.FamilyIPv6, DontFragment: message.HasDontFragment()), out var six, out _))
                additionalError = TurnErrorCodes.InsufficientCapacity;
            else secondary = six;
        }

        if (!machine.Fire(TurnAllocationEvent.Allocate, now))
        {
            // Cannot happen with the spec's guards (they cover every Requested); refuse rather than keep a machine-less allocation.
            _relays.Close(primary!);
            if (secondary is not null) _relays.Close(secondary);
            SendError(flow, message, StunErrorCodes.ServerError, "allocation machine refused Allocate", credential);
            return;
        }
        var allocation = new Allocation(flow, username, credential.Key!, credential.Sha256Integrity, machine)
        {
            ClientUsesFingerprint = message.HasFingerprint,
            IsTcp = tcp,
        };
        message.TransactionId.CopyTo(allocation.AllocateTransactionId);
        if (primary!.Address.IsIPv6) allocation.RelayIPv6 = primary;
        else allocation.RelayIPv4 = primary;
        if (secondary is not null) allocation.RelayIPv6 = secondary;
        primary.Owner = allocation;
        if (secondary is not null) secondary.Owner = allocation;
        _allocations[flow] = allocation;
        _allocationsPerUser[username] = userCount + 1;
        _options.Fleet?.AllocationOpened(username);
        Counters.AllocationsCreated++;
        _metrics.AllocationCreated();
        Schedule(allocation);

        ulong? token = null;
        if (reserved is not null)
        {
            Span<byte> random = stackalloc byte[8];
            _random(random);
            var value = BinaryPrimitives.ReadUInt64BigEndian(random);
            var held = new Reservation(value, reserved, now + _options.ReservationLifetime);
            _reservations[value] = held;
            Schedule(held);
            token = value;
        }
        SendAllocateSuccess(now, flow, message, credential, allocation, token, additionalError == 0 ? null : additionalError);
        _log.AllocationCreated(flow.Remote, Name(flow.Transport), username, allocation.RelayIPv4?.Address, allocation.RelayIPv6?.Address,
            (int)(machine.ExpiryDeadline!.Value - now).TotalSeconds);
    }

    /// <summary>RFC 8656 §7.3: XOR-RELAYED-ADDRESS (one per family), LIFETIME, XOR-MAPPED-ADDRESS, RESERVATION-TOKEN, ADDRESS-ERROR-CODE.</summary>
    private void SendAllocateSuccess(TimeSpan now, in TurnFlow flow, in StunMessage request, in Credential credential, Allocation allocation, ulong? token, int? additionalError)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ControlBufferSize);
        var builder = new StunMessageBuilder(buffer, new StunMessageType(TurnMethods.Allocate, StunClass.Success), request.TransactionId);
        if (allocation.RelayIPv4 is { } four) builder.AddXorRelayedAddress(four.Advertised.ToStunAddress());
        if (allocation.RelayIPv6 is { } six) builder.AddXorRelayedAddress(six.Advertised.ToStunAddress());
        builder.AddLifetime(RemainingSeconds(allocation.Machine, now));
        if (token is { } value)
        {
            Span<byte> bytes = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
            builder.AddReservationToken(bytes);
        }
        if (additionalError is { } code)
        {
            // RFC 8656 §18.12: the family that failed, then the error as in ERROR-CODE.
            var reason = System.Text.Encoding.UTF8.GetBytes(TurnErrorCodes.ReasonPhrase(code) ?? StunErrorCodes.ReasonPhrase(code) ?? "");
            builder.AddAddressErrorCode(new AddressErrorCodeValue(StunAddress.FamilyIPv6, 0, (byte)(code / 100), (byte)(code % 100), reason));
        }
        builder.AddXorMappedAddress(flow.Remote.ToStunAddress());
        Finish(ref builder, buffer, flow, credential);
    }

    private void HandleRefresh(TimeSpan now, in TurnFlow flow, in StunMessage message, in Credential credential)
    {
        // RFC 8656 §8.2: no allocation on this 5-tuple: 437; another user's allocation: 441.
        if (!TryGetOwnAllocation(flow, message, credential, out var allocation)) return;
        if (message.TryGetRequestedAddressFamily(out var family) && allocation.RelayFor(family.Family) is null)
        {
            SendError(flow, message, TurnErrorCodes.PeerAddressFamilyMismatch, "the allocation has no relayed address of that family", credential);
            return;
        }
        var machine = allocation.Machine;
        var hasLifetime = message.TryGetLifetime(out var seconds);
        if (hasLifetime && seconds == 0)
        {
            // RFC 8656 §8.2: a desired lifetime of 0 deletes the allocation (TurnAllocation: Active -> Deleted on RefreshToZero).
            machine.Fire(TurnAllocationEvent.RefreshToZero, now);
            SendRefreshSuccess(flow, message, credential, 0);
            DeleteAllocation(allocation, now, "refresh-to-zero");
            return;
        }
        machine.Requested = hasLifetime ? TimeSpan.FromSeconds(seconds) : machine.DefaultLifetime;
        if (!machine.Fire(TurnAllocationEvent.Refresh, now))
        {
            SendError(flow, message, TurnErrorCodes.AllocationMismatch, null, credential);
            return;
        }
        allocation.Key = credential.Key!;
        allocation.Sha256Integrity = credential.Sha256Integrity;
        Schedule(allocation);
        SendRefreshSuccess(flow, message, credential, RemainingSeconds(machine, now));
        _log.AllocationRefreshed(flow.Remote, credential.Username, RemainingSeconds(machine, now));
    }

    private void SendRefreshSuccess(in TurnFlow flow, in StunMessage request, in Credential credential, uint lifetime)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ControlBufferSize);
        var builder = new StunMessageBuilder(buffer, new StunMessageType(TurnMethods.Refresh, StunClass.Success), request.TransactionId);
        builder.AddLifetime(lifetime);
        Finish(ref builder, buffer, flow, credential);
    }

    /// <summary>RFC 8656 §8.2, §10.2, §12.2: the request needs this 5-tuple's allocation (437) made by the same user (441).</summary>
    private bool TryGetOwnAllocation(in TurnFlow flow, in StunMessage message, in Credential credential, out Allocation allocation)
    {
        if (!_allocations.TryGetValue(flow, out allocation!))
        {
            SendError(flow, message, TurnErrorCodes.AllocationMismatch, "no allocation on this 5-tuple", credential);
            return false;
        }
        if (!string.Equals(allocation.Username, credential.Username, StringComparison.Ordinal))
        {
            _log.RequestRejected(LogLevel.Warning, MethodName(message.Method), TurnErrorCodes.WrongCredentials, null, flow.Remote, credential.Username, allocation.Username);
            SendError(flow, message, TurnErrorCodes.WrongCredentials, null, credential);
            return false;
        }
        return true;
    }

    /// <summary>300 (Try Alternate) with ALTERNATE-SERVER (RFC 8489 §10), authenticated like the request.</summary>
    private void Redirect(in TurnFlow flow, in StunMessage message, in Credential credential, TurnEndpoint alternate)
    {
        var redirect = ArrayPool<byte>.Shared.Rent(ControlBufferSize);
        var builder = BeginError(redirect, message, StunErrorCodes.TryAlternate, null);
        builder.AddAlternateServer(alternate.ToStunAddress());
        Finish(ref builder, redirect, flow, credential);
        _log.AllocationRedirected(flow.Remote, credential.Username, alternate);
    }

    private TurnAllocationMachine NewAllocationMachine()
    {
        var machine = new TurnAllocationMachine();
        if (_options.DefaultLifetime is { } defaultLifetime) machine.DefaultLifetime = defaultLifetime;
        if (_options.MaxLifetime is { } maxLifetime) machine.MaxLifetime = maxLifetime;
        return machine;
    }

    private static uint RemainingSeconds(TurnAllocationMachine machine, TimeSpan now) =>
        machine.ExpiryDeadline is { } deadline ? (uint)Math.Max(0, Math.Round((deadline - now).TotalSeconds)) : 0;

    private bool TryPickAlternate(byte family, out TurnEndpoint alternate)
    {
        alternate = default;
        var list = _options.AlternateServers;
        for (var i = 0; i < list.Count; i++)
        {
            var candidate = list[(_alternateIndex + i) % list.Count];
            if (candidate.Family != family) continue;
            _alternateIndex = (_alternateIndex + i + 1) % list.Count;
            alternate = candidate;
            return true;
        }
        return false;
    }
}
