using System.Net;
using IceSpec.Ice;

namespace IceSpec.Captures.Analysis;

/// <summary>
/// One candidate pair as one agent checks it (local = where its checks leave from, remote = where they go), followed
/// through the generated <see cref="CandidatePairMachine"/> (RFC 8445 §6.1.2.6) as a monitor: each first transmission of
/// a check is CheckSent (after Retrigger when the pair had Failed, RFC 8445 §7.3.1.4), each response the event RFC 8445
/// §7.2.5 gives it. Checks on a pair that already Succeeded are nominations or consent checks (RFC 8445 §8.1.1,
/// RFC 7675 §5.1) and do not move it.
/// </summary>
public sealed class IcePairMonitor(string agent, string transport, IPEndPoint local, IPEndPoint remote)
{
    private readonly CandidatePairMachine _machine = new();
    private readonly List<string> _transitions = [];
    private readonly DateTime _epoch = DateTime.UnixEpoch;

    public string Agent { get; } = agent;
    /// <summary>"udp", or "tcp" for an ICE-TCP pair (RFC 6544).</summary>
    public string Transport { get; } = transport;
    public IPEndPoint Local { get; } = local;
    public IPEndPoint Remote { get; } = remote;
    public CandidatePairState State => _machine.State;
    public int Checks { get; private set; }
    public int Successes { get; private set; }
    public int Failures { get; private set; }
    public int? NominatedFrame { get; private set; }
    public DateTime? NominatedAt { get; private set; }

    /// <summary>A check's first transmission on this pair.</summary>
    public void CheckSent(StunEvent check)
    {
        Checks++;
        if (State == CandidatePairState.Failed) Fire(CandidatePairEvent.Retrigger, check);
        if (State is CandidatePairState.Frozen or CandidatePairState.Waiting) Fire(CandidatePairEvent.CheckSent, check);
    }

    /// <summary>The response to one of this pair's checks (symmetric or not), and whether the check nominated the pair.</summary>
    public void Answered(StunEvent check, StunEvent response, bool symmetric)
    {
        CandidatePairEvent trigger;
        if (!symmetric) trigger = CandidatePairEvent.AsymmetricResponse;
        else if (response.Class == Stun.StunClass.Success) trigger = CandidatePairEvent.SuccessResponse;
        else if (response.ErrorCode == 487) trigger = CandidatePairEvent.RoleConflict;
        else trigger = CandidatePairEvent.ErrorResponse;

        if (trigger == CandidatePairEvent.SuccessResponse) Successes++;
        else Failures++;
        if (State == CandidatePairState.InProgress) Fire(trigger, response);
        // RFC 8445 §7.3.1.5 / §8.1.1: a successful check carrying USE-CANDIDATE (sent by the controlling agent) nominates the pair.
        if (trigger == CandidatePairEvent.SuccessResponse && check.UseCandidate && check.IceControlling is not null && NominatedFrame is null)
        {
            NominatedFrame = response.Frame;
            NominatedAt = response.Time;
        }
    }

    /// <summary>A check of this pair got no response (RFC 8445 §7.2.5.2.2).</summary>
    public void TimedOut(StunEvent check)
    {
        Failures++;
        if (State == CandidatePairState.InProgress) Fire(CandidatePairEvent.Timeout, check);
    }

    private void Fire(CandidatePairEvent trigger, StunEvent at)
    {
        var from = State;
        if (_machine.Fire(trigger, at.Time - _epoch))
            _transitions.Add($"{from} -> {State} on {trigger} (frame {at.Frame})");
    }

    public IcePairReport Report() => new(Agent, Local.ToString(), Remote.ToString(), State.ToString(), _transitions,
        Checks, Successes, Failures, NominatedFrame is not null, NominatedFrame, Transport);
}
