namespace IceSpec.Ice;

/// <summary>
/// Defects planted in the agent on purpose, one at a time, to prove that the conformance kit's agent cases can fail
/// (conformance/README.md "Seeded defects"): each breaks one rule and names the case that must catch it. Test-only:
/// internal, reached only by the kit's IceSpec driver through the <c>ICESPEC_SEEDED_DEFECT</c> environment variable.
/// </summary>
internal enum IceSeededDefect
{
    None,
    /// <summary>Checks without FINGERPRINT (breaks RFC 8445 §7.2.4; case rfc8445-7.2.4-1).</summary>
    NoFingerprint,
    /// <summary>PRIORITY of a check = the host candidate's own priority (breaks RFC 8445 §7.1.1; case rfc8445-7.1.1-1).</summary>
    HostTypePriority,
    /// <summary>The controlled agent adds USE-CANDIDATE to its checks (breaks RFC 8445 §7.1.2; case rfc8445-7.1.2-2).</summary>
    UseCandidateWhenControlled,
    /// <summary>A check on a known pair enqueues no triggered check (breaks RFC 8445 §7.3.1.4; case rfc8445-7.3.1.4-3).</summary>
    NoTriggeredCheck,
    /// <summary>Every check that can be sent goes at once, not one per Ta (breaks RFC 8445 §14.2; case rfc8445-14.2-1).</summary>
    UnpacedChecks,
    /// <summary>A response from another address than the check's destination counts (breaks RFC 8445 §7.2.5.2.1; case rfc8445-7.2.5.2.1-1).</summary>
    NonSymmetricAccepted,
    /// <summary>The controlled agent selects a pair when its own check succeeds (breaks RFC 8445 §8.1.1; case rfc8445-6.1.4.2-2).</summary>
    SelectBeforeNomination,
    /// <summary>A cancelled In-Progress check keeps being retransmitted (breaks RFC 8445 §7.3.1.4; case rfc8445-7.3.1.4-5).</summary>
    RetransmitCancelled,
    /// <summary>Regular nomination puts USE-CANDIDATE on a pair's first check (breaks RFC 8445 §8.1.1; case rfc8445-8.1.1-2).</summary>
    NominateBeforeSuccess,
    /// <summary>Consent checks every 5 s exactly, not randomized (breaks RFC 7675 §5.1; case rfc7675-5.1-3).</summary>
    ConsentFixedPeriod,
    /// <summary>Consent checks every 2 s (breaks RFC 7675 §5.1's 4 s minimum; case rfc7675-5.1-2).</summary>
    ConsentEveryTwoSeconds,
    /// <summary>Data still sent once consent expired (breaks RFC 7675 §5.1; case rfc7675-5.1-1).</summary>
    DataAfterConsentExpired,
    /// <summary>A full agent stays controlled when the peer is lite (breaks RFC 8445 §6.1.1; case rfc8445-6.1.1-1).</summary>
    StayControlledWithLitePeer,
    /// <summary>The checklist fails once all its pairs failed, end-of-candidates or not (breaks RFC 8838 §8; case rfc8838-8-1).</summary>
    FailBeforeEndOfCandidates,
    /// <summary>Candidates trickled after end-of-candidates are paired and checked (breaks RFC 8838 §14; case rfc8838-14-1).</summary>
    CandidatesAfterEndOfCandidates,
    /// <summary>Checks keep the peer's first ufrag and password after an ICE restart (breaks RFC 8445 §9/§7.2.2; case rfc8445-9-2).</summary>
    OldCredentialsAfterRestart,
    /// <summary>A success response's XOR-MAPPED-ADDRESS is the agent's own socket (breaks RFC 8489 §6.3.1.1; case rfc8489-6.3.1.1-3).</summary>
    WrongMappedAddress,
    /// <summary>A check's MESSAGE-INTEGRITY is not verified: a wrong password gets success (breaks RFC 8489 §9.1.3; case rfc8489-9.1.3-5).</summary>
    NoIntegrityCheck,
    /// <summary>A check with a wrong FINGERPRINT is processed (breaks RFC 8489 §6.3; case rfc8489-6.3-5).</summary>
    AcceptBadFingerprint,
    /// <summary>A role conflict always switches this agent's role, never answers 487 (breaks RFC 8445 §7.3.1.1; case rfc8445-7.3.1.1-1).</summary>
    SwitchOnEveryRoleConflict,
    /// <summary>A 487 to a check fails the pair like any error: no switch, no re-check (breaks RFC 8445 §7.2.5.1; case rfc8445-7.2.5.1-1).</summary>
    IgnoreRoleConflictResponse,
    /// <summary>The tie-breaker stays the same after a 487 (breaks RFC 8445 §7.2.5.1; case rfc8445-7.2.5.1-3).</summary>
    KeepTieBreakerAfterRoleConflict,
}
