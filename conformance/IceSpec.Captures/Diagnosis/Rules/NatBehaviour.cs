using System.Net;

namespace IceSpec.Captures.Diagnosis.Rules;

/// <summary>
/// The NATs' behaviour inferred from the traffic, in RFC 4787 terms, with its consequence for ICE: the mapping
/// (endpoint-independent or dependent, §4.1), the filtering (§5), hairpinning (§6), and a mapping that changed
/// mid-session. Each NAT is named by the agent behind it (its ufrag and host address). The evidence
/// (<see cref="NatMappings"/>): what the STUN/TURN server and the peer reported in XOR-MAPPED-ADDRESS, the source a
/// request had beyond the NAT, where the peer's checks arrived from, and which checks never arrived.
/// <para>Severity: <see cref="FindingSeverity.Cause"/> when no pair succeeded (the finding explains the drops
/// <c>no-pair-succeeded</c> lists), <see cref="FindingSeverity.Note"/> on a call that worked.</para>
/// </summary>
public sealed class NatBehaviour : IDiagnosisRule
{
    public IEnumerable<Finding> Diagnose(SessionEvidence evidence)
    {
        var mappings = NatMappings.Read(evidence);
        var pairs = PairOutcomes.Compute(evidence);
        var failed = pairs.Count > 0 && !pairs.Any(p => p.Outcome == "succeeded");
        var view = new NatView(evidence, mappings);
        var severity = failed ? FindingSeverity.Cause : FindingSeverity.Note;
        var changes = NatChanges.Find(view);
        var mapping = NatMappingRules.Mapping(view, changes, severity, failed, pairs).ToList();
        foreach (var finding in mapping) yield return finding;
        var dependent = mapping.Any(f => f.Kind == "mapping-endpoint-dependent");
        foreach (var finding in NatFilteringRules.Filtering(view, changes, severity, failed, dependent)) yield return finding;
        foreach (var finding in NatFilteringRules.Hairpinning(view, severity)) yield return finding;
        foreach (var finding in NatChanges.Findings(view, changes, pairs)) yield return finding;
    }
}

/// <summary>The evidence and mappings of one diagnosis, with the names and NAT addresses of its agents.</summary>
internal sealed class NatView(SessionEvidence evidence, NatMappings mappings)
{
    public SessionEvidence Evidence { get; } = evidence;
    public NatMappings Mappings { get; } = mappings;

    /// <summary>"the controlling agent nbmT (10.1.1.2:46380)", or "host 10.1.1.2:46380" for a socket no check came from.</summary>
    public string Name(string? ufrag, IPEndPoint? local)
    {
        var agent = ufrag is null ? null : Evidence.AgentByUfrag(ufrag);
        var host = local ?? agent?.HostAddresses.FirstOrDefault();
        if (agent is null) return $"host {host}";
        return $"the {(agent.Role == "unknown" ? "" : agent.Role + " ")}agent {agent.Ufrag}" + (host is null ? "" : $" ({host})");
    }

    /// <summary>The external addresses of an agent's NAT: translated mappings of its sockets, and the sources its checks arrived from elsewhere.</summary>
    public HashSet<IPAddress> NatAddresses(string ufrag)
    {
        var agent = Evidence.AgentByUfrag(ufrag);
        var addresses = new HashSet<IPAddress>();
        foreach (var seen in Mappings.Seen.Where(m => m.Agent == ufrag && m.Translated)) addresses.Add(seen.Mapped.Address);
        foreach (var arrival in Mappings.Arrivals.Where(a => a.Agent == ufrag))
            if (agent is null || agent.HostAddresses.Count == 0 || !agent.HostAddresses.Any(h => h.Address.Equals(arrival.Source.Address)))
                addresses.Add(arrival.Source.Address);
        if (agent is not null) addresses.ExceptWith(agent.HostAddresses.Select(h => h.Address));
        return addresses;
    }

    /// <summary>Whether any capture holds a success response to a check from <paramref name="sender"/> to <paramref name="destination"/>.</summary>
    public bool Answered(string sender, IPEndPoint destination) =>
        Evidence.Transactions.Values.Any(t => t.IsIceCheck && t.SenderUfrag == sender && t.Request.Destination.Equals(destination)
            && t.Responses.Any(r => r.Stun?.Class == IceSpec.Stun.StunClass.Success));
}
