using System.Text.RegularExpressions;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Cases.Server;
using IceSpec.Conformance.Lab;

namespace IceSpec.Conformance.Runner;

/// <summary>What a run covers and where it writes; the command line of <c>icespec conformance run</c>.</summary>
/// <param name="CasePatterns">Globs over case IDs (<c>rfc8445-*</c>); empty = every case.</param>
/// <param name="Strict">Also run SHOULD cases.</param>
/// <param name="ExpectedFailures">Known failures: <c>CASE-ID TARGET REASON</c> lines, TARGET a server name (coturn, icespec) or an ICE cell <c>SCENARIO/CONTROLLING&gt;CONTROLLED</c> (globs allowed).</param>
/// <param name="Server">The STUN/TURN server the ICE scenarios use.</param>
/// <param name="Pairs">Only these ordered pairs (<c>controlling&gt;controlled</c>), per scenario name or <c>*</c> for all; null = every pair.</param>
/// <param name="ServerCaseTargets">The servers the black-box server cases run against (none: no server cases).</param>
/// <param name="AgentPlacement">Where the ICE agent cases run: <c>loopback</c>, a scenario's lab (IUT on its controlling host,
/// tester on its controlled host) or <c>none</c>.</param>
/// <param name="AgentNominations">The nomination modes each implementation runs the agent cases with (resolved per driver as
/// for cells; a mode the driver lacks is skipped): by default its own and aggressive.</param>
public sealed record RunSelection(
    IReadOnlyList<string> Implementations,
    IReadOnlyList<string> Scenarios,
    IReadOnlyList<string> Nominations,
    IReadOnlyList<string> CasePatterns,
    bool Strict,
    ExpectedFailures? ExpectedFailures,
    string OutputDirectory,
    LabServerKind Server = LabServerKind.Coturn,
    IReadOnlyList<LabServerKind>? ServerCaseTargets = null,
    TimeSpan? CellTimeout = null,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? Pairs = null,
    string AgentPlacement = "loopback",
    IReadOnlyList<string>? AgentNominations = null)
{
    public IReadOnlyList<string> AgentNominations { get; init; } = AgentNominations ?? ["default", "aggressive"];

    /// <summary>Nomination modes (RFC 8445 §8.1.1); <c>default</c> is regular when the controlling driver declares it, else aggressive.</summary>
    public static readonly IReadOnlyList<string> NominationModes = ["default", "regular", "aggressive"];

    /// <summary>The mode a cell runs with: <paramref name="requested"/>, or for <c>default</c> the controlling driver's.</summary>
    public static string EffectiveNomination(string requested, Adapter.DriverSpec controlling) =>
        requested != "default" ? requested : controlling.Supports("regular") ? "regular" : "aggressive";

    public IReadOnlyList<LabServerKind> ServerCaseTargets { get; init; } = ServerCaseTargets ?? [];

    /// <summary>Whether the ordered pair runs in <paramref name="scenario"/> (see <see cref="Pairs"/>).</summary>
    public bool SelectsPair(string scenario, string controlling, string controlled)
    {
        if (Pairs is null) return true;
        var pair = $"{controlling}>{controlled}";
        return (Pairs.TryGetValue(scenario, out var here) && here.Contains(pair)) || (Pairs.TryGetValue("*", out var all) && all.Contains(pair));
    }

    /// <summary>Whether <paramref name="info"/> is selected by level (SHOULD only with --strict) and by the case patterns.</summary>
    public bool Selects(CaseInfo info) =>
        (Strict || info.Level == RequirementLevel.Must) &&
        (CasePatterns.Count == 0 || CasePatterns.Any(p => Regex.IsMatch(info.Id, "^" + Regex.Escape(p).Replace(@"\*", ".*") + "$")));
}
