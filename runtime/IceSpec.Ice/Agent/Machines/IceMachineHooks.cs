namespace IceSpec.Ice;

// The runtime sides of the machines generated from spec/ice.spec: each `call X` action raises a flag the agent acts
// on, each named guard reads the state the agent keeps. The transitions themselves live only in the spec.

/// <summary>RFC 8445 §7.3.1.1: the tie-breakers decide a role conflict; the agent reads the flags after firing.</summary>
public sealed partial class AgentRoleMachine
{
    internal ulong OurTieBreaker { get; set; }
    internal ulong PeerTieBreaker { get; set; }
    internal bool Lite { get; set; }
    /// <summary>Set by <c>call RejectWithRoleConflict</c>: answer the request with 487.</summary>
    internal bool RoleConflictRejected { get; set; }
    /// <summary>Set by <c>call SwitchRole</c>: recompute pair priorities (RFC 8445 §7.3.1.1).</summary>
    internal bool RoleSwitched { get; set; }

    private partial bool PeerTieBreakerLarger() => PeerTieBreaker > OurTieBreaker;
    private partial bool AgentIsLite() => Lite;
    partial void RejectWithRoleConflict() => RoleConflictRejected = true;
    partial void SwitchRole() => RoleSwitched = true;
}

/// <summary>
/// A new check on a pair that already Succeeded is legal as a triggered check queued before (the machine counts those),
/// as the controlling agent's nomination (RFC 8445 §8.1.1) or as a consent check (RFC 7675 §5.1): whoever fires
/// <see cref="CandidatePairEvent.CheckSent"/> says first whether it is one of the last two.
/// </summary>
public sealed partial class CandidatePairMachine
{
    /// <summary>The check about to be fired carries USE-CANDIDATE from the controlling agent.</summary>
    public bool SendingNomination { get; set; }
    /// <summary>
    /// The check about to be fired may be a consent check: the agent may send data on the pair (RFC 8445 §12.1: any valid
    /// pair before a pair is selected for the component, the selected one after).
    /// </summary>
    public bool SendingConsentCheck { get; set; }
    private partial bool CheckNominates() => SendingNomination;
    private partial bool CheckRefreshesConsent() => SendingConsentCheck;
}

/// <summary>RFC 8445 §7.3.1.5: a USE-CANDIDATE nominates at once only if the pair already succeeded (or the agent is lite, §7.3.2).</summary>
public sealed partial class PairNominationMachine
{
    internal CandidatePairMachine? Pair { get; set; }
    internal bool Lite { get; set; }
    private partial bool PairIsSucceeded() => Pair?.State == CandidatePairState.Succeeded;
    private partial bool AgentIsLite() => Lite;
}

/// <summary>RFC 8838 §8: a checklist may fail only after the peer's end-of-candidates.</summary>
public sealed partial class CheckListMachine
{
    internal RemoteCandidatesMachine? RemoteCandidates { get; set; }
    private partial bool RemoteCandidatesEnded() => RemoteCandidates?.State == RemoteCandidatesState.Ended;
}

/// <summary>RFC 7675 §5.1: the machine asks for a consent check; the agent sends it.</summary>
public sealed partial class ConsentFreshnessMachine
{
    internal bool CheckDue { get; set; }
    partial void SendConsentCheck() => CheckDue = true;
}

/// <summary>RFC 8445 §11: the machine asks for a keepalive (a Binding indication); the agent sends it.</summary>
public sealed partial class KeepaliveMachine
{
    internal bool KeepaliveDue { get; set; }
    partial void SendKeepalive() => KeepaliveDue = true;
}
