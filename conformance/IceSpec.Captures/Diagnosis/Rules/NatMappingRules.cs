using System.Net;

namespace IceSpec.Captures.Diagnosis.Rules;

/// <summary>What the traffic tells of one NAT's mapping (RFC 4787 §4.1): dependent or independent, and the frames that show it.</summary>
internal sealed record MappingVerdict(string Key, string? Agent, string Name, bool Dependent, string Kind, List<FrameRef> Frames, List<string> Details);

/// <summary>
/// <c>mapping-endpoint-dependent</c> and <c>mapping-endpoint-independent</c> (RFC 4787 §4.1). From inside: one host
/// socket seen behind different external addresses towards different destinations (the STUN/TURN server's
/// XOR-MAPPED-ADDRESS vs the peer's, or the request's source beyond the NAT). From outside (the peer's capture): the
/// agent's checks arriving from a port of its NAT other than the candidate the peer checks there, whose checks go
/// unanswered.
/// </summary>
internal static class NatMappingRules
{
    public static IEnumerable<Finding> Mapping(NatView view, List<MappingChange> changes, FindingSeverity severity, bool failed, IReadOnlyList<PairOutcome> pairs)
    {
        var verdicts = new Dictionary<string, MappingVerdict>();
        Inside(view, changes, verdicts);
        Outside(view, changes, verdicts);
        var dependent = verdicts.Values.Where(v => v.Dependent).ToList();
        var independent = verdicts.Values.Where(v => !v.Dependent).ToList();
        if (dependent.Count > 0)
        {
            var relayWorked = pairs.Any(p => p.Outcome == "succeeded" && IsRelayed(view, p));
            var consequence = Consequence(dependent, independent, relayWorked);
            // RFC 4787 §4.1: "Address-Dependent Mapping … Address and Port-Dependent Mapping: the NAT reuses the port
            // mapping for subsequent packets sent from the same internal IP address and port (X:x) to the same external
            // IP address and port (Y:y) while the mapping is still active" — and only to it; §4.1 REQ-1: "A NAT MUST
            // have an 'Endpoint-Independent Mapping' behavior." A server-reflexive candidate (the mapping towards the
            // STUN server, RFC 8445 §5.1.1.1) is then not where the peer's checks must go.
            yield return new Finding("mapping-endpoint-dependent", FindingCategory.Nat, severity,
                $"{string.Join("; ", dependent.Select(v => $"the NAT of {v.Name} has {v.Kind} mapping"))}: {consequence}",
                [.. dependent.SelectMany(v => v.Frames).Distinct()], "RFC 4787 §4.1",
                failed
                    ? "give the agents a TURN server (relayed candidates, RFC 8656, RFC 8445 §5.1.1.2), or make the NAT map endpoint-independently (RFC 4787 REQ-1; Linux: nftables `snat to ADDR persistent` instead of `masquerade random`)"
                    : "nothing for this call; where the path must not depend on a relay, make the NAT map endpoint-independently (RFC 4787 REQ-1; Linux: `snat … persistent` instead of `masquerade random`)",
                [.. dependent.SelectMany(v => v.Details)]);
        }
        if (independent.Count > 0)
            // RFC 4787 §4.1: "Endpoint-Independent Mapping: The NAT reuses the port mapping for subsequent packets sent
            // from the same internal IP address and port (X:x) to any external IP address and port."
            yield return new Finding("mapping-endpoint-independent", FindingCategory.Nat, FindingSeverity.Note,
                $"{string.Join("; ", independent.Select(v => $"the NAT of {v.Name} maps endpoint-independently"))}: its server-reflexive candidate is the address every peer reaches it at, so a server-reflexive pair can work where the filtering lets the peer's checks in",
                [.. independent.SelectMany(v => v.Frames).Distinct()], "RFC 4787 §4.1", "nothing: this is the NAT behaviour ICE needs (RFC 4787 REQ-1)",
                [.. independent.SelectMany(v => v.Details)]);
    }

    private static bool IsRelayed(NatView view, PairOutcome pair) =>
        view.Evidence.Sightings.Any(s => s.Ref == pair.Frames[0] && s.Captured.Relay is not null)
        || view.Evidence.Captures.Any(c => c.Analysis.TurnAllocations.Any(a => a.Relayed is { } relayed && (relayed == pair.Local || relayed == pair.Remote)));

    private static string Consequence(List<MappingVerdict> dependent, List<MappingVerdict> independent, bool relayWorked)
    {
        var agents = dependent.Count + independent.Count;
        if (dependent.Count >= 2)
            return "both mappings depend on the destination: no direct or server-reflexive pair can work, only relayed candidates (TURN)"
                + (relayWorked ? " — the relayed pair carried this call" : "");
        var one = dependent[0];
        return agents >= 2 && independent.Count > 0
            ? $"its server-reflexive candidate is useless to the peer (a new mapping per destination), but its checks reach the peer's endpoint-independent mapping: the peer learns it as a peer-reflexive candidate (RFC 8445 §7.3.1.3) — that pair works if the peer's NAT filters endpoint-independently, else only relayed candidates (TURN)"
            : $"its server-reflexive candidate is useless to the peer (a new mapping per destination): a pair works only through a peer whose NAT lets its checks in from the new port (endpoint-independent filtering, or no NAT) as a peer-reflexive candidate (RFC 8445 §7.3.1.3), otherwise only relayed candidates (TURN)"
                + (relayWorked ? " — the relayed pair carried this call" : "");
    }

    /// <summary>From inside: per host socket, the first mapping towards each destination (before any change): one mapping for all, or several.</summary>
    private static void Inside(NatView view, List<MappingChange> changes, Dictionary<string, MappingVerdict> verdicts)
    {
        foreach (var socket in view.Mappings.Seen.GroupBy(m => (m.Transport, m.Local)))
        {
            var changedAt = changes.Where(c => socket.Key.Local.Equals(c.Local)).Select(c => (DateTime?)c.Since).Min();
            // Only translated packets show a mapping: towards a host on the same side of the NAT (same-nat) the source stays the host's.
            var firsts = socket.Where(m => m.Translated && (changedAt is null || m.Time < changedAt)).GroupBy(m => m.Destination).Select(g => g.First()).ToList();
            if (firsts.Count < 2) continue;
            var agent = socket.First().Agent;
            var key = socket.Key.Local.ToString();
            var name = view.Name(agent, socket.Key.Local);
            var distinct = firsts.Select(m => m.Mapped).Distinct().ToList();
            if (distinct.Count == 1)
            {
                // Endpoint-independent only when destinations of different addresses were seen (RFC 4787 §4.1 tells
                // the three behaviours apart by the address, then the port).
                var a = firsts[0];
                if (firsts.FirstOrDefault(m => !m.Destination.Address.Equals(a.Destination.Address)) is not { } b) continue;
                verdicts.TryAdd(key, new MappingVerdict(key, agent, name, false, "endpoint-independent", [a.Frame, b.Frame],
                    [$"{name}: {socket.Key.Local} → {a.Mapped} {a.Towards} ({Evidence(view, a)}) and {b.Towards} ({Evidence(view, b)})"]));
                continue;
            }
            // The witness: two destinations behind different mappings — on one address when there are (address-and-port-dependent).
            var pairsOf = from x in firsts from y in firsts where !x.Mapped.Equals(y.Mapped) && x.Time <= y.Time && !ReferenceEquals(x, y) select (x, y);
            // Then the one that shows what ICE needs: the server-reflexive address (towards the server) against the
            // mapping towards the peer's public address (not a private host address, which no NAT would route).
            var hosts = view.Evidence.Agents.SelectMany(a => a.HostAddresses).ToHashSet();
            var (p, q) = pairsOf.OrderBy(w => w.x.Destination.Address.Equals(w.y.Destination.Address) ? 0 : 1)
                .ThenBy(w => (w.x.ToServer || w.y.ToServer) ? 0 : 1)
                .ThenBy(w => (hosts.Contains(w.x.Destination) ? 1 : 0) + (hosts.Contains(w.y.Destination) ? 1 : 0)).First();
            var kind = p.Destination.Address.Equals(q.Destination.Address) ? "an address-and-port-dependent" : "an address-dependent (or address-and-port-dependent)";
            verdicts[key] = new MappingVerdict(key, agent, name, true, kind, [p.Frame, q.Frame],
                [$"{name}: {socket.Key.Local} → {p.Mapped} {p.Towards} ({Evidence(view, p)}) but → {q.Mapped} {q.Towards} ({Evidence(view, q)})"]);
        }
    }

    private static string Evidence(NatView view, MappingSeen seen) =>
        seen.How == "xor-mapped" ? $"XOR-MAPPED-ADDRESS, {view.Evidence.Describe(seen.Frame)}" : $"its source at {view.Evidence.Describe(seen.Frame)}";

    /// <summary>
    /// From the peer's side: the agent's checks arrive from its NAT's address on port q, while the peer's checks to the
    /// same address on another port p (the candidate the agent advertised) are never answered — the mapping towards the
    /// peer is not the one the agent learned (and advertised).
    /// </summary>
    private static void Outside(NatView view, List<MappingChange> changes, Dictionary<string, MappingVerdict> verdicts)
    {
        foreach (var group in view.Mappings.Arrivals.GroupBy(a => (a.Agent, a.Receiver)))
        {
            var (agent, receiver) = group.Key;
            var host = view.Evidence.AgentByUfrag(agent)?.HostAddresses ?? [];
            var changedAt = changes.Where(c => c.Agent == agent).Select(c => (DateTime?)c.Since).Min();
            var sources = group.Where(a => (changedAt is null || a.Time < changedAt) && !host.Contains(a.Source)).ToList();
            if (sources.Count == 0) continue;
            var from = sources.Select(a => a.Source).ToHashSet();
            // The receiver's checks to the agent, as they left the receiver's host.
            var targets = view.Evidence.Transactions.Values
                .Where(t => t.IsIceCheck && t.SenderUfrag == receiver && t.ReceiverUfrag == agent && t.Request.AtSender && view.Evidence.IsHome(t.Request.Capture, receiver))
                .Where(t => (changedAt is null || t.Request.Time < changedAt) && !from.Contains(t.Request.Destination)
                    && from.Any(s => s.Address.Equals(t.Request.Destination.Address)))
                .GroupBy(t => t.Request.Destination)
                .Where(g => !view.Answered(receiver, g.Key))
                .ToList();
            if (targets.Count == 0) continue;
            var target = targets[0];
            var arrival = sources.First(a => a.Source.Address.Equals(target.Key.Address));
            var name = view.Name(agent, null);
            // One NAT per host socket: an agent after an ICE restart (a new ufrag) on the same socket is the same NAT.
            var key = host.FirstOrDefault()?.ToString() ?? agent;
            var detail = $"{name}: its checks arrive at {view.Name(receiver, null)} from {arrival.Source} ({view.Evidence.Describe(arrival.Frame)}), " +
                $"while {receiver}'s {target.Count()} check{(target.Count() == 1 ? "" : "s")} to its candidate {target.Key} on the same NAT address went unanswered (first {view.Evidence.Describe(target.First().Request.Ref)})";
            if (verdicts.TryGetValue(key, out var known))
            {
                if (!known.Dependent) continue;
                known.Frames.AddRange([target.First().Request.Ref, arrival.Frame]);
                known.Details.Add(detail);
            }
            else
                verdicts[key] = new MappingVerdict(key, agent, name, true, "an endpoint-dependent", [target.First().Request.Ref, arrival.Frame], [detail]);
        }
    }
}
