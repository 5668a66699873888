using IceSpec.Conformance.Tester;
using IceSpec.Ice;
using IceSpec.Ice.Sdp;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// The syntax of the IUT's own description (RFC 8839 §5.1, §5.4), read from its driver's <c>local-description</c> event:
/// credentials and candidate lines. Nothing goes on the wire; the IUT only gathers on its address.
/// </summary>
internal static class DescriptionCases
{
    private const string IceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    private const string CredentialsText =
        "ice-pwd-att = \"ice-pwd:\" password; ice-ufrag-att = \"ice-ufrag:\" ufrag; password = 22*256ice-char; ufrag = 4*256ice-char " +
        "[...] [RFC8445] requires the ice-ufrag attribute to contain at least 24 bits of randomness, and the ice-pwd attribute to " +
        "contain at least 128 bits of randomness.";

    private const string UfragLengthText =
        "For compatibility with the 512 character limitation for the STUN username attribute value and for bandwidth conservation " +
        "considerations, the ice-ufrag attribute MUST NOT be longer than 32 characters when sending, but an implementation MUST " +
        "accept up to 256 characters when receiving.";

    private const string CandidateText =
        "candidate-attribute = \"candidate\" \":\" foundation SP component-id SP transport SP priority SP connection-address SP port " +
        "SP cand-type [SP rel-addr] [SP rel-port] *(SP cand-extension); foundation = 1*32ice-char; component-id = 1*3DIGIT; " +
        "priority = 1*10DIGIT [...] An agent generating local candidates MUST NOT use FQDN addresses. (RFC 8445 §5.1.2: Each " +
        "candidate for a data stream MUST have a unique priority that MUST be a positive integer between 1 and (2**31 - 1). " +
        "§5.1.2.1: The component ID MUST be an integer between 1 and 256 inclusive.)";

    private const string Procedure =
        "The IUT is configured (one component, the placement's address) and gathers; its local-description event is read.";

    public static IEnumerable<AgentCase> All =>
    [
        AgentCase.Define(8839, "5.4", 1, RequirementLevel.Must, IceRole.Controlling, "ice-ufrag is 4–256 ice-chars, ice-pwd 22–256",
            CredentialsText, Procedure, [], c => JudgeAsync(c, d => Credentials(d.Credentials))),
        AgentCase.Define(8839, "5.4", 2, RequirementLevel.Must, IceRole.Controlling, "ice-ufrag sent is at most 32 characters",
            UfragLengthText, Procedure, [], c => JudgeAsync(c, d => d.Credentials.Ufrag.Length > 32
                ? $"ice-ufrag '{d.Credentials.Ufrag}' has {d.Credentials.Ufrag.Length} characters" : null)),
        AgentCase.Define(8839, "5.1", 1, RequirementLevel.Must, IceRole.Controlling, "Candidate lines follow the grammar: foundation, component 1, priority in range and unique, IP addresses",
            CandidateText, Procedure + " Every line must parse by the §5.1 grammar (else the case fails at gathering) and have a foundation " +
            "of 1–32 ice-chars, component ID 1 (the one component configured), a priority between 1 and 2^31 − 1 different from the " +
            "others', an IP address (no FQDN) and a port in range.", [], c => JudgeAsync(c, Candidates)),
    ];

    private static async Task<CaseVerdict> JudgeAsync(AgentCaseContext c, Func<IutDescription, string?> problem)
    {
        var description = await c.GatherAsync();
        var summary = $"ice-ufrag '{description.Credentials.Ufrag}', ice-pwd of {description.Credentials.Password.Length} characters, " +
            $"{description.Lines.Count} candidate line(s): {string.Join(" | ", description.Lines.Take(4))}";
        return problem(description) is { } wrong ? CaseVerdict.Fail($"{wrong} ({summary})") : CaseVerdict.Pass(summary);
    }

    private static string? Credentials(IceCredentials credentials) =>
        !IsIceChars(credentials.Ufrag, 4, 256) ? $"ice-ufrag '{credentials.Ufrag}' is not 4–256 ice-chars"
        : !IsIceChars(credentials.Password, 22, 256) ? $"ice-pwd '{credentials.Password}' is not 22–256 ice-chars"
        : null;

    private static string? Candidates(IutDescription description)
    {
        if (description.Candidates.Count == 0) return "the description has no candidate";
        foreach (var candidate in description.Candidates)
        {
            var line = candidate.FormatLine();
            if (!IsIceChars(candidate.Foundation, 1, 32)) return $"foundation '{candidate.Foundation}' is not 1–32 ice-chars: {line}";
            if (candidate.ComponentId != 1) return $"component ID {candidate.ComponentId}, with one component configured: {line}";
            if (candidate.Priority is < 1 or > int.MaxValue) return $"priority {candidate.Priority} is outside 1..2^31-1: {line}";
            if (candidate.Address.Kind == IceAddressKind.Fqdn) return $"the connection address '{candidate.Address}' is an FQDN: {line}";
            if (candidate.Port is < 1 or > 65535) return $"port {candidate.Port} is outside 1..65535: {line}";
        }
        var shared = description.Candidates.GroupBy(c => c.Priority).FirstOrDefault(g => g.Count() > 1);
        return shared is null ? null : $"priority {shared.Key} is shared by {string.Join(" and ", shared.Select(c => c.FormatLine()))}";
    }

    private static bool IsIceChars(string value, int min, int max) =>
        value.Length >= min && value.Length <= max && value.All(ch => IceChars.Contains(ch));
}
