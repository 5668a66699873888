using System.Net;
using IceSpec.Captures.Analysis;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Captures.Diagnosis.Rules;

/// <summary>
/// Why a TURN allocation failed or relayed nothing (RFC 8656, RFC 8489 §9.2), told from its client's requests and the
/// server's answers: credentials the server keeps refusing (a 401 loop), a 438 never retried with the new nonce,
/// refusals by quota (486), capacity (508), peer policy (403), address family or transport (440, 442, 443), an
/// allocation the server no longer has (437, e.g. after a restart), a refresh that came after the lifetime ran out,
/// and data sent towards a peer with no permission (never installed, or expired: RFC 8656 §9).
/// <para>
/// What the capture analysis already knows is reused: each capture's <see cref="AnalysisReport.Violations"/>
/// (<c>data-without-permission</c> and <c>refresh-after-expiry</c>, found by <see cref="TurnTracker"/>'s machines) and
/// <see cref="AnalysisReport.TurnAllocations"/> (user, relayed address, lifetimes); the transactions come from
/// <see cref="SessionEvidence.Transactions"/>. A TURN flow is a client's 5-tuple: the client address, the server address
/// and the transport.
/// </para>
/// <para>
/// Severity: a TURN failure is a <see cref="FindingSeverity.Cause"/> when the session had no ICE pair that succeeded
/// (a TURN-only session, or ICE failed); when a pair succeeded anyway, the call did not depend on it: a
/// <see cref="FindingSeverity.Defect"/>.
/// </para>
/// </summary>
public sealed class TurnFindings : IDiagnosisRule
{
    private static readonly ushort[] Requests = [TurnMethods.Allocate, TurnMethods.Refresh, TurnMethods.CreatePermission, TurnMethods.ChannelBind];

    /// <summary>One TURN request with the answer its client saw (the first response in the request's capture, else any).</summary>
    private sealed record Exchange(EvidenceTransaction Transaction, Sighting Request, Sighting? Response)
    {
        public StunEvent Stun => Request.Stun!;
        public StunEvent? Answer => Response?.Stun;
        public int? Error => Answer is { Class: StunClass.Error } a ? a.ErrorCode : null;
        public bool Succeeded => Answer is { Class: StunClass.Success };
        public Flow Flow => new(Request.Transport, Request.Source, Request.Destination);
        public DateTime Time => Request.Time;
        public IReadOnlyList<FrameRef> Frames => Response is null ? [Request.Ref] : [Request.Ref, Response.Ref];
    }

    /// <summary>A client's 5-tuple with its TURN server.</summary>
    private readonly record struct Flow(string Transport, IPEndPoint Client, IPEndPoint Server)
    {
        public override string ToString() => $"{Client} → {Server}{(Transport == "udp" ? "" : $" ({Transport.ToUpperInvariant()})")}";
    }

    public IEnumerable<Finding> Diagnose(SessionEvidence evidence)
    {
        var exchanges = evidence.Transactions.Values
            .Where(t => t.Requests[0].Stun is { } s && Array.IndexOf(Requests, s.Method) >= 0)
            .Select(t =>
            {
                var request = t.Request;
                return new Exchange(t, request, t.Responses.FirstOrDefault(r => r.Capture == request.Capture) ?? t.Responses.FirstOrDefault());
            })
            .OrderBy(e => e.Time).ToList();
        var violations = evidence.Captures
            .SelectMany(c => c.Analysis.Violations.Where(v => v.Name is "data-without-permission" or "refresh-after-expiry").Select(v => (c.Label, Violation: v)))
            .ToList();
        if (exchanges.Count == 0 && violations.Count == 0) return [];
        var severity = PairOutcomes.Compute(evidence).Any(p => p.Outcome == "succeeded") ? FindingSeverity.Defect : FindingSeverity.Cause;
        var context = new Context(evidence, exchanges, violations, severity);
        return [.. CredentialsRejected(context), .. StaleNonceNotRetried(context), .. Refused(context), .. LostOrLate(context), .. DataWithoutPermission(context),
            .. UnboundChannels(context)];
    }

    private sealed record Context(SessionEvidence Evidence, List<Exchange> Exchanges, List<(string Capture, Violation Violation)> Violations, FindingSeverity Severity)
    {
        /// <summary>The capture analysis' allocation of this flow (user, relayed address, lifetimes), when it has one.</summary>
        public TurnAllocationReport? Allocation(Flow flow) =>
            Evidence.Captures.SelectMany(c => c.Analysis.TurnAllocations)
                .LastOrDefault(a => a.Client == flow.Client.ToString() && a.Server == flow.Server.ToString() && a.Transport == flow.Transport);

        public string At(Sighting sighting) => $"{Evidence.Describe(sighting.Ref)}, {Evidence.Ms(sighting.Time) / 1000:0.###} s";

        public Sighting? Find(string capture, int frame) => Evidence.SightingAt(new FrameRef(capture, frame));
    }

    // ---- 401: credentials the server refuses ----------------------------------------------------------------------

    /// <summary>
    /// Requests carrying USERNAME and MESSAGE-INTEGRITY answered 401, with no success on the flow afterwards.
    /// RFC 8489 §9.2.4: "If the MESSAGE-INTEGRITY ... value is incorrect, the server MUST reject the request with an error
    /// response. This response MUST use an error code of 401 (Unauthenticated)." The first 401 of a session (to a request
    /// without credentials) is the normal challenge (RFC 8489 §9.2.5, RFC 8656 §7.1) and is not counted.
    /// </summary>
    private static IEnumerable<Finding> CredentialsRejected(Context context)
    {
        foreach (var flow in context.Exchanges.GroupBy(e => e.Flow))
        {
            var rejected = flow.Where(e => e.Error == StunErrorCodes.Unauthenticated && e.Stun.Integrity != IntegrityCheck.Absent && e.Stun.Username is not null).ToList();
            if (rejected.Count == 0 || flow.Any(e => e.Succeeded && e.Time > rejected[0].Time)) continue;
            var first = rejected[0];
            var last = rejected[^1];
            var user = first.Stun.Username!;
            var realm = Attributes(first.Request).Realm ?? "?";
            var checks = rejected.Select(e => e.Stun.Integrity).Distinct().ToList();
            var (word, consequence, fix) = checks switch
            {
                [IntegrityCheck.Failed] => (
                    $"the password in the credentials given for {user}@{realm} does not verify these requests",
                    "the client signs with another password than the server's",
                    $"give the TURN client {user}'s password for realm {realm} as the server has it (the ICE server configuration's credential; turnutils_uclient -w; icespec turn-client --password)"),
                [IntegrityCheck.Verified] => (
                    $"the password in the credentials given for {user}@{realm} verifies these requests",
                    "the client signs with that password, so the server has another one for this user (or does not know the user in this realm)",
                    $"make the server's user database agree: add or fix {user} in realm {realm} on the server (coturn --user / turnadmin; icespec turn-server --user), or give the client the password the server has"),
                _ => (
                    $"no credentials were given for {user}@{realm}",
                    "whether the client's password or the server's is wrong cannot be told",
                    $"check the password the client is given for {user} against the server's user database; give it to the diagnosis (--turn-user {user}:{realm}:PASSWORD) to tell which side is wrong"),
            };
            var methods = string.Join("/", rejected.Select(e => e.Stun.MethodName).Distinct());
            var loop = rejected.Count >= 2 ? $" {rejected.Count} times (a 401 loop: the client keeps answering the 401 with credentials that fail)" : "";
            yield return new Finding("turn-credentials-rejected", FindingCategory.Turn, context.Severity,
                $"TURN server {flow.Key.Server} refused {user}@{realm}'s credentials{loop}: {methods} from {flow.Key.Client} never authenticated — {word}",
                [first.Request.Ref, .. first.Response is null ? [] : new[] { first.Response.Ref }, .. last == first || last.Response is null ? [] : new[] { last.Response.Ref }],
                "RFC 8489 §9.2.4", fix,
                [$"{word}: {consequence}",
                 .. context.Allocation(flow.Key) is { } analysis
                     ? new[] { $"capture analysis: {analysis.AuthenticationRounds} 401 round(s) on this 5-tuple, the client's authentication machine left in {analysis.AuthenticationState}, allocation {analysis.State}" }
                     : [],
                 .. rejected.Take(6).Select(e => $"{e.Stun.MethodName} with USERNAME {user}, REALM {realm} ({context.At(e.Request)}): 401, integrity with the given credentials: {e.Stun.Integrity}"),
                 .. rejected.Count > 6 ? new[] { $"… {rejected.Count - 6} more" } : []]);
        }
    }

    // ---- 438: a stale nonce never replaced -------------------------------------------------------------------------

    /// <summary>
    /// A 438 after which the client sent no request on the flow with the NONCE the 438 carried. RFC 8489 §9.2.5: "If the
    /// response is an error response with an error code of 438 (Stale Nonce), the client MUST retry the request, using
    /// the new NONCE attribute supplied in the 438 (Stale Nonce) response."
    /// </summary>
    private static IEnumerable<Finding> StaleNonceNotRetried(Context context)
    {
        foreach (var flow in context.Exchanges.GroupBy(e => e.Flow))
        {
            var list = flow.ToList();
            foreach (var stale in list.Where(e => e.Error == StunErrorCodes.StaleNonce))
            {
                var nonce = Attributes(stale.Response!).Nonce;
                var later = list.Where(e => e.Time > stale.Response!.Time).ToList();
                if (later.Any(e => Attributes(e.Request).Nonce is { } n && (nonce is null || n == nonce))) continue;
                var consequence = stale.Stun.Method switch
                {
                    TurnMethods.Refresh => ExpiryOf(list, stale.Time) is { } expiry
                        ? $"the allocation was not refreshed and ran out {context.Evidence.Ms(expiry) / 1000:0.###} s into the capture"
                        : "the allocation was not refreshed",
                    TurnMethods.Allocate => "no allocation was made",
                    TurnMethods.CreatePermission => "the permission was not installed: data towards the peer is dropped",
                    TurnMethods.ChannelBind => "the channel was not bound",
                    _ => "the request was not carried out",
                };
                yield return new Finding("turn-stale-nonce-not-retried", FindingCategory.Turn, context.Severity,
                    $"TURN client {flow.Key.Client} got 438 Stale Nonce to its {stale.Stun.MethodName} and never retried with the new nonce: {consequence}",
                    stale.Frames, "RFC 8489 §9.2.5",
                    "on a 438 retry the request at once with the NONCE (and REALM) of the 438 response (RFC 8489 §9.2.5); keep the latest nonce for every later request",
                    [$"{stale.Stun.MethodName} ({context.At(stale.Request)}) answered 438 ({context.At(stale.Response!)}) with NONCE {nonce ?? "(none)"}",
                     later.Count == 0 ? "no later request from the client on this 5-tuple" : $"{later.Count} later request(s), none with the new nonce"]);
            }
        }
    }

    // ---- 403, 440, 442, 443, 486, 508: refusals ----------------------------------------------------------------------

    private sealed record Refusal(string Kind, string What, string Section, string Fix);

    /// <summary>
    /// The refusals of RFC 8656 §19's error codes, by request: Allocate (§7.2), CreatePermission (§10.2), ChannelBind (§12.2).
    /// </summary>
    private static Refusal? RefusalOf(ushort method, int code) => (method, code) switch
    {
        // §7.2: "If the server ... the username has reached its limit of allocations ... reject the request with a 486 (Allocation Quota Reached)".
        (TurnMethods.Allocate, 486) => new("turn-allocation-quota-reached", "486 Allocation Quota Reached: the user already has as many allocations as the server allows", "RFC 8656 §7.2",
            "release allocations no longer used (Refresh with LIFETIME 0, RFC 8656 §8) — a client that restarts without deleting leaves them until they expire — or raise the server's per-user quota (coturn --user-quota, icespec turn-server --user-quota)"),
        // §7.2: "If the server is unable to allocate a relayed transport address ... 508 (Insufficient Capacity)"; §10.2, §12.2 likewise.
        (_, 508) => new("turn-insufficient-capacity", "508 Insufficient Capacity: the server is full", method switch
            {
                TurnMethods.CreatePermission => "RFC 8656 §10.2",
                TurnMethods.ChannelBind => "RFC 8656 §12.2",
                _ => "RFC 8656 §7.2",
            },
            "the server has reached a capacity limit (total allocations: coturn --total-quota, icespec turn-server --total-quota; its relay port range): raise it, or give the clients another TURN server"),
        // §10.2: "the server MAY impose restrictions on the IP address ... allowed in the XOR-PEER-ADDRESS attribute; if a value is not allowed, the server rejects the request with a 403 (Forbidden) error."
        (TurnMethods.CreatePermission or TurnMethods.ChannelBind, 403) => new("turn-peer-forbidden", "403 Forbidden: the server's peer address policy refuses the peer",
            method == TurnMethods.ChannelBind ? "RFC 8656 §12.2" : "RFC 8656 §10.2",
            "the server refuses relaying to this peer address (RFC 8656 §21.1 has servers refuse special-purpose and internal addresses by default): allow it on the server (coturn: drop it from --denied-peer-ip or add --allowed-peer-ip / --allow-loopback-peers; icespec turn-server --allowed-peer-ip), or do not pair the relayed candidate with that peer address"),
        (TurnMethods.Allocate, 403) => new("turn-allocate-forbidden", "403 Forbidden: the server's policy refuses this client an allocation", "RFC 8656 §7.2",
            "the server refuses this user or client address by policy: check its allowed users and client address restrictions"),
        // §7.2: "If the server does not support the address family requested by the client in REQUESTED-ADDRESS-FAMILY ... 440".
        (TurnMethods.Allocate, 440) => new("turn-address-family-not-supported", "440 Address Family not Supported: the server has no relay address of the family asked for", "RFC 8656 §7.2",
            "ask for the family the server relays (REQUESTED-ADDRESS-FAMILY, RFC 8656 §7.1), or configure the server with a relay address of that family (coturn --relay-ip, icespec turn-server --relay-ip)"),
        // §7.2: "If the server does not support the requested transport protocol ... 442 (Unsupported Transport Protocol)".
        (TurnMethods.Allocate, 442) => new("turn-unsupported-transport", "442 Unsupported Transport Protocol: the server does not relay the transport asked for", "RFC 8656 §7.2",
            "ask for UDP in REQUESTED-TRANSPORT (17), the transport every TURN server relays (RFC 8656 §7.1); TCP relaying needs RFC 6062 support on the server"),
        // §10.2, §12.2: "If the XOR-PEER-ADDRESS attribute contains an address of an address family that is not the same as that of a relayed transport address for the allocation, the server MUST generate an error response with the 443 (Peer Address Family Mismatch) response code."
        (TurnMethods.CreatePermission or TurnMethods.ChannelBind, 443) => new("turn-peer-address-family-mismatch", "443 Peer Address Family Mismatch: the peer's address family differs from the relayed address'",
            method == TurnMethods.ChannelBind ? "RFC 8656 §12.2" : "RFC 8656 §10.2",
            "pair the relayed candidate only with peer candidates of its address family (RFC 8445 §6.1.2.2), or allocate a relayed address of the peer's family too (ADDITIONAL-ADDRESS-FAMILY, RFC 8656 §7.1)"),
        _ => null,
    };

    private static IEnumerable<Finding> Refused(Context context)
    {
        var refused = context.Exchanges
            .Select(e => (Exchange: e, Refusal: e.Error is { } code ? RefusalOf(e.Stun.Method, code) : null))
            .Where(r => r.Refusal is not null)
            .GroupBy(r => (r.Refusal!.Kind, r.Exchange.Flow));
        foreach (var group in refused)
        {
            var (first, refusal) = (group.First().Exchange, group.First().Refusal!);
            var flow = group.Key.Flow;
            var user = first.Stun.Username ?? context.Exchanges.FirstOrDefault(e => e.Flow == flow && e.Stun.Username is not null)?.Stun.Username;
            var peers = group.SelectMany(r => r.Exchange.Stun.PeerAddresses).Select(p => p.Address).Distinct().ToList();
            var details = new List<string>(group.Select(r => $"{r.Exchange.Stun.MethodName}{Peers(r.Exchange.Stun)} ({context.At(r.Exchange.Request)}) answered {r.Exchange.Error} ({context.At(r.Exchange.Response!)})"));
            var frames = first.Frames.ToList();
            if (refusal.Kind == "turn-allocation-quota-reached" && user is not null)
                details.AddRange(context.Exchanges.Where(e => e.Flow != flow && e.Succeeded && e.Stun.Method == TurnMethods.Allocate && e.Stun.Username == user && e.Time < first.Time)
                    .Select(e => $"{user} already had the allocation of {e.Flow.Client} ({context.At(e.Response!)}{(e.Answer!.RelayedAddress is { } r ? $", relayed {r}" : "")})"));
            if (refusal.Kind == "turn-peer-forbidden")
            {
                // Data the client sent to a refused peer anyway is dropped by the server (§11.2, §12.6): said here, not as another finding.
                var dropped = DataViolations(context).Where(d => d.Flow == flow && d.Peer is { } p && peers.Contains(p.Address)).ToList();
                if (dropped.Count > 0)
                {
                    details.Add($"{dropped.Count} message(s) of data sent to it anyway, dropped by the server ({string.Join(", ", dropped.Take(4).Select(d => context.Evidence.Describe(d.Sighting.Ref)))})");
                    frames.Add(dropped[0].Sighting.Ref);
                }
            }
            var peerText = peers.Count > 0 ? $" for peer {string.Join(", ", peers)}" : "";
            yield return new Finding(refusal.Kind, FindingCategory.Turn, context.Severity,
                $"TURN server {flow.Server} refused {first.Stun.MethodName}{peerText} from {flow.Client}{(user is null ? "" : $" ({user})")}: {refusal.What}" +
                (group.Count() > 1 ? $" ({group.Count()} times)" : ""),
                frames, refusal.Section, refusal.Fix, details);
        }
    }

    // ---- 437 and refreshes after the lifetime ------------------------------------------------------------------------

    /// <summary>
    /// A 437 to a Refresh, CreatePermission or ChannelBind is an allocation the server does not have (RFC 8656 §19: "a
    /// request was received by the server that requires an allocation to be in place, but no allocation exists"): after
    /// its lifetime ran out (§8: "If the allocation's time-to-expiry reaches zero before it is refreshed, the allocation
    /// is deleted"), the refresh came too late; before, the server lost it (a restart). A 437 to an Allocate is an
    /// allocation the 5-tuple already has (§7.2). The capture analysis' <c>refresh-after-expiry</c> (a Refresh after
    /// the granted lifetime, whatever the answer) is a late refresh too.
    /// </summary>
    private static IEnumerable<Finding> LostOrLate(Context context)
    {
        var late = new Dictionary<Flow, List<(Exchange Exchange, DateTime Expiry)>>();
        var lost = new Dictionary<Flow, List<Exchange>>();
        foreach (var flow in context.Exchanges.GroupBy(e => e.Flow))
        {
            var list = flow.ToList();
            foreach (var e in list)
            {
                var expired = ExpiryOf(list, e.Time) is { } expiry && expiry < e.Time ? expiry : (DateTime?)null;
                var reported = e.Stun.Method == TurnMethods.Refresh && context.Violations.Any(v => v.Violation.Name == "refresh-after-expiry" && v.Capture == e.Request.Capture && v.Violation.Frame == e.Request.Captured.Frame);
                if (e.Stun.Method != TurnMethods.Allocate && (reported || expired is not null && e.Error == TurnErrorCodes.AllocationMismatch))
                    Add(late, flow.Key, (e, expired ?? ExpiryOf(list, e.Time) ?? e.Time));
                else if (e.Error == TurnErrorCodes.AllocationMismatch)
                    Add(lost, flow.Key, e);
            }
        }
        foreach (var (flow, list) in late)
        {
            var (first, expiry) = list[0];
            var grant = LastGrant(context.Exchanges.Where(e => e.Flow == flow).ToList(), first.Time);
            var lifetime = grant is null ? (uint?)null : Lifetime(grant);
            var late437 = list.Where(l => l.Exchange.Error == TurnErrorCodes.AllocationMismatch).ToList();
            // A late Refresh with LIFETIME 0 meant to delete: the relay had already stopped before the client meant to
            // end it (a Defect, not what broke the session).
            var closing = first.Stun.Method == TurnMethods.Refresh && first.Stun.Lifetime == 0;
            yield return new Finding("turn-refresh-too-late", FindingCategory.Turn, closing ? FindingSeverity.Defect : context.Severity,
                $"TURN client {flow.Client} refreshed its allocation on {flow.Server} too late: {(closing ? "its closing Refresh (LIFETIME 0)" : first.Stun.MethodName)} {context.Evidence.Ms(first.Time) / 1000:0.###} s into the capture, " +
                $"{(first.Time - expiry).TotalSeconds:0.###} s after the {(lifetime is { } l ? $"{l} s " : "")}lifetime ran out" +
                (late437.Count > 0 ? " — the server no longer had it (437)" : ""),
                [.. grant?.Response is { } g ? new[] { g.Ref } : [], first.Request.Ref, .. (late437.FirstOrDefault().Exchange ?? first).Response is { } answer ? new[] { answer.Ref } : []], "RFC 8656 §8",
                "refresh before the lifetime runs out: RFC 8656 §8 has the client refresh about a minute before expiry (a timer per allocation, from the LIFETIME of the last success response); after a 437 allocate anew and redo its permissions and channels",
                [.. grant is null ? [] : new[] { $"lifetime {lifetime} s granted by {grant.Stun.MethodName} ({context.At(grant.Response!)}): expired {context.Evidence.Ms(expiry) / 1000:0.###} s into the capture" },
                 .. context.Allocation(flow) is { } analysis
                     ? new[] { $"capture analysis: lifetimes granted {string.Join(", ", analysis.LifetimesGranted.Select(l => $"{l} s"))}, {analysis.Refreshes} refresh(es) answered with success, allocation {analysis.State}" }
                     : [],
                 .. list.Select(l => $"{l.Exchange.Stun.MethodName} ({context.At(l.Exchange.Request)}): {(l.Exchange.Answer is null ? "no answer" : l.Exchange.Error is { } c ? $"error {c}" : "success (the server still had it: its clock or lifetime differs)")}")]);
        }
        foreach (var (flow, list) in lost)
        {
            var first = list[0];
            var all = context.Exchanges.Where(e => e.Flow == flow).ToList();
            if (first.Stun.Method == TurnMethods.Allocate)
            {
                // §7.2: "If the 5-tuple is currently in use by an existing allocation ... reject the request with a 437 (Allocation Mismatch) error."
                yield return new Finding("turn-allocation-mismatch", FindingCategory.Turn, context.Severity,
                    $"TURN server {flow.Server} refused an Allocate from {flow.Client} with 437 Allocation Mismatch: that 5-tuple already has an allocation",
                    first.Frames, "RFC 8656 §7.2",
                    "a client allocates once per 5-tuple: Refresh the existing allocation, or delete it (Refresh with LIFETIME 0) before allocating again, or allocate from another local port",
                    [.. list.Select(e => $"Allocate ({context.At(e.Request)}) answered 437 ({context.At(e.Response!)})")]);
                continue;
            }
            var grant = LastGrant(all, first.Time);
            var stale = all.FirstOrDefault(e => e.Error == StunErrorCodes.StaleNonce && grant is not null && e.Time > grant.Time && e.Time <= first.Time);
            var verdict = grant is null
                ? $"TURN server {flow.Server} has no allocation for {flow.Client}: {first.Stun.MethodName} answered 437 Allocation Mismatch (the capture shows no allocation made on this 5-tuple)"
                : $"TURN server {flow.Server} lost the allocation of {flow.Client} it granted {context.Evidence.Ms(grant.Response!.Time) / 1000:0.###} s into the capture: " +
                  $"{first.Stun.MethodName} answered 437 Allocation Mismatch {(first.Time - grant.Response.Time).TotalSeconds:0.###} s later, within its {Lifetime(grant)} s lifetime" +
                  (stale is null ? " (the server restarted or dropped its state)" : ", after a 438 that shows the server no longer knew its nonce either: it restarted");
            yield return new Finding("turn-allocation-mismatch", FindingCategory.Turn, context.Severity, verdict,
                [.. grant?.Response is { } g ? new[] { g.Ref } : [], .. stale?.Response is { } s ? new[] { s.Ref } : [], .. first.Frames],
                first.Stun.Method switch
                {
                    TurnMethods.CreatePermission => "RFC 8656 §10.2",
                    TurnMethods.ChannelBind => "RFC 8656 §12.2",
                    _ => "RFC 8656 §8.2",
                },
                "on a 437 the allocation is gone: allocate anew (RFC 8656 §7.1), redo its permissions and channels, and give the peer the new relayed candidate (an ICE restart, RFC 8445 §9); a server that must survive restarts needs its allocations kept elsewhere (or the client watching for 437)",
                [.. grant is null ? [] : new[] { $"allocation granted by {grant.Stun.MethodName} ({context.At(grant.Response!)}), lifetime {Lifetime(grant)} s{(grant.Answer!.RelayedAddress is { } r ? $", relayed {r}" : "")}" },
                 .. stale is null ? [] : new[] { $"{stale.Stun.MethodName} answered 438 Stale Nonce ({context.At(stale.Response!)}): the nonce it had issued was unknown" },
                 .. list.Select(e => $"{e.Stun.MethodName}{Peers(e.Stun)} ({context.At(e.Request)}) answered 437 ({context.At(e.Response!)})"),
                 .. all.Where(e => e.Time > first.Time && e.Error is { } c && c != TurnErrorCodes.AllocationMismatch).Select(e => $"{e.Stun.MethodName}{Peers(e.Stun)} ({context.At(e.Request)}) answered {e.Error} afterwards")]);
        }
    }

    // ---- data towards a peer without permission ----------------------------------------------------------------------

    private sealed record DroppedData(Flow Flow, Sighting Sighting, IPEndPoint? Peer, bool Expired, string Detail);

    /// <summary>The capture analysis' <c>data-without-permission</c> violations, with their sighting, flow and peer.</summary>
    private static List<DroppedData> DataViolations(Context context)
    {
        var list = new List<DroppedData>();
        foreach (var (capture, violation) in context.Violations.Where(v => v.Violation.Name == "data-without-permission"))
        {
            if (context.Find(capture, violation.Frame) is not { } sighting) continue;
            var flow = new Flow(sighting.Transport, sighting.Source, sighting.Destination);
            var peer = sighting.Stun?.PeerAddresses.FirstOrDefault() ?? ChannelPeer(context, flow, sighting);
            // TurnTracker cites the permission machine's edge: None -> Installed (never installed) or Installed -> Expired.
            list.Add(new DroppedData(flow, sighting, peer, violation.Source.Contains("-> Expired", StringComparison.Ordinal), violation.Detail));
        }
        return list;
    }

    /// <summary>The peer a ChannelData's channel was bound to on its flow (the last successful ChannelBind before it).</summary>
    private static IPEndPoint? ChannelPeer(Context context, Flow flow, Sighting data) =>
        context.Exchanges.LastOrDefault(e => e.Flow == flow && e.Succeeded && e.Stun.Method == TurnMethods.ChannelBind &&
            e.Stun.ChannelNumber == data.Captured.Channel && e.Time < data.Time)?.Stun.PeerAddresses.FirstOrDefault();

    /// <summary>
    /// RFC 8656 §11.2 (Send): "If ... there is no permission installed for the peer ... the server MUST discard the Send
    /// indication", §12.6 likewise for ChannelData; §9: "Permissions ... are deleted 300 seconds after they are installed
    /// unless refreshed" — the lifetime is 300 s and cannot be changed.
    /// </summary>
    private static IEnumerable<Finding> DataWithoutPermission(Context context)
    {
        var refused = context.Exchanges.Where(e => e.Error is TurnErrorCodes.Forbidden or TurnErrorCodes.PeerAddressFamilyMismatch && e.Stun.Method is TurnMethods.CreatePermission or TurnMethods.ChannelBind)
            .SelectMany(e => e.Stun.PeerAddresses.Select(p => (e.Flow, p.Address))).ToHashSet();
        foreach (var group in DataViolations(context).Where(d => d.Peer is null || !refused.Contains((d.Flow, d.Peer.Address)))
                     .GroupBy(d => (d.Flow, Peer: d.Peer?.Address, d.Expired)))
        {
            var (flow, peer, expired) = group.Key;
            var list = group.ToList();
            var first = list[0].Sighting;
            var what = list.Select(d => d.Sighting.Stun is null ? "ChannelData" : "Send indication").Distinct();
            var sent = $"{list.Count} {string.Join("/", what)} message{(list.Count == 1 ? "" : "s")}";
            var peerText = peer?.ToString() ?? "an unknown peer";
            var install = peer is null ? null : context.Exchanges.LastOrDefault(e => e.Flow == flow && e.Succeeded && e.Time < first.Time &&
                e.Stun.Method is TurnMethods.CreatePermission or TurnMethods.ChannelBind && e.Stun.PeerAddresses.Any(p => p.Address.Equals(peer)));
            var details = list.Take(6).Select(d => $"{context.At(d.Sighting)}: {d.Detail}").ToList();
            if (expired)
            {
                var installed = install?.Response ?? first;
                yield return new Finding("turn-permission-expired", FindingCategory.Turn, context.Severity,
                    $"TURN client {flow.Client} sent {sent} towards {peerText} after its permission expired (installed {(install is null ? "earlier" : $"{context.Evidence.Ms(installed.Time) / 1000:0.###} s into the capture")}, " +
                    $"not refreshed within 300 s): the server {flow.Server} drops them",
                    [.. install?.Response is { } r ? new[] { r.Ref } : [], first.Ref], "RFC 8656 §9",
                    "refresh each permission before its 300 s run out (CreatePermission or ChannelBind again, e.g. every 240 s, RFC 8656 §9); ICE consent checks alone do not refresh it",
                    [.. install is null ? [] : new[] { $"permission for {peer} installed by {install.Stun.MethodName} ({context.At(install.Response!)}), expired 300 s later" }, .. details]);
            }
            else
                yield return new Finding("turn-data-without-permission", FindingCategory.Turn,
                    // Installed afterwards: the data before it is lost, the data after it flows — a Defect.
                    InstalledLater(context, flow, peer, first.Time) ? FindingSeverity.Defect : context.Severity,
                    $"TURN client {flow.Client} sent {sent} towards {peerText} with no permission installed for it: the server {flow.Server} drops them silently",
                    [first.Ref], first.Stun is null ? "RFC 8656 §12.6" : "RFC 8656 §11.2",
                    $"install a permission for {peerText} before sending (CreatePermission, RFC 8656 §10.1, or ChannelBind, §12.1) and wait for its success response",
                    details);
        }
    }

    /// <summary>
    /// ChannelData from a TURN client on a channel no ChannelBind had bound (the decoder leaves it as a datagram shaped
    /// like ChannelData: <see cref="CapturedDatagram.UnboundChannel"/>). RFC 8656 §12.6: a ChannelData message on a
    /// channel that is not bound to any peer is silently discarded. A channel whose ChannelBind was refused (403, 443) is
    /// said in that refusal's finding.
    /// </summary>
    private static IEnumerable<Finding> UnboundChannels(Context context)
    {
        var flows = context.Exchanges.Where(e => e.Flow.Transport == "udp").Select(e => e.Flow).ToHashSet();
        var refused = context.Exchanges.Where(e => e.Error is TurnErrorCodes.Forbidden or TurnErrorCodes.PeerAddressFamilyMismatch && e.Stun.Method == TurnMethods.ChannelBind && e.Stun.ChannelNumber is not null)
            .Select(e => (e.Flow, e.Stun.ChannelNumber!.Value)).ToHashSet();
        var unbound = context.Evidence.Data
            .Where(d => d.Datagram.UnboundChannel is not null)
            .Select(d => (Data: d, Flow: new Flow("udp", d.Datagram.Source, d.Datagram.Destination), Channel: d.Datagram.UnboundChannel!.Value))
            .Where(d => flows.Contains(d.Flow) && !refused.Contains((d.Flow, d.Channel)))
            .GroupBy(d => (d.Flow, d.Channel));
        foreach (var group in unbound)
        {
            var (flow, channel) = group.Key;
            var list = group.ToList();
            var bind = context.Exchanges.FirstOrDefault(e => e.Flow == flow && e.Stun.Method == TurnMethods.ChannelBind && e.Stun.ChannelNumber == channel);
            var first = list[0].Data;
            // Bound afterwards: what was sent before is lost, the data after it flows — a Defect, not what broke the session.
            var boundLater = bind is { Succeeded: true } && bind.Time > first.Time;
            yield return new Finding("turn-channel-not-bound", FindingCategory.Turn, boundLater ? FindingSeverity.Defect : context.Severity,
                $"TURN client {flow.Client} sent {list.Count} ChannelData message{(list.Count == 1 ? "" : "s")} on channel 0x{channel:X4}, which no ChannelBind had bound: the server {flow.Server} drops them silently",
                [first.Ref, .. bind?.Response is { } r && r.Time > first.Time ? new[] { bind.Request.Ref, r.Ref } : []], "RFC 8656 §12.6",
                "bind the channel first (ChannelBind, RFC 8656 §12.1) and send ChannelData only after its success response; until then use Send indications (with a permission installed)",
                [.. list.Take(6).Select(d => $"{context.Evidence.Describe(d.Data.Ref)}, {context.Evidence.Ms(d.Data.Time) / 1000:0.###} s: ChannelData 0x{channel:X4}, {d.Data.Datagram.Length} bytes"),
                 bind is null ? $"no ChannelBind for 0x{channel:X4} on this 5-tuple" : $"ChannelBind for 0x{channel:X4}{Peers(bind.Stun)} ({context.At(bind.Request)}): {(bind.Succeeded ? "success" : bind.Error is { } c ? $"error {c}" : "no answer")}{(bind.Time > first.Time ? ", after the data" : "")}"]);
        }
    }

    /// <summary>Whether a CreatePermission or ChannelBind for <paramref name="peer"/> succeeded on the flow after <paramref name="time"/>.</summary>
    private static bool InstalledLater(Context context, Flow flow, IPAddress? peer, DateTime time) =>
        peer is not null && context.Exchanges.Any(e => e.Flow == flow && e.Succeeded && e.Time > time &&
            e.Stun.Method is TurnMethods.CreatePermission or TurnMethods.ChannelBind && e.Stun.PeerAddresses.Any(p => p.Address.Equals(peer)));

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private static void Add<TKey, TValue>(Dictionary<TKey, List<TValue>> map, TKey key, TValue value) where TKey : notnull
    {
        if (!map.TryGetValue(key, out var list)) map[key] = list = [];
        list.Add(value);
    }

    private static string Peers(StunEvent stun) => stun.PeerAddresses.Count == 0 ? "" : $" for {string.Join(", ", stun.PeerAddresses.Select(p => p.Address))}";

    /// <summary>The last Allocate or Refresh success before <paramref name="time"/> that granted a lifetime (null after a deleting Refresh).</summary>
    private static Exchange? LastGrant(List<Exchange> flow, DateTime time)
    {
        var grant = flow.LastOrDefault(e => e.Succeeded && e.Response!.Time < time && e.Stun.Method is TurnMethods.Allocate or TurnMethods.Refresh);
        return grant is not null && Lifetime(grant) == 0 ? null : grant;
    }

    /// <summary>RFC 8656 §7.2, §8.2: the LIFETIME of the success response (the request's, or the 600 s default, when absent).</summary>
    private static uint Lifetime(Exchange grant) => grant.Answer?.Lifetime ?? grant.Stun.Lifetime ?? 600;

    /// <summary>When the flow's allocation runs out, as of <paramref name="time"/>: the last grant plus its lifetime.</summary>
    private static DateTime? ExpiryOf(List<Exchange> flow, DateTime time) =>
        LastGrant(flow, time) is { } grant ? grant.Response!.Time + TimeSpan.FromSeconds(Lifetime(grant)) : null;

    /// <summary>The REALM and NONCE of a message (not kept by <see cref="StunEvent"/>).</summary>
    private static (string? Realm, string? Nonce) Attributes(Sighting sighting)
    {
        if (StunMessage.TryParse(sighting.Captured.Bytes, out var message) != StunParseStatus.Ok) return (null, null);
        return (message.GetRealmString(), message.GetNonceString());
    }
}
