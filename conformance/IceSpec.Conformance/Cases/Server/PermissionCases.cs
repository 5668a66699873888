using System.Net;
using System.Text;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>Permissions (RFC 8656 §9), CreatePermission (§10.2), Send and Data indications (§11.2, §11.3).</summary>
internal static class PermissionCases
{
    /// <summary>
    /// Special-purpose IPv4 addresses (RFC 6890) no relay should reach: multicast, limited broadcast, "this network". A server
    /// may allow any of them (RFC 8656 §10.2 says MAY restrict); a refusal must be a 403.
    /// </summary>
    private static readonly IPAddress[] SpecialPurposePeers = [IPAddress.Parse("224.0.0.1"), IPAddress.Broadcast, IPAddress.Parse("0.0.0.1")];

    public static IEnumerable<ServerCase> All =>
    [
        ServerCase.Define(8656, "10.2", 1, RequirementLevel.Must, "CreatePermission without XOR-PEER-ADDRESS: 400",
            "The CreatePermission request MUST contain at least one XOR-PEER-ADDRESS attribute and MAY contain multiple such attributes. " +
            "If no such attribute exists, or if any of these attributes are invalid, then a 400 (Bad Request) error is returned.",
            ["CreatePermission request: required XOR-PEER-ADDRESS", "400 Bad Request"], MissingPeerAsync),
        ServerCase.Define(8656, "10.2", 2, RequirementLevel.Must, "CreatePermission to a special-purpose address the server refuses: 403",
            "The server MAY impose restrictions on the IP address allowed in the XOR-PEER-ADDRESS attribute; if a value is not allowed, " +
            "the server rejects the request with a 403 (Forbidden) error.",
            ["403 Forbidden"], ForbiddenPeerAsync),
        ServerCase.Define(8656, "9", 1, RequirementLevel.Must, "A datagram from a peer without permission is dropped; with one it is relayed",
            "If no match is found, relaying is not permitted and the server silently discards the UDP datagram.",
            ["TurnPermission: None -> Installed on Install"], UnpermittedPeerDroppedAsync),
        ServerCase.Define(8656, "9", 2, RequirementLevel.Must, "A refreshed permission (second CreatePermission) keeps relaying both ways",
            "If a permission for that IP address already exists, then the time-to-expiry for that permission is reset to Permission Lifetime.",
            ["TurnPermission: Installed -> Installed on Install"], RefreshedPermissionAsync),
        ServerCase.Define(8656, "11.2", 1, RequirementLevel.Must, "A Send indication to a peer without permission is discarded; with one it is relayed",
            "The server also checks that there is a permission installed for the IP address contained in the XOR-PEER-ADDRESS attribute. " +
            "If no such permission exists, the message is discarded.",
            [], UnpermittedSendDroppedAsync),
        ServerCase.Define(8656, "11.3", 1, RequirementLevel.Must, "Data from a permitted peer arrives as a Data indication with XOR-PEER-ADDRESS and DATA",
            "If relaying is permitted but no channel is bound to the peer, then the server forms and sends a Data indication. The Data " +
            "indication MUST contain both an XOR-PEER-ADDRESS and a DATA attribute.",
            ["Data indication: required XOR-PEER-ADDRESS"], DataIndicationAsync),
    ];

    private static async Task<CaseVerdict> MissingPeerAsync(ServerCaseContext context)
    {
        var session = await context.AllocatedSessionAsync();
        var reply = await session.RequestAsync(TurnMethods.CreatePermission, null, "a CreatePermission without XOR-PEER-ADDRESS");
        return Verdicts.ExpectError(reply, StunErrorCodes.BadRequest, "allocated, then sent an authenticated CreatePermission without XOR-PEER-ADDRESS");
    }

    private static async Task<CaseVerdict> ForbiddenPeerAsync(ServerCaseContext context)
    {
        var session = await context.AllocatedSessionAsync();
        var seen = new List<string>();
        foreach (var address in SpecialPurposePeers)
        {
            var reply = await session.CreatePermissionAsync(new IPEndPoint(address, 9));
            seen.Add($"{address}: {reply}");
            if (reply.ErrorCode == TurnErrorCodes.Forbidden) return CaseVerdict.Pass($"allocated, sent CreatePermission for {string.Join("; ", seen)}");
            if (!reply.IsSuccess) return CaseVerdict.Fail($"allocated, sent CreatePermission for {string.Join("; ", seen)}: refused, but not with 403");
        }
        return CaseVerdict.Inconclusive($"the server allowed every special-purpose peer tried ({string.Join("; ", seen)}); " +
            "configure it to refuse them (coturn: --no-multicast-peers, --denied-peer-ip) to check the 403");
    }

    private static async Task<CaseVerdict> UnpermittedPeerDroppedAsync(ServerCaseContext context)
    {
        var session = await context.AllocatedSessionAsync();
        var peer = context.OpenPeer(session);
        var relayed = session.Relayed!;
        await peer.SendAsync(relayed, Encoding.ASCII.GetBytes("no permission"), context.Cancel);
        var early = await session.ReceiveRelayedAsync(context.SilenceWindow);
        var sent = $"allocated {relayed}; peer {peer.EndPoint} (no permission) sent 13 bytes to it";
        if (early is not null) return CaseVerdict.Fail($"{sent}; the client received {early.Description}");
        var permission = await session.CreatePermissionAsync(peer.EndPoint);
        if (!permission.IsSuccess) throw new CaseSetupException($"{sent}, nothing was relayed; then CreatePermission for {peer.EndPoint.Address} got {permission}");
        await peer.SendAsync(relayed, Encoding.ASCII.GetBytes("with permission"), context.Cancel);
        var later = await session.ReceiveRelayedAsync(context.RelayTimeout);
        return later is not null
            ? CaseVerdict.Pass($"{sent}; nothing reached the client in {context.SilenceWindow.TotalMilliseconds} ms; after CreatePermission the peer's next datagram arrived ({later.Description})")
            : CaseVerdict.Fail($"{sent}; nothing reached the client, but after CreatePermission the peer's next datagram did not arrive either: the server relays nothing");
    }

    private static async Task<CaseVerdict> RefreshedPermissionAsync(ServerCaseContext context)
    {
        var session = await context.AllocatedSessionAsync();
        var peer = context.OpenPeer(session);
        foreach (var round in new[] { "install", "refresh" })
        {
            var reply = await session.CreatePermissionAsync(peer.EndPoint);
            if (!reply.IsSuccess) return CaseVerdict.Fail($"allocated, CreatePermission for {peer.EndPoint.Address} ({round}) got {reply}, not a success");
        }
        var sent = $"allocated {session.Relayed}, sent CreatePermission for {peer.EndPoint.Address} twice (both succeeded)";
        await peer.SendAsync(session.Relayed!, Encoding.ASCII.GetBytes("peer to client"), context.Cancel);
        var toClient = await session.ReceiveRelayedAsync(context.RelayTimeout);
        if (toClient is null) return CaseVerdict.Fail($"{sent}; a datagram from the peer did not reach the client");
        await session.SendIndicationAsync(peer.EndPoint, Encoding.ASCII.GetBytes("client to peer"));
        var toPeer = await peer.ReceiveAsync(context.RelayTimeout, context.Cancel);
        return toPeer is not null
            ? CaseVerdict.Pass($"{sent}; peer→client arrived ({toClient.Description}) and a Send indication reached the peer from {toPeer.Value.From}")
            : CaseVerdict.Fail($"{sent}; peer→client arrived but a Send indication to the peer was not relayed");
    }

    private static async Task<CaseVerdict> UnpermittedSendDroppedAsync(ServerCaseContext context)
    {
        var session = await context.AllocatedSessionAsync();
        var peer = context.OpenPeer(session);
        await session.SendIndicationAsync(peer.EndPoint, Encoding.ASCII.GetBytes("no permission"));
        var early = await peer.ReceiveAsync(context.SilenceWindow, context.Cancel);
        var sent = $"allocated {session.Relayed}; sent a Send indication to {peer.EndPoint} without a permission";
        if (early is not null) return CaseVerdict.Fail($"{sent}; the peer received {early.Value.Data.Length} bytes from {early.Value.From}");
        var permission = await session.CreatePermissionAsync(peer.EndPoint);
        if (!permission.IsSuccess) throw new CaseSetupException($"{sent}; then CreatePermission for {peer.EndPoint.Address} got {permission}");
        await session.SendIndicationAsync(peer.EndPoint, Encoding.ASCII.GetBytes("with permission"));
        var later = await peer.ReceiveAsync(context.RelayTimeout, context.Cancel);
        return later is not null
            ? CaseVerdict.Pass($"{sent}; the peer received nothing in {context.SilenceWindow.TotalMilliseconds} ms; after CreatePermission the next Send indication arrived from {later.Value.From}")
            : CaseVerdict.Fail($"{sent}; nothing was relayed, but after CreatePermission the next Send indication was not relayed either");
    }

    private static async Task<CaseVerdict> DataIndicationAsync(ServerCaseContext context)
    {
        var session = await context.AllocatedSessionAsync();
        var peer = context.OpenPeer(session);
        var permission = await session.CreatePermissionAsync(peer.EndPoint);
        if (!permission.IsSuccess) throw new CaseSetupException($"CreatePermission for {peer.EndPoint.Address} got {permission}");
        var payload = Encoding.ASCII.GetBytes("data indication payload");
        await peer.SendAsync(session.Relayed!, payload, context.Cancel);
        var relayed = await session.ReceiveRelayedAsync(context.RelayTimeout);
        var sent = $"allocated {session.Relayed}, permitted {peer.EndPoint.Address}; the peer sent {payload.Length} bytes from {peer.EndPoint}";
        if (relayed is null) return CaseVerdict.Fail($"{sent}; nothing reached the client within {context.RelayTimeout.TotalSeconds} s");
        if (relayed.IsChannelData) return CaseVerdict.Fail($"{sent}; got {relayed.Description} though no channel is bound");
        if (!Equals(relayed.Peer, peer.EndPoint)) return CaseVerdict.Fail($"{sent}; the Data indication's XOR-PEER-ADDRESS is {relayed.Peer?.ToString() ?? "missing"}: {relayed.Description}");
        return relayed.Data.AsSpan().SequenceEqual(payload)
            ? CaseVerdict.Pass($"{sent}; got {relayed.Description}")
            : CaseVerdict.Fail($"{sent}; the Data indication's DATA is {relayed.Data.Length} other bytes: {relayed.Description}");
    }
}
