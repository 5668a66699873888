using System.Net;
using IceSpec.Conformance.Tester;
using IceSpec.Ice;
using static IceSpec.Conformance.Cases.Agent.CheckingSteps;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// What the IUT makes of the answers to its own checks (RFC 8445 §7.2.5): a success response whose XOR-MAPPED-ADDRESS is
/// none of its candidates names a peer-reflexive local candidate, the valid pair's local side (§7.2.5.3.1); a response
/// from another address than the one the check went to fails the pair (§7.2.5.2.1), which is then never selected.
/// </summary>
internal static class CheckResultCases
{
    private const string PeerReflexiveLocalText =
        "The ICE agent MUST check the mapped address from the STUN response. If the transport address does not match any of the " +
        "local candidates that the agent knows about, the mapped address represents a new candidate: a peer-reflexive candidate.";

    private const string SymmetricText =
        "The ICE agent MUST check that the source and destination transport addresses in the Binding request and response are " +
        "symmetric. That is, the source IP address and port of the response MUST be equal to the destination IP address and " +
        "port to which the Binding request was sent, and the destination IP address and port of the response MUST be equal to " +
        "the source IP address and port from which the Binding request was sent. If the addresses are not symmetric, the agent " +
        "MUST set the candidate pair state to Failed.";

    private const string SymmetricProcedure =
        "The tester describes one host candidate with end-of-candidates and answers each of the IUT's checks to it with a correct " +
        "success response sent from another socket of the tester (never described).";

    public static IEnumerable<AgentCase> All =>
    [
        AgentCase.Define(8445, "7.2.5.3.1", 1, RequirementLevel.Must, IceRole.Controlling,
            "A mapped address that is none of its candidates makes a peer-reflexive local candidate", PeerReflexiveLocalText,
            "The tester describes one host candidate with end-of-candidates and answers every check of the IUT with a success " +
            "response whose XOR-MAPPED-ADDRESS is the IUT's address with a port none of its candidates has. Observed: the " +
            "selected-pair event once the IUT nominated: its local side is that mapped address, or of type prflx.",
            [], PeerReflexiveLocalAsync),
        AgentCase.Define(8445, "7.2.5.2.1", 1, RequirementLevel.Must, IceRole.Controlling,
            "A response from another address fails the pair: it is never selected (controlling IUT)", SymmetricText,
            SymmetricProcedure + " Observed: no selected-pair event within 5 s.",
            ["CandidatePair: InProgress -> Failed on AsymmetricResponse"], NonSymmetricAsync),
        AgentCase.Define(8445, "7.2.5.2.1", 2, RequirementLevel.Must, IceRole.Controlled,
            "A response from another address fails the pair: it is never selected (controlled IUT)", SymmetricText,
            SymmetricProcedure + " The tester also checks the pair from the described socket and nominates it (USE-CANDIDATE). " +
            "Observed: no selected-pair event within 5 s (the IUT's own check of the pair never succeeded).",
            ["CandidatePair: InProgress -> Failed on AsymmetricResponse"], NonSymmetricAsync),
    ];

    private static async Task<CaseVerdict> PeerReflexiveLocalAsync(AgentCaseContext c)
    {
        await c.GatherAsync();
        var host = c.IutHost;
        var port = host.Port;
        do port = port >= IPEndPoint.MaxPort ? 1024 : port + 1;
        while (c.Description!.Candidates.Any(candidate => candidate.Port == port));
        var mapped = new IPEndPoint(host.Address, port);
        var socket = c.Tester.OpenSocket();
        c.Tester.Answer = d => TesterAnswers.IsAuthenticCheck(c.Tester, d) ? new TesterAnswer(c.Tester.Messages.Success(d.Stun!, mapped)) : null;
        await c.DescribeAsync([socket]);
        var pair = await c.Iut.WaitSelectedPairAsync(c.StepTimeout * 2, c.Cancel);
        var answer = c.SuccessesSentFrom(socket).FirstOrDefault();
        if (pair is null)
            return CaseVerdict.Fail($"no pair selected within {c.StepTimeout.TotalSeconds * 2:0} s; the tester's answers named {mapped}: " +
                                    (answer is null ? "the IUT sent no check" : c.Evidence(answer)));
        var local = IPEndPoint.TryParse(pair.Local, out var l) ? l : null;
        return mapped.Equals(local) || pair.LocalType == "prflx"
            ? CaseVerdict.Pass($"selected {pair}: the local side is the peer-reflexive candidate named by {c.Evidence(answer)}")
            : CaseVerdict.Fail($"selected {pair}: its local side is the {pair.LocalType} candidate {pair.Local}, not the peer-reflexive " +
                               $"{mapped} that every success response named as its mapped address ({c.Evidence(answer)})");
    }

    private static async Task<CaseVerdict> NonSymmetricAsync(AgentCaseContext c)
    {
        await c.GatherAsync();
        var described = c.Tester.OpenSocket();
        var other = c.Tester.OpenSocket();
        c.Tester.Answer = d => TesterAnswers.IsAuthenticCheck(c.Tester, d) && d.Local.Equals(described.LocalEndPoint)
            ? new TesterAnswer(c.Tester.Messages.Success(d.Stun!, d.Remote), From: other)
            : null;
        await c.DescribeAsync([described]);
        if (c.IutRole == IceRole.Controlled)
        {
            await c.CheckUntilAnsweredAsync(described, c.Check());
            await c.NominateOnceAsync(described);
        }
        var pair = await c.Iut.WaitSelectedPairAsync(c.StepTimeout, c.Cancel);
        var checks = c.ChecksTo(described);
        var answers = c.SuccessesSentFrom(other);
        if (answers.Count == 0)
            return CaseVerdict.Fail($"the IUT sent no check to the tester's candidate {described.LocalEndPoint} within {c.StepTimeout.TotalSeconds:0} s");
        return pair is not null
            ? CaseVerdict.Fail($"selected {pair}, though every success response to its checks ({c.Evidence(checks, 2)}) came from " +
                               $"{other.LocalEndPoint}, not from {described.LocalEndPoint} where the checks went: {c.Evidence(answers, 2)}")
            : CaseVerdict.Pass($"no pair selected in {c.StepTimeout.TotalSeconds:0} s" +
                               (c.Iut.States.Contains("failed") ? " (it reported failed)" : "") +
                               $"; its checks ({c.Evidence(checks, 2)}) were answered from {other.LocalEndPoint}: {c.Evidence(answers, 2)}");
    }
}
