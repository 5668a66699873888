using System.Net;
using System.Net.Sockets;

namespace IceSpec.Conformance.Lab;

/// <summary>What a probe measured about the NAT in front of a host (RFC 4787 terms) and the mapped addresses it saw.</summary>
public sealed record NatMeasurement(NatBehaviour Mapping, NatBehaviour Filtering, IReadOnlyList<IPEndPoint> MappedAddresses)
{
    public override string ToString() =>
        $"mapping {Mapping}, filtering {Filtering} (mapped: {string.Join(", ", MappedAddresses)})";
}

/// <summary>
/// Measures a lab NAT with plain UDP sockets, the way RFC 5780 §4.3 and §4.4 do with a STUN server on two addresses:
/// a host behind the NAT sends to three public endpoints (A:p, A:q, B:r) and the mapped addresses they observe give the
/// mapping behaviour; after a fresh socket sends only to A:p, which of B:r, A:q and A:p get through gives the filtering.
/// Every probe is sent <see cref="Copies"/> times (each copy tagged, stale copies ignored), so injected loss does not
/// pass for filtering: at the lab's worst loss (lossy-30) all eight copies of one leg are lost with 0.3^8 ≈ 7·10^-5; with
/// three (0.3^3 = 2.7 %) a full run measured "mapping Blocked" for a loss-only site.
/// </summary>
public static class NatProbe
{
    private static readonly TimeSpan Wait = TimeSpan.FromMilliseconds(700);
    private const int Copies = 8;

    public static async Task<NatMeasurement> MeasureAsync(NatLab lab, LabHost host, CancellationToken ct = default)
    {
        // An IPv6-only host is measured over IPv6 (from the servers' IPv6 addresses): there is no NAT, so nothing translates.
        var (addressA, addressB) = host.Address.AddressFamily == AddressFamily.InterNetworkV6
            ? (LabAddressPlan.CoturnAddress6, LabAddressPlan.IceSpecServerAddress6)
            : (LabAddressPlan.CoturnAddress, LabAddressPlan.IceSpecServerAddress);
        using var a1 = NamespaceSockets.Udp(lab.PublicNamespace, new IPEndPoint(addressA, 0));
        using var a2 = NamespaceSockets.Udp(lab.PublicNamespace, new IPEndPoint(addressA, 0));
        using var b = NamespaceSockets.Udp(lab.PublicNamespace, new IPEndPoint(addressB, 0));

        // Mapping (RFC 5780 §4.3): the same mapped address towards every remote endpoint, or per address, or per address and port.
        using var inside = NamespaceSockets.Udp(host.Namespace, new IPEndPoint(host.Address, 0));
        var mapped = new List<IPEndPoint>();
        foreach (var remote in (Socket[])[a1, a2, b])
        {
            var tag = $"map-{mapped.Count}";
            await SendCopiesAsync(inside, tag, remote.LocalEndPoint!, ct);
            if (await ReceiveFromAsync(remote, tag, ct) is not { } seen)
                return new NatMeasurement(NatBehaviour.Blocked, NatBehaviour.Blocked, mapped);
            mapped.Add(seen);
        }
        var mapping = mapped[0].Equals(inside.LocalEndPoint) ? NatBehaviour.NoTranslation
            : !mapped[0].Equals(mapped[1]) ? NatBehaviour.AddressAndPortDependent
            : !mapped[0].Equals(mapped[2]) ? NatBehaviour.AddressDependent
            : NatBehaviour.EndpointIndependent;

        // Filtering (RFC 5780 §4.4): a fresh mapping made towards A:p only; who may send to it?
        using var fresh = NamespaceSockets.Udp(host.Namespace, new IPEndPoint(host.Address, 0));
        await SendCopiesAsync(fresh, "filter", a1.LocalEndPoint!, ct);
        if (await ReceiveFromAsync(a1, "filter", ct) is not { } freshMapped)
            return new NatMeasurement(mapping, NatBehaviour.Blocked, mapped);
        var filtering = NatBehaviour.Blocked;
        foreach (var (sender, behaviour) in ((Socket, NatBehaviour)[])[
                     (b, NatBehaviour.EndpointIndependent), (a2, NatBehaviour.AddressDependent), (a1, NatBehaviour.AddressAndPortDependent)])
        {
            var tag = $"back-{behaviour}";
            await SendCopiesAsync(sender, tag, freshMapped, ct);
            if (await ReceiveFromAsync(fresh, tag, ct) is not null)
            {
                filtering = behaviour;
                break;
            }
        }
        return new NatMeasurement(mapping, filtering, mapped);
    }

    /// <summary>Sends <paramref name="count"/> datagrams from <paramref name="host"/> to the public side; returns how many arrived.</summary>
    public static async Task<int> CountDeliveredAsync(NatLab lab, LabHost host, int count, CancellationToken ct = default)
    {
        using var receiver = NamespaceSockets.Udp(lab.PublicNamespace, new IPEndPoint(LabAddressPlan.CoturnAddress, 0));
        using var sender = NamespaceSockets.Udp(host.Namespace, new IPEndPoint(host.Address, 0));
        var delivered = 0;
        var receiving = Task.Run(async () =>
        {
            while (await ReceiveFromAsync(receiver, null, ct) is not null) delivered++;
        }, ct);
        for (var i = 0; i < count; i++)
        {
            await sender.SendToAsync(BitConverter.GetBytes(i), receiver.LocalEndPoint!, ct);
            if (i % 20 == 19) await Task.Delay(2, ct);
        }
        await receiving;
        return delivered;
    }

    private static async Task SendCopiesAsync(Socket socket, string tag, EndPoint to, CancellationToken ct)
    {
        for (var i = 0; i < Copies; i++)
        {
            await socket.SendToAsync(System.Text.Encoding.ASCII.GetBytes(tag), to, ct);
            await Task.Delay(10, ct);
        }
    }

    /// <summary>The source of the first datagram carrying <paramref name="tag"/> (any datagram when null) within <see cref="Wait"/>.</summary>
    private static async Task<IPEndPoint?> ReceiveFromAsync(Socket socket, string? tag, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Wait);
        var buffer = new byte[64];
        try
        {
            while (true)
            {
                var any = socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
                var result = await socket.ReceiveFromAsync(buffer, new IPEndPoint(any, 0), timeout.Token);
                if (tag is null || System.Text.Encoding.ASCII.GetString(buffer, 0, result.ReceivedBytes) == tag)
                    return (IPEndPoint)result.RemoteEndPoint;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }
}
