using IceSpec.Conformance.Lab;

namespace IceSpec.Conformance.Scenarios;

/// <summary>The kind of the selected pair: the most indirect candidate type either agent reports in it.</summary>
public enum PairKind : byte
{
    /// <summary>Host candidates on both sides.</summary>
    Host,
    /// <summary>A server-reflexive or peer-reflexive candidate on either side (which of the two depends on timing, RFC 8445 §7.2.5.3.1).</summary>
    Reflexive,
    /// <summary>A relayed candidate on either side.</summary>
    Relay,
}

/// <summary>What RFC 8445 predicts for the selected pair in a scenario, with the section that says why.</summary>
public sealed record ScenarioPrediction(PairKind Kind, string Section, string Reason);

/// <summary>Which host of the lab runs an agent: site number and host number, both 1-based.</summary>
public sealed record HostSlot(int Site, int Host);

/// <summary>
/// A lab scenario: the topology, where the controlling and controlled agents run, the servers they are given, and the
/// prediction the ICE case checks.
/// </summary>
/// <param name="TurnTransport"><c>udp</c> or <c>tcp</c> when the agents get a TURN server; null when they get STUN only.</param>
public sealed record Scenario(
    string Name,
    string Title,
    LabTopology Topology,
    HostSlot Controlling,
    HostSlot Controlled,
    string? TurnTransport,
    ScenarioPrediction Prediction)
{
    public LabHost ControllingHost(NatLab lab) => lab.Sites[Controlling.Site - 1].Hosts[Controlling.Host - 1];

    public LabHost ControlledHost(NatLab lab) => lab.Sites[Controlled.Site - 1].Hosts[Controlled.Host - 1];

    /// <summary>The kind of a pair from the candidate types both agents report (null when one did not report).</summary>
    public static PairKind Classify(IEnumerable<string?> candidateTypes)
    {
        var types = candidateTypes.ToList();
        if (types.Contains("relay")) return PairKind.Relay;
        if (types.Contains("srflx") || types.Contains("prflx")) return PairKind.Reflexive;
        return PairKind.Host;
    }
}
