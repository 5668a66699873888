using System.Net;
using IceSpec.Captures.Framing;
using IceSpec.Machines;
using IceSpec.Stun;
using IceSpec.Turn;
using IceSpec.Turn.Server;

namespace IceSpec.Captures.Analysis;

/// <summary>
/// TURN allocations (RFC 8656) from the client's requests and the server's responses, each one a
/// <see cref="TurnAllocationMonitor"/>. Every observed event is fired on its machine whatever the state, and an event a
/// generated machine refuses is a violation with the refusal's text (state, event, guards, citations); also reported: a
/// Refresh after the allocation expired, data to a peer without permission, and channel numbers outside RFC 8656 §12's
/// range (a warning inside RFC 5766's older, wider range).
/// </summary>
public sealed class TurnTracker(Action<Violation> report, DateTime epoch)
{
    // Both directions of each allocation's 5-tuple, so that relayed data in either direction finds it in one look-up.
    private readonly Dictionary<AllocationKey, (TurnAllocationMonitor Allocation, bool ToServer)> _byFlow = [];
    private readonly List<TurnAllocationMonitor> _allocations = [];
    private readonly HashSet<(string Client, ushort Channel)> _rangeReported = [];

    private TurnAllocationMonitor? Find(string transport, IPEndPoint client, IPEndPoint server) =>
        _byFlow.TryGetValue(Key(transport, client, server), out var known) && known.ToServer ? known.Allocation : null;

    private static AllocationKey Key(string transport, IPEndPoint from, IPEndPoint to) => new(transport == "tcp", new Flow(from, to));

    private TurnAllocationMonitor Open(StunEvent request)
    {
        if (Find(request.Captured.Transport, request.Source, request.Destination) is { Allocation.IsFinal: false } known) return known;
        var allocation = new TurnAllocationMonitor(request.Captured.Transport, request.Source, request.Destination, epoch);
        _allocations.Add(allocation);
        _byFlow[Key(request.Captured.Transport, request.Source, request.Destination)] = (allocation, true);
        // The server's direction, unless that flow is itself some allocation's client-to-server direction.
        var back = Key(request.Captured.Transport, request.Destination, request.Source);
        if (!_byFlow.TryGetValue(back, out var other) || !other.ToServer) _byFlow[back] = (allocation, false);
        return allocation;
    }

    public void OnRequest(StunEvent request)
    {
        if (request.Method == TurnMethods.Allocate) Open(request).Username ??= request.Username;
        if (Find(request.Captured.Transport, request.Source, request.Destination) is not { } allocation) return;
        allocation.Advance(request.Time);
        if (request.Method == TurnMethods.Refresh && allocation.Allocation.State == TurnAllocationState.Deleted &&
            allocation.LifetimesGranted.Count > 0 && !allocation.ExpiredBeforeRefreshReported)
        {
            allocation.ExpiredBeforeRefreshReported = true;
            var machine = TurnAllocationMachine.Definition;
            report(SpecCitations.FromEdge("refresh-after-expiry", request.Frame, machine, SpecCitations.Edge(machine, TurnAllocationMachine.Table, TurnAllocationState.Active, TurnAllocationState.Deleted, TurnAllocationEvent.Expiry),
                $"Refresh from {request.Source} {allocation.Clock(request.Time).TotalSeconds:0.###} s into the capture, after the allocation's " +
                $"{allocation.LifetimesGranted[^1]} s lifetime had run out"));
        }
        if (request.Method == TurnMethods.ChannelBind && request.ChannelNumber is { } channel) CheckChannelRange(request, channel);
    }

    public void OnResponse(StunEvent response, StunEvent request)
    {
        if (Find(request.Captured.Transport, request.Source, request.Destination) is not { } allocation) return;
        allocation.Advance(response.Time);
        Apply(allocation, response, request);
        allocation.MachinesFired();
    }

    private void Apply(TurnAllocationMonitor allocation, StunEvent response, StunEvent request)
    {
        var now = allocation.Clock(response.Time);
        if (request.Method == TurnMethods.Allocate) Authenticate(allocation, response);
        if (response.Class != StunClass.Success) return;
        if (request.Method == TurnMethods.Allocate)
        {
            allocation.Relayed = response.RelayedAddress;
            allocation.Grant(response.Lifetime ?? 600);
            if (!allocation.Allocation.TryFire(TurnAllocationEvent.Allocate, now, out var refusal)) Refused(refusal, response);
        }
        else if (request.Method == TurnMethods.Refresh)
        {
            allocation.Refreshes++;
            var lifetime = response.Lifetime ?? request.Lifetime ?? 600;
            var trigger = lifetime == 0 ? TurnAllocationEvent.RefreshToZero : TurnAllocationEvent.Refresh;
            if (lifetime != 0) allocation.Grant(lifetime);
            // A Refresh of an expired allocation was reported at its request (refresh-after-expiry): not twice.
            if (!allocation.Allocation.TryFire(trigger, now, out var refusal) && !allocation.ExpiredBeforeRefreshReported) Refused(refusal, response);
        }
        else if (request.Method == TurnMethods.CreatePermission)
            foreach (var peer in request.PeerAddresses) Install(allocation, peer, response);
        else if (request.Method == TurnMethods.ChannelBind && request.ChannelNumber is { } number && request.PeerAddresses.Count > 0)
            Bind(allocation, number, request.PeerAddresses[0], response);
    }

    /// <summary>RFC 8489 §9.2.5 through the client's authentication machine: 401 → retry with credentials, 438 → new nonce, success.</summary>
    private void Authenticate(TurnAllocationMonitor allocation, StunEvent response)
    {
        TurnClientAuthenticationEvent trigger;
        if (response.Class == StunClass.Success) trigger = TurnClientAuthenticationEvent.Accepted;
        else if (response.ErrorCode == StunErrorCodes.Unauthenticated)
        {
            allocation.AuthenticationRounds++;
            trigger = TurnClientAuthenticationEvent.Unauthorized;
        }
        else if (response.ErrorCode == StunErrorCodes.StaleNonce) trigger = TurnClientAuthenticationEvent.StaleNonce;
        else return;
        if (!allocation.Authentication.TryFire(trigger, allocation.Clock(response.Time), out var refusal)) Refused(refusal, response);
    }

    private void Install(TurnAllocationMonitor allocation, IPEndPoint peer, StunEvent response)
    {
        if (!allocation.TryInstall(peer.Address, response.Time, out var refusal)) Refused(refusal, response, $" (peer {peer.Address})");
    }

    /// <summary>RFC 8656 §12.2: a successful ChannelBind binds the channel (the machine's guards check the peer) and installs the peer's permission.</summary>
    private void Bind(TurnAllocationMonitor allocation, ushort number, IPEndPoint peer, StunEvent response)
    {
        var channel = allocation.Channel(number);
        var endpoint = TurnEndpoint.From(peer);
        channel.RequestedPeer = endpoint;
        channel.RequestedPeerInUseElsewhere = allocation.Channels.Values.Any(c => c != channel &&
            c.State is TurnChannelBindingState.Bound or TurnChannelBindingState.Quarantined && c.Peer == endpoint);
        if (!channel.TryFire(TurnChannelBindingEvent.Bind, allocation.Clock(response.Time), out var refusal))
            Refused(refusal, response, $" (channel 0x{number:X4} to {peer})");
        Install(allocation, peer, response);
        if (channel.State == TurnChannelBindingState.Bound) allocation.ChannelPeers[number] = (channel, peer, allocation.Permission(peer.Address).Machine);
    }

    /// <summary>An observed event a machine refused: a violation citing the state it was in, with the refusal's text.</summary>
    private void Refused<TState, TEvent>(MachineRefusal<TState, TEvent> refusal, StunEvent at, string what = "")
        where TState : struct, Enum where TEvent : struct, Enum =>
        report(SpecCitations.FromRefusal("machine-refused", at.Frame, refusal, $"{at.Label} {at.Source} → {at.Destination}{what}: {refusal}"));

    /// <summary>RFC 8656 §12: channel numbers 0x4000 through 0x4FFF (RFC 5766 §11 allowed up to 0x7FFF: a warning).</summary>
    private void CheckChannelRange(StunEvent request, ushort channel)
    {
        if (TurnRanges.IsChannelNumbers(channel) || !_rangeReported.Add((request.Source.ToString(), channel))) return;
        var old = TurnRanges.IsChannelNumbersRfc5766(channel);
        report(SpecCitations.FromRequirement("channel-number-out-of-range", request.Frame, "channel-numbers",
            $"ChannelBind for channel 0x{channel:X4}" + (old ? " (inside RFC 5766's 0x4000-0x7FFF, which RFC 8656 narrowed)" : ""),
            old ? "warning" : "violation"));
    }

    /// <summary>Relayed data: ChannelData and Send/Data indications, checking that the client's data goes to a permitted peer (RFC 8656 §9).</summary>
    public void OnData(CapturedMessage message, StunEvent? indication)
    {
        if (!_byFlow.TryGetValue(Key(message.Transport, message.Source, message.Destination), out var found)) return;
        var (allocation, toServer) = found;
        allocation.Advance(message.Time);
        IPEndPoint? peer = null;
        TurnPermissionMachine? permission = null;
        if (indication is null)
        {
            if (toServer) allocation.ChannelDataToServer++;
            else allocation.ChannelDataFromServer++;
            allocation.Bytes += message.DataLength ?? 0;
            if (allocation.ChannelPeers.TryGetValue(message.Channel!.Value, out var bound) && bound.Channel.State == TurnChannelBindingState.Bound)
                (peer, permission) = (bound.Peer, bound.Permission);
        }
        else
        {
            if (indication.Method == TurnMethods.Send) allocation.SendIndications++;
            else allocation.DataIndications++;
            allocation.Bytes += indication.DataLength;
            peer = indication.PeerAddresses.FirstOrDefault();
        }
        if (!toServer || peer is null) return;
        permission ??= allocation.Permission(peer.Address).Machine;
        if (permission.State == TurnPermissionState.Installed) return;
        var machine = TurnPermissionMachine.Definition;
        var edge = permission.State == TurnPermissionState.Expired
            ? SpecCitations.Edge(machine, TurnPermissionMachine.Table, TurnPermissionState.Installed, TurnPermissionState.Expired, TurnPermissionEvent.Expiry)
            : SpecCitations.Edge(machine, TurnPermissionMachine.Table, TurnPermissionState.None, TurnPermissionState.Installed, TurnPermissionEvent.Install);
        report(SpecCitations.FromEdge("data-without-permission", message.Frame, machine, edge,
            $"{(indication is null ? $"ChannelData 0x{message.Channel:X4}" : "Send indication")} from {message.Source} for peer {peer} " +
            $"whose permission is {permission.State} (the server discards it)"));
    }

    public IReadOnlyList<TurnAllocationReport> Finish() =>
        _allocations.Where(a => a.LifetimesGranted.Count > 0 || a.AuthenticationRounds > 0)
            .Select(a => a.Report()).ToList();

    /// <summary>An allocation's 5-tuple: every ChannelData makes one or two look-ups.</summary>
    private readonly record struct AllocationKey(bool OverTcp, Flow ClientToServer);
}
