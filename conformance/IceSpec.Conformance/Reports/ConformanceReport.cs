using System.Text.Json.Serialization;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Scenarios;

namespace IceSpec.Conformance.Reports;

/// <summary>
/// The diagnosis of a failed ICE cell (<see cref="Runner.CellDiagnoser"/>): its one-line summary, the findings best first
/// (<c>[severity] kind: verdict (section)</c>), and the cell's <c>diagnosis.html</c> / <c>.txt</c> / <c>.json</c>, relative
/// to the report's directory (null when the captures could not be read: the summary says why).
/// </summary>
public sealed record CellDiagnosis(string Summary, IReadOnlyList<string> Findings, string? Page);

/// <summary>
/// One ICE cell: an ordered pair (controlling → controlled) in one scenario with one nomination mode. <c>Artifacts</c>: the
/// cell's pcaps and logs, paths relative to the report's directory.
/// </summary>
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
    TimeSpan? TimeToConnected,
    IReadOnlyList<CaseResult> Cases,
    IReadOnlyList<string> Artifacts)
{
    public string Pair => $"{Controlling}>{Controlled}";

    /// <summary>Why the cell failed, as <c>icespec diagnose</c> reads the cell's captures (failed and known-failing cells only; null otherwise).</summary>
    public CellDiagnosis? Diagnosis { get; init; }

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

    [JsonIgnore]
    public IEnumerable<CaseResult> AllCases => Cells.SelectMany(c => c.Cases).Concat(AgentCases).Concat(ServerCases);

    public int Count(CaseOutcome outcome) => AllCases.Count(c => c.Outcome == outcome);

    /// <summary>
    /// The report in its one canonical order, whatever order its parts were produced in (parallel cases, shards): scenarios
    /// by the catalog, cells by scenario, controlling and controlled implementation (the report's order) and nomination;
    /// agent cases by placement, implementation, nomination and the suite's case order; server cases by server and the
    /// suite's order. A single run and the merge of its shards are therefore the same document.
    /// </summary>
    public ConformanceReport Canonical()
    {
        int Impl(string name) => Index(Implementations, name);
        int Nomination(string mode) => Index(Runner.RunSelection.NominationModes, mode);
        int ScenarioOrder(string name) => Index([.. ScenarioCatalog.All.Select(s => s.Name)], name);
        var agentOrder = Cases.Agent.AgentCaseSuite.Cases.Select(c => c.Id).ToList();
        var serverOrder = Cases.Server.ServerCaseSuite.Cases.Select(c => c.Id).ToList();
        return this with
        {
            Scenarios = [.. Scenarios.OrderBy(s => ScenarioOrder(s.Name))],
            Cells = [.. Cells.OrderBy(c => ScenarioOrder(c.Scenario)).ThenBy(c => Impl(c.Controlling)).ThenBy(c => Impl(c.Controlled)).ThenBy(c => Nomination(c.Nomination))],
            AgentCases = [.. AgentCases.OrderBy(r => r.Scenario, StringComparer.Ordinal)
                .ThenBy(r => Impl(r.Implementation.Split('/')[0])).ThenBy(r => Nomination(r.Implementation.Split('/')[^1]))
                .ThenBy(r => Index(agentOrder, r.Case.Id)).ThenBy(r => r.Case.Id, StringComparer.Ordinal)],
            ServerCases = [.. ServerCases.OrderBy(r => r.Implementation, StringComparer.Ordinal).ThenBy(r => Index(serverOrder, r.Case.Id))
                .ThenBy(r => r.Case.Id, StringComparer.Ordinal).ThenBy(r => r.Outcome).ThenBy(r => r.Detail, StringComparer.Ordinal)],
        };
    }

    private static int Index(IReadOnlyList<string> list, string item)
    {
        for (var i = 0; i < list.Count; i++)
            if (list[i] == item) return i;
        return list.Count;
    }

    /// <summary>True when nothing failed and no expected failure passed (the exit code of <c>icespec conformance run</c>).</summary>
    public bool Succeeded => Errors.Count == 0 && AllCases.All(c => c.Outcome is not (CaseOutcome.Failed or CaseOutcome.UnexpectedPass));
}
