using IceSpec.Stun;

namespace IceSpec.Captures.Diagnosis.Rules;

/// <summary>
/// Why no pair succeeded (RFC 8445 §7.2.5, §8.1.2): each pair an agent checked, told by the last thing seen of its checks
/// in any capture (<see cref="PairOutcome"/>), and the findings when no pair succeeded or none was nominated.
/// A pair is the agent's (ufrag), the address its checks left from and the address they went to, as the agent's own
/// capture shows them (else the first capture that saw them).
/// </summary>
public sealed class PairOutcomes : IDiagnosisRule
{
    // Best first: a pair's outcome is the furthest any of its checks got.
    private static readonly string[] Order =
        ["succeeded", "non-symmetric", "error", "answer-lost", "arrived-no-answer", "unreachable", "left-never-arrived", "left-no-answer", "never-sent"];

    private sealed record PairKey(string Agent, string Transport, string Local, string Remote);

    /// <summary>Each checked pair with its outcome, ordered by agent and first check.</summary>
    public static IReadOnlyList<PairOutcome> Compute(SessionEvidence evidence)
    {
        var pairs = new Dictionary<PairKey, List<(EvidenceTransaction Transaction, string Outcome, string Detail)>>();
        foreach (var transaction in evidence.Transactions.Values.Where(t => t.IsIceCheck).OrderBy(t => t.Request.Time))
        {
            var request = transaction.Request;
            var key = new PairKey(transaction.SenderUfrag!, request.Transport, request.Source.ToString(), request.Destination.ToString());
            if (!pairs.TryGetValue(key, out var checks)) pairs[key] = checks = [];
            var (outcome, detail) = Judge(evidence, transaction);
            checks.Add((transaction, outcome, detail));
        }
        var checkedPairs = pairs.Select(p =>
        {
            var best = p.Value.MinBy(c => Array.IndexOf(Order, c.Outcome.StartsWith("error", StringComparison.Ordinal) ? "error" : c.Outcome));
            var nominated = p.Value.Any(c => c.Outcome == "succeeded" && c.Transaction.Request.Stun!.UseCandidate);
            return new PairOutcome(p.Key.Agent, p.Key.Local, p.Key.Remote, p.Key.Transport, best.Outcome, p.Value.Count, nominated,
                [best.Transaction.Request.Ref, .. best.Transaction.Responses.Take(1).Select(r => r.Ref)], best.Detail);
        }).OrderBy(p => p.Agent, StringComparer.Ordinal).ThenBy(p => p.Frames[0].Frame).ToList();
        return checkedPairs.Any(p => p.Outcome == "succeeded") ? checkedPairs : [.. checkedPairs, .. NeverSent(evidence)];
    }

    /// <summary>
    /// In a session where no pair succeeded, the candidates the signalling gave an agent that it never sent a check to
    /// (the request never left: RFC 8445 §6.1.2 pairs every local candidate with every remote one of the same component
    /// and address family). Not listed once a pair succeeded: an agent stops checking when it has selected (§8.1.2).
    /// </summary>
    private static IEnumerable<PairOutcome> NeverSent(SessionEvidence evidence)
    {
        var checks = evidence.Transactions.Values.Where(t => t.IsIceCheck).ToList();
        foreach (var told in evidence.Signalling.Where(a => a.View == SignalledView.Told))
        {
            var checkers = checks.Where(t => t.ReceiverUfrag == told.Ufrag).Select(t => t.SenderUfrag!).Distinct().ToList();
            foreach (var candidate in told.Candidates)
            {
                if (candidate.Address is not { } address || checks.Any(t => t.ReceiverUfrag == told.Ufrag && t.Requests.Any(r => r.Destination.Equals(address))))
                    continue;
                var transport = candidate.Candidate.TransportToken.ToLowerInvariant();
                yield return new PairOutcome(checkers.Count == 1 ? checkers[0] : $"(the peer of {told.Ufrag})", "-", address.ToString(), transport,
                    "never-sent", 0, false, [], $"{candidate} signalled to the peer of {told.Ufrag} ({candidate.Origin}), never checked");
            }
        }
    }

    /// <summary>The last thing seen of one check: its answer where the checking agent was, or how far the request got.</summary>
    private static (string Outcome, string Detail) Judge(SessionEvidence evidence, EvidenceTransaction check)
    {
        var sender = check.SenderUfrag!;
        var receiver = check.ReceiverUfrag!;
        var request = check.Request;
        var senderHome = evidence.AgentByUfrag(sender)?.HomeCaptures ?? [];
        var receiverHome = evidence.AgentByUfrag(receiver)?.HomeCaptures ?? [];
        // The answer as the checking agent saw it: in its own capture when there is one.
        var answer = check.Responses.FirstOrDefault(r => senderHome.Count == 0 || senderHome.Contains(r.Capture));
        if (answer?.Stun is { } response)
        {
            var asked = check.Requests.FirstOrDefault(r => r.Capture == answer.Capture) ?? request;
            if (!answer.Source.Equals(asked.Destination) || !answer.Destination.Equals(asked.Source))
                return ("non-symmetric", $"answered {answer.Source} → {answer.Destination} ({evidence.Describe(answer.Ref)}), not from where the check went ({asked.Destination})");
            if (response.Class == StunClass.Error)
                return ($"error {response.ErrorCode}", $"answered with error {response.ErrorCode} ({evidence.Describe(answer.Ref)})");
            return ("succeeded", $"answered ({evidence.Describe(answer.Ref)})");
        }
        if (check.Responses.Count > 0)
            return ("answer-lost", $"answered by {receiver} ({evidence.Describe(check.Responses[0].Ref)}), the answer never reached {sender}");
        var arrived = check.Requests.FirstOrDefault(r => receiverHome.Contains(r.Capture) && !r.AtSender);
        if (arrived is not null)
            return ("arrived-no-answer", $"arrived at {receiver} ({evidence.Describe(arrived.Ref)}), never answered");
        var transit = check.Requests.FirstOrDefault(r => !senderHome.Contains(r.Capture) && !receiverHome.Contains(r.Capture));
        var tries = check.Requests.Count(r => r.Capture == request.Capture);
        var sent = $"sent {tries} time{(tries == 1 ? "" : "s")} ({evidence.Describe(request.Ref)})";
        // RFC 1122 §4.1.3.1: a UDP datagram to a port nothing listens on gets an ICMP port unreachable (RFC 792); a router
        // or NAT that cannot forward it may send another destination unreachable.
        if (Unreachable(evidence, check) is { } icmp)
            return ("unreachable", $"{sent}; answered by {icmp.Error.Describe()} ({evidence.Describe(icmp.Ref)})");
        if (receiverHome.Count > 0)
            return ("left-never-arrived", transit is null
                ? $"{sent}; not seen at {receiver}'s host" + (evidence.TransitCaptures.Any() ? " nor on the way" : "")
                : $"{sent}; seen on the way ({evidence.Describe(transit.Ref)}), not at {receiver}'s host");
        return ("left-no-answer", $"{sent}; no answer (whether it arrived, a capture on {receiver}'s host would tell)");
    }

    /// <summary>The first ICMP error that answered one of the check's transmissions, in the capture that saw it leave.</summary>
    internal static UnreachableSighting? Unreachable(SessionEvidence evidence, EvidenceTransaction check) =>
        check.Requests.Where(r => r.Captured.Relay is null)
            .Select(r => evidence.UnreachableAfter(r.Capture, r.Source, r.Destination, r.Time)).FirstOrDefault(u => u is not null);

    public IEnumerable<Finding> Diagnose(SessionEvidence evidence)
    {
        var pairs = Compute(evidence);
        if (pairs.Count == 0) yield break;
        var byAgent = pairs.GroupBy(p => p.Agent).ToList();
        if (!pairs.Any(p => p.Outcome == "succeeded"))
        {
            var counts = pairs.GroupBy(p => p.Outcome).OrderBy(g => Array.IndexOf(Order, g.Key.StartsWith("error", StringComparison.Ordinal) ? "error" : g.Key))
                .Select(g => $"{g.Count()} {Explain(g.Key)}");
            // The candidates never checked follow from the checks' fate more often than they explain it.
            var dominant = (pairs.Any(p => p.Outcome != "never-sent") ? pairs.Where(p => p.Outcome != "never-sent") : pairs)
                .GroupBy(p => p.Outcome).MaxBy(g => g.Count())!.Key;
            yield return new Finding("no-pair-succeeded", FindingCategory.Pairs, FindingSeverity.Cause,
                $"ICE failed: none of the {pairs.Count} pairs checked succeeded ({string.Join(", ", counts)})",
                [.. pairs.Where(p => p.Frames.Count > 0).Select(p => p.Frames[0]).Take(8)], "RFC 8445 §7.2.5.3, §8.1.2",
                FixFor(dominant), [.. pairs.Select(p => $"{p.Agent}: {p.Local} → {p.Remote}{(p.Transport == "tcp" ? " (TCP)" : "")}: {p.Outcome}; {p.Detail}")]);
            yield break;
        }
        var succeeded = pairs.Where(p => p.Outcome == "succeeded").ToList();
        var controlling = evidence.Agents.Where(a => a.Role == "controlling").Select(a => a.Ufrag).ToHashSet();
        if (succeeded.Any(p => p.Nominated) || controlling.Count == 0) yield break;
        // RFC 8445 §8.1.1: the controlling agent nominates by sending a check with USE-CANDIDATE on a valid pair; the pair
        // is nominated when that check succeeds (§7.2.5.3.4). Tell a nomination never tried from one whose check failed.
        var nominating = evidence.Transactions.Values.Where(t => t.IsIceCheck && t.Request.Stun!.UseCandidate && controlling.Contains(t.SenderUfrag!))
            .OrderBy(t => t.Request.Time).Select(t => (Check: t, Outcome: Judge(evidence, t))).ToList();
        if (nominating.Count > 0)
            yield return new Finding("nomination-failed", FindingCategory.Pairs, FindingSeverity.Cause,
                $"the controlling agent ({string.Join(", ", controlling)}) tried to nominate with {nominating.Count} USE-CANDIDATE check{(nominating.Count == 1 ? "" : "s")}, none succeeded ({string.Join(", ", nominating.Select(n => n.Outcome.Outcome).Distinct())}), although {succeeded.Count} pair{(succeeded.Count == 1 ? "" : "s")} succeeded without it",
                [.. nominating.Select(n => n.Check.Request.Ref).Take(8)], "RFC 8445 §8.1.1, §7.2.5.3.4",
                "a nominating check must itself succeed (symmetric success response) for the pair to be nominated: fix what the outcome names, then nominate again on a valid pair",
                [.. nominating.Select(n => $"{n.Check.Request.Source} → {n.Check.Request.Destination} ({evidence.Describe(n.Check.Request.Ref)}): {n.Outcome.Outcome}; {n.Outcome.Detail}")]);
        else
            yield return new Finding("no-nomination", FindingCategory.Pairs, FindingSeverity.Cause,
                $"{succeeded.Count} pair{(succeeded.Count == 1 ? "" : "s")} succeeded but the controlling agent ({string.Join(", ", controlling)}) never sent a check with USE-CANDIDATE",
                [.. succeeded.Select(p => p.Frames[^1]).Take(8)], "RFC 8445 §8.1.1",
                "the controlling agent must nominate a valid pair: send a check with USE-CANDIDATE on it (RFC 8445 §8.1.1); check that its nomination is not waiting on pairs that cannot succeed",
                [.. succeeded.Select(p => $"{p.Agent}: {p.Local} → {p.Remote} succeeded ({p.Detail})")]);
    }

    private static string Explain(string outcome) => outcome switch
    {
        "non-symmetric" => "answered from another address (non-symmetric)",
        "answer-lost" => "answered, the answer lost on the way back",
        "arrived-no-answer" => "arrived and were never answered",
        "unreachable" => "answered by an ICMP error (unreachable)",
        "left-never-arrived" => "left and never arrived",
        "left-no-answer" => "sent and never answered",
        "never-sent" => "signalled and never checked",
        _ when outcome.StartsWith("error", StringComparison.Ordinal) => $"answered with {outcome}",
        _ => outcome,
    };

    private static string FixFor(string outcome) => outcome switch
    {
        "left-never-arrived" or "left-no-answer" or "answer-lost" =>
            "the path drops the checks (see the NAT findings): give the agents a relayed candidate (TURN, RFC 8445 §5.1.1.2, RFC 8656) or fix the filtering",
        "unreachable" => "nothing listens where the checks went, or a router refused them (see the ICMP errors): check that the peer's agent is still running on the candidates it signalled, and that no firewall rejects the flow",
        "arrived-no-answer" => "the receiving agent drops checks it gets: check the credentials it was given (USERNAME, password) and that it had started ICE for this session",
        "never-sent" => "the agent never checked the candidates it was given: it must pair every remote candidate with its local ones and check them (RFC 8445 §6.1.2, §6.1.4); check that the candidates reached it and were not pruned",
        "non-symmetric" => "answer each check from the address it was sent to (RFC 8445 §7.2.5.2.1); a multihomed host must send from the socket that received",
        _ => "see the error response: RFC 8445 §7.2.5.2.4 (487: role conflict), RFC 8489 §9.1.3 (401: integrity), §7.3.1.5 (400)",
    };
}
