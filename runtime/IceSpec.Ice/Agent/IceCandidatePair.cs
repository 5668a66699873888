using IceSpec.Stun;

namespace IceSpec.Ice;

/// <summary>
/// A candidate pair (RFC 8445 §6.1.2): its state is the generated <see cref="CandidatePairMachine"/>'s, its nominated
/// flag the generated <see cref="PairNominationMachine"/>'s. The agent fires events; it never sets a state itself.
/// </summary>
public sealed class IceCandidatePair
{
    internal IceCandidatePair(IceLocalCandidate local, IceRemoteCandidate remote, bool lite)
    {
        Local = local;
        Remote = remote;
        Nomination.Pair = Machine;
        Nomination.Lite = lite;
    }

    public IceLocalCandidate Local { get; }
    /// <summary>The peer's candidate; a peer-reflexive one is replaced when the peer signals the same address (RFC 8445 §7.3.1.3).</summary>
    public IceRemoteCandidate Remote { get; internal set; }
    public int Stream => Local.Stream;
    public int Component => Local.Component;
    /// <summary>RFC 8445 §6.1.2.3, computed from the current roles.</summary>
    public ulong Priority { get; private set; }
    public CandidatePairState State => Machine.State;
    public bool Nominated => Nomination.State == PairNominationState.Nominated;
    /// <summary>The local candidate the check's XOR-MAPPED-ADDRESS named (RFC 8445 §7.2.5.3.2): the valid pair's local side.</summary>
    public IceLocalCandidate? MappedLocal { get; internal set; }
    public bool IsValid => MappedLocal is not null;
    /// <summary>
    /// Over TCP, once the pair is valid: the local address of the connection it uses (RFC 6544). For an active candidate
    /// (signalled with port 9, §4.5) this is the port the connection really left from.
    /// </summary>
    public System.Net.IPEndPoint? TcpConnectionLocal { get; internal set; }

    internal CandidatePairMachine Machine { get; } = new();
    internal PairNominationMachine Nomination { get; } = new();
    /// <summary>The check in flight for this pair, if any (RFC 8445 §7.2.4).</summary>
    internal StunClientTransaction? Check { get; set; }
    /// <summary>When the pair's latest check (a new transaction, not a retransmission) was sent; null before its first.</summary>
    internal TimeSpan? CheckSentAt { get; set; }
    /// <summary>A triggered check is queued; with USE-CANDIDATE when the controlling agent nominates (§8.1.1).</summary>
    internal bool Triggered { get; set; }
    internal bool TriggeredWithUseCandidate { get; set; }
    /// <summary>A USE-CANDIDATE arrived while the pair was not yet Succeeded (RFC 8445 §7.3.1.5).</summary>
    internal bool NominationPending => Nomination.State == PairNominationState.Requested;

    internal void UpdatePriority(bool controlling) => Priority = (ulong)(controlling
        ? IceFormulas.PairPriority(Local.Priority, Remote.Priority)
        : IceFormulas.PairPriority(Remote.Priority, Local.Priority));

    internal string Foundation => Local.Candidate.Foundation + "/" + Remote.Candidate.Foundation;

    public override string ToString() => $"{Local} -> {Remote}";
}
