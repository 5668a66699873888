using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>The long-term credential mechanism as a server applies it to Allocate (RFC 8489 §9.2.4, §9).</summary>
internal static class AuthenticationCases
{
    public static IEnumerable<ServerCase> All =>
    [
        ServerCase.Define(8489, "9.2.4", 1, RequirementLevel.Must, "Allocate without credentials: 401 with REALM and NONCE",
            "If the message does not contain a MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256 attribute, the server MUST generate an " +
            "error response with an error code of 401 (Unauthenticated). This response MUST include a REALM value. The response MUST " +
            "include a NONCE, selected by the server.",
            ["401 Unauthenticated", "Allocate error: required ERROR-CODE"], NoCredentialsAsync),
        ServerCase.Define(8489, "9.2.4", 2, RequirementLevel.Must, "MESSAGE-INTEGRITY without NONCE: 400",
            "If the message contains a MESSAGE-INTEGRITY or a MESSAGE-INTEGRITY-SHA256 attribute, but is missing either the USERNAME " +
            "or USERHASH, REALM, or NONCE attribute, the server MUST generate an error response with an error code of 400 (Bad Request).",
            ["400 Bad Request"], MissingNonceAsync),
        ServerCase.Define(8489, "9.2.4", 3, RequirementLevel.Must, "Unknown USERNAME: 401 with REALM and NONCE",
            "If the value of the USERNAME or USERHASH attribute is not valid, the server MUST generate an error response with an error " +
            "code of 401 (Unauthenticated). This response MUST include a REALM value. The response MUST include a NONCE, selected by the server.",
            ["401 Unauthenticated"], UnknownUserAsync),
        ServerCase.Define(8489, "9.2.4", 4, RequirementLevel.Must, "Wrong MESSAGE-INTEGRITY (wrong password): 401 with REALM and NONCE",
            "If the resulting value does not match the contents of the MESSAGE-INTEGRITY attribute or the MESSAGE-INTEGRITY-SHA256 " +
            "attribute, the server MUST reject the request with an error response. This response MUST use an error code of 401 " +
            "(Unauthenticated). It MUST include the REALM and NONCE attributes",
            ["401 Unauthenticated"], WrongIntegrityAsync),
        ServerCase.Define(8489, "9.2.4", 5, RequirementLevel.Must, "A NONCE the server did not issue (altered), correct integrity: 438",
            "If the NONCE is no longer valid, the server MUST generate an error response with an error code of 438 (Stale Nonce).",
            ["438 Stale Nonce"], context => StaleNonceAsync(context, checkAttributes: false)),
        ServerCase.Define(8489, "9.2.4", 6, RequirementLevel.Must, "The 438 carries NONCE, REALM and PASSWORD-ALGORITHMS, and its NONCE is valid",
            "This response MUST include NONCE, REALM, and PASSWORD-ALGORITHMS attributes and SHOULD NOT include the USERNAME and " +
            "USERHASH attributes. The NONCE attribute value MUST be valid.",
            ["438 Stale Nonce"], context => StaleNonceAsync(context, checkAttributes: true)),
        ServerCase.Define(8489, "9.2.4", 7, RequirementLevel.Must, "The response to an authenticated (MD5) request carries a valid MESSAGE-INTEGRITY",
            "In that case, the MESSAGE-INTEGRITY attribute MUST be used instead of the MESSAGE-INTEGRITY-SHA256 attribute " +
            "(the request was processed as though PASSWORD-ALGORITHM was MD5 because it contained neither PASSWORD-ALGORITHMS nor PASSWORD-ALGORITHM).",
            [], ResponseIntegrityAsync),
        ServerCase.Define(8489, "9", 1, RequirementLevel.Must, "Attributes after MESSAGE-INTEGRITY are ignored (no 420 for an unknown one there)",
            "Note that agents MUST ignore all attributes that follow MESSAGE-INTEGRITY, with the exception of the " +
            "MESSAGE-INTEGRITY-SHA256 and FINGERPRINT attributes.",
            ["after MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256, FINGERPRINT"], AfterIntegrityIgnoredAsync),
    ];

    private static async Task<CaseVerdict> NoCredentialsAsync(ServerCaseContext context)
    {
        var connection = context.OpenUdp();
        var request = StunRequest.Build(TurnMethods.Allocate, StunRequest.NewTransactionId(), TurnSession.RequestedTransport(TurnSession.UdpProtocol));
        var reply = await StunExchange.RequireAsync(connection, request, context.ResponseTimeout, "an Allocate without credentials", context.Cancel);
        return Verdicts.ExpectError(reply, StunErrorCodes.Unauthenticated, $"sent an Allocate (REQUESTED-TRANSPORT UDP) without credentials {Verdicts.From(connection)}",
            StunAttributeTypes.Realm, StunAttributeTypes.Nonce);
    }

    private static async Task<CaseVerdict> MissingNonceAsync(ServerCaseContext context)
    {
        var session = await context.OpenSessionAsync();
        var credential = session.Credential;
        var request = StunRequest.Build(TurnMethods.Allocate, StunRequest.NewTransactionId(), (ref StunMessageBuilder b) =>
        {
            TurnSession.RequestedTransport(TurnSession.UdpProtocol)(ref b);
            b.AddUsername(credential.Username);
            b.AddRealm(credential.Realm);
            b.AddMessageIntegrity(credential.Key);
        });
        var reply = await StunExchange.RequireAsync(session.Connection, request, context.ResponseTimeout, "an Allocate without NONCE", context.Cancel);
        return Verdicts.ExpectError(reply, StunErrorCodes.BadRequest, "sent an Allocate with USERNAME, REALM and a correct MESSAGE-INTEGRITY but no NONCE");
    }

    private static async Task<CaseVerdict> UnknownUserAsync(ServerCaseContext context)
    {
        var session = await context.OpenSessionAsync();
        var user = "icespec-unknown-" + Convert.ToHexString(StunRequest.NewTransactionId()[..4]);
        var credential = session.Credential with { Username = user, Key = StunKey.LongTerm(user, session.Credential.Realm, context.Target.Password) };
        var reply = await SendAllocateAsync(context, session, credential, "an Allocate from an unknown user");
        return Verdicts.ExpectError(reply, StunErrorCodes.Unauthenticated, $"sent an Allocate as unknown user '{user}' with a matching MESSAGE-INTEGRITY",
            StunAttributeTypes.Realm, StunAttributeTypes.Nonce);
    }

    private static async Task<CaseVerdict> WrongIntegrityAsync(ServerCaseContext context)
    {
        var session = await context.OpenSessionAsync();
        var credential = session.Credential with { Key = StunKey.LongTerm(context.Target.Username, session.Credential.Realm, context.Target.Password + "-wrong") };
        var reply = await SendAllocateAsync(context, session, credential, "an Allocate with a wrong password");
        return Verdicts.ExpectError(reply, StunErrorCodes.Unauthenticated, $"sent an Allocate as '{credential.Username}' with MESSAGE-INTEGRITY computed from a wrong password",
            StunAttributeTypes.Realm, StunAttributeTypes.Nonce);
    }

    private static async Task<CaseVerdict> StaleNonceAsync(ServerCaseContext context, bool checkAttributes)
    {
        var session = await context.OpenSessionAsync();
        var issued = session.Credential.Nonce;
        var altered = issued[..^1] + (issued[^1] == 'A' ? 'B' : 'A');
        var reply = await SendAllocateAsync(context, session, session.Credential with { Nonce = altered }, "an Allocate with an altered NONCE");
        var sent = $"sent an Allocate with a correct MESSAGE-INTEGRITY and the issued NONCE '{issued}' altered to '{altered}'";
        if (!checkAttributes) return Verdicts.ExpectError(reply, StunErrorCodes.StaleNonce, sent);
        var verdict = Verdicts.ExpectError(reply, StunErrorCodes.StaleNonce, sent, StunAttributeTypes.Nonce, StunAttributeTypes.Realm, StunAttributeTypes.PasswordAlgorithms);
        if (verdict.Outcome != CaseOutcome.Passed) return verdict;
        var retry = await SendAllocateAsync(context, session, session.Credential with { Nonce = reply.Nonce! }, "an Allocate with the 438's NONCE");
        return retry.IsSuccess
            ? CaseVerdict.Pass($"{verdict.Detail}; the Allocate retried with its NONCE got {retry}")
            : CaseVerdict.Fail($"{verdict.Detail}; but the Allocate retried with its NONCE '{reply.Nonce}' got {retry}: that NONCE is not valid");
    }

    private static async Task<CaseVerdict> ResponseIntegrityAsync(ServerCaseContext context)
    {
        var session = await context.OpenSessionAsync();
        var reply = await session.AllocateAsync();
        var sent = "sent an authenticated Allocate (MESSAGE-INTEGRITY, no PASSWORD-ALGORITHM)";
        if (!reply.IsSuccess) return CaseVerdict.Fail($"{sent}; expected a success response, got {reply}");
        var integrity = reply.VerifyMessageIntegrity(session.Credential.Key);
        return integrity == IntegrityStatus.Valid
            ? CaseVerdict.Pass($"{sent}; the success carries a MESSAGE-INTEGRITY valid under the long-term key: {reply}")
            : CaseVerdict.Fail($"{sent}; the success response's MESSAGE-INTEGRITY is {integrity} under the long-term key: {reply}");
    }

    private static async Task<CaseVerdict> AfterIntegrityIgnoredAsync(ServerCaseContext context)
    {
        var session = await context.OpenSessionAsync();
        var reply = await session.RequestAsync(TurnMethods.Allocate, TurnSession.RequestedTransport(TurnSession.UdpProtocol), "an Allocate with an attribute after MESSAGE-INTEGRITY",
            afterIntegrity: (ref StunMessageBuilder b) => b.Add(BindingCases.UnassignedRequired, [1, 2, 3, 4]));
        return Verdicts.ExpectSuccess(reply,
            $"sent an authenticated Allocate followed, after MESSAGE-INTEGRITY, by unassigned comprehension-required attribute 0x{BindingCases.UnassignedRequired:X4}");
    }

    private static Task<StunReply> SendAllocateAsync(ServerCaseContext context, TurnSession session, LongTermCredential credential, string what) =>
        StunExchange.RequireAsync(session.Connection,
            StunRequest.Build(TurnMethods.Allocate, StunRequest.NewTransactionId(), TurnSession.RequestedTransport(TurnSession.UdpProtocol), credential),
            context.ResponseTimeout, what, context.Cancel);
}
