using IceSpec.Conformance.Tester;
using IceSpec.Ice;
using IceSpec.Stun;
using static IceSpec.Conformance.Cases.Agent.CheckingSteps;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// What a check from the tester does to the IUT's checklist (RFC 8445 §7.3.1.3, §7.3.1.4): a check from an address the
/// IUT does not know makes a peer-reflexive remote candidate and a triggered check back to it; a check on a pair the IUT
/// had Failed, or on one whose own check is still In-Progress, makes the IUT check that pair again, with a new
/// transaction, and stop retransmitting the old one.
/// </summary>
internal static class TriggeredCheckCases
{
    private const string NewPairText =
        "Next, the agent constructs a pair whose local candidate has the transport address (as seen by the agent) on which the " +
        "STUN request was received and a remote candidate equal to the source transport address where the request came from " +
        "(which may be the peer-reflexive remote candidate that was just learned). [...] If the pair is not already on the " +
        "checklist: [...] The pair is inserted into the checklist based on its priority. [...] Its state is set to Waiting. [...] " +
        "The pair is enqueued into the triggered-check queue.";

    private const string PeerReflexiveText =
        "If the source transport address of the request does not match any existing remote candidates, it represents a new " +
        "peer-reflexive remote candidate. This candidate is constructed as follows: [...] The type is peer reflexive.";

    private const string FailedText =
        "If the state of that pair is Waiting, Frozen, or Failed, the agent MUST enqueue the pair in the triggered checklist " +
        "associated with the checklist (if not already present), and set the state of the pair to Waiting, in order to trigger " +
        "a new connectivity check of the pair.";

    private const string InProgressText =
        "If the state of that pair is In-Progress, the agent cancels the In-Progress transaction. [...] In addition, the agent " +
        "MUST enqueue the pair in the triggered checklist associated with the checklist, and set the state of the pair to " +
        "Waiting, in order to trigger a new connectivity check of the pair.";

    private const string CancelText =
        "If the state of that pair is In-Progress, the agent cancels the In-Progress transaction. Cancellation means that the " +
        "agent will not retransmit the Binding requests associated with the connectivity-check transaction, will not treat the " +
        "lack of response to be a failure, but will wait the duration of the transaction timeout for a response.";

    private const string UndescribedProcedure =
        "The tester describes one host candidate (no end-of-candidates) and, from a second socket it never describes, sends a " +
        "correct check (again every 500 ms until the IUT answers). It answers the IUT's checks to the undescribed socket " +
        "correctly; the described one stays silent until that check was answered, then answers 400 (so that the IUT has no " +
        "other pair to wait for).";

    private const string InProgressProcedure =
        "The tester describes one host candidate (no end-of-candidates) and answers nothing: it waits for the IUT's check and " +
        "its first retransmission (up to 3 s), then sends a correct check on the same pair.";

    /// <summary>The retransmission already on its way when the tester's check arrives is not held against the IUT.</summary>
    private static readonly TimeSpan CancelGrace = TimeSpan.FromMilliseconds(200);

    public static IEnumerable<AgentCase> All =>
    [
        AgentCase.Define(8445, "7.3.1.4", 1, RequirementLevel.Must, IceRole.Controlled,
            "A check from an unknown address gets an answer and a triggered check back (controlled IUT)", NewPairText,
            UndescribedProcedure + " Observed: the IUT's response, then a Binding request of the IUT to the undescribed socket within 5 s.",
            ["CandidatePair: Waiting -> InProgress on CheckSent"], c => TriggeredToUndescribedAsync(c)),
        AgentCase.Define(8445, "7.3.1.4", 2, RequirementLevel.Must, IceRole.Controlling,
            "A check from an unknown address gets an answer and a triggered check back (controlling IUT)", NewPairText,
            UndescribedProcedure + " Observed: the IUT's response, then a Binding request of the IUT to the undescribed socket within 5 s.",
            ["CandidatePair: Waiting -> InProgress on CheckSent"], c => TriggeredToUndescribedAsync(c)),
        AgentCase.Define(8445, "7.3.1.3", 1, RequirementLevel.Must, IceRole.Controlled,
            "The pair selected through an unknown address has a peer-reflexive remote candidate (controlled IUT)", PeerReflexiveText,
            UndescribedProcedure + " Once the IUT checked that socket, the tester nominates the pair (RFC 8445 §8.1.1). Observed: the " +
            "selected-pair event: its remote is the undescribed address, of type prflx when the driver reports a type.",
            [], SelectedPeerReflexiveAsync),
        AgentCase.Define(8445, "7.3.1.3", 2, RequirementLevel.Must, IceRole.Controlling,
            "The pair selected through an unknown address has a peer-reflexive remote candidate (controlling IUT)", PeerReflexiveText,
            UndescribedProcedure + " Observed: the selected-pair event once the IUT nominated: its remote is the undescribed address, " +
            "of type prflx when the driver reports a type.",
            [], SelectedPeerReflexiveAsync),
        AgentCase.Define(8445, "7.3.1.4", 3, RequirementLevel.Must, IceRole.Controlled,
            "A check on a pair whose own check failed makes the IUT check it again", FailedText,
            "The tester describes one host candidate (no end-of-candidates) and answers the IUT's first check with 400 (Bad Request, " +
            "RFC 8445 §7.2.5.2.4: the pair fails), waits 1 s, then sends a correct check on the same pair and from then on answers " +
            "correctly. Observed: a Binding request of the IUT on that pair, with a transaction ID it had not used, within 5 s.",
            ["CandidatePair: Failed -> Waiting on Retrigger"], FailedPairRecheckedAsync),
        AgentCase.Define(8445, "7.3.1.4", 4, RequirementLevel.Must, IceRole.Controlled,
            "A check on a pair whose own check is In-Progress makes the IUT send a new check", InProgressText,
            InProgressProcedure + " Observed: a Binding request of the IUT on that pair with a new transaction ID within 5 s.",
            ["CandidatePair: InProgress -> Waiting on Retrigger"], InProgressNewCheckAsync),
        AgentCase.Define(8445, "7.3.1.4", 5, RequirementLevel.Must, IceRole.Controlled,
            "The cancelled In-Progress transaction is not retransmitted", CancelText,
            InProgressProcedure + " Observed for 2.5 s (or three of its retransmission intervals, if longer): no retransmission of the " +
            "first transaction's ID later than 0.2 s after the tester's check.",
            ["CandidatePair: InProgress -> Waiting on Retrigger"], CancelledNotRetransmittedAsync),
    ];

    /// <summary>
    /// The start of the undescribed-address cases: the described socket silent, then answering 400 once the IUT answered
    /// the check from the undescribed socket; that socket answered correctly. The check, the IUT's response (or null).
    /// </summary>
    private static async Task<(TesterSocket Undescribed, TesterDatagram Request, TesterDatagram? Response)> CheckFromUndescribedAsync(AgentCaseContext c)
    {
        await c.GatherAsync();
        var described = c.Tester.OpenSocket();
        var undescribed = c.Tester.OpenSocket();
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var correct = AnswerOn(c.Tester, undescribed);
        c.Tester.Answer = d => !d.Local.Equals(described.LocalEndPoint) ? correct(d)
            : answered.Task.IsCompleted && TesterAnswers.IsAuthenticCheck(c.Tester, d) ? new TesterAnswer(c.Tester.Messages.Error(d.Stun!, 400, "Bad Request"))
            : null;
        await c.DescribeAsync([described], endOfCandidates: false);
        var (request, response) = await c.CheckUntilAnsweredAsync(undescribed, c.Check());
        answered.TrySetResult();
        return (undescribed, request, response);
    }

    private static async Task<CaseVerdict> TriggeredToUndescribedAsync(AgentCaseContext c)
    {
        var (undescribed, request, response) = await CheckFromUndescribedAsync(c);
        if (AnswerProblem(c, undescribed, request, response) is { } problem) return CaseVerdict.Fail(problem);
        // The socket was never described: any check of the IUT to it was triggered by the tester's.
        var triggered = await c.NextCheckAsync(d => IsCheckTo(d, undescribed));
        return triggered is null
            ? CaseVerdict.Fail($"the IUT answered the check from the undescribed {undescribed.LocalEndPoint} but sent no check to that address " +
                               $"within {c.StepTimeout.TotalSeconds:0} s: {c.Evidence(request, response)}")
            : CaseVerdict.Pass($"the IUT answered the check from the undescribed {undescribed.LocalEndPoint} and checked that address " +
                               $"{Milliseconds(response!, triggered):0} ms after its answer: {c.Evidence(request, response, triggered)}");
    }

    private static async Task<CaseVerdict> SelectedPeerReflexiveAsync(AgentCaseContext c)
    {
        var (undescribed, request, response) = await CheckFromUndescribedAsync(c);
        if (AnswerProblem(c, undescribed, request, response) is { } problem) return CaseVerdict.Fail(problem);
        if (c.IutRole == IceRole.Controlled && await c.NextCheckAsync(d => IsCheckTo(d, undescribed)) is not null)
            await c.NominateAsync(undescribed);
        var pair = await c.Iut.WaitSelectedPairAsync(c.StepTimeout * 2, c.Cancel);
        var checks = c.ChecksTo(undescribed);
        if (pair is null)
            return CaseVerdict.Fail($"no pair selected within {c.StepTimeout.TotalSeconds * 2:0} s; the tester's check {c.Evidence(request, response)}, " +
                                    $"the IUT's checks to the undescribed address: {(checks.Count == 0 ? "none" : c.Evidence(checks, 3))}");
        if (!pair.RemoteIs(undescribed))
            return CaseVerdict.Fail($"selected {pair}: its remote is not the undescribed {undescribed.LocalEndPoint}, the only address that answered its checks");
        return pair.RemoteType switch
        {
            "prflx" => CaseVerdict.Pass($"selected {pair} (peer-reflexive remote learned from {c.Evidence(request)})"),
            "" => CaseVerdict.Pass($"selected {pair}: the remote is the address learned from {c.Evidence(request)} (the driver reports no type)"),
            _ => CaseVerdict.Fail($"selected {pair}: the remote learned from the tester's check ({c.Evidence(request)}) is reported as " +
                                  $"'{pair.RemoteType}', not peer reflexive"),
        };
    }

    private static string? AnswerProblem(AgentCaseContext c, TesterSocket from, TesterDatagram request, TesterDatagram? response) =>
        response is null ? $"the IUT never answered the tester's check from {from.LocalEndPoint} (sent every 500 ms for {c.StepTimeout.TotalSeconds:0} s): {c.Evidence(request)}"
        : response.Stun!.Class != StunClass.Success ? $"the IUT answered the tester's correct check with an error: {c.Evidence(request, response)}"
        : null;

    private static async Task<CaseVerdict> FailedPairRecheckedAsync(AgentCaseContext c)
    {
        await c.GatherAsync();
        var socket = c.Tester.OpenSocket();
        var accepting = false;
        c.Tester.Answer = d => !TesterAnswers.IsAuthenticCheck(c.Tester, d) ? null
            : Volatile.Read(ref accepting) ? new TesterAnswer(c.Tester.Messages.Success(d.Stun!, d.Remote))
            : new TesterAnswer(c.Tester.Messages.Error(d.Stun!, 400, "Bad Request"));
        await c.DescribeAsync([socket], endOfCandidates: false);
        var first = await c.NextCheckAsync(d => IsCheckTo(d, socket));
        if (first is null) return CaseVerdict.Fail($"the IUT sent no check to the tester's candidate within {c.StepTimeout.TotalSeconds:0} s");
        await Task.Delay(c.QuietWindow, c.Cancel);
        var rejection = c.Tester.Datagrams.FirstOrDefault(d => !d.Inbound && d.Stun is { Class: StunClass.Error });
        Volatile.Write(ref accepting, true);
        var (request, response) = await c.CheckUntilAnsweredAsync(socket, c.Check());
        if (response is null) return CaseVerdict.Fail($"the IUT did not answer the tester's check on the failed pair: {c.Evidence(request)}");
        var used = c.ChecksTo(socket).Where(d => d.Frame < request.Frame).Select(d => d.Stun!.TransactionId).ToHashSet();
        var recheck = await c.NextCheckAsync(d => IsCheckTo(d, socket) && !used.Contains(d.Stun!.TransactionId), afterFrame: request.Frame);
        return recheck is null
            ? CaseVerdict.Fail($"its check was answered 400 ({c.Evidence(first, rejection)}), then the tester checked the same pair " +
                               $"({c.Evidence(request, response)}): no new check of the IUT on that pair within {c.StepTimeout.TotalSeconds:0} s")
            : CaseVerdict.Pass($"its check answered 400 ({c.Evidence(first, rejection)}); after the tester's check ({c.Evidence(request)}) " +
                               $"it checked the pair again {Milliseconds(request, recheck):0} ms later: {c.Evidence(recheck)}");
    }

    /// <summary>
    /// The In-Progress cases: the tester silent, the IUT's first check and (if it comes within 3 s) its first
    /// retransmission, then the tester's check on the same pair (answered by the IUT).
    /// </summary>
    private static async Task<InProgressRun?> CheckOnInProgressPairAsync(AgentCaseContext c)
    {
        await c.GatherAsync();
        var socket = c.Tester.OpenSocket();
        c.Tester.Answer = TesterAnswers.Silent;
        await c.DescribeAsync([socket], endOfCandidates: false);
        var first = await c.NextCheckAsync(d => IsCheckTo(d, socket));
        if (first is null) return null;
        var id = first.Stun!.TransactionId;
        var retransmission = await c.NextCheckAsync(d => d.Stun!.TransactionId == id, TimeSpan.FromSeconds(3), first.Frame);
        var (request, response) = await c.CheckUntilAnsweredAsync(socket, c.Check());
        return new InProgressRun(socket, first, retransmission, request, response);
    }

    private sealed record InProgressRun(TesterSocket Socket, TesterDatagram First, TesterDatagram? Retransmission, TesterDatagram Request, TesterDatagram? Response);

    private static async Task<CaseVerdict> InProgressNewCheckAsync(AgentCaseContext c)
    {
        if (await CheckOnInProgressPairAsync(c) is not { } run)
            return CaseVerdict.Fail($"the IUT sent no check to the tester's candidate within {c.StepTimeout.TotalSeconds:0} s");
        if (run.Response is null) return CaseVerdict.Fail($"the IUT did not answer the tester's check: {c.Evidence(run.Request)}");
        var used = c.ChecksTo(run.Socket).Where(d => d.Frame < run.Request.Frame).Select(d => d.Stun!.TransactionId).ToHashSet();
        var fresh = await c.NextCheckAsync(d => IsCheckTo(d, run.Socket) && !used.Contains(d.Stun!.TransactionId), afterFrame: run.Request.Frame);
        return fresh is null
            ? CaseVerdict.Fail($"its check was in progress ({c.Evidence(run.First, run.Retransmission)}), the tester checked the same pair " +
                               $"({c.Evidence(run.Request, run.Response)}): no check with a new transaction ID within {c.StepTimeout.TotalSeconds:0} s")
            : CaseVerdict.Pass($"its check in progress ({c.Evidence(run.First)}); after the tester's check ({c.Evidence(run.Request)}) a new " +
                               $"transaction {Milliseconds(run.Request, fresh):0} ms later: {c.Evidence(fresh)}");
    }

    private static async Task<CaseVerdict> CancelledNotRetransmittedAsync(AgentCaseContext c)
    {
        if (await CheckOnInProgressPairAsync(c) is not { } run)
            return CaseVerdict.Fail($"the IUT sent no check to the tester's candidate within {c.StepTimeout.TotalSeconds:0} s");
        if (run.Retransmission is null)
            return CaseVerdict.Pass($"the IUT did not retransmit its check within 3 s ({c.Evidence(run.First)}), so it had no " +
                                    "retransmission to stop; nothing it sent after the tester's check reused that transaction");
        var interval = run.Retransmission.Time - run.First.Time;
        var window = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(2.5).Ticks, interval.Ticks * 3));
        await Task.Delay(window, c.Cancel);
        var id = run.First.Stun!.TransactionId;
        var late = c.Tester.Inbound.Where(d => d.IsRequest && d.Stun!.TransactionId == id && d.Time > run.Request.Time + CancelGrace).ToList();
        return late.Count > 0
            ? CaseVerdict.Fail($"the tester checked the pair ({c.Evidence(run.Request)}) while the IUT's check was in progress " +
                               $"({c.Evidence(run.First, run.Retransmission)}); the IUT still retransmitted that transaction: {c.Evidence(late, 3)}")
            : CaseVerdict.Pass($"its transaction (first {c.Evidence(run.First)}, retransmitted {c.Evidence(run.Retransmission)}) was not " +
                               $"retransmitted in the {window.TotalSeconds:0.0} s after the tester's check ({c.Evidence(run.Request)})");
    }
}
