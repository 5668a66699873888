using IceSpec.Conformance.Tester;
using IceSpec.Ice;
using IceSpec.Stun;
using static IceSpec.Conformance.Cases.Agent.ServerSideSteps;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// How the IUT processes an authenticated check that is not quite right (RFC 8489 §6.3, §6.3.1; RFC 8445 §7.3): a bad
/// or missing FINGERPRINT is silently discarded, an unknown comprehension-required attribute gets 420, an unknown
/// comprehension-optional one is ignored, and a check without PRIORITY or without a role attribute is refused.
/// </summary>
internal static class CheckProcessingCases
{
    private const string DiscardText =
        "If the FINGERPRINT extension is being used, the agent checks that the FINGERPRINT attribute is present and contains the " +
        "correct value. If any errors are detected, the message is silently discarded.";

    private const string UsageChecksText =
        "Otherwise, the server then does any additional checking that the method or the specific usage requires. If all the " +
        "checks succeed, the server formulates a success response as described below.";

    private const string Procedure =
        "The tester gathers the IUT, describes one socket (end-of-candidates) and answers the IUT's checks correctly; from that " +
        "socket it sends the IUT's host candidate ";

    public static IEnumerable<AgentCase> All =>
    [
        AgentCase.Define(8489, "6.3", 5, RequirementLevel.Must, IceRole.Controlled, "A check with a wrong FINGERPRINT is silently discarded",
            DiscardText + " (RFC 8445 §7.3: \"It MUST utilize the FINGERPRINT mechanism.\")",
            Procedure + "a correct check, which must be answered, then the same check with its FINGERPRINT's CRC off by one: nothing " +
            "may answer it within the quiet window.", ["FINGERPRINT"],
            c => ExpectDiscardedAsync(c, () => c.Tester.Messages.Check(c.Check() with { BadFingerprint = true }), "a check with a wrong FINGERPRINT")),
        AgentCase.Define(8445, "7.3", 5, RequirementLevel.Must, IceRole.Controlling, "A check without FINGERPRINT is silently discarded",
            "It MUST utilize the FINGERPRINT mechanism. (RFC 8489 §6.3: \"" + DiscardText + "\")",
            Procedure + "a correct check, which must be answered, then the same check without FINGERPRINT: nothing may answer it " +
            "within the quiet window.", ["FINGERPRINT"],
            c => ExpectDiscardedAsync(c, () => c.Tester.Messages.Check(c.Check() with { OmitFingerprint = true }), "a check without FINGERPRINT")),
        AgentCase.Define(8489, "6.3.1", 3, RequirementLevel.Must, IceRole.Controlled,
            "A check with an unknown comprehension-required attribute gets 420 with UNKNOWN-ATTRIBUTES listing it",
            "If the request contains one or more unknown comprehension-required attributes, the server replies with an error response " +
            "with an error code of 420 (Unknown Attribute) and includes an UNKNOWN-ATTRIBUTES attribute in the response that lists " +
            "the unknown comprehension-required attributes.",
            Procedure + $"a correct check with one more attribute before MESSAGE-INTEGRITY, of the unassigned comprehension-required " +
            $"type 0x{TesterMessages.UnassignedRequired:X4}; the response must be error 420 listing it in UNKNOWN-ATTRIBUTES.",
            ["420 Unknown Attribute", "comprehension-required", "UNKNOWN-ATTRIBUTES"],
            c => ExpectErrorAsync(c, c.Check() with { ExtraAttribute = TesterMessages.UnassignedRequired }, StunErrorCodes.UnknownAttribute,
                $"a check with the unknown comprehension-required attribute 0x{TesterMessages.UnassignedRequired:X4}",
                error => error.UnknownAttributes.Contains(TesterMessages.UnassignedRequired) ? null
                    : error.Has(StunAttributeTypes.UnknownAttributes) ? $"its UNKNOWN-ATTRIBUTES does not list 0x{TesterMessages.UnassignedRequired:X4}"
                    : "it has no UNKNOWN-ATTRIBUTES")),
        AgentCase.Define(8489, "6.3", 6, RequirementLevel.Must, IceRole.Controlling, "A check with an unknown comprehension-optional attribute succeeds",
            "Unknown comprehension-optional attributes MUST be ignored by the agent.",
            Procedure + $"a correct check with one more attribute before MESSAGE-INTEGRITY, of the unassigned comprehension-optional " +
            $"type 0x{TesterMessages.UnassignedOptional:X4}; the response must be a success.", ["comprehension-optional"],
            UnknownOptionalIgnoredAsync),
        AgentCase.Define(8489, "6.3.1", 5, RequirementLevel.Should, IceRole.Controlled, "A check without PRIORITY is refused with an error response",
            UsageChecksText + " (RFC 8445 §7.1.1, the usage: \"The PRIORITY attribute MUST be included in a Binding request\". RFC " +
            "8445 does not say what the server answers to a check without it; it needs the value to learn a peer-reflexive candidate " +
            "(§7.3.1.3), so the check fails the usage's checks and is refused: SHOULD, since the rule is implied.)",
            Procedure + "a check that is correct but for its missing PRIORITY; the response should be an error (400 Bad Request: " +
            "\"The request was malformed\", RFC 8489 §14.8), not a success or silence.",
            ["Binding request as ice-check: required PRIORITY", "400 Bad Request"],
            c => ExpectRefusedAsync(c, c.Check() with { OmitPriority = true }, "a check without PRIORITY")),
        AgentCase.Define(8489, "6.3.1", 6, RequirementLevel.Should, IceRole.Controlling,
            "A check without ICE-CONTROLLING or ICE-CONTROLLED is refused with an error response",
            UsageChecksText + " (RFC 8445 §7.1.3, the usage: \"The controlling agent MUST include the ICE-CONTROLLING attribute in a " +
            "Binding request. The controlled agent MUST include the ICE-CONTROLLED attribute in a Binding request.\" RFC 8445 " +
            "§7.3.1.1 says what to do with either attribute and nothing for neither; the check fails the usage's checks and is " +
            "refused: SHOULD, since the rule is implied.)",
            Procedure + "a check that is correct but has neither role attribute; the response should be an error (400 Bad Request), " +
            "not a success or silence.",
            ["Binding request as ice-check: one-of ICE-CONTROLLING, ICE-CONTROLLED", "400 Bad Request"],
            c => ExpectRefusedAsync(c, c.Check() with { Role = TesterRole.None }, "a check without a role attribute")),
    ];

    private static async Task<CaseVerdict> UnknownOptionalIgnoredAsync(AgentCaseContext c)
    {
        var socket = await DescribedAsync(c);
        var (request, response, problem) = await SucceedAsync(c, socket, c.Check() with { ExtraAttribute = TesterMessages.UnassignedOptional });
        return problem is null
            ? CaseVerdict.Pass($"the check with attribute 0x{TesterMessages.UnassignedOptional:X4} got a success response: {c.Evidence(request, response)}")
            : CaseVerdict.Fail($"with the unknown comprehension-optional attribute 0x{TesterMessages.UnassignedOptional:X4}, {problem}");
    }

    /// <summary>Any error response passes (400 is the one RFC 8489 names for a malformed request); success or silence fails.</summary>
    private static async Task<CaseVerdict> ExpectRefusedAsync(AgentCaseContext c, TesterCheck check, string what)
    {
        var socket = await DescribedAsync(c);
        var (request, response) = await CheckAsync(c, socket, check);
        var shown = Exchange(c, request, response);
        return response?.Stun?.Class switch
        {
            StunClass.Error => CaseVerdict.Pass($"{what} was refused with error {response.Stun.ErrorCode}: {shown}"),
            StunClass.Success => CaseVerdict.Fail($"{what} got a success response: {shown}"),
            _ => CaseVerdict.Fail($"{what} got no error response: {shown}"),
        };
    }
}
