using System.Net;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Captures.Diagnosis.Rules;

/// <summary>
/// ICMP port unreachable errors as evidence (RFC 792; RFC 4443 §3.1; RFC 1122 §4.1.3.1: a UDP datagram to a port no
/// socket is bound to is answered with one), from the host the datagram went to:
/// <list type="bullet">
/// <item><c>relayed-address-gone</c>: datagrams to a TURN allocation's relayed address, within its lifetime, answered by
/// the relay host — the server no longer holds the allocation (restarted, crashed). RFC 8656 §7: an allocation lives
/// until its lifetime runs out or a Refresh with lifetime 0 deletes it; nothing else closes the relayed port.</item>
/// <item><c>destination-port-closed</c>: checks or data to an agent's candidate answered by that host — the agent closed
/// the socket or exited (RFC 8445 §7.2.5.2.2: "if a Binding request generates a hard ICMP error, the agent SHOULD set
/// the state of the pair to Failed").</item>
/// </list>
/// An error from a NAT about its own external address (a destination some Binding response mapped to) is the NAT's
/// hairpinning, not a closed port (<see cref="NatFilteringRules.Hairpinning"/>).
/// </summary>
public sealed class UnreachableFindings : IDiagnosisRule
{
    public IEnumerable<Finding> Diagnose(SessionEvidence evidence)
    {
        // From the destination host itself: a router's or NAT's error about an address that is not its own says less.
        var closed = evidence.Unreachables.Where(u => u.Error.Reason == UnreachableReason.Port && u.Error.Reporter.Equals(u.Error.Destination.Address)).ToList();
        if (closed.Count == 0) yield break;
        var allocations = Allocations(evidence);
        // A NAT's external address: one a Binding response mapped some host to, and no agent's host address.
        var hostAddresses = evidence.Agents.SelectMany(a => a.HostAddresses).Select(a => a.Address).ToHashSet();
        var natAddresses = evidence.Sightings.Where(s => s.Stun is { Class: StunClass.Success, MappedAddress: not null })
            .Select(s => s.Stun!.MappedAddress!.Address).Where(a => !hostAddresses.Contains(a)).ToHashSet();
        var pairs = PairOutcomes.Compute(evidence);
        var failed = pairs.Count > 0 && !pairs.Any(p => p.Outcome == "succeeded");

        foreach (var group in closed.GroupBy(u => u.Error.Destination))
        {
            var first = group.First();
            var allocation = allocations.LastOrDefault(a => a.Relayed.Equals(group.Key) && a.Granted.Time <= first.Time);
            if (allocation is not null)
            {
                if (allocation.ExpiresAt(first.Time) is { } expiry && first.Time > expiry) continue; // expired: the refresh findings tell it
                yield return RelayedAddressGone(evidence, allocation, [.. group]);
            }
            else if (!natAddresses.Contains(group.Key.Address) && !allocations.Any(a => a.Relayed.Equals(group.Key)))
                yield return PortClosed(evidence, group.Key, [.. group], pairs, failed);
        }
    }

    private static Finding RelayedAddressGone(SessionEvidence evidence, Allocation allocation, List<UnreachableSighting> errors)
    {
        var first = errors[0];
        var lifetime = allocation.ExpiresAt(first.Time) is { } expiry ? $", {(expiry - first.Time).TotalSeconds:0} s before its lifetime ran out" : "";
        return new Finding("relayed-address-gone", FindingCategory.Turn, FindingSeverity.Cause,
            $"the relayed address {allocation.Relayed} (allocated to {allocation.Client}, {evidence.Describe(allocation.Granted.Ref)}) is gone at {evidence.Ms(first.Time):0.#} ms{lifetime}: " +
            $"{errors.Count} datagram{(errors.Count == 1 ? "" : "s")} sent to it got ICMP port unreachable from the TURN server's host — the server no longer holds the allocation (restarted or crashed)",
            [allocation.Granted.Ref, .. errors.Take(2).Select(e => e.Ref)], "RFC 8656 §7, RFC 1122 §4.1.3.1",
            "the client re-allocates (a Refresh then gets 437, RFC 8656 §7.2) and the agents restart ICE with the new relayed candidate (RFC 8445 §9); " +
            "an ICMP port unreachable from the relayed address tells the loss at once; on the server side, drain a server before stopping it (or keep allocations in a fleet)",
            [.. errors.Take(6).Select(e => $"{evidence.Describe(e.Ref)}: {e.Error.Source} → {e.Error.Destination} answered by {e.Error.Describe()}")]);
    }

    private static Finding PortClosed(SessionEvidence evidence, IPEndPoint destination, List<UnreachableSighting> errors,
        IReadOnlyList<PairOutcome> pairs, bool failed)
    {
        var first = errors[0];
        var owner = evidence.Transactions.Values.Where(t => t.IsIceCheck && t.Requests.Any(r => r.Destination.Equals(destination)))
            .Select(t => t.ReceiverUfrag).FirstOrDefault();
        var whose = owner is null ? "" : $" ({owner}'s candidate)";
        // The call broke on it when the pair it ended was the nominated one; otherwise ICE had other pairs.
        var selected = pairs.Any(p => p.Nominated && p.Remote == destination.ToString());
        var severity = failed || selected ? FindingSeverity.Cause : FindingSeverity.Note;
        var checks = evidence.Transactions.Values.Where(t => t.IsIceCheck && t.Requests.Any(r => r.Destination.Equals(destination)))
            .Select(t => t.Request).OrderBy(r => r.Time).Take(1).Select(r => r.Ref);
        return new Finding("destination-port-closed", FindingCategory.Pairs, severity,
            $"nothing listens at {destination}{whose} from {evidence.Ms(first.Time):0.#} ms: {errors.Count} datagram{(errors.Count == 1 ? "" : "s")} sent to it got ICMP port unreachable from that host — " +
            "the agent closed the socket or exited" + (selected ? ", on the selected pair: the call broke there" : ""),
            [.. checks, .. errors.Take(2).Select(e => e.Ref)], "RFC 8445 §7.2.5.2.2, RFC 1122 §4.1.3.1",
            selected
                ? "the peer's agent stopped (or closed the candidate's socket) mid-call: keep it running, or signal the end of the session; its peer should treat the hard ICMP error as a failed pair (RFC 8445 §7.2.5.2.2) and consent as lost (RFC 7675)"
                : "check that the peer's agent is still running on the candidates it signalled (a candidate from an old session or a stopped process); an agent SHOULD fail a pair on a hard ICMP error (RFC 8445 §7.2.5.2.2)",
            [.. errors.Take(6).Select(e => $"{evidence.Describe(e.Ref)}: {e.Error.Source} → {e.Error.Destination} answered by {e.Error.Describe()}")]);
    }

    /// <summary>An allocation seen in the captures: its relayed address, client, the success that granted it, and its refreshes.</summary>
    private sealed record Allocation(IPEndPoint Relayed, IPEndPoint Client, Sighting Granted, List<Sighting> Grants)
    {
        /// <summary>When the last grant (Allocate or Refresh success, RFC 8656 §7.3) before <paramref name="time"/> runs out; null when no LIFETIME was seen.</summary>
        public DateTime? ExpiresAt(DateTime time) =>
            Grants.LastOrDefault(g => g.Time <= time) is { Stun.Lifetime: { } seconds } grant ? grant.Time.AddSeconds(seconds) : null;
    }

    private static List<Allocation> Allocations(SessionEvidence evidence)
    {
        var allocations = new List<Allocation>();
        foreach (var success in evidence.Sightings.Where(s => s.Stun is { Class: StunClass.Success } && s.Captured.Relay is null))
        {
            var stun = success.Stun!;
            if (stun.Method == TurnMethods.Allocate && stun.RelayedAddress is { } relayed)
                allocations.Add(new Allocation(relayed, success.Destination, success, [success]));
            else if (stun.Method == TurnMethods.Refresh)
                allocations.LastOrDefault(a => a.Client.Equals(success.Destination) && a.Granted.Source.Equals(success.Source))?.Grants.Add(success);
        }
        return allocations;
    }
}
