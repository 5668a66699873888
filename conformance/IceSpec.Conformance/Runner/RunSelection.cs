using System.Text.RegularExpressions;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Lab;

namespace IceSpec.Conformance.Runner;

/// <summary>What a run covers and where it writes; the command line of <c>icespec conformance run</c>.</summary>
/// <param name="CasePatterns">Globs over case IDs (<c>rfc8445-*</c>); empty = every case.</param>
/// <param name="Strict">Also run SHOULD cases.</param>
/// <param name="ServerCases">Run the black-box STUN/TURN server cases against the lab's servers.</param>
public sealed record RunSelection(
    IReadOnlyList<string> Implementations,
    IReadOnlyList<string> Scenarios,
    IReadOnlyList<string> Nominations,
    IReadOnlyList<string> CasePatterns,
    bool Strict,
    ExpectedFailures ExpectedFailures,
    string OutputDirectory,
    LabServerKind Server = LabServerKind.Coturn,
    bool ServerCases = true,
    TimeSpan? CellTimeout = null)
{
    public static readonly IReadOnlyList<string> NominationModes = ["regular", "aggressive"];

    /// <summary>Whether <paramref name="info"/> is selected by level (SHOULD only with --strict) and by the case patterns.</summary>
    public bool Selects(CaseInfo info) =>
        (Strict || info.Level == RequirementLevel.Must) &&
        (CasePatterns.Count == 0 || CasePatterns.Any(p => Regex.IsMatch(info.Id, "^" + Regex.Escape(p).Replace(@"\*", ".*") + "$")));
}
