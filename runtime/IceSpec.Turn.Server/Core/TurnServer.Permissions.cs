using System.Buffers;
using IceSpec.Stun;
using Microsoft.Extensions.Logging;

namespace IceSpec.Turn.Server;

/// <summary>CreatePermission (RFC 8656 §10.2), ChannelBind (§12.2) and the Send indication (§11.2).</summary>
public sealed partial class TurnServer
{
    private const int MaxPeersPerRequest = 32;

    private void HandleCreatePermission(TimeSpan now, in TurnFlow flow, in StunMessage message, in Credential credential)
    {
        if (!TryGetOwnAllocation(flow, message, credential, out var allocation)) return;
        // RFC 8656 §10.2: every XOR-PEER-ADDRESS is checked before any permission is installed (all or nothing).
        Span<TurnEndpoint> peers = stackalloc TurnEndpoint[MaxPeersPerRequest];
        var count = 0;
        foreach (var attribute in message.Attributes)
        {
            if (attribute.Type != TurnAttributeTypes.XorPeerAddress) continue;
            if (count == peers.Length || !StunAddress.TryRead(attribute.Value, true, message.TransactionId, out var address))
            {
                SendError(flow, message, StunErrorCodes.BadRequest, "too many or malformed XOR-PEER-ADDRESS", credential);
                return;
            }
            var peer = TurnEndpoint.From(address);
            if (!CheckPeer(flow, message, credential, allocation, peer)) return;
            peers[count++] = peer;
        }
        if (!RoomForPermissions(allocation, peers[..count]))
        {
            SendError(flow, message, TurnErrorCodes.InsufficientCapacity, "too many permissions", credential);
            return;
        }
        foreach (var peer in peers[..count]) InstallPermission(allocation, peer, now);
        Schedule(allocation);

        var buffer = ArrayPool<byte>.Shared.Rent(ControlBufferSize);
        var builder = new StunMessageBuilder(buffer, new StunMessageType(TurnMethods.CreatePermission, StunClass.Success), message.TransactionId);
        Finish(ref builder, buffer, flow, credential);
        if (_log.IsEnabled(LogLevel.Debug)) _log.PermissionInstalled(flow.Remote, credential.Username, count, peers[0].AddressText);
    }

    private void HandleChannelBind(TimeSpan now, in TurnFlow flow, in StunMessage message, in Credential credential)
    {
        if (!TryGetOwnAllocation(flow, message, credential, out var allocation)) return;
        if (allocation.IsTcp)
        {
            // RFC 6062 §4.3: a TCP allocation's data travels on data connections, never in ChannelData.
            SendError(flow, message, StunErrorCodes.BadRequest, "channels are for UDP allocations", credential);
            return;
        }
        message.TryGetChannelNumber(out var channelNumber);
        var number = channelNumber.Number;
        // RFC 8656 §12.2: the channel number must be in 0x4000–0x4FFF (0x7FFF under RFC 5766, when accepted).
        if (!ChannelData.IsChannel(number, _options.AcceptRfc5766ChannelNumbers))
        {
            SendError(flow, message, StunErrorCodes.BadRequest, $"channel number 0x{number:X4} is outside 0x4000-0x4FFF", credential);
            return;
        }
        message.TryGetXorPeerAddress(out var address);
        var peer = TurnEndpoint.From(address);
        if (!CheckPeer(flow, message, credential, allocation, peer)) return;

        if (!RoomForPermissions(allocation, [peer]))
        {
            SendError(flow, message, TurnErrorCodes.InsufficientCapacity, "too many permissions", credential);
            return;
        }

        // The rebinding rules are TurnChannelBinding's guards: SamePeer for a bound or quarantined number, PeerUnbound
        // for a new one. A Bind no transition takes is a 400.
        var isNew = !allocation.ChannelsByNumber.TryGetValue(number, out var channel);
        channel ??= new TurnChannelBindingMachine { Number = number };
        channel.RequestedPeer = peer;
        channel.RequestedPeerInUseElsewhere = allocation.ChannelsByPeer.TryGetValue(peer, out var other) && !ReferenceEquals(other, channel);
        if (!channel.Fire(TurnChannelBindingEvent.Bind, now))
        {
            SendError(flow, message, StunErrorCodes.BadRequest, channel.RequestedPeerInUseElsewhere
                ? "the peer is bound to another channel" : "the channel is bound to another peer", credential);
            return;
        }
        if (isNew)
        {
            allocation.ChannelsByNumber[number] = channel;
            _metrics.ChannelsChanged(1);
        }
        allocation.ChannelsByPeer[peer] = channel;
        // RFC 8656 §12.2: binding a channel also installs or refreshes the permission for the peer's IP address.
        InstallPermission(allocation, peer, now);
        Schedule(allocation);

        var buffer = ArrayPool<byte>.Shared.Rent(ControlBufferSize);
        var builder = new StunMessageBuilder(buffer, new StunMessageType(TurnMethods.ChannelBind, StunClass.Success), message.TransactionId);
        Finish(ref builder, buffer, flow, credential);
        if (_log.IsEnabled(LogLevel.Debug)) _log.ChannelBound(flow.Remote, credential.Username, $"0x{number:X4}", peer);
    }

    /// <summary>RFC 8656 §11.2: relay DATA to XOR-PEER-ADDRESS if the 5-tuple has an allocation and the peer a permission; else drop.</summary>
    private void HandleSend(in TurnFlow flow, in StunMessage message)
    {
        if (!_allocations.TryGetValue(flow, out var allocation) || allocation.IsTcp)
        {
            // A TCP allocation relays on data connections (RFC 6062 §4.3), never from Send indications.
            Counters.DroppedNoAllocation++;
            return;
        }
        if (!StunValidator.TryValidateStructure(message, out _) || !TurnValidator.TryValidate(message, out _) ||
            !message.TryGetXorPeerAddress(out var address) || !message.TryGetData(out var data))
        {
            Counters.DroppedMalformed++;
            return;
        }
        SendToPeer(allocation, TurnEndpoint.From(address), data);
    }

    /// <summary>RFC 8656 §10.2/§12.2: the peer's family must match a relayed address (443); policy may refuse it (403).</summary>
    private bool CheckPeer(in TurnFlow flow, in StunMessage message, in Credential credential, Allocation allocation, in TurnEndpoint peer)
    {
        if (allocation.RelayFor(peer.Family) is null)
        {
            SendError(flow, message, TurnErrorCodes.PeerAddressFamilyMismatch, null, credential);
            return false;
        }
        if (!_options.PeerPolicy.IsAllowed(peer))
        {
            _log.PermissionRefused("peer-policy", flow.Remote, credential.Username, peer.AddressText);
            _metrics.PermissionRefused();
            SendError(flow, message, TurnErrorCodes.Forbidden, "peer address not allowed", credential);
            return false;
        }
        return true;
    }

    private bool RoomForPermissions(Allocation allocation, ReadOnlySpan<TurnEndpoint> peers)
    {
        var added = 0;
        foreach (var peer in peers) if (!allocation.Permissions.ContainsKey(peer.AddressOnly)) added++;
        return allocation.Permissions.Count + added <= _options.MaxPermissionsPerAllocation;
    }

    private void InstallPermission(Allocation allocation, in TurnEndpoint peer, TimeSpan now)
    {
        var key = peer.AddressOnly;
        if (!allocation.Permissions.TryGetValue(key, out var permission))
        {
            permission = new TurnPermissionMachine();
            allocation.Permissions[key] = permission;
            _metrics.PermissionsChanged(1);
        }
        permission.Fire(TurnPermissionEvent.Install, now);
    }
}
