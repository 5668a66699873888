using System.Net;
using IceSpec.Stun;

namespace IceSpec.Captures.Diagnosis.Rules;

/// <summary>
/// Signalling (RFC 8445 §5.3, §7.3.1.3; RFC 8838 trickle; RFC 8839): with <c>--signalling</c>, checks from candidates the
/// peer was never given (withheld, or hidden) and to addresses the receiver never advertised, candidates signalled late
/// (the peer's check came first: a peer-reflexive pair), descriptions never ended by <c>end-of-candidates</c>; from the
/// captures alone, role conflicts (RFC 8445 §7.3.1.1): who answered 487, who switched, what it cost — and two agents in
/// the same role with no 487.
/// </summary>
public sealed class SignallingFindings : IDiagnosisRule
{
    /// <summary>A candidate signalled this much after it was gathered (or after its first check arrived) is late.</summary>
    public static readonly TimeSpan LateAfter = TimeSpan.FromMilliseconds(500);

    public IEnumerable<Finding> Diagnose(SessionEvidence evidence) =>
        [.. NotSignalled(evidence), .. Late(evidence), .. EndOfCandidates(evidence), .. Roles(evidence)];

    /// <summary>What the peer of <paramref name="ufrag"/> was told about it (the latest generation); null without such signalling.</summary>
    private static SignalledAgent? Told(SessionEvidence evidence, string ufrag) =>
        evidence.Signalling.LastOrDefault(a => a.View == SignalledView.Told && a.Ufrag == ufrag);

    private static SignalledAgent? Own(SessionEvidence evidence, string ufrag) =>
        evidence.Signalling.LastOrDefault(a => a.View == SignalledView.Own && a.Ufrag == ufrag);

    /// <summary>
    /// Whether <paramref name="agent"/>'s signalled candidates explain <paramref name="address"/>: a candidate there, an
    /// mDNS-named candidate (draft-ietf-mmusic-mdns-ice-candidates §3.2.1) on that port whose name the captures resolved to
    /// that IP, one based on it (a server-reflexive candidate's related address), or — over TCP — an active candidate on
    /// that IP (RFC 6544 §4.5: signalled with port 9; its connections come from any port).
    /// </summary>
    private static bool Advertises(SessionEvidence evidence, SignalledAgent agent, IPEndPoint address, string transport) =>
        agent.Candidates.Exists(c => address.Equals(c.Address)
            || (c.Candidate.Address.IsMdnsName && c.Candidate.Port == address.Port && evidence.MdnsAddresses(c.Candidate.Address.Text).Contains(address.Address))
            || (c.Candidate.RelatedAddress?.IPAddress is { } related && c.Candidate.RelatedPort is { } port && address.Equals(new IPEndPoint(related, port)))
            || (transport == "tcp" && c.Candidate.Transport == Ice.Sdp.IceTransport.Tcp && c.Candidate.TcpType is Ice.Sdp.IceTcpType.Active or Ice.Sdp.IceTcpType.SimultaneousOpen
                && address.Address.Equals(c.Candidate.Address.IPAddress)));

    private static bool Succeeded(SessionEvidence evidence) =>
        evidence.Transactions.Values.Any(t => t.IsIceCheck && t.Responses.Any(r => r.Stun!.Class == StunClass.Success));

    /// <summary>
    /// RFC 8445 §5.3: an agent signals its candidates; §7.3.1.3: a check from an address the receiver was never given makes
    /// a peer-reflexive candidate; §6.1.2.2: a check goes only to a candidate the peer signalled (or one learnt so).
    /// </summary>
    private static IEnumerable<Finding> NotSignalled(SessionEvidence evidence)
    {
        // RFC 8445 §7.3.1.3: "If the source transport address of the request does not match any existing remote
        // candidates, it represents a new peer-reflexive remote candidate."
        var checks = evidence.Transactions.Values.Where(t => t.IsIceCheck).OrderBy(t => t.Request.Time).ToList();
        // Checks leaving their sender's host (the source is the agent's own socket, not a NAT's mapping), not through TURN.
        foreach (var group in checks.Where(t => t.Requests.Any(r => r.AtSender) && t.Request.Captured.Relay is null)
                     .GroupBy(t => (Sender: t.SenderUfrag!, Source: t.Request.Source)))
        {
            var (sender, source) = group.Key;
            if (Told(evidence, sender) is not { } told || Advertises(evidence, told, source, group.First().Request.Transport)) continue;
            var first = group.First();
            var receiver = first.ReceiverUfrag!;
            var own = Own(evidence, sender);
            var gathered = own?.Candidates.Find(c => source.Equals(c.Address));
            var back = checks.FirstOrDefault(t => t.SenderUfrag == receiver && t.Request.Destination.Equals(source));
            var answered = first.Responses.FirstOrDefault(r => r.Stun!.Class == StunClass.Success);
            var frames = new[] { first.Request.Ref, back?.Request.Ref }.OfType<FrameRef>().ToList();
            var details = new List<string>
            {
                $"{group.Count()} check{(group.Count() == 1 ? "" : "s")} of {sender} from {source}, the first {evidence.Describe(first.Request.Ref)}; {receiver} was given {told.Candidates.Count} candidate{(told.Candidates.Count == 1 ? "" : "s")} of {sender} ({told.Origin}{(told.Candidates.Count > 0 ? ": " + string.Join(", ", told.Candidates) : "")})",
                gathered is not null ? $"{sender} gathered {source} itself ({gathered.Origin}), so it was lost on the way to {receiver}" : $"{sender}'s own account of its candidates is not among the signalling given",
                answered is not null ? $"{receiver} answered {evidence.Describe(answered.Ref)}" : $"{receiver} never answered these checks",
                back is not null ? $"{receiver} checked back to {source} as peer-reflexive ({evidence.Describe(back.Request.Ref)})" : $"{receiver} never checked {source}",
            };
            if (told.Candidates.Exists(c => c.Candidate.Address.IsMdnsName && evidence.MdnsAddresses(c.Candidate.Address.Text).Count == 0))
                details.Add("some of its candidates are mDNS names the captures do not resolve: a host address hidden behind one shows up like this");
            var severity = gathered is not null ? (Succeeded(evidence) ? FindingSeverity.Defect : FindingSeverity.Cause) : FindingSeverity.Note;
            yield return new Finding("candidate-not-signalled", FindingCategory.Signalling, severity,
                gathered is not null
                    ? $"{sender}'s candidate {source} never reached {receiver} by signalling though {sender} gathered it: {receiver} knew it only from {sender}'s checks, as a peer-reflexive candidate"
                    : $"{sender}'s checks come from {source}, which signalling never gave {receiver}: {receiver} could know it only as a peer-reflexive candidate",
                frames, "RFC 8445 §7.3.1.3",
                $"signal every candidate {sender} gathers (RFC 8445 §5.3; trickled, RFC 8838 §9): the signalling path dropped or withheld {source}",
                details);
        }
        // Checks to an address that the receiver never advertised and never checked from (nothing to learn it from).
        foreach (var group in checks.Where(t => t.Request.Captured.Relay is null && t.Requests.Any(r => r.AtSender))
                     .GroupBy(t => (Sender: t.SenderUfrag!, Receiver: t.ReceiverUfrag!, Destination: t.Request.Destination)))
        {
            var (sender, receiver, destination) = group.Key;
            var first = group.First();
            // Over TCP a check also travels back on the connection the peer opened, to its ephemeral port.
            if (Told(evidence, receiver) is not { } told || Advertises(evidence, told, destination, first.Request.Transport)) continue;
            // draft-ietf-mmusic-mdns-ice-candidates §3.2: a host candidate signalled as an mDNS name is checked at the
            // address the name resolved to; the name hides the address, not the port. Advertises matches names the
            // captures resolved; one they never saw answered is given the benefit of the doubt at its port.
            if (told.Candidates.Exists(c => c.Candidate.Address.IsMdnsName && c.Candidate.Port == destination.Port
                                            && evidence.MdnsAddresses(c.Candidate.Address.Text).Count == 0)) continue;
            var learnt = checks.Any(t => t.SenderUfrag == receiver && t.Request.Time <= first.Request.Time
                && t.Requests.Any(r => r.Source.Equals(destination)));
            if (learnt) continue;
            yield return new Finding("check-to-unsignalled-address", FindingCategory.Signalling, FindingSeverity.Defect,
                $"{sender} checks {destination}, which {receiver} never advertised to it and never sent a check from",
                [first.Request.Ref], "RFC 8445 §6.1.2.2",
                $"{sender} pairs only with the candidates {receiver} signalled and those learnt from its checks (RFC 8445 §6.1.2.2, §7.3.1.3): check where {destination} came from (an earlier session's candidate?)",
                [$"{group.Count()} check{(group.Count() == 1 ? "" : "s")}, the first {evidence.Describe(first.Request.Ref)}",
                 $"{receiver} was given to {sender} with: {string.Join(", ", told.Candidates.Select(c => c.ToString()).DefaultIfEmpty("no candidates"))} ({told.Origin})"]);
        }
    }

    /// <summary>
    /// RFC 8838 §9, §11: trickled candidates are sent as soon as gathered and paired as soon as received; a check that
    /// arrives from a candidate not yet signalled makes a peer-reflexive candidate (RFC 8445 §7.3.1.3).
    /// </summary>
    private static IEnumerable<Finding> Late(SessionEvidence evidence)
    {
        var checks = evidence.Transactions.Values.Where(t => t.IsIceCheck).OrderBy(t => t.Request.Time).ToList();
        foreach (var told in evidence.Signalling.Where(a => a.View == SignalledView.Told))
        {
            var own = Own(evidence, told.Ufrag);
            foreach (var candidate in told.Candidates)
            {
                if (candidate.At is not { } given || candidate.Address is not { } address) continue;
                var gathered = own?.Candidates.Find(c => address.Equals(c.Address))?.At;
                // The peer's first check from the candidate where its receiver saw it, and the receiver's first check to it.
                var arrived = checks.Where(t => t.SenderUfrag == told.Ufrag && t.Request.Source.Equals(address))
                    .SelectMany(t => t.Requests).Where(r => !r.AtSender || evidence.Captures.Count == 1).OrderBy(r => r.Time).FirstOrDefault();
                var checkedTo = checks.FirstOrDefault(t => t.ReceiverUfrag == told.Ufrag && t.Request.Destination.Equals(address));
                var before = arrived is not null && arrived.Time < given ? given - arrived.Time : TimeSpan.Zero;
                var afterGathering = gathered is { } g && given > g ? given - g : TimeSpan.Zero;
                if (before < LateAfter && afterGathering < LateAfter) continue;
                var receiver = arrived?.Stun!.Username!.Split(':')[0] ?? checkedTo?.SenderUfrag ?? $"{told.Ufrag}'s peer";
                var details = new List<string> { $"{candidate} given to {receiver} at {evidence.Ms(given):0.0} ms ({candidate.Origin})" };
                if (gathered is { } at) details.Add($"{told.Ufrag} gathered it at {evidence.Ms(at):0.0} ms: signalled {afterGathering.TotalMilliseconds:0} ms later");
                if (arrived is not null)
                    details.Add(before > TimeSpan.Zero
                        ? $"{told.Ufrag}'s first check from it reached {receiver} {before.TotalMilliseconds:0} ms before that ({evidence.Describe(arrived.Ref)}): a peer-reflexive candidate until then"
                        : $"{told.Ufrag}'s first check from it: {evidence.Describe(arrived.Ref)}");
                if (checkedTo is not null)
                    details.Add($"{checkedTo.SenderUfrag}'s first check to it: {evidence.Describe(checkedTo.Request.Ref)} at {evidence.Ms(checkedTo.Request.Time):0.0} ms" +
                        (checkedTo.Request.Time >= given ? ", only after it was signalled" : ", before it was signalled (a triggered check to the peer-reflexive candidate)"));
                yield return new Finding("candidate-signalled-late", FindingCategory.Signalling, FindingSeverity.Delay,
                    before > TimeSpan.Zero
                        ? $"{told.Ufrag}'s candidate {address} was signalled to {receiver} {before.TotalMilliseconds:0} ms after {told.Ufrag}'s checks from it arrived: {receiver} met it as a peer-reflexive candidate first"
                        : $"{told.Ufrag}'s candidate {address} was signalled to {receiver} {afterGathering.TotalMilliseconds:0} ms after it was gathered: checks to it waited for the signalling",
                    [.. new[] { arrived?.Ref, checkedTo?.Request.Ref }.OfType<FrameRef>().Distinct()], "RFC 8838 §9",
                    $"trickle each candidate as soon as it is gathered (RFC 8838 §9) and deliver it without delay: the signalling path held {address} back",
                    details);
            }
        }
    }

    /// <summary>
    /// RFC 8838 §13: once gathering is complete an agent conveys end-of-candidates; until it arrives the peer may not declare
    /// its checklist Failed (RFC 8838 §8), so a missing one turns a failure into a hang.
    /// </summary>
    private static IEnumerable<Finding> EndOfCandidates(SessionEvidence evidence)
    {
        // RFC 8838 §13: "Once all candidate gathering is completed or expires for an ICE session, a Trickle ICE agent will
        // generate an 'end-of-candidates' indication for that session and convey it to the remote agent via the
        // signaling channel." A full description without trickle is complete as it is (SignallingReader marks it so).
        foreach (var told in evidence.Signalling.Where(a => a.View == SignalledView.Told && !a.EndOfCandidates)
                     .GroupBy(a => (a.Source, a.Ufrag)).Select(g => g.Last()))
        {
            var own = Own(evidence, told.Ufrag);
            var succeeded = Succeeded(evidence);
            yield return new Finding("end-of-candidates-missing", FindingCategory.Signalling, succeeded ? FindingSeverity.Note : FindingSeverity.Defect,
                $"{told.Ufrag}'s peer was never told that {told.Ufrag}'s candidates were complete (no end-of-candidates){(succeeded ? "" : ": it could not declare ICE failed, and kept waiting")}",
                [], "RFC 8838 §13",
                $"convey end-of-candidates once {told.Ufrag}'s gathering is complete (RFC 8838 §13: a=end-of-candidates, or the signalling's own marker): without it the peer may not fail the checklist (RFC 8838 §8)",
                [$"{told.Ufrag}'s description to its peer: {told.Origin}, {told.Candidates.Count} candidate{(told.Candidates.Count == 1 ? "" : "s")}, no end-of-candidates then or after (in {told.Source})",
                 own?.EndOfCandidatesAt is { } done ? $"{told.Ufrag} itself finished gathering at {evidence.Ms(done):0.0} ms ({own.Origin})" : $"when {told.Ufrag} finished gathering is not in the signalling given"]);
        }
    }

    private static string? TieBreaker(EvidenceTransaction check) =>
        (check.Request.Stun!.IceControlling ?? check.Request.Stun.IceControlled) is { } value ? $"0x{value:x16}" : null;

    /// <summary>
    /// RFC 8445 §7.3.1.1: an agent that gets a check claiming its own role either answers 487 (Role Conflict) or switches —
    /// the one with the larger tie-breaker keeps controlling; §7.2.5.1: the agent answered 487 switches and checks again.
    /// </summary>
    private static IEnumerable<Finding> Roles(SessionEvidence evidence)
    {
        // RFC 8445 §7.3.1.1, controlling agent receiving ICE-CONTROLLING: "If the agent's tiebreaker value is larger than
        // or equal to the contents of the ICE-CONTROLLING attribute, the agent generates a Binding error response and
        // includes an ERROR-CODE attribute with a value of 487 (Role Conflict) but retains its role. If the agent's
        // tiebreaker value is less than the contents of the ICE-CONTROLLING attribute, the agent switches to the
        // controlled role." (and the mirror rule for two controlled agents). §7.2.5.1: on a 487 the checking agent "MUST
        // switch" role and re-check the pair.
        var checks = evidence.Transactions.Values.Where(t => t.IsIceCheck).OrderBy(t => t.Request.Time).ToList();
        foreach (var session in checks.GroupBy(t => string.CompareOrdinal(t.SenderUfrag, t.ReceiverUfrag) < 0
                     ? (A: t.SenderUfrag!, B: t.ReceiverUfrag!) : (A: t.ReceiverUfrag!, B: t.SenderUfrag!)))
        {
            var list = session.ToList();
            var conflicts = list.Where(t => t.Responses.Any(r => r.Stun!.ErrorCode == StunErrorCodes.RoleConflict)).ToList();
            string Role(EvidenceTransaction t) => t.Request.Stun!.IceControlling is not null ? "controlling" : "controlled";
            if (conflicts.Count > 0)
            {
                var first = conflicts[0];
                var loser = first.SenderUfrag!;
                var answer = first.Responses.First(r => r.Stun!.ErrorCode == StunErrorCodes.RoleConflict);
                var claimed = Role(first);
                var after = list.FirstOrDefault(t => t.SenderUfrag == loser && t.Request.Time > answer.Time && Role(t) != claimed);
                var cost = list.Count(t => t.SenderUfrag == loser && t.Request.Time <= (after?.Request.Time ?? DateTime.MaxValue) && Role(t) == claimed
                    && t.Responses.Any(r => r.Stun!.ErrorCode == StunErrorCodes.RoleConflict));
                var tieBreaker = TieBreaker(first);
                var otherTieBreaker = list.Where(t => t.SenderUfrag == first.ReceiverUfrag).Select(TieBreaker).FirstOrDefault() ?? "unknown";
                var details = new List<string>
                {
                    $"{first.ReceiverUfrag} answered {loser}'s check (claiming {claimed}, tie-breaker {tieBreaker}) with 487 {evidence.Describe(answer.Ref)}; {first.ReceiverUfrag}'s tie-breaker {otherTieBreaker} (RFC 8445 §7.3.1.1: the larger one keeps the controlling role)",
                    $"{cost} check{(cost == 1 ? "" : "s")} of {loser} answered 487",
                };
                if (after is not null)
                {
                    details.Add($"{loser} switched to {Role(after)}: its next check {evidence.Describe(after.Request.Ref)}, {(after.Request.Time - answer.Time).TotalMilliseconds:0} ms after the 487");
                    yield return new Finding("role-conflict", FindingCategory.Signalling, FindingSeverity.Note,
                        $"both agents started {claimed}: {first.ReceiverUfrag} answered {loser}'s check with 487 Role Conflict and {loser} switched to {Role(after)}, at the cost of {cost} check{(cost == 1 ? "" : "s")} and {(after.Request.Time - first.Request.Time).TotalMilliseconds:0} ms",
                        [first.Request.Ref, answer.Ref, after.Request.Ref], "RFC 8445 §7.3.1.1",
                        "give the agents opposite roles in signalling (the offerer controlling, RFC 8445 §6.1.1; a lite peer's peer controlling); the conflict resolved itself",
                        details);
                }
                else
                {
                    details.Add($"{loser} never checked again in another role");
                    yield return new Finding("role-conflict-unresolved", FindingCategory.Signalling, FindingSeverity.Defect,
                        $"{first.ReceiverUfrag} answered {loser}'s check with 487 Role Conflict but {loser} never switched role",
                        [first.Request.Ref, answer.Ref], "RFC 8445 §7.2.5.1",
                        $"on a 487, {loser} must switch its role and check the pair again (RFC 8445 §7.2.5.1)", details);
                }
                continue;
            }
            // No 487: an answered check that claims the answerer's own role, while the answerer kept that role.
            foreach (var check in list.Where(t => t.Responses.Any(r => r.Stun!.Class == StunClass.Success)))
            {
                var answerer = check.ReceiverUfrag!;
                var role = Role(check);
                var at = check.Responses.First(r => r.Stun!.Class == StunClass.Success).Time;
                var mine = list.Where(t => t.SenderUfrag == answerer).ToList();
                var before = mine.LastOrDefault(t => t.Request.Time <= at);
                if (before is null || Role(before) != role) continue;
                if (mine.FirstOrDefault(t => t.Request.Time > at && Role(t) != role) is { } switched)
                {
                    // The answerer had the smaller tie-breaker: it switched role and answered, no 487 needed (RFC 8445 §7.3.1.1).
                    yield return new Finding("role-conflict", FindingCategory.Signalling, FindingSeverity.Note,
                        $"both agents started {role}: {answerer} got {check.SenderUfrag}'s check claiming {role} and switched to {Role(switched)} without a 487",
                        [before.Request.Ref, check.Request.Ref, switched.Request.Ref], "RFC 8445 §7.3.1.1",
                        "give the agents opposite roles in signalling (the offerer controlling, RFC 8445 §6.1.1); the conflict resolved itself",
                        [$"{answerer}'s checks claimed {role} ({evidence.Describe(before.Request.Ref)}, tie-breaker {TieBreaker(before)}); {check.SenderUfrag}'s check {evidence.Describe(check.Request.Ref)} claims {role} with tie-breaker {TieBreaker(check)}",
                         $"{answerer}'s next check {evidence.Describe(switched.Request.Ref)} claims {Role(switched)}: {(switched.Request.Time - at).TotalMilliseconds:0} ms after it answered"]);
                    break;
                }
                if (mine.Any(t => Role(t) != role)) continue;
                var swapped = list.FirstOrDefault(t => t.SenderUfrag == answerer && t.Responses.Any(r => r.Stun!.Class == StunClass.Success));
                yield return new Finding("same-role-without-487", FindingCategory.Signalling, FindingSeverity.Defect,
                    $"both agents are {role} and neither resolved it: {answerer} answered {check.SenderUfrag}'s check claiming {role} with success while itself {role}, and no 487 was sent",
                    [.. new[] { before.Request.Ref, check.Request.Ref, check.Responses.First(r => r.Stun!.Class == StunClass.Success).Ref }.Distinct()], "RFC 8445 §7.3.1.1",
                    $"an agent receiving a check in its own role must compare tie-breakers and answer 487 or switch (RFC 8445 §7.3.1.1); and signalling should give the agents opposite roles",
                    [$"{answerer}'s own checks claim {role} ({evidence.Describe(before.Request.Ref)}, tie-breaker {TieBreaker(before)}); {check.SenderUfrag}'s claim {role} (tie-breaker {TieBreaker(check)})",
                     swapped is not null ? $"{check.SenderUfrag} too answered {answerer}'s {role} checks with success ({evidence.Describe(swapped.Responses.First(r => r.Stun!.Class == StunClass.Success).Ref)})" : $"{check.SenderUfrag}'s answers to {answerer}: none succeeded"]);
                break;
            }
        }
    }
}
