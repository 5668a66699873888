using System.Text.RegularExpressions;
using IceSpec.Conformance.Cases.Agent;
using IceSpec.Conformance.Cases.Server;
using IceSpec.Conformance.Runner;
using IceSpec.Ice;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Conformance.Coverage;

/// <summary>One requirement of a generated catalog, whether it can be seen on the wire, and the cases that check it.</summary>
public sealed record RequirementCoverageRow(RequirementInfo Requirement, bool WireObservable, IReadOnlyList<string> CaseIds)
{
    public bool Covered => CaseIds.Count > 0;

    /// <summary>The RFC the requirement's citation names first ("RFC 8445 §7.1.1: …" → 8445), 0 when none.</summary>
    public int Rfc => RequirementCoverage.RfcOf(Requirement.Citation);
}

/// <summary>Per RFC: how many wire-observable requirements the catalogs hold and how many have a case.</summary>
public sealed record RfcCoverage(int Rfc, int WireObservable, int Covered);

/// <summary>A case and the catalog subjects it checks.</summary>
public sealed record CaseCoverage(string CaseId, IReadOnlyList<string> Covers);

/// <summary>
/// Maps every case of the kit — server cases, ICE agent cases, the cases judged on every ICE cell — onto the
/// requirement catalogs the spec generates (<c>StunRequirements.All</c>, <c>TurnRequirements.All</c>,
/// <c>IceRequirements.All</c>): a case names the catalog subjects it checks (e.g. <c>"437 Allocation Mismatch"</c>,
/// <c>"Binding request as ice-check: required PRIORITY"</c>, <c>"CandidatePair: InProgress -> Succeeded on SuccessResponse"</c>);
/// every requirement with that subject counts as covered. Wire-observable are the behaviours a peer can see — error codes,
/// per-message rules, attribute order rules, number ranges, machine transitions and parameters, constants and formulas
/// that fix a value on the wire; the rest (methods, attributes, classes, structs, machines as a whole) are definitions a
/// case uses rather than checks.
/// </summary>
public static class RequirementCoverage
{
    private static readonly HashSet<string> WireObservableKinds = ["error", "message", "order", "range", "transition", "parameter", "const", "formula"];

    /// <summary>Every requirement of the three catalogs, in catalog order, with the cases that cover it.</summary>
    public static IReadOnlyList<RequirementCoverageRow> Compute() => Compute(AllCases);

    public static IReadOnlyList<RequirementCoverageRow> Compute(IEnumerable<CaseCoverage> cases)
    {
        var bySubject = new Dictionary<string, List<string>>();
        foreach (var covering in cases)
        foreach (var subject in covering.Covers)
        {
            if (!bySubject.TryGetValue(subject, out var ids)) bySubject[subject] = ids = [];
            if (!ids.Contains(covering.CaseId)) ids.Add(covering.CaseId);
        }
        return [.. Catalog.Select(r => new RequirementCoverageRow(r, WireObservableKinds.Contains(r.Kind),
            bySubject.TryGetValue(r.Subject, out var ids) ? ids : []))];
    }

    /// <summary>Wire-observable requirements and those with a case, per RFC, in RFC order.</summary>
    public static IReadOnlyList<RfcCoverage> PerRfc(IReadOnlyList<RequirementCoverageRow> rows) =>
        [.. rows.Where(r => r.WireObservable).GroupBy(r => r.Rfc).OrderBy(g => g.Key)
            .Select(g => new RfcCoverage(g.Key, g.Count(), g.Count(r => r.Covered)))];

    /// <summary>Subjects named by <paramref name="cases"/> that no catalog entry has (a renamed spec element, a typo).</summary>
    public static IReadOnlyList<string> UnknownSubjects(IEnumerable<CaseCoverage> cases)
    {
        var subjects = Catalog.Select(r => r.Subject).ToHashSet();
        return [.. cases.SelectMany(c => c.Covers).Distinct().Where(s => !subjects.Contains(s))];
    }

    /// <summary>Every case of the kit with what it covers.</summary>
    public static IEnumerable<CaseCoverage> AllCases =>
        ServerCaseSuite.All.Select(c => new CaseCoverage(c.Info.Id, c.Covers))
            .Concat(AgentCaseSuite.All.Select(c => new CaseCoverage(c.Info.Id, c.Covers)))
            .Concat(IceCases.Coverage);

    public static IEnumerable<RequirementInfo> Catalog => StunRequirements.All.Concat(TurnRequirements.All).Concat(IceRequirements.All);

    internal static int RfcOf(string citation) =>
        Regex.Match(citation, @"RFC (\d+)") is { Success: true } m ? int.Parse(m.Groups[1].Value) : 0;
}
