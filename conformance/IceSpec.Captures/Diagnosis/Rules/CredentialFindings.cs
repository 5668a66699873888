using System.Net;
using IceSpec.Captures.Analysis;
using IceSpec.Stun;

namespace IceSpec.Captures.Diagnosis.Rules;

/// <summary>
/// Credentials (RFC 8445 §7.2.2, §7.3; RFC 8489 §9.1): ICE checks and their answers whose MESSAGE-INTEGRITY another known
/// password verifies (the agents' passwords swapped, an earlier generation's password after an ICE restart, a password
/// signalling got wrong) or none does, checks the peer answered 401 or 400, and checks whose USERNAME is not RFRAG:LFRAG.
/// Known passwords: the credentials (<c>--credentials</c>, <c>--ice-credentials</c>) and every one signalling carried
/// (<c>--signalling</c>), each with where it came from.
/// </summary>
public sealed class CredentialFindings : IDiagnosisRule
{
    /// <summary>A password known for a ufrag, and where it is known from.</summary>
    public sealed record KnownPassword(string Ufrag, string Password, string From);

    /// <summary>Every known password: the credentials' first, then signalling's (its own word, then what the peer was told).</summary>
    public static IReadOnlyList<KnownPassword> Known(SessionEvidence evidence)
    {
        var known = evidence.Credentials.IcePasswords.Select(p => new KnownPassword(p.Key, p.Value, "the credentials")).ToList();
        foreach (var agent in evidence.Signalling.OrderBy(a => a.View))
            if (!known.Exists(k => k.Ufrag == agent.Ufrag && k.Password == agent.Password))
                known.Add(new KnownPassword(agent.Ufrag, agent.Password,
                    agent.View == SignalledView.Own ? $"{agent.Ufrag}'s own in {agent.Source} ({agent.Origin})" : $"given for {agent.Ufrag} in {agent.Source} ({agent.Origin})"));
        return known;
    }

    /// <summary>The known password that verifies <paramref name="sighting"/>'s MESSAGE-INTEGRITY, or null.</summary>
    public static KnownPassword? Verifying(Sighting sighting, IEnumerable<KnownPassword> candidates)
    {
        if (StunMessage.TryParse(sighting.Captured.Bytes, out var message) != StunParseStatus.Ok) return null;
        foreach (var candidate in candidates)
            if (StunEvent.CheckIntegrity(message, StunKey.ShortTerm(candidate.Password)) == IntegrityCheck.Verified) return candidate;
        return null;
    }

    public IEnumerable<Finding> Diagnose(SessionEvidence evidence) =>
        [.. Integrity(evidence), .. Rejected(evidence), .. UsernameOrder(evidence)];

    private sealed record Mismatch(string Kind, string Signer, string Peer, bool Answer, KnownPassword? Verifier, string Expected);

    /// <summary>
    /// RFC 8445 §7.2.2: a check is signed with the password of the agent it is sent to (the RFRAG side of USERNAME); §7.3:
    /// the answer with that same password. A message that fails with it is tried with every other known password.
    /// </summary>
    private static IEnumerable<Finding> Integrity(SessionEvidence evidence)
    {
        // RFC 8445 §7.2.2: "The username for the credential is formed by concatenating the username fragment provided by
        // the peer with the username fragment of the ICE agent sending the request, separated by a colon (":"). The
        // password is equal to the password provided by the peer." A check that fails with the receiver's password and
        // verifies with another known one tells which password the sender was holding.
        var known = Known(evidence);
        var groups = new Dictionary<Mismatch, List<(EvidenceTransaction Check, Sighting Message)>>();
        foreach (var check in evidence.Transactions.Values.Where(t => t.IsIceCheck).OrderBy(t => t.Request.Time))
        {
            var sender = check.SenderUfrag!;
            var receiver = check.ReceiverUfrag!;
            // The request, then the answers: each as the first capture saw it.
            var messages = new List<(Sighting Message, bool Answer)> { (check.Request, false) };
            messages.AddRange(check.Responses.Where(r => r.Stun!.Class == StunClass.Success).GroupBy(r => r.Stun!.Captured.Bytes.Length).Select(g => (g.First(), true)));
            foreach (var (message, answer) in messages)
            {
                if (message.Stun!.Integrity is not (IntegrityCheck.Failed or IntegrityCheck.NoKey)) continue;
                var expected = evidence.Credentials.IcePasswords.GetValueOrDefault(receiver);
                var verifier = Verifying(message, known.Where(k => k.Password != expected));
                if (verifier is null && message.Stun.Integrity == IntegrityCheck.NoKey) continue;
                var signer = answer ? receiver : sender;
                var kind = verifier is null ? "integrity-failed"
                    : verifier.Ufrag == sender && sender != receiver ? "integrity-password-swapped"
                    : verifier.Ufrag == receiver ? "integrity-password-wrong"
                    : "integrity-password-stale";
                var key = new Mismatch(kind, signer, answer ? sender : receiver, answer, verifier, receiver);
                if (!groups.TryGetValue(key, out var list)) groups[key] = list = [];
                list.Add((check, message));
            }
        }
        foreach (var (key, messages) in groups)
        {
            var what = key.Answer ? $"{key.Signer}'s answers to {key.Peer}'s checks" : $"{key.Signer}'s checks to {key.Peer}";
            var first = messages[0].Message;
            var count = $"{messages.Count} {(key.Answer ? "answer" : "check")}{(messages.Count == 1 ? "" : "s")}";
            // Did the checks so signed still get anywhere? A check whose request failed integrity the receiver must reject
            // (RFC 8489 §9.1.3: 401); when none of the signer's checks to that peer succeeded, this is why.
            var anySucceeded = evidence.Transactions.Values.Any(t => t.IsIceCheck && t.SenderUfrag == (key.Answer ? key.Peer : key.Signer)
                && t.ReceiverUfrag == (key.Answer ? key.Signer : key.Peer) && t.Responses.Any(r => r.Stun!.Class == StunClass.Success
                    && r.Stun.Integrity != IntegrityCheck.Failed));
            var severity = key.Kind == "integrity-failed" ? FindingSeverity.Defect : anySucceeded ? FindingSeverity.Defect : FindingSeverity.Cause;
            var frames = messages.Select(m => m.Message.Ref).Take(3)
                .Concat(messages.Select(m => m.Check.Responses.FirstOrDefault(r => r.Stun!.Class == StunClass.Error)?.Ref).OfType<FrameRef>().Take(1)).Distinct().ToList();
            var expected = evidence.Credentials.IcePasswords.GetValueOrDefault(key.Expected);
            var expectedText = expected is null ? $"{key.Expected}'s password (unknown)" : $"{key.Expected}'s password {Show(expected)}";
            var details = new List<string>
            {
                $"{count}, the first {evidence.Describe(first.Ref)} ({first.Source} → {first.Destination}); RFC 8445 §7.2.2 wants them signed with {expectedText}, which does not verify them",
            };
            if (key.Verifier is { } v)
            {
                details.Add($"verified by {Show(v.Password)}, {v.From}");
                foreach (var told in evidence.Signalling.Where(a => a.View == SignalledView.Told && a.Ufrag == key.Expected && a.Password == v.Password))
                    details.Add($"signalling gave it as {key.Expected}'s password in {told.Source} ({told.Origin})");
                // An earlier generation of the same agent, as its own signalling tells (RFC 8445 §9: a restart changes both).
                var generations = evidence.Signalling.Where(a => a.View == SignalledView.Own).GroupBy(a => a.Source)
                    .Select(g => g.Select(a => a.Ufrag).Distinct().ToList()).FirstOrDefault(g => g.Contains(v.Ufrag) && g.Contains(key.Expected));
                if (key.Kind == "integrity-password-stale" && generations is not null && generations.IndexOf(v.Ufrag) < generations.IndexOf(key.Expected))
                    details.Add($"{v.Ufrag} is the generation before {key.Expected} of the same agent (its own signalling: {string.Join(" → ", generations)})");
            }
            else details.Add($"no known password verifies them (tried {known.Count}: {string.Join(", ", known.Select(k => $"{k.Ufrag} from {k.From}"))})");
            var answered = messages.Select(m => m.Check.Responses.FirstOrDefault(r => r.AtSender || evidence.Captures.Count == 1)).OfType<Sighting>().ToList();
            if (!key.Answer && answered.Count > 0)
                details.Add($"answered: {string.Join(", ", answered.GroupBy(a => a.Stun!.Label).Select(g => $"{g.Count()} × {g.Key}"))}");
            yield return key.Kind switch
            {
                "integrity-password-swapped" => new Finding(key.Kind, FindingCategory.Credentials, severity,
                    $"{what} are signed with {key.Verifier!.Ufrag}'s password, not {key.Expected}'s: the agents' credentials are swapped (the local password used as the remote one)",
                    frames, "RFC 8445 §7.2.2",
                    $"sign a check with the password the peer signalled (its ice-pwd, RFC 8839 §5.4) and answer with your own: give {key.Signer} {key.Expected}'s ice-pwd as the remote password (check the signalling does not swap local and remote credentials)",
                    details),
                "integrity-password-wrong" => new Finding(key.Kind, FindingCategory.Credentials, severity,
                    $"{what} are signed with a password {key.Expected} does not use, the one {key.Verifier!.From}: signalling gave {key.Signer} a wrong password for {key.Expected}",
                    frames, "RFC 8445 §7.2.2",
                    $"relay {key.Expected}'s ice-pwd unchanged to {key.Signer} (RFC 8839 §5.4): the signalling path altered or replaced it",
                    details),
                "integrity-password-stale" => new Finding(key.Kind, FindingCategory.Credentials, severity,
                    $"{what} are signed with {key.Verifier!.Ufrag}'s password (known from {key.Verifier.From}), not {key.Expected}'s: a stale password of another generation, kept after an ICE restart",
                    frames, "RFC 8445 §9",
                    $"after an ICE restart (RFC 8445 §9) use the new generation's ufrag and password together on both sides: {key.Signer} still holds {key.Verifier.Ufrag}'s password",
                    details),
                _ => new Finding(key.Kind, FindingCategory.Credentials, severity,
                    $"MESSAGE-INTEGRITY of {what} verifies with no known password ({expectedText} included): corrupted on the way, or signed with a password nobody signalled",
                    frames, "RFC 8489 §9.1.3",
                    $"check how {key.Signer} computes MESSAGE-INTEGRITY (RFC 8489 §14.5: HMAC-SHA1 over the message up to the attribute, length adjusted) and which password it uses; a receiver must reject such a message (401 for a request, discard an answer)",
                    details),
            };
        }
    }

    /// <summary>RFC 8489 §9.1.3 (RFC 8445 §7.3): checks the peer rejected with 401 (integrity or USERNAME) or 400 (a required attribute missing).</summary>
    private static IEnumerable<Finding> Rejected(SessionEvidence evidence)
    {
        // RFC 8489 §9.1.3: a request without both MESSAGE-INTEGRITY and USERNAME is rejected with 400; one whose USERNAME
        // is not valid, or whose MESSAGE-INTEGRITY does not match, with 401 (RFC 8445 §7.3 applies it to checks).
        var rejected = evidence.Transactions.Values.Where(t => t.IsIceCheck)
            .Select(t => (Check: t, Error: t.Responses.FirstOrDefault(r => r.Stun!.ErrorCode is StunErrorCodes.Unauthenticated or StunErrorCodes.BadRequest)))
            .Where(x => x.Error is not null)
            .GroupBy(x => (Code: x.Error!.Stun!.ErrorCode!.Value, Checker: x.Check.SenderUfrag!, Responder: x.Check.ReceiverUfrag!));
        foreach (var group in rejected)
        {
            var (code, checker, responder) = group.Key;
            var list = group.OrderBy(x => x.Check.Request.Time).ToList();
            var first = list[0];
            var from = first.Error!.Source;
            var succeeded = evidence.Transactions.Values.Any(t => t.IsIceCheck && t.SenderUfrag == checker && t.ReceiverUfrag == responder
                && t.Responses.Any(r => r.Stun!.Class == StunClass.Success));
            var integrity = first.Check.Request.Stun!.Integrity;
            var details = new List<string>
            {
                $"{list.Count} check{(list.Count == 1 ? "" : "s")} of {checker} answered {code}, the first {evidence.Describe(first.Check.Request.Ref)} → {evidence.Describe(first.Error.Ref)}",
                integrity switch
                {
                    IntegrityCheck.Verified => $"the check verifies with {responder}'s password from the credentials: {responder} judged it with another password or does not know USERNAME {first.Check.Request.Stun.Username}",
                    IntegrityCheck.Failed => $"the check does not verify with {responder}'s password from the credentials either (see the integrity findings)",
                    IntegrityCheck.Absent => "the check carries no MESSAGE-INTEGRITY",
                    _ => $"{responder}'s password is not known: whether the check was signed right cannot be told",
                },
                succeeded ? $"other checks of {checker} to {responder} succeeded" : $"none of {checker}'s checks to {responder} succeeded",
            };
            yield return code == StunErrorCodes.Unauthenticated
                ? new Finding("check-unauthorized", FindingCategory.Credentials, succeeded ? FindingSeverity.Defect : FindingSeverity.Cause,
                    $"{responder} ({from}) answered {checker}'s checks with 401 Unauthorized: it could not verify their MESSAGE-INTEGRITY with its password or did not know their USERNAME",
                    [first.Check.Request.Ref, first.Error.Ref], "RFC 8489 §9.1.3",
                    $"{checker} must sign its checks with the ice-pwd {responder} signalled and write USERNAME as {responder}:{checker} (RFC 8445 §7.2.2); check what signalling gave each side", details)
                : new Finding("check-bad-request", FindingCategory.Credentials, succeeded ? FindingSeverity.Defect : FindingSeverity.Cause,
                    $"{responder} ({from}) answered {checker}'s checks with 400 Bad Request: a check must carry USERNAME, MESSAGE-INTEGRITY, PRIORITY and a role attribute",
                    [first.Check.Request.Ref, first.Error.Ref], "RFC 8489 §9.1.3",
                    $"{checker}: send USERNAME and MESSAGE-INTEGRITY (RFC 8489 §9.1.3), PRIORITY and ICE-CONTROLLING or ICE-CONTROLLED (RFC 8445 §7.2.2) in every check; or {responder} rejects a valid check", details);
        }
    }

    /// <summary>
    /// RFC 8445 §7.2.2: "the username ... is of the form RFRAG:LFRAG" (the receiver's ufrag first), so the checks of the two
    /// directions between two addresses carry mirrored USERNAMEs. When both carry the same one, one agent wrote its own
    /// ufrag first; which one is told by who owns the address (the ufrag whose password verifies the answers sent from it,
    /// or, with signalling, its host candidates) when the two owners differ, else both directions are named.
    /// </summary>
    private static IEnumerable<Finding> UsernameOrder(SessionEvidence evidence)
    {
        var checks = evidence.Transactions.Values.Where(t => t.IsIceCheck).OrderBy(t => t.Request.Time).ToList();
        Dictionary<IPEndPoint, string>? known = null;
        var seen = new HashSet<(IPEndPoint, IPEndPoint)>();
        foreach (var forward in checks.GroupBy(t => (t.Request.Source, t.Request.Destination)))
        {
            var (a, b) = forward.Key;
            if (!seen.Add((a, b)) || seen.Contains((b, a))) continue;
            var backward = checks.Where(t => t.Request.Source.Equals(b) && t.Request.Destination.Equals(a)).ToList();
            var username = forward.First().Request.Stun!.Username!;
            if (backward.Count == 0 || forward.First().ReceiverUfrag == forward.First().SenderUfrag) continue;
            var same = backward.Where(t => t.Request.Stun!.Username == username).ToList();
            if (same.Count == 0) continue;
            var mine = forward.Where(t => t.Request.Stun!.Username == username).ToList();
            var parts = username.Split(':');
            // The culprit: the address whose own ufrag comes first in what it sends.
            var owners = known ??= AddressOwners(evidence);
            var ownerA = owners.GetValueOrDefault(a);
            var ownerB = owners.GetValueOrDefault(b);
            List<EvidenceTransaction>? wrong = ownerA != ownerB && ownerA == parts[0] ? mine : ownerA != ownerB && ownerB == parts[0] ? same : null;
            var frames = wrong is not null ? wrong.Take(3).Select(t => t.Request.Ref).ToList() : [mine[0].Request.Ref, same[0].Request.Ref];
            var culprit = wrong?[0].Request.Source;
            yield return new Finding("username-not-rfrag-lfrag", FindingCategory.Credentials, FindingSeverity.Defect,
                culprit is not null
                    ? $"the checks from {culprit} (agent {parts[0]}) carry USERNAME {username}: its own ufrag first (LFRAG:RFRAG), where RFC 8445 wants the receiver's first ({parts[1]}:{parts[0]})"
                    : $"the checks {a} → {b} and {b} → {a} both carry USERNAME {username}: one of the two agents wrote its own ufrag first (LFRAG:RFRAG) instead of the receiver's",
                frames, "RFC 8445 §7.2.2",
                $"write USERNAME as the peer's ufrag, a colon, then your own ({(culprit is not null ? $"{parts[1]}:{parts[0]}" : "RFRAG:LFRAG")}); a receiver must reject a USERNAME whose first part is not its ufrag, with 401 (RFC 8489 §9.1.3)",
                [$"{mine.Count} check{(mine.Count == 1 ? "" : "s")} {a} → {b} (the first {evidence.Describe(mine[0].Request.Ref)}) and {same.Count} {b} → {a} (the first {evidence.Describe(same[0].Request.Ref)}) carry {username}",
                 culprit is not null ? $"{culprit} is {parts[0]}: {string.Join("; ", Why(evidence, culprit, parts[0]))}"
                    : $"which agent owns which address cannot be told (the answers from {a} and {b} verify with the same password{(evidence.Signalling.Count == 0 ? "; --signalling would tell" : "")})",
                 $"the receivers answered: {string.Join(", ", mine.Concat(same).SelectMany(t => t.Responses.Take(1)).GroupBy(r => r.Stun!.Label).Select(g => $"{g.Count()} × {g.Key}").DefaultIfEmpty("nothing"))}"]);
        }
    }

    /// <summary>Which ufrag each address belongs to: the answers it sent verify with that ufrag's password; or signalling's own candidates.</summary>
    public static Dictionary<IPEndPoint, string> AddressOwners(SessionEvidence evidence)
    {
        var known = Known(evidence);
        var votes = new Dictionary<IPEndPoint, Dictionary<string, int>>();
        foreach (var check in evidence.Transactions.Values.Where(t => t.IsIceCheck))
            foreach (var answer in check.Responses.Where(r => r.Stun!.Class == StunClass.Success).Take(1))
                if (Verifying(answer, known) is { } owner)
                {
                    if (!votes.TryGetValue(answer.Source, out var count)) votes[answer.Source] = count = [];
                    count[owner.Ufrag] = count.GetValueOrDefault(owner.Ufrag) + 1;
                }
        var owners = votes.Where(v => v.Value.Count == 1).ToDictionary(v => v.Key, v => v.Value.Keys.Single());
        foreach (var agent in evidence.Signalling.Where(a => a.View == SignalledView.Own))
            foreach (var candidate in agent.Candidates)
                if (candidate.Address is { } address && candidate.Candidate.Type == Ice.Sdp.IceCandidateType.Host) owners.TryAdd(address, agent.Ufrag);
        return owners;
    }

    private static IEnumerable<string> Why(SessionEvidence evidence, IPEndPoint address, string ufrag)
    {
        var answer = evidence.Transactions.Values.Where(t => t.IsIceCheck).SelectMany(t => t.Responses.Where(r => r.Stun!.Class == StunClass.Success).Take(1))
            .FirstOrDefault(r => r.Source.Equals(address) && Verifying(r, Known(evidence).Where(k => k.Ufrag == ufrag)) is not null);
        if (answer is not null) yield return $"its answer {evidence.Describe(answer.Ref)} verifies with {ufrag}'s password";
        else yield return $"signalling gives {address} as a host candidate of {ufrag}";
    }

    /// <summary>A password shown in a report: its first and last characters.</summary>
    private static string Show(string password) => password.Length <= 8 ? $"'{password}'" : $"'{password[..4]}…{password[^4..]}'";
}
