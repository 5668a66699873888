using System.Net;

namespace IceSpec.Captures.Diagnosis.Rules;

/// <summary>
/// <c>filtering-endpoint-dependent</c> (RFC 4787 §5) and <c>hairpinning-unsupported</c> (§6), from the checks that
/// never came through: a check towards an agent's NAT address that left its sender and never reached the agent's host
/// (merged captures: its home capture does not hold it) while the agent kept sending; a check to an address of the
/// sender's own NAT that never came back.
/// </summary>
internal static class NatFilteringRules
{
    public static IEnumerable<Finding> Filtering(NatView view, List<MappingChange> changes, FindingSeverity severity, bool failed, bool dependentMapping)
    {
        var evidence = view.Evidence;
        var drops = new List<(EvidenceTransaction Check, string Agent, string Kind, string Detail)>();
        foreach (var check in evidence.Transactions.Values.Where(t => t.IsIceCheck).OrderBy(t => t.Request.Time))
        {
            var request = check.Request;
            var agent = check.ReceiverUfrag!;
            var receiver = evidence.AgentByUfrag(agent);
            if (!request.AtSender || request.Captured.Relay is not null || receiver is null || receiver.HomeCaptures.Count == 0) continue;
            if (check.Responses.Count > 0 || check.Requests.Any(r => receiver.HomeCaptures.Contains(r.Capture))) continue;
            var destination = request.Destination;
            if (!view.NatAddresses(agent).Contains(destination.Address)) continue;
            // A check to the sender's own NAT's address never reached the outside: hairpinning (§6), not filtering.
            if (view.NatAddresses(check.SenderUfrag!).Contains(destination.Address)) continue;
            // A mapping that no longer exists (changed mid-session) explains its own drops: mapping-changed says it.
            if (changes.Any(c => c.Old.Equals(destination) && request.Time > c.LastOld)) continue;
            // Whether it left the sender's own site: a drop there (UDP blocked, the sender's own filter) is not the agent's
            // NAT filtering. It did when a capture beyond saw it, or when the same socket's packets are known to get out.
            if (!check.Requests.Any(r => !r.AtSender && r.Captured.Relay is null)
                && !view.Mappings.Seen.Any(m => m.Local.Equals(request.Source) && m.Transport == request.Transport)) continue;
            // RFC 4787 §5: "filtering behavior … when the NAT receives a packet from an external endpoint" — it came
            // through only if the agent had sent to it: the agent must have been sending while the check was dropped.
            var sending = evidence.Sightings.Any(s => s.AtSender && s.Stun is { IsIceCheck: true } stun && stun.Username!.EndsWith(":" + agent, StringComparison.Ordinal)
                && Math.Abs((s.Time - request.Time).TotalSeconds) < 5);
            if (!sending) continue;
            var (kind, why) = Which(view, check, agent, destination);
            drops.Add((check, agent, kind, why));
        }
        foreach (var byAgent in drops.GroupBy(d => d.Agent))
        {
            var list = byAgent.ToList();
            var first = list[0];
            var kind = list.FirstOrDefault(d => d.Kind.StartsWith("address-and-port", StringComparison.Ordinal)).Kind ?? first.Kind;
            var name = view.Name(byAgent.Key, null);
            var senders = list.Select(d => d.Check.SenderUfrag!).Distinct().ToList();
            var answeredLater = list.Any(d => view.Answered(d.Check.SenderUfrag!, d.Check.Request.Destination));
            // RFC 4787 §5: "Address-Dependent Filtering: The NAT filters out packets not destined to the internal address
            // and port X:x coming from Y:y if X:x has not sent packets to Y:any external port … Address and Port-Dependent
            // Filtering: … if X:x has not sent packets to Y:y"; REQ-8: endpoint-independent filtering is recommended
            // where transparency matters most.
            yield return new Finding("filtering-endpoint-dependent", FindingCategory.Nat, answeredLater ? FindingSeverity.Note : severity,
                $"the NAT of {name} filters {kind}: {list.Count} check{(list.Count == 1 ? "" : "s")} from {string.Join(", ", senders)} to its address {first.Check.Request.Destination} left and never reached {byAgent.Key}'s host, while {byAgent.Key} kept sending"
                + (answeredLater ? " — until its own checks opened the filter (hole punching, RFC 8445 §2.2)" : failed ? "; no check from outside gets through a filter the agent's own checks did not open" + (dependentMapping
                    ? ", and with destination-dependent mappings the agents' checks open it only for mappings the peer does not know: only relayed candidates (TURN) work"
                    : ": both sides must check each other's server-reflexive candidates (RFC 8445 §2.2), or use relayed candidates (TURN)") : ""),
                [first.Check.Request.Ref, .. list.Skip(1).Take(1).Select(d => d.Check.Request.Ref)], "RFC 4787 §5",
                answeredLater
                    ? "nothing for this call: the agents punched through (both sides check, RFC 8445 §2.2)"
                    : failed
                        ? "give the agents a TURN server (relayed candidates, RFC 8656), or make the NAT filter endpoint-independently (RFC 4787 REQ-8) with endpoint-independent mapping (REQ-1)"
                        : "nothing for this call: another pair worked",
                [.. list.Take(6).Select(d => $"{evidence.Describe(d.Check.Request.Ref)}: {d.Check.Request.Source} → {d.Check.Request.Destination}, never at {byAgent.Key}'s host; {d.Detail}")]);
        }
    }

    /// <summary>
    /// Which filtering the drop shows: address-and-port-dependent when the agent had sent, through the same mapping, to
    /// the sender's address on another port before (an address-dependent filter would have let it in); else "not
    /// endpoint-independent" (address- or address-and-port-dependent).
    /// </summary>
    private static (string Kind, string Why) Which(NatView view, EvidenceTransaction check, string agent, IPEndPoint destination)
    {
        var request = check.Request;
        // The check's source as the agent's NAT saw it: where a capture beyond the sender's NAT holds it, else the sender's own mapping towards it.
        var source = check.Requests.FirstOrDefault(r => !r.AtSender && r.Captured.Relay is null)?.Source
            ?? view.Mappings.Seen.FirstOrDefault(m => m.Local.Equals(request.Source) && m.Destination.Equals(destination))?.Mapped;
        if (source is not null)
        {
            var opened = view.Mappings.Seen.FirstOrDefault(m => m.Agent == agent && m.Mapped.Equals(destination) && m.Time < request.Time
                && m.Destination.Address.Equals(source.Address) && m.Destination.Port != source.Port);
            if (opened is not null)
                return ("address-and-port-dependently", $"{agent} had sent through {destination} to {opened.Destination} ({view.Evidence.Describe(opened.Frame)}): the same address, another port — dropped all the same");
            return ("not endpoint-independently (address- or address-and-port-dependent)", $"it came from {source}; {agent} had not sent to it through {destination}");
        }
        return ("not endpoint-independently (address- or address-and-port-dependent)", $"{agent} had not sent to its sender through {destination}");
    }

    public static IEnumerable<Finding> Hairpinning(NatView view, FindingSeverity severity)
    {
        var evidence = view.Evidence;
        var ownAddresses = evidence.Agents.ToDictionary(a => a.Ufrag, a => view.NatAddresses(a.Ufrag));
        var lost = new List<(EvidenceTransaction Check, string Agent, string Whose)>();
        foreach (var check in evidence.Transactions.Values.Where(t => t.IsIceCheck).OrderBy(t => t.Request.Time))
        {
            var request = check.Request;
            var sender = check.SenderUfrag!;
            if (!request.AtSender || request.Captured.Relay is not null || check.Responses.Count > 0) continue;
            if (!ownAddresses.TryGetValue(sender, out var own) || !own.Contains(request.Destination.Address)) continue;
            // RFC 4787 §6: "If two hosts (called X1 and X2) are behind the same NAT and exchanging traffic, the NAT may
            // allocate an address on the outside of the NAT for X2 … X1 sends to X2's external address"; REQ-9: "A NAT
            // MUST support hairpinning." The check went to the sender's own NAT's address and nothing came back.
            var mine = view.Mappings.Seen.Any(m => m.Agent == sender && m.Mapped.Equals(request.Destination));
            var whose = mine ? "its own server-reflexive address" : $"{check.ReceiverUfrag}'s address on the same NAT";
            lost.Add((check, sender, whose));
        }
        if (lost.Count == 0) yield break;
        var first = lost[0];
        yield return new Finding("hairpinning-unsupported", FindingCategory.Nat, severity,
            $"the NAT at {first.Check.Request.Destination.Address} does not hairpin: {lost.Count} check{(lost.Count == 1 ? "" : "s")} from behind it to its own external address ({first.Whose}, {first.Check.Request.Destination}) never came back"
            + (severity == FindingSeverity.Note ? "; agents behind this NAT reach each other only by their host (private) addresses or a relay" : "; server-reflexive pairs between agents behind this NAT cannot work: only the host pair (same network) or relayed candidates (TURN)"),
            [first.Check.Request.Ref, .. lost.Skip(1).Take(1).Select(l => l.Check.Request.Ref)], "RFC 4787 §6",
            severity == FindingSeverity.Note
                ? "nothing for this call (another pair worked); a NAT should support hairpinning (RFC 4787 REQ-9): Linux, a dnat for the external address from the inside plus a masquerade of the hairpinned flow"
                : "let the agents use their host candidates towards each other (same site), give them a TURN server, or enable hairpinning on the NAT (RFC 4787 REQ-9)",
            [.. lost.Take(6).Select(l => $"{evidence.Describe(l.Check.Request.Ref)}: {l.Agent} {l.Check.Request.Source} → {l.Check.Request.Destination} ({l.Whose}), no answer in any capture")]);
    }
}
