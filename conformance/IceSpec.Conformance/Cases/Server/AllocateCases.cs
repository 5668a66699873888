using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>Receiving an Allocate request (RFC 8656 §7.2) and retransmissions of it (RFC 8489 §6.3.1).</summary>
internal static class AllocateCases
{
    private const string RequestedTransportText =
        "The server checks if the request contains a REQUESTED-TRANSPORT attribute. If the REQUESTED-TRANSPORT attribute is not " +
        "included or is malformed, the server rejects the request with a 400 (Bad Request) error. Otherwise, if the attribute is " +
        "included but specifies a protocol that is not supported by the server, the server rejects the request with a 442 " +
        "(Unsupported Transport Protocol) error.";

    public static IEnumerable<ServerCase> All =>
    [
        ServerCase.Define(8656, "7.2", 1, RequirementLevel.Must, "Authenticated Allocate without REQUESTED-TRANSPORT: 400", RequestedTransportText,
            ["Allocate request: required REQUESTED-TRANSPORT", "400 Bad Request"], MissingTransportAsync),
        ServerCase.Define(8656, "7.2", 2, RequirementLevel.Must, "Authenticated Allocate with a malformed (2-byte) REQUESTED-TRANSPORT: 400", RequestedTransportText,
            ["400 Bad Request"], MalformedTransportAsync),
        ServerCase.Define(8656, "7.2", 3, RequirementLevel.Must, "Authenticated Allocate for transport protocol 7: 442", RequestedTransportText,
            ["442 Unsupported Transport Protocol"], UnsupportedTransportAsync),
        ServerCase.Define(8656, "7.2", 4, RequirementLevel.Must, "A second Allocate (new transaction) on an allocated 5-tuple: 437",
            "The server checks if the 5-tuple is currently in use by an existing allocation. If yes, the server rejects the request " +
            "with a 437 (Allocation Mismatch) error.",
            ["437 Allocation Mismatch"], SecondAllocateAsync),
        ServerCase.Define(8656, "7.2", 5, RequirementLevel.Must, "Allocate success: XOR-RELAYED-ADDRESS, LIFETIME, XOR-MAPPED-ADDRESS = the client's address",
            "Once the allocation is created, the server replies with a success response. The success response contains: An " +
            "XOR-RELAYED-ADDRESS attribute containing the relayed transport address […]. A LIFETIME attribute containing the current " +
            "value of the time-to-expiry timer. […] An XOR-MAPPED-ADDRESS attribute containing the client's IP address and port (from the 5-tuple).",
            ["Allocate success: required XOR-RELAYED-ADDRESS", "Allocate success: required LIFETIME", "Allocate success: required XOR-MAPPED-ADDRESS"],
            SuccessContentsAsync),
        ServerCase.Define(8489, "6.3.1", 2, RequirementLevel.Must, "A retransmitted Allocate (same transaction ID) gets the same success, no second allocation",
            "The server MUST respond to retransmissions such that the following property is preserved: if the client receives the " +
            "response to the retransmission and not the response that was sent to the original request, the overall state on the " +
            "client and server is identical to the case where only the response to the original retransmission is received or where " +
            "both responses are received (in which case the client will use the first).",
            [], RetransmissionAsync),
    ];

    private static async Task<CaseVerdict> MissingTransportAsync(ServerCaseContext context)
    {
        var session = await context.OpenSessionAsync();
        var reply = await session.RequestAsync(TurnMethods.Allocate, null, "an Allocate without REQUESTED-TRANSPORT");
        return Verdicts.ExpectError(reply, StunErrorCodes.BadRequest, "sent an authenticated Allocate without REQUESTED-TRANSPORT");
    }

    private static async Task<CaseVerdict> MalformedTransportAsync(ServerCaseContext context)
    {
        var session = await context.OpenSessionAsync();
        var reply = await session.RequestAsync(TurnMethods.Allocate, (ref StunMessageBuilder b) => b.Add(TurnAttributeTypes.RequestedTransport, [TurnSession.UdpProtocol, 0]),
            "an Allocate with a 2-byte REQUESTED-TRANSPORT");
        return Verdicts.ExpectError(reply, StunErrorCodes.BadRequest, "sent an authenticated Allocate whose REQUESTED-TRANSPORT value is 2 bytes (17, 0) instead of 4");
    }

    private static async Task<CaseVerdict> UnsupportedTransportAsync(ServerCaseContext context)
    {
        var session = await context.OpenSessionAsync();
        var reply = await session.RequestAsync(TurnMethods.Allocate, TurnSession.RequestedTransport(7), "an Allocate for protocol 7");
        return Verdicts.ExpectError(reply, TurnErrorCodes.UnsupportedTransportProtocol, "sent an authenticated Allocate with REQUESTED-TRANSPORT protocol 7");
    }

    private static async Task<CaseVerdict> SecondAllocateAsync(ServerCaseContext context)
    {
        var session = await context.AllocatedSessionAsync();
        var reply = await session.AllocateAsync();
        return Verdicts.ExpectError(reply, TurnErrorCodes.AllocationMismatch,
            $"allocated {session.Relayed} {Verdicts.From(session.Connection)}, then sent a second authenticated Allocate with a new transaction ID on the same 5-tuple");
    }

    private static async Task<CaseVerdict> SuccessContentsAsync(ServerCaseContext context)
    {
        var session = await context.OpenSessionAsync();
        var reply = await session.AllocateAsync();
        var sent = $"sent an authenticated Allocate {Verdicts.From(session.Connection)}";
        if (!reply.IsSuccess) return CaseVerdict.Fail($"{sent}; expected a success response, got {reply}");
        var missing = new List<string>();
        if (reply.XorRelayedAddress is null) missing.Add("XOR-RELAYED-ADDRESS");
        if (reply.Lifetime is null) missing.Add("LIFETIME");
        if (reply.XorMappedAddress is null) missing.Add("XOR-MAPPED-ADDRESS");
        if (missing.Count > 0) return CaseVerdict.Fail($"{sent}; the success lacks {string.Join(", ", missing)}: {reply}");
        return reply.XorMappedAddress!.Equals(session.Connection.Local)
            ? CaseVerdict.Pass($"{sent}; got {reply}")
            : CaseVerdict.Fail($"{sent}; XOR-MAPPED-ADDRESS is {reply.XorMappedAddress}, not the client's {session.Connection.Local}: {reply}");
    }

    private static async Task<CaseVerdict> RetransmissionAsync(ServerCaseContext context)
    {
        var session = await context.OpenSessionAsync();
        var transactionId = StunRequest.NewTransactionId();
        var first = await session.RequestAsync(TurnMethods.Allocate, TurnSession.RequestedTransport(TurnSession.UdpProtocol), "an Allocate", transactionId: transactionId);
        var sent = $"sent an authenticated Allocate (transaction {Convert.ToHexString(transactionId)}) {Verdicts.From(session.Connection)}";
        if (!first.IsSuccess) return CaseVerdict.Fail($"{sent}; expected a success response, got {first}");
        var again = await session.RequestAsync(TurnMethods.Allocate, TurnSession.RequestedTransport(TurnSession.UdpProtocol), "the same Allocate again", transactionId: transactionId);
        sent += $", got {first}; sent the same request again (same transaction ID)";
        if (!again.IsSuccess) return CaseVerdict.Fail($"{sent}; expected the same success, got {again}");
        if (!Equals(again.XorRelayedAddress, first.XorRelayedAddress))
            return CaseVerdict.Fail($"{sent}; the second success names relayed address {again.XorRelayedAddress}, the first {first.XorRelayedAddress}: two allocations");
        var other = await session.AllocateAsync();
        return other.ErrorCode == TurnErrorCodes.AllocationMismatch
            ? CaseVerdict.Pass($"{sent}; got the same success ({again}); a further Allocate with a new transaction ID got 437, so one allocation exists")
            : CaseVerdict.Fail($"{sent}; got the same success, but a further Allocate with a new transaction ID got {other}, not 437");
    }
}
