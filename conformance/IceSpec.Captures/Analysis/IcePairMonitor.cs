using System.Net;
using IceSpec.Ice;

namespace IceSpec.Captures.Analysis;

/// <summary>
/// One candidate pair as one agent checks it (local = where its checks leave from, remote = where they go), followed
/// through the generated <see cref="CandidatePairMachine"/> (RFC 8445 §6.1.2.6) as a monitor that can fail: every
/// observed event is fired whatever the pair's state — each new check (CheckSent), each check of the peer on the reverse
/// 5-tuple (Retrigger, §7.3.1.4), each response (the event <see cref="CheckResponseClassification"/> gives it, the
/// agent's own classification) and each timeout — and an event the machine refuses is reported as a violation with the
/// refusal's text.
/// </summary>
public sealed class IcePairMonitor(string agent, string transport, int component, IPEndPoint local, IPEndPoint remote, Action<Violation> report)
{
    private readonly CandidatePairMachine _machine = new();
    private readonly List<string> _transitions = [];
    private readonly HashSet<TransactionTracker.Exchange> _cancelled = [];
    private readonly HashSet<TransactionTracker.Exchange> _consentChecks = [];
    private readonly DateTime _epoch = DateTime.UnixEpoch;
    private TransactionTracker.Exchange? _inProgress;
    // The peer's check that retriggered this pair since the agent's last check, and the one before that check.
    private StunEvent? _retriggerSinceCheck, _retriggerBeforeCheck;
    private bool _retriggerProcessedLate;
    private bool _nominationAccepted;

    public string Agent { get; } = agent;
    /// <summary>"udp", or "tcp" for an ICE-TCP pair (RFC 6544).</summary>
    public string Transport { get; } = transport;
    public IPEndPoint Local { get; } = local;
    public IPEndPoint Remote { get; } = remote;
    /// <summary>The component the agent's checks name (0 when they carry no PRIORITY), see <see cref="IceTracker"/>.</summary>
    public int Component { get; } = component;
    public CandidatePairState State => _machine.State;
    public int Checks { get; private set; }
    public int Successes { get; private set; }
    public int Failures { get; private set; }
    public int? NominatedFrame { get; private set; }
    public DateTime? NominatedAt { get; private set; }

    /// <summary>
    /// A check's first transmission on this pair: a nomination when it carries USE-CANDIDATE from the controlling agent
    /// (RFC 8445 §8.1.1); a consent check (RFC 7675 §5.1) when <paramref name="mayCarryData"/>, which the tracker decides.
    /// </summary>
    public void CheckSent(StunEvent check, TransactionTracker.Exchange exchange, bool mayCarryData)
    {
        Checks++;
        _machine.SendingNomination = check.UseCandidate && check.IceControlling is not null;
        _machine.SendingConsentCheck = mayCarryData;
        // A consent check: on a valid pair data may use, not a nomination — except on the selected pair, where libnice's
        // consent checks repeat USE-CANDIDATE.
        if (State == CandidatePairState.Succeeded && mayCarryData && (!_machine.SendingNomination || Selected)) _consentChecks.Add(exchange);
        if (_retriggerProcessedLate && State == CandidatePairState.InProgress && _retriggerBeforeCheck is { } late)
            Retriggered(late);  // the agent took the peer's check after its own last check: it retriggered that one
        (_retriggerBeforeCheck, _retriggerSinceCheck, _retriggerProcessedLate) = (_retriggerSinceCheck, null, false);
        Fire(CandidatePairEvent.CheckSent, check, $"a new check (frame {check.Frame})");
        _inProgress = exchange;
    }

    /// <summary>
    /// The agent answered a check with USE-CANDIDATE on the reverse 5-tuple with success: RFC 8445 §7.3.1.5, the controlled
    /// agent sets the nominated flag of this pair once it has Succeeded.
    /// </summary>
    public void NominationAccepted() => _nominationAccepted = true;

    /// <summary>
    /// Whether the agent has selected this pair: its own nomination succeeded (controlling, §7.2.5.3.4), or it accepted
    /// the peer's and the pair Succeeded (controlled, §7.3.1.5).
    /// </summary>
    public bool Selected => NominatedFrame is not null || (_nominationAccepted && State == CandidatePairState.Succeeded);

    /// <summary>
    /// The peer's check arrived on the reverse 5-tuple: RFC 8445 §7.3.1.4 retriggers this pair, and "if the state of that
    /// pair is In-Progress, the agent cancels the In-Progress transaction": its lack of response is then no failure.
    /// </summary>
    public void Retriggered(StunEvent peerCheck)
    {
        _retriggerSinceCheck = peerCheck;
        if (State == CandidatePairState.InProgress && _inProgress is { } inFlight) _cancelled.Add(inFlight);
        Fire(CandidatePairEvent.Retrigger, peerCheck, $"the peer's check {peerCheck.Source} → {peerCheck.Destination} (frame {peerCheck.Frame})");
    }

    /// <summary>
    /// The agent answered the peer's check (on the reverse 5-tuple). An agent answers a check when it processes it and
    /// retriggers the pair in the same step (RFC 8445 §7.3, §7.3.1.4); the capture shows the check when it arrived. When
    /// the answer to the check that came before the agent's last check of this pair follows that check, the agent
    /// processed the peer's check after sending its own, which it then had to cancel and replace: the next check is that
    /// retrigger's, not a second check in flight.
    /// </summary>
    public void PeerCheckAnswered(StunEvent peerCheck)
    {
        if (_retriggerBeforeCheck is { } before && before.TransactionId.Equals(peerCheck.TransactionId)) _retriggerProcessedLate = true;
    }

    /// <summary>The response to one of this pair's checks (symmetric or not), and whether the check nominated the pair.</summary>
    public void Answered(StunEvent check, TransactionTracker.Exchange exchange, StunEvent response, bool symmetric)
    {
        _cancelled.Remove(exchange);
        _consentChecks.Remove(exchange);
        if (_inProgress == exchange) _inProgress = null;
        var trigger = CheckResponseClassification.PairEventOf(response.Class, response.ErrorCode, symmetric);
        if (trigger == CandidatePairEvent.SuccessResponse) Successes++;
        else Failures++;
        Fire(trigger, response, $"the {response.Label} (frame {response.Frame}) to the check of frame {check.Frame}");
        // RFC 8445 §7.3.1.5 / §8.1.1: a successful check carrying USE-CANDIDATE (sent by the controlling agent) nominates the pair.
        if (trigger == CandidatePairEvent.SuccessResponse && check.UseCandidate && check.IceControlling is not null && NominatedFrame is null)
        {
            NominatedFrame = response.Frame;
            NominatedAt = response.Time;
        }
    }

    /// <summary>
    /// A check of this pair got no response (RFC 8445 §7.2.5.2.3), unless it was cancelled (§7.3.1.4: the agent "will not
    /// treat the lack of response to be a failure") or a consent check on a valid pair (RFC 7675 §5.1: an unanswered one
    /// lets consent expire — the path broke, as in the mid-call fault scenarios — and leaves the pair's §6.1.2.6 state as it is).
    /// </summary>
    public void TimedOut(TransactionTracker.Exchange exchange)
    {
        if (_inProgress == exchange) _inProgress = null;
        var cancelled = _cancelled.Remove(exchange);
        if (_consentChecks.Remove(exchange) || cancelled) return;
        Failures++;
        Fire(CandidatePairEvent.Timeout, exchange.Request, $"no response to the check of frame {exchange.Request.Frame}");
    }

    private void Fire(CandidatePairEvent trigger, StunEvent at, string what)
    {
        var from = State;
        if (!_machine.TryFire(trigger, at.Time - _epoch, out var refusal))
            report(SpecCitations.FromRefusal("machine-refused", at.Frame, refusal,
                $"agent {Agent}'s pair {Local} → {Remote}{(Transport == "tcp" ? " over TCP" : "")}: {what}: {refusal}"));
        else if (State != from)
            _transitions.Add($"{from} -> {State} on {trigger} (frame {at.Frame})");
    }

    public IcePairReport Report() => new(Agent, Local.ToString(), Remote.ToString(), State.ToString(), _transitions,
        Checks, Successes, Failures, NominatedFrame is not null, NominatedFrame, Transport);
}
