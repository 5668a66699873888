using System.Net;
using System.Net.Sockets;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>Address families of allocations and peers (RFC 8656 §7.2 steps 6, 7 and 9, §10.2).</summary>
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
        ServerCase.Define(8656, "7.2", 13, RequirementLevel.Must, "Allocate with ADDITIONAL-ADDRESS-FAMILY IPv4 (0x01): 400",
            "The server checks if the request contains an ADDITIONAL-ADDRESS-FAMILY attribute. If yes, and the attribute value is " +
            "0x01 (IPv4 address family), then the server rejects the request with a 400 (Bad Request) error.",
            ["400 Bad Request"], AdditionalIpv4Async),
        ServerCase.Define(8656, "7.2", 14, RequirementLevel.Must, "Allocate with ADDITIONAL-ADDRESS-FAMILY IPv6: an IPv4 and an IPv6 relayed address, or the IPv4 one with ADDRESS-ERROR-CODE for IPv6",
            "Otherwise, the server checks if it can allocate relayed transport addresses of both address types. If the server " +
            "cannot satisfy the request, then the server rejects the request with a 508 (Insufficient Capacity) error. If the " +
            "server can partially meet the request, i.e., if it can only allocate one relayed transport address of a specific " +
            "address type, then it includes ADDRESS-ERROR-CODE attribute in the success response to inform the client the reason " +
            "for partial failure of the request. The error code value signaled in the ADDRESS-ERROR-CODE attribute could be 440 " +
            "(Address Family not Supported) or 508 (Insufficient Capacity). If the server can fully meet the request, then the " +
            "server allocates one IPv4 and one IPv6 relay address and returns an Allocate success response containing the " +
            "relayed transport addresses assigned to the dual allocation in two XOR-RELAYED-ADDRESS attributes. (§18.12) The " +
            "reason phrase MUST be a UTF-8 [RFC3629] encoded sequence of less than 128 characters",
            ["Allocate success: optional RESERVATION-TOKEN, ADDRESS-ERROR-CODE, SOFTWARE, MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256, FINGERPRINT",
             "440 Address Family not Supported"], AdditionalIpv6Async),
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

    private static Task<StunReply> AllocateWithAdditionalAsync(TurnSession session, byte family) =>
        session.RequestAsync(TurnMethods.Allocate, (ref StunMessageBuilder b) =>
        {
            TurnSession.RequestedTransport(TurnSession.UdpProtocol)(ref b);
            Family(TurnAttributeTypes.AdditionalAddressFamily, family)(ref b);
        }, $"an Allocate with ADDITIONAL-ADDRESS-FAMILY 0x{family:X2}");

    private static async Task<CaseVerdict> AdditionalIpv4Async(ServerCaseContext context)
    {
        var session = await context.OpenSessionAsync();
        var reply = await AllocateWithAdditionalAsync(session, StunAddress.FamilyIPv4);
        return Verdicts.ExpectError(reply, StunErrorCodes.BadRequest, "sent an authenticated Allocate with ADDITIONAL-ADDRESS-FAMILY 0x01 (IPv4)");
    }

    private static async Task<CaseVerdict> AdditionalIpv6Async(ServerCaseContext context)
    {
        var session = await context.OpenSessionAsync();
        var reply = await AllocateWithAdditionalAsync(session, StunAddress.FamilyIPv6);
        var sent = "sent an authenticated Allocate with ADDITIONAL-ADDRESS-FAMILY 0x02 (IPv6)";
        if (!reply.IsSuccess)
            return CaseVerdict.Fail($"{sent}; expected a success (an IPv4 and an IPv6 relayed address, or one with ADDRESS-ERROR-CODE for the other family), got {reply}");
        var relayed = reply.XorRelayedAddresses;
        var families = relayed.Select(a => a.AddressFamily).Distinct().ToList();
        if (relayed.Count == 2 && families.Count == 2)
            return CaseVerdict.Pass($"{sent}; the server relays both families: {reply}");
        if (relayed.Count != 1)
            return CaseVerdict.Fail($"{sent}; expected an IPv4 and an IPv6 XOR-RELAYED-ADDRESS, or one of them with ADDRESS-ERROR-CODE, got {relayed.Count} relayed address(es): {reply}");
        var missing = relayed[0].AddressFamily == AddressFamily.InterNetwork ? StunAddress.FamilyIPv6 : StunAddress.FamilyIPv4;
        var missingName = missing == StunAddress.FamilyIPv6 ? "IPv6" : "IPv4";
        if (reply.AddressErrorCode is not { } error)
            return CaseVerdict.Fail($"{sent}; the success has one relayed address ({relayed[0]}) and no ADDRESS-ERROR-CODE saying why there is no {missingName} one: {reply}");
        if (error.Family != missing)
            return CaseVerdict.Fail($"{sent}; the ADDRESS-ERROR-CODE is about family 0x{error.Family:X2}, not the missing {missingName} (0x{missing:X2}): {reply}");
        if (error.Code is not (TurnErrorCodes.AddressFamilyNotSupported or TurnErrorCodes.InsufficientCapacity))
            return CaseVerdict.Fail($"{sent}; the ADDRESS-ERROR-CODE carries {error.Code}, not 440 or 508: {reply}");
        if (FormatCases.ReasonPhraseProblem(error.ReasonBytes) is { } problem)
            return CaseVerdict.Fail($"{sent}; the ADDRESS-ERROR-CODE's reason phrase {problem}: {reply}");
        return CaseVerdict.Pass($"{sent}; got {reply}");
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
