using System.Buffers.Binary;
using System.Net;
using IceSpec.Captures.Analysis;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Captures.Framing;

/// <summary>
/// What the decoder learns of TURN (RFC 8656) from the messages it has seen, to read relayed traffic as the peers see it:
/// <list type="bullet">
/// <item>bound channels (§12.2: a ChannelBind success on the 5-tuple the request came on) and the peer each is bound to,
/// so that ChannelData is recognised on that 5-tuple only, as Wireshark does;</item>
/// <item>relayed transport addresses (§7.3: XOR-RELAYED-ADDRESS of an Allocate success) per client 5-tuple, so that a
/// STUN message carried in a Send or Data indication (§11) or in ChannelData (§12.4) — an ICE check through a relayed
/// candidate — is decoded too, between the relayed address and the peer.</item>
/// </list>
/// Bounded: tables past <see cref="EndpointCache.Capacity"/> entries are forgotten.
/// </summary>
public sealed class TurnRelays
{
    private readonly Dictionary<ChannelBindKey, (ushort Channel, IPEndPoint? Peer)> _pendingBinds = [];
    // Per transport (UDP, TCP), so that the look-up every ChannelData makes hashes no string.
    private readonly Dictionary<BoundChannel, IPEndPoint?> _boundUdp = [], _boundTcp = [];
    private readonly Dictionary<(bool OverTcp, Flow ClientToServer), List<IPEndPoint>> _relayed = [];

    public bool IsBound(string transport, IPEndPoint source, IPEndPoint destination, ushort channel) =>
        Bound(transport).ContainsKey(new BoundChannel(new Flow(source, destination), channel));

    /// <summary>Learns from a STUN message: ChannelBind requests and successes, Allocate successes.</summary>
    public void Observe(CapturedMessage captured, in StunMessage message)
    {
        if (message.Method == TurnMethods.ChannelBind) ObserveChannelBind(captured, message);
        else if (message.Method == TurnMethods.Allocate && message.Class == StunClass.Success)
        {
            var addresses = new List<IPEndPoint>();
            foreach (var attribute in message.Attributes)
                if (attribute.Type == TurnAttributeTypes.XorRelayedAddress && StunAddress.TryRead(attribute.Value, xor: true, message.TransactionId, out var relayed))
                    addresses.Add(relayed.ToEndPoint());
            if (addresses.Count == 0) return;
            if (_relayed.Count >= EndpointCache.Capacity) _relayed.Clear();
            _relayed[(captured.Transport == "tcp", new Flow(captured.Destination, captured.Source))] = addresses;
        }
    }

    private void ObserveChannelBind(CapturedMessage captured, in StunMessage message)
    {
        if (message.Class == StunClass.Request && message.TryGetAttribute(TurnAttributeTypes.ChannelNumber, out var value) && value.Length >= 2)
        {
            IPEndPoint? peer = message.TryGetXorPeerAddress(out var address) ? address.ToEndPoint() : null;
            // Requests never answered would pile up: forget them all past a bound, as EndpointCache does.
            if (_pendingBinds.Count >= EndpointCache.Capacity) _pendingBinds.Clear();
            _pendingBinds[new ChannelBindKey(captured.Transport, new Flow(captured.Source, captured.Destination), TransactionKey.From(message.TransactionId))] =
                (BinaryPrimitives.ReadUInt16BigEndian(value), peer);
        }
        else if (message.Class == StunClass.Success &&
                 _pendingBinds.Remove(new ChannelBindKey(captured.Transport, new Flow(captured.Destination, captured.Source), TransactionKey.From(message.TransactionId)), out var bind))
        {
            // Either direction of the 5-tuple may carry ChannelData on the channel.
            var bound = Bound(captured.Transport);
            if (bound.Count >= EndpointCache.Capacity) bound.Clear();
            bound[new BoundChannel(new Flow(captured.Source, captured.Destination), bind.Channel)] = bind.Peer;
            bound[new BoundChannel(new Flow(captured.Destination, captured.Source), bind.Channel)] = bind.Peer;
        }
    }

    /// <summary>
    /// The STUN message a Send or Data indication's DATA carries between a relayed address and a peer (null when it
    /// carries none, or when the allocation's relayed address was not seen).
    /// </summary>
    public CapturedMessage? Unwrap(CapturedMessage carrier, in StunMessage message)
    {
        if (message.Class != StunClass.Indication || message.Method is not (TurnMethods.Send or TurnMethods.Data) ||
            !message.TryGetData(out var data) || !StunMessage.LooksLikeStun(data) || !message.TryGetXorPeerAddress(out var peerAddress))
            return null;
        var peer = peerAddress.ToEndPoint();
        // RFC 8656 §11.1: Send goes client → server; §11.3: Data comes server → client.
        var toServer = message.Method == TurnMethods.Send;
        var (client, server) = toServer ? (carrier.Source, carrier.Destination) : (carrier.Destination, carrier.Source);
        if (RelayedFor(carrier.Transport, client, server, peer) is not { } relayed) return null;
        var label = toServer ? "Send indication" : "Data indication";
        return Inner(carrier, label, client, server, toServer ? relayed : peer, toServer ? peer : relayed, data);
    }

    /// <summary>The STUN message a ChannelData message carries between the relayed address and the peer, or null.</summary>
    public CapturedMessage? Unwrap(CapturedMessage carrier)
    {
        var data = carrier.Bytes.AsSpan(ChannelData.HeaderLength);
        if (!StunMessage.LooksLikeStun(data) ||
            !Bound(carrier.Transport).TryGetValue(new BoundChannel(new Flow(carrier.Source, carrier.Destination), carrier.Channel!.Value), out var peer) ||
            peer is null)
            return null;
        var label = $"ChannelData 0x{carrier.Channel:X4}";
        if (RelayedFor(carrier.Transport, carrier.Source, carrier.Destination, peer) is { } fromClient)
            return Inner(carrier, label, carrier.Source, carrier.Destination, fromClient, peer, data);
        if (RelayedFor(carrier.Transport, carrier.Destination, carrier.Source, peer) is { } toClient)
            return Inner(carrier, label, carrier.Destination, carrier.Source, peer, toClient, data);
        return null;
    }

    /// <summary>The allocation's relayed address of the peer's family (RFC 8656 §7.3: one per family at most).</summary>
    private IPEndPoint? RelayedFor(string transport, IPEndPoint client, IPEndPoint server, IPEndPoint peer) =>
        _relayed.TryGetValue((transport == "tcp", new Flow(client, server)), out var addresses)
            ? addresses.FirstOrDefault(a => a.AddressFamily == peer.AddressFamily)
            : null;

    private static CapturedMessage Inner(CapturedMessage carrier, string label, IPEndPoint client, IPEndPoint server,
        IPEndPoint source, IPEndPoint destination, ReadOnlySpan<byte> data)
    {
        var length = Math.Min(data.Length, StunHeader.Length + BinaryPrimitives.ReadUInt16BigEndian(data[2..]));
        return new CapturedMessage(carrier.Frame, carrier.Time, "udp", source, destination, CapturedKind.Stun, data[..length].ToArray())
        {
            Relay = new CapturedRelay(label, carrier.Transport, client, server),
            Ttl = carrier.Ttl,
        };
    }

    private Dictionary<BoundChannel, IPEndPoint?> Bound(string transport) => transport == "udp" ? _boundUdp : _boundTcp;

    /// <summary>A channel bound on one direction of a 5-tuple.</summary>
    private readonly record struct BoundChannel(Flow Flow, ushort Channel);

    /// <summary>A ChannelBind request: its transport, client → server, and transaction ID.</summary>
    private readonly record struct ChannelBindKey(string Transport, Flow ClientToServer, TransactionKey TransactionId);
}
