using System.Buffers.Binary;
using IceSpec.Stun;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>STUN Binding and the basic processing of every request (RFC 8489 §6.3).</summary>
internal static class BindingCases
{
    /// <summary>An attribute type in the comprehension-required range that no RFC assigns.</summary>
    public const ushort UnassignedRequired = 0x7FEE;

    /// <summary>An attribute type in the comprehension-optional range that no RFC assigns.</summary>
    public const ushort UnassignedOptional = 0xBEEF;

    private const string XorMappedText =
        "When forming the success response, the server adds an XOR-MAPPED-ADDRESS attribute to the response; this attribute " +
        "contains the source transport address of the request message.";

    private const string DiscardText =
        "It checks that the first two bits are 0, that the Magic Cookie field has the correct value, that the message length is " +
        "sensible, and that the method value is a supported method. […] If the FINGERPRINT extension is being used, the agent " +
        "checks that the FINGERPRINT attribute is present and contains the correct value. If any errors are detected, the " +
        "message is silently discarded.";

    public static IEnumerable<ServerCase> All =>
    [
        ServerCase.Define(8489, "6.3.1.1", 1, RequirementLevel.Must, "Binding over UDP: success with XOR-MAPPED-ADDRESS = the request's source",
            XorMappedText + " For UDP or DTLS-over-UDP, this is the source IP address and source UDP port of the request message.",
            ["Binding success: required XOR-MAPPED-ADDRESS"], context => XorMappedAsync(context, context.OpenUdp())),
        ServerCase.Define(8489, "6.3.1.1", 2, RequirementLevel.Must, "Binding over TCP: success with XOR-MAPPED-ADDRESS = the connection's source",
            XorMappedText + " For TCP and TLS-over-TCP, this is the source IP address and source TCP port of the TCP connection as seen by the server.",
            ["Binding success: required XOR-MAPPED-ADDRESS"], async context => context.TcpServer is null
                ? CaseVerdict.Inconclusive("the target has no TCP port")
                : await XorMappedAsync(context, await context.ConnectTcpAsync())),
        ServerCase.Define(8489, "6.3", 1, RequirementLevel.Must, "A message whose length field overruns the datagram is silently discarded",
            DiscardText, [], BadLengthDiscardedAsync),
        ServerCase.Define(8489, "6.3", 2, RequirementLevel.Must, "A request with a wrong FINGERPRINT is silently discarded",
            DiscardText, [], BadFingerprintDiscardedAsync),
        ServerCase.Define(8489, "6.3", 3, RequirementLevel.Must, "An unknown comprehension-optional attribute is ignored",
            "Unknown comprehension-optional attributes MUST be ignored by the agent.",
            ["comprehension-optional"], UnknownOptionalIgnoredAsync),
        ServerCase.Define(8489, "6.3.2", 1, RequirementLevel.Must, "A Binding indication gets no response",
            "If all the checks succeed, the agent then processes the indication. No response is generated for an indication.",
            [], IndicationUnansweredAsync),
        ServerCase.Define(8489, "6.3.1", 1, RequirementLevel.Must, "An unknown comprehension-required attribute: 420 with UNKNOWN-ATTRIBUTES listing it",
            "If the request contains one or more unknown comprehension-required attributes, the server replies with an error response " +
            "with an error code of 420 (Unknown Attribute) and includes an UNKNOWN-ATTRIBUTES attribute in the response that lists the " +
            "unknown comprehension-required attributes.",
            ["420 Unknown Attribute", "comprehension-required", "Binding error: required ERROR-CODE"], UnknownRequiredAsync),
    ];

    private static async Task<CaseVerdict> XorMappedAsync(ServerCaseContext context, ServerConnection connection)
    {
        var sent = $"sent a Binding request {Verdicts.From(connection)}";
        var reply = await StunExchange.RequestAsync(connection, StunRequest.Build(StunMethods.Binding, StunRequest.NewTransactionId()), context.ResponseTimeout, context.Cancel);
        if (reply is null) return CaseVerdict.Fail($"{sent}; no response within {context.ResponseTimeout.TotalSeconds} s");
        if (!reply.IsSuccess) return CaseVerdict.Fail($"{sent}; expected a success response, got {reply}");
        if (reply.XorMappedAddress is null) return CaseVerdict.Fail($"{sent}; the success response has no (readable) XOR-MAPPED-ADDRESS: {reply}");
        return reply.XorMappedAddress.Equals(connection.Local)
            ? CaseVerdict.Pass($"{sent}; got {reply}")
            : CaseVerdict.Fail($"{sent}; XOR-MAPPED-ADDRESS is {reply.XorMappedAddress}, not the request's source {connection.Local}");
    }

    private static async Task<CaseVerdict> BadLengthDiscardedAsync(ServerCaseContext context)
    {
        var connection = context.OpenUdp();
        var request = StunRequest.Build(StunMethods.Binding, StunRequest.NewTransactionId(), (ref StunMessageBuilder b) => b.AddSoftware("icespec conformance"));
        var claimed = request.Length - StunHeader.Length + 8;
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(StunHeader.LengthOffset), (ushort)claimed);
        var sent = $"sent a Binding request whose Message Length says {claimed} bytes follow the header but {request.Length - StunHeader.Length} do";
        return await ExpectDiscardedAsync(context, connection, request, sent);
    }

    private static async Task<CaseVerdict> BadFingerprintDiscardedAsync(ServerCaseContext context)
    {
        var connection = context.OpenUdp();
        var request = StunRequest.Build(StunMethods.Binding, StunRequest.NewTransactionId(), fingerprint: true);
        request[^1] ^= 0xFF;
        return await ExpectDiscardedAsync(context, connection, request, "sent a Binding request whose FINGERPRINT value is wrong (last byte inverted)");
    }

    /// <summary>No response to <paramref name="request"/> within the silence window, then a valid fingerprinted Binding is answered.</summary>
    private static async Task<CaseVerdict> ExpectDiscardedAsync(ServerCaseContext context, ServerConnection connection, byte[] request, string sent)
    {
        await connection.SendAsync(request, context.Cancel);
        var answers = await connection.DrainAsync(context.SilenceWindow, context.Cancel);
        if (answers.Count > 0)
            return CaseVerdict.Fail($"{sent}; expected silence, got {string.Join("; ", answers.Select(a => StunReply.TryParse(a)?.ToString() ?? $"{a.Length} non-STUN bytes"))}");
        var valid = StunRequest.Build(StunMethods.Binding, StunRequest.NewTransactionId(), fingerprint: true);
        var reply = await StunExchange.RequestAsync(connection, valid, context.ResponseTimeout, context.Cancel);
        if (reply is not { IsSuccess: true })
            return CaseVerdict.Fail($"{sent}; it was not answered, but a valid Binding with FINGERPRINT sent next got {reply?.ToString() ?? "no response"}: the server is not answering Binding at all");
        // An answer slower than the window (a loaded server) is still an answer: it comes before the valid Binding's.
        var late = (await connection.DrainAsync(TimeSpan.Zero, context.Cancel))
            .Where(a => a.Length >= StunHeader.Length && a.AsSpan(8, 12).SequenceEqual(request.AsSpan(8, 12))).ToList();
        if (late.Count > 0)
            return CaseVerdict.Fail($"{sent}; expected silence, got (after {context.SilenceWindow.TotalMilliseconds} ms) {string.Join("; ", late.Select(a => StunReply.TryParse(a)?.ToString() ?? $"{a.Length} bytes"))}");
        return CaseVerdict.Pass($"{sent}; no response within {context.SilenceWindow.TotalMilliseconds} ms, and a valid Binding sent next got {reply}");
    }

    private static async Task<CaseVerdict> IndicationUnansweredAsync(ServerCaseContext context)
    {
        var connection = context.OpenUdp();
        var indication = StunRequest.Build(StunMethods.Binding, StunRequest.NewTransactionId(), fingerprint: true, messageClass: StunClass.Indication);
        return await ExpectDiscardedAsync(context, connection, indication, "sent a Binding indication (with FINGERPRINT)");
    }

    private static async Task<CaseVerdict> UnknownOptionalIgnoredAsync(ServerCaseContext context)
    {
        var connection = context.OpenUdp();
        var request = StunRequest.Build(StunMethods.Binding, StunRequest.NewTransactionId(), (ref StunMessageBuilder b) => b.Add(UnassignedOptional, [1, 2, 3, 4]));
        var sent = $"sent a Binding request with unassigned comprehension-optional attribute 0x{UnassignedOptional:X4}";
        var reply = await StunExchange.RequestAsync(connection, request, context.ResponseTimeout, context.Cancel);
        if (reply is null) return CaseVerdict.Fail($"{sent}; no response within {context.ResponseTimeout.TotalSeconds} s");
        return reply.IsSuccess && reply.XorMappedAddress is not null
            ? CaseVerdict.Pass($"{sent}; got {reply}")
            : CaseVerdict.Fail($"{sent}; expected a success with XOR-MAPPED-ADDRESS (the attribute ignored), got {reply}");
    }

    private static async Task<CaseVerdict> UnknownRequiredAsync(ServerCaseContext context)
    {
        var connection = context.OpenUdp();
        var request = StunRequest.Build(StunMethods.Binding, StunRequest.NewTransactionId(), (ref StunMessageBuilder b) => b.Add(UnassignedRequired, [1, 2, 3, 4]));
        var sent = $"sent a Binding request with unassigned comprehension-required attribute 0x{UnassignedRequired:X4}";
        var reply = await StunExchange.RequestAsync(connection, request, context.ResponseTimeout, context.Cancel);
        if (reply is null) return CaseVerdict.Fail($"{sent}; no response within {context.ResponseTimeout.TotalSeconds} s");
        var verdict = Verdicts.ExpectError(reply, StunErrorCodes.UnknownAttribute, sent, StunAttributeTypes.UnknownAttributes);
        if (verdict.Outcome != CaseOutcome.Passed) return verdict;
        return reply.UnknownAttributes.Contains(UnassignedRequired)
            ? verdict
            : CaseVerdict.Fail($"{sent}; the 420's UNKNOWN-ATTRIBUTES does not list 0x{UnassignedRequired:X4}: {reply}");
    }
}
