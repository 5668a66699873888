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

    public static readonly CaseInfo MidCall = new(CaseInfo.MakeId(7675, "5.1", 10), 7675, "5.1", RequirementLevel.Must,
        "After a mid-call fault the call is as consent freshness predicts",
        "RFC 7675 §5.1: an agent checks consent every 5 s (randomized) and MUST stop sending within 30 s of the last response, " +
        "so a path that still works stays up (the checks also refresh its NAT mappings, as RFC 8445 §11 keepalives do) and a " +
        "path that broke is noticed (the agent reports disconnected or failed). Judged only in the mid-call scenarios.");

    public static readonly CaseInfo RestartAfterFault = new(CaseInfo.MakeId(8445, "9", 10), 8445, "9", RequirementLevel.Must,
        "After the mid-call fault an ICE restart brings the call back",
        "RFC 8445 §9: \"An ICE agent MAY restart ICE for existing data streams. An ICE restart causes all previous states of the " +
        "data streams, excluding the roles of the agents, to be flushed. [...] To restart ICE, an agent MUST change both the " +
        "password and the username fragment for the data stream(s) being restarted.\" The kit restarts the controlling agent, " +
        "the controlled one restarts on the new credentials (after a TURN server restart, once the TURN clients allocated " +
        "again, so that the new descriptions carry the new relayed candidates, RFC 8656 §7); both must select a new pair " +
        "within the checks and nomination time (Runner/RestartAfterFault.cs) and datagrams must go both ways again. Judged " +
        "only in nat-mapping-deleted and turn-restart; not applicable when a driver declares no restart capability.");

    /// <summary>Cases judged only in some scenarios (<see cref="MidCall"/> in those with a mid-call phase, <see cref="RestartAfterFault"/> where it restarts).</summary>
    public static readonly IReadOnlyList<CaseInfo> ScenarioSpecific = [MidCall, RestartAfterFault];

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
