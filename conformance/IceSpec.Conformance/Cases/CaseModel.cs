namespace IceSpec.Conformance.Cases;

/// <summary>The requirement keyword a case checks (RFC 2119): SHOULD cases run only with --strict.</summary>
public enum RequirementLevel : byte
{
    Must,
    Should,
}

/// <summary>What one case concluded about one implementation (or ordered pair) in one scenario.</summary>
public enum CaseOutcome : byte
{
    Passed,
    Failed,
    /// <summary>The implementation said it cannot do a step (adapter exit code 127): not a failure.</summary>
    Unsupported,
    /// <summary>Failed, and listed in the expected-fail list with a reason.</summary>
    ExpectedFailure,
    /// <summary>Listed as expected to fail but passed: the list is stale.</summary>
    UnexpectedPass,
    /// <summary>
    /// The case could not bring about what it checks (e.g. no allocation quota is configured, so no 486 can be provoked):
    /// neither a pass nor a failure. The detail says what to configure.
    /// </summary>
    Inconclusive,
}

/// <summary>
/// One conformance case: ID = RFC + section + ordinal (<c>rfc8489-6.3.4-1</c>), the requirement text it checks, its level.
/// </summary>
public sealed record CaseInfo(string Id, int Rfc, string Section, RequirementLevel Level, string Title, string RequirementText)
{
    public static string MakeId(int rfc, string section, int ordinal) => $"rfc{rfc}-{section}-{ordinal}";
}

/// <summary>The result of running a case against an implementation (or "A→B" pair) in a scenario.</summary>
public sealed record CaseResult(
    CaseInfo Case,
    string Implementation,
    string Scenario,
    CaseOutcome Outcome,
    string Detail,
    TimeSpan Duration,
    string? PcapPath = null,
    string? LogPath = null);
