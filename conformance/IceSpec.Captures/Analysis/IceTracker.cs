using System.Net;
using IceSpec.Ice;
using IceSpec.Stun;

namespace IceSpec.Captures.Analysis;

/// <summary>
/// ICE sessions from connectivity checks (RFC 8445 §7): agents by ufrag (the LFRAG of the checks they send, §7.2.2) and
/// the addresses they send from, their roles from ICE-CONTROLLING/ICE-CONTROLLED (§7.1.3), each agent's pairs through
/// <see cref="IcePairMonitor"/>, nomination, the selected pair and consent checks after it (RFC 7675 §5.1). Both agents'
/// checks are in the capture, so a check from R to L is also what retriggers the pair (L, R) of the agent at L
/// (RFC 8445 §7.3.1.4). Reports USERNAMEs that are not <c>RFRAG:LFRAG</c>, non-symmetric responses, USE-CANDIDATE from
/// the controlled agent, two agents that stay in the same role without a 487, and every event a pair's machine refuses.
/// </summary>
public sealed class IceTracker(Action<Violation> report)
{
    private sealed class Agent(string ufrag)
    {
        public string Ufrag { get; } = ufrag;
        public HashSet<IPEndPoint> Addresses { get; } = [];
        public List<string> RolesClaimed { get; } = [];
        public string Role { get; set; } = "unknown";
        public int ChecksSent { get; set; }
        public bool Sent487 { get; set; }
    }

    private readonly Dictionary<string, Agent> _agents = new(StringComparer.Ordinal);
    // Per transport too: an ICE-TCP pair (RFC 6544) and a UDP pair may have the same addresses.
    private readonly Dictionary<(string Agent, string Transport, IPEndPoint Local, IPEndPoint Remote), IcePairMonitor> _pairs = [];
    // The latest pair on each 5-tuple, whatever its agent: the receiver of a check whose USERNAME names no agent that checks from there.
    private readonly Dictionary<(string Transport, IPEndPoint Local, IPEndPoint Remote), IcePairMonitor> _pairsByTuple = [];
    private readonly Dictionary<(IPEndPoint From, IPEndPoint To), string> _usernameBySender = [];   // USERNAME of the first check each way
    private readonly HashSet<IPEndPoint> _mappedAddresses = [];
    private readonly HashSet<(IPEndPoint, IPEndPoint)> _reportedUsernames = [];
    private readonly List<IcePairMonitor> _nominated = [];
    private readonly Dictionary<IcePairMonitor, (int Checks, int Responses)> _consent = [];
    private readonly Dictionary<string, List<IcePairMonitor>> _pairsByAgent = new(StringComparer.Ordinal);
    // For a pair its agent has not checked yet: the first check of the peer that retriggered it (RFC 8445 §7.3.1.4), and
    // whether the agent accepted a nomination on it (§7.3.1.5). Applied when the agent's first check creates its monitor.
    private readonly Dictionary<(string Agent, string Transport, IPEndPoint Local, IPEndPoint Remote), StunEvent> _retriggersPending = [];
    private readonly HashSet<(string Agent, string Transport, IPEndPoint Local, IPEndPoint Remote)> _nominationsAccepted = [];
    private int _lastCheckFrame;

    /// <summary>A check's first transmission (retransmissions are not new checks).</summary>
    public void OnCheck(StunEvent check, TransactionTracker.Exchange exchange)
    {
        var parts = check.Username!.Split(':');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            report(SpecCitations.FromRequirement("username-not-remote-local", check.Frame, "Binding request as ice-check: required USERNAME",
                $"USERNAME '{check.Username}' from {check.Source} is not RFRAG:LFRAG"));
            return;
        }
        var (remoteUfrag, localUfrag) = (parts[0], parts[1]);
        CheckMirrors(check, remoteUfrag, localUfrag);

        _lastCheckFrame = check.Frame;
        CountConsent(check, exchange);
        var agent = AgentFor(localUfrag);
        AgentFor(remoteUfrag).Addresses.Add(check.Destination);
        agent.Addresses.Add(check.Source);
        agent.ChecksSent++;
        var role = check.IceControlling is not null ? "controlling" : "controlled";
        agent.Role = role;
        if (!agent.RolesClaimed.Contains(role)) agent.RolesClaimed.Add(role);
        if (check.UseCandidate && check.IceControlled is not null && check.IceControlling is null)
            report(SpecCitations.FromRequirement("use-candidate-from-controlled", check.Frame,
                "Binding request as ice-check: optional USE-CANDIDATE when ICE-CONTROLLING",
                $"agent {localUfrag} at {check.Source} sent USE-CANDIDATE with ICE-CONTROLLED"));

        Retrigger(check, remoteUfrag);
        var key = (localUfrag, check.Captured.Transport, check.Source, check.Destination);
        if (!_pairs.TryGetValue(key, out var pair))
        {
            _pairs[key] = _pairsByTuple[(check.Captured.Transport, check.Source, check.Destination)] = pair =
                new IcePairMonitor(localUfrag, check.Captured.Transport, ComponentOf(check), check.Source, check.Destination, report);
            if (!_pairsByAgent.TryGetValue(localUfrag, out var agentPairs)) _pairsByAgent[localUfrag] = agentPairs = [];
            agentPairs.Add(pair);
            if (_retriggersPending.Remove(key, out var peerCheck)) pair.Retriggered(peerCheck);
            if (_nominationsAccepted.Remove(key)) pair.NominationAccepted();
        }
        pair.CheckSent(check, exchange, MayCarryData(pair));
        exchange.Tag = pair;
    }

    /// <summary>
    /// RFC 8445 §7.1.1: a check's PRIORITY is computed as §5.1.2.1 says, whose last term is (256 - component ID): the
    /// component a pair belongs to, read from its agent's checks.
    /// </summary>
    private static int ComponentOf(StunEvent check) => check.Priority is { } priority ? 256 - (int)(priority & 0xFF) : 0;

    /// <summary>
    /// Whether the agent may send data, hence consent checks (RFC 7675 §5.1: consent is kept per 5-tuple), on this pair:
    /// RFC 8445 §12.1, "An ICE agent MAY send data on any valid pair before selected pairs have been produced for the data
    /// stream. Once selected pairs have been produced for a data stream, an agent MUST send data on those pairs only."
    /// (Whether the pair is valid is the machine's to judge: the consent transition leaves Succeeded only.)
    /// </summary>
    private bool MayCarryData(IcePairMonitor pair) =>
        pair.Selected || !_pairsByAgent[pair.Agent].Any(other => other.Component == pair.Component && other.Selected);

    /// <summary>The agent at the check's destination answered a USE-CANDIDATE check with success: its reverse pair is nominated once it succeeds (§7.3.1.5).</summary>
    private void AcceptNomination(StunEvent check)
    {
        var receiver = check.Username!.Split(':')[0];
        if (ReversePair(check, receiver) is { } reverse) reverse.NominationAccepted();
        else _nominationsAccepted.Add((receiver, check.Captured.Transport, check.Destination, check.Source));
    }

    /// <summary>
    /// RFC 8445 §7.3.1.4: the check arrives at the agent whose ufrag leads its USERNAME, and retriggers that agent's pair
    /// from the check's destination to its source — also one that agent has not checked yet: it is Waiting with a
    /// triggered check queued when the agent's first check comes. A check that fails integrity is rejected (RFC 8489
    /// §9.1.3), not processed. A check the receiver turns down later (487, §7.3.1.1; 400, §7.3.1.5) still counts here:
    /// the answer comes after, and a Retrigger, which no state refuses, only makes the pair accept more.
    /// </summary>
    private void Retrigger(StunEvent check, string receiver)
    {
        if (check.Integrity == IntegrityCheck.Failed) return;
        if (ReversePair(check, receiver) is { } reverse) reverse.Retriggered(check);
        else _retriggersPending.TryAdd((receiver, check.Captured.Transport, check.Destination, check.Source), check);
    }

    /// <summary>
    /// The receiver's pair from the check's destination to its source: the one of the agent the USERNAME names, else
    /// (a USERNAME naming the wrong agent, reported by <see cref="CheckMirrors"/>) the one checked from those addresses.
    /// </summary>
    private IcePairMonitor? ReversePair(StunEvent check, string receiver) =>
        _pairs.TryGetValue((receiver, check.Captured.Transport, check.Destination, check.Source), out var pair) ? pair
        : _pairsByTuple.GetValueOrDefault((check.Captured.Transport, check.Destination, check.Source));

    /// <summary>The response to a check (RFC 8445 §7.2.5): symmetric when it comes from where the check went, to where it came from (§7.2.5.2.1).</summary>
    public void OnResponse(StunEvent response, TransactionTracker.Exchange exchange)
    {
        if (exchange.Tag is not IcePairMonitor pair) return;
        var check = exchange.Request;
        if (ReversePair(check, check.Username!.Split(':')[0]) is { } answering) answering.PeerCheckAnswered(check);
        if (response.ErrorCode == StunErrorCodes.RoleConflict && _agents.Values.FirstOrDefault(a => a.Addresses.Contains(response.Source)) is { } sender)
            sender.Sent487 = true;
        if (response.MappedAddress is { } mapped) _mappedAddresses.Add(mapped);
        var symmetric = response.Source.Equals(check.Destination) && response.Destination.Equals(check.Source);
        if (!symmetric)
            report(SpecCitations.FromEdge("non-symmetric-response", response.Frame, SpecCitations.CandidatePair,
                SpecCitations.Edge(SpecCitations.CandidatePair, CandidatePairMachine.Table, CandidatePairState.InProgress, CandidatePairState.Failed, CandidatePairEvent.AsymmetricResponse),
                $"the check {check.Source} → {check.Destination} (frame {check.Frame}) was answered {response.Source} → {response.Destination}"));
        if (check.UseCandidate && check.IceControlling is not null && response.Class == StunClass.Success) AcceptNomination(check);
        var wasNominated = pair.NominatedFrame is not null;
        // RFC 8489 §9.1.4: a response that fails integrity is processed "as if no response was received" (the analyzer
        // reports it as bad-integrity).
        if (response.Integrity != IntegrityCheck.Failed) pair.Answered(check, exchange, response, symmetric);
        if (!wasNominated && pair.NominatedFrame is not null) _nominated.Add(pair);
        if (exchange.Tag is IcePairMonitor && _consentExchanges.Remove(exchange, out var selected) && response.Class == StunClass.Success)
            _consent[selected] = (_consent[selected].Checks, _consent[selected].Responses + 1);
    }

    private readonly Dictionary<TransactionTracker.Exchange, IcePairMonitor> _consentExchanges = [];

    /// <summary>RFC 7675 §5.1: after selection, Binding requests on the selected pair's 5-tuple (either way) keep consent.</summary>
    private void CountConsent(StunEvent check, TransactionTracker.Exchange exchange)
    {
        var selected = _nominated.FirstOrDefault(p => check.Time > p.NominatedAt &&
            (check.Source.Equals(p.Local) && check.Destination.Equals(p.Remote) || check.Source.Equals(p.Remote) && check.Destination.Equals(p.Local)));
        if (selected is null) return;
        _consent[selected] = (_consent.GetValueOrDefault(selected).Checks + 1, _consent.GetValueOrDefault(selected).Responses);
        _consentExchanges[exchange] = selected;
    }

    public void OnTimeout(TransactionTracker.Exchange exchange)
    {
        _consentExchanges.Remove(exchange);
        if (exchange.Tag is IcePairMonitor pair) pair.TimedOut(exchange);
    }

    /// <summary>
    /// RFC 8445 §7.2.2: a check's USERNAME is the receiver's ufrag, a colon, the sender's. Between two addresses the two
    /// directions must therefore mirror each other: "B:A" one way, "A:B" the other.
    /// </summary>
    private void CheckMirrors(StunEvent check, string remoteUfrag, string localUfrag)
    {
        var (from, to) = (check.Source, check.Destination);
        // Checked when a direction's USERNAME is first seen (or changes); repeated checks cost one look-up.
        if (_usernameBySender.TryGetValue((from, to), out var known) && known == check.Username) return;
        _usernameBySender[(from, to)] = check.Username!;
        if (!_usernameBySender.TryGetValue((to, from), out var back) || back == $"{localUfrag}:{remoteUfrag}") return;
        // RFC 8445 §9: an ICE restart changes both ufrags; the last check the other way, with none of these two, is of the
        // previous generation, not a mirror to compare with (that direction's first new check is compared with this one).
        if (back.Split(':') is var old && !old.Contains(remoteUfrag) && !old.Contains(localUfrag)) return;
        // Which side swapped its ufrags cannot be told from the two USERNAMEs alone: report the pair of addresses once.
        if (_reportedUsernames.Contains((to, from)) || !_reportedUsernames.Add((from, to))) return;
        report(SpecCitations.FromRequirement("username-not-remote-local", check.Frame, "Binding request as ice-check: required USERNAME",
            back == check.Username
                ? $"checks {from} → {to} and {to} → {from} both use USERNAME '{back}': each agent must put the other's ufrag first, so one of them has its ufrags swapped"
                : $"checks {to} → {from} use USERNAME '{back}' but {from} → {to} use '{check.Username}': the two must mirror each other (RFRAG:LFRAG)"));
    }

    private Agent AgentFor(string ufrag)
    {
        if (!_agents.TryGetValue(ufrag, out var agent)) _agents[ufrag] = agent = new Agent(ufrag);
        return agent;
    }

    public IReadOnlyList<IceSessionReport> Finish()
    {
        var sessions = new List<IceSessionReport>();
        var sessionKeys = _pairs.Values
            .Select(p => (p.Agent, Peer: _agents.Values.FirstOrDefault(a => a.Ufrag != p.Agent && a.Addresses.Contains(p.Remote))?.Ufrag ?? "?"))
            .Select(k => string.CompareOrdinal(k.Agent, k.Peer) <= 0 ? (k.Agent, k.Peer) : (k.Peer, k.Agent))
            .Distinct().ToList();
        foreach (var (a, b) in sessionKeys)
        {
            var agents = new[] { a, b }.Where(_agents.ContainsKey).Select(u => _agents[u]).ToList();
            var pairs = _pairs.Values.Where(p => p.Agent == a || p.Agent == b).OrderBy(p => p.Agent, StringComparer.Ordinal)
                .ThenBy(p => p.Local.ToString(), StringComparer.Ordinal).ThenBy(p => p.Remote.ToString(), StringComparer.Ordinal).ToList();
            if (agents.Count == 2 && agents[0].Role == agents[1].Role && agents[0].Role != "unknown" && !agents.Any(x => x.Sent487))
                report(SpecCitations.FromRequirement($"both-{agents[0].Role}-without-487", _lastCheckFrame,
                    "Binding error as ice-check: required ERROR-CODE",
                    $"agents {a} and {b} both ended {agents[0].Role} and neither answered a check with 487 (Role Conflict)"));

            var selected = pairs.Where(p => p.NominatedFrame is not null).OrderBy(p => p.NominatedFrame).FirstOrDefault();
            var consent = selected is null ? default : _consent.GetValueOrDefault(selected);
            var candidates = agents.SelectMany(x => x.Addresses.Select(ad => $"{ad} ({x.Ufrag})"))
                .Concat(_mappedAddresses.Where(m => !agents.Any(x => x.Addresses.Contains(m))).Select(m => $"{m} (mapped)"))
                .Order(StringComparer.Ordinal).ToList();
            sessions.Add(new IceSessionReport(
                agents.Select(x => new IceAgentReport(x.Ufrag, [.. x.Addresses.Select(a => a.ToString()).Order(StringComparer.Ordinal)], x.Role,
                    x.RolesClaimed, x.ChecksSent, x.Sent487)).ToList(),
                pairs.Select(p => p.Report()).ToList(), candidates,
                selected is null ? null : $"{selected.Local} -> {selected.Remote}{(selected.Transport == "tcp" ? " over TCP" : "")} (nominated by {selected.Agent}, frame {selected.NominatedFrame})",
                consent.Checks, consent.Responses));
        }
        return sessions;
    }
}
