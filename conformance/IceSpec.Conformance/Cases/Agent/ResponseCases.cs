using System.Net;
using IceSpec.Conformance.Tester;
using IceSpec.Ice;
using IceSpec.Stun;
using static IceSpec.Conformance.Cases.Agent.ServerSideSteps;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// The IUT as the STUN server of the tester's checks (RFC 8445 §7.3, RFC 8489 §6.3): what its success response carries,
/// where it goes, when it comes (before the IUT has the tester's description too), for a retransmission, and that a
/// Binding indication gets none. The tester gathers the IUT, describes one socket, and sends correct checks of the role
/// opposite to the IUT's to its host candidate.
/// </summary>
internal static class ResponseCases
{
    private const string XorMappedText =
        "When forming the success response, the server adds an XOR-MAPPED-ADDRESS attribute to the response; this attribute " +
        "contains the source transport address of the request message. For UDP or DTLS-over-UDP, this is the source IP address " +
        "and source UDP port of the request message.";

    private const string Procedure =
        "The tester gathers the IUT, describes one socket (end-of-candidates) and answers the IUT's checks correctly; it sends a " +
        "correct check (role opposite to the IUT's) to the IUT's host candidate, retransmitted as RFC 8489 §6.2.1 says, ";

    public static IEnumerable<AgentCase> All =>
    [
        AgentCase.Define(8489, "6.3.1.1", 3, RequirementLevel.Must, IceRole.Controlled,
            "A success response's XOR-MAPPED-ADDRESS is the check's source (an advertised tester candidate)", XorMappedText,
            Procedure + "from its advertised socket, and reads XOR-MAPPED-ADDRESS in the success response.",
            ["Binding success as ice-check: required XOR-MAPPED-ADDRESS"], c => XorMappedAsync(c, advertised: true)),
        AgentCase.Define(8489, "6.3.1.1", 4, RequirementLevel.Must, IceRole.Controlling,
            "A success response's XOR-MAPPED-ADDRESS is the check's source (a source the tester never advertised: peer-reflexive)", XorMappedText,
            Procedure + "from a socket it never advertised, and reads XOR-MAPPED-ADDRESS in the success response.",
            ["Binding success as ice-check: required XOR-MAPPED-ADDRESS"], c => XorMappedAsync(c, advertised: false)),
        AgentCase.Define(8489, "6.3.1.2", 1, RequirementLevel.Must, IceRole.Controlled,
            "The response goes from the address the check was sent to, to the check's source",
            "If the request was received over UDP or DTLS-over-UDP, the destination IP address and port of the response are the " +
            "source IP address and port of the received request message, and the source IP address and port of the response are " +
            "equal to the destination IP address and port of the received request message. (RFC 8445 §7.2.5.2.1: \"the source IP " +
            "address and port of the response MUST be equal to the destination IP address and port to which the Binding request " +
            "was sent, and the destination IP address and port of the response MUST be equal to the source IP address and port from " +
            "which the Binding request was sent.\")",
            Procedure + "from a socket it never advertised, and reads the addresses of the response.", [], SymmetricAsync),
        AgentCase.Define(8445, "7.3", 1, RequirementLevel.Must, IceRole.Controlled,
            "The success response carries MESSAGE-INTEGRITY computed with the IUT's password",
            "The agent MUST use the short-term credential mechanism (i.e., the MESSAGE-INTEGRITY attribute) to authenticate the " +
            "request and perform a message integrity check. Likewise, the short-term credential mechanism MUST be used for the response.",
            Procedure + "and verifies the success response's MESSAGE-INTEGRITY with the IUT's password (RFC 8445 §7.2.2: \"The " +
            "responses utilize the same usernames and passwords as the requests\").",
            ["Binding success as ice-check: required MESSAGE-INTEGRITY"], IntegrityAsync),
        AgentCase.Define(8445, "7.3", 2, RequirementLevel.Must, IceRole.Controlling, "The success response carries a correct FINGERPRINT",
            "It MUST utilize the FINGERPRINT mechanism.",
            Procedure + "and checks the success response's FINGERPRINT (RFC 8489 §14.7).", ["FINGERPRINT"], FingerprintAsync),
        AgentCase.Define(8489, "9.1.3", 1, RequirementLevel.Must, IceRole.Controlled, "The success response carries no USERNAME",
            "The response MUST NOT contain the USERNAME attribute.",
            Procedure + "and looks for USERNAME in the success response.", [], NoUsernameAsync),
        AgentCase.Define(8445, "7.3", 3, RequirementLevel.Must, IceRole.Controlling,
            "A check that arrives before the IUT has the tester's description is answered at once",
            "It is possible (and in fact very likely) that the initiating agent will receive a Binding request prior to receiving " +
            "the candidates from its peer. If this happens, the agent MUST immediately generate a response (including computation " +
            "of the mapped address as described in Section 7.3.1.2). The agent has sufficient information at this point to generate " +
            "the response; the password from the peer is not required.",
            "The tester gathers the IUT and, before giving it any description, sends it a correct check (ICE-CONTROLLED, credentials " +
            "from the IUT's gathered description) from a socket, retransmitted as RFC 8489 §6.2.1 says; the response must be a " +
            "success with XOR-MAPPED-ADDRESS = that socket and MESSAGE-INTEGRITY with the IUT's password.",
            ["Binding success as ice-check: required XOR-MAPPED-ADDRESS"], EarlyCheckAsync),
        AgentCase.Define(8489, "6.3.1", 4, RequirementLevel.Must, IceRole.Controlled,
            "A retransmitted check (same transaction ID, same bytes) gets the same success response",
            "When run over UDP or DTLS-over-UDP, a request received by the server could be the first request of a transaction or " +
            "could be a retransmission. The server MUST respond to retransmissions such that the following property is preserved: " +
            "if the client receives the response to the retransmission and not the response that was sent to the original request, " +
            "the overall state on the client and server is identical to the case where only the response to the original " +
            "retransmission is received or where both responses are received (in which case the client will use the first). The " +
            "easiest way to meet this requirement is for the server to remember all transaction IDs received over UDP or " +
            "DTLS-over-UDP and their corresponding responses in the last 40 seconds. [...] Another way is to reprocess the request " +
            "and recompute the response. The latter technique MUST only be applied to requests that are idempotent [...] and result " +
            "in the same success response for the same request. The Binding method is considered to be idempotent.",
            Procedure + "waits for its success response, then sends the same bytes again: the second response must be a success " +
            "with the same transaction ID, XOR-MAPPED-ADDRESS and a valid MESSAGE-INTEGRITY.", [], RetransmissionAsync),
        AgentCase.Define(8489, "6.3.2", 2, RequirementLevel.Must, IceRole.Controlling, "A Binding indication gets no response",
            "If all the checks succeed, the agent then processes the indication. No response is generated for an indication.",
            Procedure + "checks that it is answered, then sends a Binding indication with FINGERPRINT (the RFC 8445 §11 keepalive " +
            "form) from the same socket: nothing may answer it.", [], IndicationAsync),
    ];

    private static async Task<CaseVerdict> XorMappedAsync(AgentCaseContext c, bool advertised)
    {
        var socket = await DescribedAsync(c);
        if (!advertised) socket = c.Tester.OpenSocket();
        var (request, response, problem) = await SucceedAsync(c, socket);
        if (problem is not null) return CaseVerdict.Fail(problem);
        var mapped = response!.Stun!.XorMappedAddress;
        var source = advertised ? "its advertised socket" : "a socket it never advertised";
        return socket.LocalEndPoint.Equals(mapped)
            ? CaseVerdict.Pass($"XOR-MAPPED-ADDRESS {mapped} is the source of the check from {source}: {c.Evidence(request, response)}")
            : CaseVerdict.Fail($"XOR-MAPPED-ADDRESS is {Show(mapped)}, not the source {socket.LocalEndPoint} of the check from {source}: {c.Evidence(request, response)}");
    }

    private static async Task<CaseVerdict> SymmetricAsync(AgentCaseContext c)
    {
        await DescribedAsync(c);
        var socket = c.Tester.OpenSocket();
        var (request, response) = await CheckAsync(c, socket, c.Check());
        if (response is null) return CaseVerdict.Fail($"no response: {Exchange(c, request, response)}");
        var wrong = new List<string>();
        if (!response.Remote.Equals(request.Remote)) wrong.Add($"it comes from {response.Remote}, not from {request.Remote} where the check went");
        if (!response.Local.Equals(request.Local)) wrong.Add($"it went to {response.Local}, not to the check's source {request.Local}");
        return wrong.Count == 0
            ? CaseVerdict.Pass($"the response came from {response.Remote} to {response.Local}, the check's destination and source: {c.Evidence(request, response)}")
            : CaseVerdict.Fail($"{string.Join("; ", wrong)}: {c.Evidence(request, response)}");
    }

    private static Task<CaseVerdict> IntegrityAsync(AgentCaseContext c) => JudgeSuccessAsync(c, response =>
        !response.HasMessageIntegrity ? "it has no MESSAGE-INTEGRITY"
        : response.IntegrityValidWith(c.Tester.IutKey!) ? null
        : response.IntegrityValidWith(c.Tester.Key) ? "its MESSAGE-INTEGRITY is computed with the tester's password, not the IUT's"
        : "its MESSAGE-INTEGRITY does not verify with the IUT's password", "MESSAGE-INTEGRITY verifies with the IUT's password");

    private static Task<CaseVerdict> FingerprintAsync(AgentCaseContext c) => JudgeSuccessAsync(c, response =>
        !response.HasFingerprint ? "it has no FINGERPRINT" : response.FingerprintValid ? null : "its FINGERPRINT is wrong",
        "FINGERPRINT is present and correct");

    private static Task<CaseVerdict> NoUsernameAsync(AgentCaseContext c) => JudgeSuccessAsync(c, response =>
        response.Username is { } username ? $"it carries USERNAME '{username}'" : null, "no USERNAME");

    /// <summary>A correct check from the advertised socket; <paramref name="problem"/> judges its success response.</summary>
    private static async Task<CaseVerdict> JudgeSuccessAsync(AgentCaseContext c, Func<TesterStun, string?> problem, string rule)
    {
        var socket = await DescribedAsync(c);
        var (request, response, failed) = await SucceedAsync(c, socket);
        if (failed is not null) return CaseVerdict.Fail(failed);
        return problem(response!.Stun!) is { } wrong
            ? CaseVerdict.Fail($"the success response to a correct check: {wrong}: {c.Evidence(request, response)}")
            : CaseVerdict.Pass($"the success response to a correct check: {rule}: {c.Evidence(request, response)}");
    }

    private static async Task<CaseVerdict> EarlyCheckAsync(AgentCaseContext c)
    {
        await c.GatherAsync();
        var socket = c.Tester.OpenSocket();
        var (request, response, problem) = await SucceedAsync(c, socket);
        if (problem is not null) return CaseVerdict.Fail($"before the IUT had the tester's description, {problem}");
        var answer = response!.Stun!;
        var wrong = new List<string>();
        if (!socket.LocalEndPoint.Equals(answer.XorMappedAddress)) wrong.Add($"XOR-MAPPED-ADDRESS is {Show(answer.XorMappedAddress)}, not {socket.LocalEndPoint}");
        if (!answer.IntegrityValidWith(c.Tester.IutKey!)) wrong.Add("its MESSAGE-INTEGRITY is missing or does not verify with the IUT's password");
        var after = (response.Time - request.Time).TotalMilliseconds;
        return wrong.Count == 0
            ? CaseVerdict.Pass($"answered {after:0} ms after the first transmission, before any description: {c.Evidence(request, response)}")
            : CaseVerdict.Fail($"the success response to the early check: {string.Join("; ", wrong)}: {c.Evidence(request, response)}");
    }

    private static async Task<CaseVerdict> RetransmissionAsync(AgentCaseContext c)
    {
        var socket = await DescribedAsync(c);
        var bytes = c.Tester.Messages.Check(c.Check());
        var (request, first) = await c.TransactAsync(socket, bytes);
        if (first?.Stun?.Class != StunClass.Success) return CaseVerdict.Fail($"the original check did not get a success response: {Exchange(c, request, first)}");
        var again = c.Tester.Send(socket, c.IutHost, bytes);
        var second = await c.Tester.WaitAsync(d => d.IsResponse && d.Stun!.TransactionId == again.Stun!.TransactionId, c.StepTimeout, c.Cancel, again.Frame);
        var shown = c.Evidence(request, first, again, second);
        if (second?.Stun is not { } answer) return CaseVerdict.Fail($"the retransmission got no response within {c.StepTimeout.TotalSeconds:0} s: {shown}");
        var wrong = new List<string>();
        if (answer.Class != StunClass.Success) wrong.Add($"it is {answer.Summary}, not a success response");
        if (!Equals(answer.XorMappedAddress, first.Stun.XorMappedAddress)) wrong.Add($"XOR-MAPPED-ADDRESS {Show(answer.XorMappedAddress)} differs from the first response's {first.Stun.XorMappedAddress}");
        if (!answer.IntegrityValidWith(c.Tester.IutKey!)) wrong.Add("its MESSAGE-INTEGRITY is missing or does not verify with the IUT's password");
        return wrong.Count == 0
            ? CaseVerdict.Pass($"the retransmission got the same success response: {shown}")
            : CaseVerdict.Fail($"the response to the retransmission: {string.Join("; ", wrong)}: {shown}");
    }

    private static async Task<CaseVerdict> IndicationAsync(AgentCaseContext c)
    {
        var socket = await DescribedAsync(c);
        var (control, controlResponse, problem) = await SucceedAsync(c, socket);
        if (problem is not null) return CaseVerdict.Inconclusive($"the IUT does not answer checks, so its silence would prove nothing: {problem}");
        var indication = c.Tester.Send(socket, c.IutHost, TesterMessages.Indication());
        var id = indication.Stun!.TransactionId;
        var answer = await c.Tester.WaitAsync(d => d.IsResponse && d.Stun!.TransactionId == id, c.QuietWindow, c.Cancel, indication.Frame);
        var context = $"a check was answered ({c.Evidence(control, controlResponse)})";
        return answer is null
            ? CaseVerdict.Pass($"{context}; the indication got no response within {c.QuietWindow.TotalSeconds:0.#} s: {c.Evidence(indication)}")
            : CaseVerdict.Fail($"{context}; the indication was answered: {c.Evidence(indication, answer)}");
    }

    private static string Show(IPEndPoint? address) => address?.ToString() ?? "absent";
}
