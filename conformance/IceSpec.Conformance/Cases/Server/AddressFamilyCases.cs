using System.Net;
using System.Net.Sockets;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>Address families of allocations and peers (RFC 8656 §7.2 steps 6–7, §10.2).</summary>
internal static class AddressFamilyCases
{
    public static IEnumerable<ServerCase> All =>
    [
        ServerCase.Define(8656, "7.2", 11, RequirementLevel.Must, "Allocate with both REQUESTED-ADDRESS-FAMILY and ADDITIONAL-ADDRESS-FAMILY: 400",
            "The server checks if the request contains both REQUESTED-ADDRESS-FAMILY and ADDITIONAL-ADDRESS-FAMILY attributes. If yes, " +
            "then the server rejects the request with a 400 (Bad Request) error.",
            ["400 Bad Request"], BothFamiliesAsync),
        ServerCase.Define(8656, "7.2", 12, RequirementLevel.Must, "Allocate with REQUESTED-ADDRESS-FAMILY IPv6: an IPv6 relayed address, or 440",
            "If the server does not support the address family requested by the client in REQUESTED-ADDRESS-FAMILY, or if the " +
            "allocation of the requested address family is disabled by local policy, it MUST generate an Allocate error response, and " +
            "it MUST include an ERROR-CODE attribute with the 440 (Address Family not Supported) response code.",
            ["440 Address Family not Supported"], Ipv6AllocationAsync),
        ServerCase.Define(8656, "10.2", 3, RequirementLevel.Must, "CreatePermission for an IPv6 peer on an IPv4 allocation: 443",
            "If an XOR-PEER-ADDRESS attribute contains an address of an address family that is not the same as that of a relayed " +
            "transport address for the allocation, the server MUST generate an error response with the 443 (Peer Address Family " +
            "Mismatch) response code.",
            ["443 Peer Address Family Mismatch"], PeerFamilyMismatchAsync),
    ];

    private static AttributeWriter Family(ushort attribute, byte family) => (ref StunMessageBuilder b) => b.Add(attribute, [family, 0, 0, 0]);

    private static async Task<CaseVerdict> BothFamiliesAsync(ServerCaseContext context)
    {
        var session = await context.OpenSessionAsync();
        var reply = await session.RequestAsync(TurnMethods.Allocate, (ref StunMessageBuilder b) =>
        {
            TurnSession.RequestedTransport(TurnSession.UdpProtocol)(ref b);
            Family(TurnAttributeTypes.RequestedAddressFamily, StunAddress.FamilyIPv4)(ref b);
            Family(TurnAttributeTypes.AdditionalAddressFamily, StunAddress.FamilyIPv6)(ref b);
        }, "an Allocate with both address-family attributes");
        return Verdicts.ExpectError(reply, StunErrorCodes.BadRequest,
            "sent an authenticated Allocate with REQUESTED-ADDRESS-FAMILY IPv4 and ADDITIONAL-ADDRESS-FAMILY IPv6");
    }

    private static async Task<CaseVerdict> Ipv6AllocationAsync(ServerCaseContext context)
    {
        var session = await context.OpenSessionAsync();
        var reply = await session.RequestAsync(TurnMethods.Allocate, (ref StunMessageBuilder b) =>
        {
            TurnSession.RequestedTransport(TurnSession.UdpProtocol)(ref b);
            Family(TurnAttributeTypes.RequestedAddressFamily, StunAddress.FamilyIPv6)(ref b);
        }, "an Allocate for an IPv6 relayed address");
        var sent = "sent an authenticated Allocate with REQUESTED-ADDRESS-FAMILY IPv6";
        if (reply.ErrorCode == TurnErrorCodes.AddressFamilyNotSupported) return CaseVerdict.Pass($"{sent}; got {reply}");
        if (reply.IsSuccess)
            return reply.XorRelayedAddress?.AddressFamily == AddressFamily.InterNetworkV6
                ? CaseVerdict.Pass($"{sent}; the server supports IPv6 relaying: {reply}")
                : CaseVerdict.Fail($"{sent}; the success names relayed address {reply.XorRelayedAddress?.ToString() ?? "none"}, not an IPv6 one: {reply}");
        return CaseVerdict.Fail($"{sent}; expected an IPv6 relayed address or error 440, got {reply}");
    }

    private static async Task<CaseVerdict> PeerFamilyMismatchAsync(ServerCaseContext context)
    {
        var session = await context.AllocatedSessionAsync();
        if (session.Relayed!.AddressFamily != AddressFamily.InterNetwork)
            return CaseVerdict.Inconclusive($"the allocation's relayed address {session.Relayed} is not IPv4");
        var peer = new IPEndPoint(IPAddress.IPv6Loopback, 9);
        var reply = await session.CreatePermissionAsync(peer);
        return Verdicts.ExpectError(reply, TurnErrorCodes.PeerAddressFamilyMismatch,
            $"allocated IPv4 relayed address {session.Relayed}, then sent CreatePermission for IPv6 peer {peer.Address}");
    }
}
