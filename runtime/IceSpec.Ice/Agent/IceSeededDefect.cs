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
}
