using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Coverage;
using IceSpec.Ice;

namespace IceSpec.Conformance.Runner;

/// <summary>The cases judged on every ICE cell (an ordered pair of implementations in a scenario).</summary>
public static class IceCases
{
    public static readonly CaseInfo Completes = new(CaseInfo.MakeId(8445, "8.1.2", 1), 8445, "8.1.2", RequirementLevel.Must,
        "ICE completes: both agents select a nominated pair",
        "RFC 8445 §8.1.2: once the controlling agent has nominated a pair for every component and the controlled agent has " +
        "seen the nomination (USE-CANDIDATE, §7.3.1.5), the checklist is Completed and both agents use the nominated pair.");

    public static readonly CaseInfo DataFlows = new(CaseInfo.MakeId(8445, "12.1", 1), 8445, "12.1", RequirementLevel.Must,
        "Data flows both ways on the selected pair",
        "RFC 8445 §12.1: once a pair is selected for a component, the agent sends data for that component on it, and data " +
        "received on any valid pair is accepted (§12.2); every datagram sent by one agent arrives unchanged at the other.");

    public static readonly CaseInfo PredictedPair = new(CaseInfo.MakeId(8445, "6.1.2.3", 1), 8445, "6.1.2.3", RequirementLevel.Must,
        "The selected pair is the kind the topology predicts",
        "RFC 8445 §6.1.2.3: pairs are ordered by priority (from the candidates' type preferences, §5.1.2.2: host 126, " +
        "peer-reflexive 110, server-reflexive 100, relayed 0) and checked in that order (§6.1.4.2), so the most direct pair " +
        "that works in the topology is validated and nominated (§8.1.1).");

    /// <summary>Every case of an ICE cell, the wire case judged on its pcaps included.</summary>
    public static readonly IReadOnlyList<CaseInfo> All = [Completes, DataFlows, PredictedPair, ConnectivityCheckCase.Info, MachineMonitorCase.Info];

    /// <summary>
    /// What the cell cases check on the wire: the wire case the "Binding request as ice-check" rules of stun.spec; the
    /// monitor case every CandidatePair transition (fired over both agents' pcaps; a refused one is a violation).
    /// </summary>
    public static IEnumerable<CaseCoverage> Coverage =>
    [
        new(ConnectivityCheckCase.Info.Id, [.. RequirementCoverage.Catalog.Where(r => r.Subject.StartsWith("Binding request as ice-check: ", StringComparison.Ordinal)).Select(r => r.Subject)]),
        new(MachineMonitorCase.Info.Id, [.. RequirementCoverage.Catalog
            .Where(r => r.Kind == "transition" && r.Subject.StartsWith(CandidatePairMachine.Definition.Name + ": ", StringComparison.Ordinal)).Select(r => r.Subject)]),
    ];
}
