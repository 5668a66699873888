using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Scenarios;

namespace IceSpec.Conformance.Reports;

/// <summary>One ICE cell: an ordered pair (controlling → controlled) in one scenario with one nomination mode.</summary>
/// <param name="Artifacts">Pcaps and logs of the cell, paths relative to the report's directory.</param>
public sealed record IceCellReport(
    string Scenario,
    string Controlling,
    string Controlled,
    string Nomination,
    CaseOutcome Outcome,
    string Detail,
    PairKind Predicted,
    PairKind? Observed,
    string? ControllingPair,
    string? ControlledPair,
    double? MillisecondsToConnected,
    IReadOnlyList<CaseResult> Cases,
    IReadOnlyList<string> Artifacts)
{
    public string Pair => $"{Controlling}>{Controlled}";

    /// <summary>The outcome of a cell is its worst case's: failed, unexpected pass, expected failure, inconclusive, unsupported, passed.</summary>
    public static CaseOutcome Worst(IEnumerable<CaseOutcome> outcomes) =>
        outcomes.DefaultIfEmpty(CaseOutcome.Passed).MaxBy(Severity);

    public static int Severity(CaseOutcome outcome) => outcome switch
    {
        CaseOutcome.Failed => 4,
        CaseOutcome.UnexpectedPass => 3,
        CaseOutcome.ExpectedFailure => 2,
        CaseOutcome.Inconclusive => 1,
        CaseOutcome.Unsupported => 1,
        _ => 0,
    };
}

/// <summary>A scenario as run: its drawing, its prediction, and the NAT behaviour the probe measured on each site.</summary>
public sealed record ScenarioReport(string Name, string Title, string Diagram, PairKind Predicted, string Section, string Reason, IReadOnlyList<string> MeasuredNats);

/// <summary>Everything one run of the kit produced; the JSON, JUnit, HTML and console renderings are made from it.</summary>
public sealed record ConformanceReport(
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    string Server,
    bool Strict,
    IReadOnlyList<string> Implementations,
    IReadOnlyList<ScenarioReport> Scenarios,
    IReadOnlyList<IceCellReport> Cells,
    IReadOnlyList<CaseResult> ServerCases,
    IReadOnlyList<string> Errors)
{
    /// <summary>The ICE agent cases (the tester against each implementation), <c>Implementation</c> = driver/nomination.</summary>
    public IReadOnlyList<CaseResult> AgentCases { get; init; } = [];

    public IEnumerable<CaseResult> AllCases => Cells.SelectMany(c => c.Cases).Concat(AgentCases).Concat(ServerCases);

    public int Count(CaseOutcome outcome) => AllCases.Count(c => c.Outcome == outcome);

    /// <summary>True when nothing failed and no expected failure passed (the exit code of <c>icespec conformance run</c>).</summary>
    public bool Succeeded => Errors.Count == 0 && AllCases.All(c => c.Outcome is not (CaseOutcome.Failed or CaseOutcome.UnexpectedPass));
}
