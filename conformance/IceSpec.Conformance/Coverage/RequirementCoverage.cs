using IceSpec.Conformance.Cases.Server;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Conformance.Coverage;

/// <summary>One requirement of a generated catalog, whether it can be seen on the wire, and the cases that check it.</summary>
public sealed record RequirementCoverageRow(RequirementInfo Requirement, bool WireObservable, IReadOnlyList<string> CaseIds)
{
    public bool Covered => CaseIds.Count > 0;
}

/// <summary>
/// Maps the cases onto the requirement catalogs the spec generates (<c>StunRequirements.All</c>, <c>TurnRequirements.All</c>):
/// a case names the catalog subjects it checks (e.g. <c>"437 Allocation Mismatch"</c>,
/// <c>"TurnAllocation: Active -> Deleted on RefreshToZero"</c>); every requirement with that subject counts as covered.
/// Wire-observable are the behaviours a peer can see — error codes, per-message rules, attribute order rules, number
/// ranges, machine transitions and parameters; the rest (methods, attributes, classes, structs, machines as a whole)
/// are definitions a case uses rather than checks.
/// </summary>
public static class RequirementCoverage
{
    private static readonly HashSet<string> WireObservableKinds = ["error", "message", "order", "range", "transition", "parameter"];

    /// <summary>Every requirement of both catalogs, in catalog order, with the server cases that cover it.</summary>
    public static IReadOnlyList<RequirementCoverageRow> Compute() => Compute(ServerCaseSuite.All);

    public static IReadOnlyList<RequirementCoverageRow> Compute(IEnumerable<ServerCase> cases)
    {
        var bySubject = new Dictionary<string, List<string>>();
        foreach (var serverCase in cases)
        foreach (var subject in serverCase.Covers)
        {
            if (!bySubject.TryGetValue(subject, out var ids)) bySubject[subject] = ids = [];
            ids.Add(serverCase.Info.Id);
        }
        return [.. Catalog.Select(r => new RequirementCoverageRow(r, WireObservableKinds.Contains(r.Kind),
            bySubject.TryGetValue(r.Subject, out var ids) ? ids : []))];
    }

    /// <summary>Subjects named by <paramref name="cases"/> that no catalog entry has (a renamed spec element, a typo).</summary>
    public static IReadOnlyList<string> UnknownSubjects(IEnumerable<ServerCase> cases)
    {
        var subjects = Catalog.Select(r => r.Subject).ToHashSet();
        return [.. cases.SelectMany(c => c.Covers).Distinct().Where(s => !subjects.Contains(s))];
    }

    public static IEnumerable<RequirementInfo> Catalog => StunRequirements.All.Concat(TurnRequirements.All);
}
