namespace IceSpec.Ice;

/// <summary>
/// Defects planted in the agent on purpose, one at a time, to prove that the conformance kit's agent cases can fail
/// (conformance/README.md "Seeded defects"): each breaks one rule and names the cases that must catch it. Test-only:
/// internal, reached only by the kit's IceSpec driver through the <c>ICESPEC_SEEDED_DEFECT</c> environment variable.
/// </summary>
internal enum IceSeededDefect
{
    None,
    /// <summary>Checks without FINGERPRINT (breaks RFC 8445 §7.2.4; cases rfc8445-7.2.4-1, rfc8445-7.2.4-2).</summary>
    NoFingerprint,
    /// <summary>PRIORITY of a check = the host candidate's own priority (breaks RFC 8445 §7.1.1; case rfc8445-7.1.1-1).</summary>
    HostTypePriority,
    /// <summary>The controlled agent adds USE-CANDIDATE to its checks (breaks RFC 8445 §7.1.2; case rfc8445-7.1.2-2).</summary>
    UseCandidateWhenControlled,
    /// <summary>A check on a known pair enqueues no triggered check (breaks RFC 8445 §7.3.1.4; case rfc8445-7.3.1.4-3).</summary>
    NoTriggeredCheck,
    /// <summary>Every check that can be sent goes at once, not one per Ta (breaks RFC 8445 §14.2; case rfc8445-14.2-1).</summary>
    UnpacedChecks,
    /// <summary>A response from another address than the check's destination counts (breaks RFC 8445 §7.2.5.2.1; cases rfc8445-7.2.5.2.1-1, rfc8445-7.2.5.2.1-2).</summary>
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
    /// <summary>Checks keep the peer's first ufrag and password after an ICE restart (breaks RFC 8445 §9/§7.2.2; cases rfc8445-9-2, rfc8445-9-3, rfc8445-9-6).</summary>
    OldCredentialsAfterRestart,
    /// <summary>A success response's XOR-MAPPED-ADDRESS is the agent's own socket (breaks RFC 8489 §6.3.1.1; cases rfc8489-6.3.1.1-3, rfc8489-6.3.1.1-4).</summary>
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
    /// <summary>Checks carry USERNAME in the wrong order, the agent's own ufrag first (breaks RFC 8445 §7.2.2; cases rfc8445-7.2.2-1, rfc8445-7.2.2-2).</summary>
    SwappedUsername,
    /// <summary>Checks are signed with the agent's own password, not the peer's (breaks RFC 8445 §7.2.2; cases rfc8445-7.2.2-3, rfc8445-7.2.2-4).</summary>
    IntegrityWithOwnPassword,
    /// <summary>Checks carry neither ICE-CONTROLLING nor ICE-CONTROLLED (breaks RFC 8445 §7.1.3; cases rfc8445-7.1.3-1, rfc8445-7.1.3-2).</summary>
    NoRoleAttribute,
    /// <summary>A check from an unknown source is answered but makes no peer-reflexive candidate and no pair (breaks RFC 8445 §7.3.1.3/§7.3.1.4; cases rfc8445-7.3.1.4-1, rfc8445-7.3.1.4-2).</summary>
    NoPairForUnknownSource,
    /// <summary>A remote candidate learned from a check's source is typed host, not peer reflexive (breaks RFC 8445 §7.3.1.3; cases rfc8445-7.3.1.3-1, rfc8445-7.3.1.3-2).</summary>
    PeerReflexiveRemoteAsHost,
    /// <summary>Regular nomination waits until every pair was checked, then sends USE-CANDIDATE to every valid pair at once (breaks RFC 8445 §8.1.1; case rfc8445-8.1.1-1).</summary>
    NominateEveryValidPair,
    /// <summary>The controlling agent selects another pair of the component (the last of its checklist) than the one it nominated (breaks RFC 8445 §8.1.1; case rfc8445-8.1.1-3).</summary>
    SelectOtherPair,
    /// <summary>An agent configured for aggressive nomination nominates as regular nomination does (breaks RFC 5245 §8.1.1.2; case rfc5245-8.1.1.2-1).</summary>
    AggressiveNominatesLikeRegular,
    /// <summary>Aggressive nomination selects a nominated pair only once no higher-priority pair is still being checked (breaks RFC 5245 §8.1.1.2; case rfc5245-8.1.1.2-2).</summary>
    AggressiveSelectionWaitsForHigherPairs,
    /// <summary>The controlled agent ignores USE-CANDIDATE on a pair that already succeeded (breaks RFC 8445 §7.3.1.5; case rfc8445-7.3.1.5-1).</summary>
    IgnoreNominationOfValidPair,
    /// <summary>The controlled agent selects a pair on USE-CANDIDATE before its own check of the pair succeeded (breaks RFC 8445 §7.3.1.5; case rfc8445-7.3.1.5-2).</summary>
    SelectOnUseCandidateBeforeSuccess,
    /// <summary>The controlled agent selects the latest nominated pair, even one of lower priority (breaks RFC 8445 §8.1.1; case rfc8445-8.1.1-4).</summary>
    LatestNominationWins,
    /// <summary>Checks on the selected pair are no longer answered (breaks RFC 8445 §11; cases rfc8445-11-1, rfc8445-11-2).</summary>
    NoAnswerAfterSelection,
    /// <summary>Nothing is sent on an idle selected pair: no consent checks, no keepalives (breaks RFC 8445 §11; case rfc8445-11-3).</summary>
    IdleSelectedPairSilent,
    /// <summary>An ICE restart changes the ufrag but keeps the password (breaks RFC 8445 §9; case rfc8445-9-1).</summary>
    RestartKeepsPassword,
    /// <summary>An ICE restart swaps the agent's role (breaks RFC 8445 §9; cases rfc8445-9-4, rfc8445-9-5).</summary>
    RoleSwappedOnRestart,
    /// <summary>Checks over TCP are retransmitted like checks over UDP (breaks RFC 8489 §6.2.2; case rfc8489-6.2.2-1).</summary>
    RetransmitOverTcp,
    /// <summary>Messages on a connection accepted by a passive TCP candidate are dropped (breaks RFC 8445 §7.3 / RFC 6544 §7.2; case rfc8445-7.3-10).</summary>
    NoChecksOnPassiveTcp,
    /// <summary>Active TCP candidates are signalled with their listener's port, not 9 (breaks RFC 6544 §4.5; case rfc6544-4.5-1).</summary>
    ActiveTcpPortNotNine,
    /// <summary>An active TCP candidate also pairs with the peer's active candidates and connects to them (breaks RFC 6544 §6.2; case rfc6544-6.2-1).</summary>
    ActivePairsWithActive,
    /// <summary>An S-O candidate's check connects from any port, not the S-O candidate's own (breaks RFC 6544 §7.2; case rfc6544-7.2-1).</summary>
    SimultaneousOpenFromAnyPort,
    /// <summary>Messages on ICE-TCP connections are written without their RFC 4571 length (breaks RFC 6544 §3; case rfc6544-3-1).</summary>
    UnframedTcpMessages,
    /// <summary>The password has 16 ice-chars (96 bits) (breaks RFC 8839 §5.4 / RFC 8445 §5.3; case rfc8839-5.4-1).</summary>
    ShortPassword,
    /// <summary>The ufrag has 40 characters (breaks RFC 8839 §5.4's 32-character limit; case rfc8839-5.4-2).</summary>
    LongUfrag,
    /// <summary>Candidate foundations have 40 characters (breaks RFC 8839 §5.1: foundation = 1*32ice-char; case rfc8839-5.1-1).</summary>
    LongFoundation,
    /// <summary>A success response goes to the peer's signalled candidate, not to the check's source (breaks RFC 8489 §6.3.1.2; case rfc8489-6.3.1.2-1).</summary>
    ResponseToSignalledCandidate,
    /// <summary>Success responses are signed with the peer's password, not the agent's (breaks RFC 8445 §7.3; case rfc8445-7.3-1).</summary>
    ResponseSignedWithPeerPassword,
    /// <summary>Success and error responses carry no FINGERPRINT (breaks RFC 8445 §7.3; cases rfc8445-7.3-2, rfc8445-7.3-4).</summary>
    ResponsesWithoutFingerprint,
    /// <summary>A retransmitted check (a transaction ID already answered) is dropped (breaks RFC 8489 §6.3.1; case rfc8489-6.3.1-4).</summary>
    RetransmittedCheckIgnored,
    /// <summary>A Binding indication gets a success response (breaks RFC 8489 §6.3.2; case rfc8489-6.3.2-2).</summary>
    IndicationAnswered,
    /// <summary>Error responses to authenticated checks carry no MESSAGE-INTEGRITY (breaks RFC 8489 §9.1.3; case rfc8489-9.1.3-7).</summary>
    UnsignedErrorsAfterAuthentication,
    /// <summary>A check with an unknown comprehension-optional attribute is refused with 400 (breaks RFC 8489 §6.3; case rfc8489-6.3-6).</summary>
    RefuseUnknownOptionalAttribute,
    /// <summary>A role attribute is compared with the tie-breaker whichever role it claims, so the other role's attribute switches or rejects too (breaks RFC 8445 §7.3.1.1; cases rfc8445-7.3.1.1-5, rfc8445-7.3.1.1-6).</summary>
    EveryRoleAttributeConflicts,
}
