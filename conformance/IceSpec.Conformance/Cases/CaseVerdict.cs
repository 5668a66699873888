namespace IceSpec.Conformance.Cases;

/// <summary>What one run of a case concluded, before the expected-failure list is applied.</summary>
public readonly record struct CaseVerdict(CaseOutcome Outcome, string Detail)
{
    public static CaseVerdict Pass(string detail) => new(CaseOutcome.Passed, detail);

    public static CaseVerdict Fail(string detail) => new(CaseOutcome.Failed, detail);

    public static CaseVerdict Inconclusive(string detail) => new(CaseOutcome.Inconclusive, detail);

    /// <summary>The implementation cannot run the case (a capability it lacks, a step its driver refuses): never a failure.</summary>
    public static CaseVerdict Unsupported(string detail) => new(CaseOutcome.Unsupported, detail);
}
