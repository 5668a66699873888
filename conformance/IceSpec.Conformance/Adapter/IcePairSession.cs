using System.Text;
using System.Text.Json.Nodes;

namespace IceSpec.Conformance.Adapter;

/// <summary>The steps of <see cref="IcePairRun"/> between two started drivers (a controlling, b controlled).</summary>
internal sealed partial class IcePairSession
{
    private static readonly TimeSpan DatagramTimeout = TimeSpan.FromSeconds(5);
    private readonly DriverProcess _a, _b;
    private readonly IcePairOptions _options;
    private readonly TimeSpan _timeToConnected;

    private IcePairSession(DriverProcess a, DriverProcess b, IcePairOptions options, TimeSpan timeToConnected)
    {
        (_a, _b, _options, _timeToConnected) = (a, b, options, timeToConnected);
    }

    /// <summary>Configures, gathers, exchanges descriptions and waits for both selected pairs.</summary>
    public static async Task<IcePairSession> ConnectAsync(DriverProcess a, DriverProcess b, IcePairOptions options, CancellationToken ct)
    {
        var timeout = options.Timeout ?? IcePairOptions.DefaultTimeout;
        await a.SendAsync(Configure("controlling", options.ControllingAddresses, options), ct);
        await b.SendAsync(Configure("controlled", options.ControlledAddresses, options with
        {
            StunServer = options.ControlledStunServer ?? options.StunServer,
            Turn = options.ControlledTurn ?? options.Turn,
        }), ct);
        await a.SendAsync(new JsonObject { ["command"] = "gather" }, ct);
        await b.SendAsync(new JsonObject { ["command"] = "gather" }, ct);
        // The forwarders read each driver's events from the first, so starting them after `gather` loses nothing.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var forwardAToB = ForwardDescriptionAsync(a, b, options.Trickle, options.ControllingOffersTcpType, timeout, stop.Token);
        var forwardBToA = ForwardDescriptionAsync(b, a, options.Trickle, options.ControlledOffersTcpType, timeout, stop.Token);
        var connectedA = WaitForSelectedPairAsync(a, timeout, stop.Token);
        var connectedB = WaitForSelectedPairAsync(b, timeout, stop.Token);
        Task[] all = [forwardAToB, forwardBToA, connectedA, connectedB];
        var pending = all.ToList();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending);
            pending.Remove(done);
            if (done.IsFaulted) stop.Cancel();  // first failure ends the others at once
        }
        var failure = all.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault();
        if (failure is not null) throw failure;
        ct.ThrowIfCancellationRequested();
        var described = Max(await forwardAToB, await forwardBToA);
        var connected = Max(ReceivedAt(await connectedA), ReceivedAt(await connectedB));
        return new IcePairSession(a, b, options, connected - described);
    }

    /// <summary>
    /// Sends the datagrams both ways and counts those received with the same bytes. A driver whose description carried
    /// <c>dtls</c> (a browser) sends only over a data channel, which only a peer that also gave one can open (ADAPTER.md
    /// "Data"): between such a driver and one without, no data is sent and the result says why (the cell is judged on ICE).
    /// </summary>
    public async Task<IcePairResult> ExchangeAsync(CancellationToken ct)
    {
        if (DataNotExchanged(_a, _b) is { } why)
        {
            var (a, b) = (IcePairRun.LastSelectedPair(_a)!, IcePairRun.LastSelectedPair(_b)!);
            return Connected($"connected in {_timeToConnected.TotalMilliseconds:0.0} ms; {_a.Name} {a}; {_b.Name} {b}; ICE only: {why}", a, b, 0, 0)
                with { DataNotExchanged = why };
        }
        var fromA = Payloads(_a, _b);
        var fromB = Payloads(_b, _a);
        foreach (var (x, y) in fromA.Zip(fromB))
        {
            await Send(_a, x, ct);
            await Send(_b, y, ct);
        }
        var receivedByB = await CountReceivedAsync(_b, fromA, ct);
        var receivedByA = await CountReceivedAsync(_a, fromB, ct);
        var pairA = IcePairRun.LastSelectedPair(_a)!;
        var pairB = IcePairRun.LastSelectedPair(_b)!;
        var detail = $"connected in {_timeToConnected.TotalMilliseconds:0.0} ms; {_a.Name} {pairA}; {_b.Name} {pairB}; " +
                     $"datagrams {_a.Name}->{_b.Name} {receivedByB}/{fromA.Count}, {_b.Name}->{_a.Name} {receivedByA}/{fromB.Count}";
        return Connected(detail, pairA, pairB, receivedByB, receivedByA);
    }

    /// <summary>A connected call's result, with what both drivers reported on the way (states, credentials, signalled candidates).</summary>
    private IcePairResult Connected(string detail, SelectedPair a, SelectedPair b, int receivedByB, int receivedByA) =>
        new(IcePairOutcome.Connected, detail, a, b, receivedByB, receivedByA, _timeToConnected, _a.StandardError, _b.StandardError)
        {
            ControllingStates = IcePairRun.States(_a), ControlledStates = IcePairRun.States(_b),
            ControllingCredentials = IcePairRun.Credentials(_a), ControlledCredentials = IcePairRun.Credentials(_b),
            ControllingCandidates = IcePairRun.SignalledCandidates(_a), ControlledCandidates = IcePairRun.SignalledCandidates(_b),
        };

    /// <summary>
    /// The mid-call phase: note how far each driver's events go, apply the fault, keep a datagram each way every second
    /// (unless idle) for the observation time, then send the final datagrams and count them.
    /// </summary>
    public async Task<IceMidCallResult> MidCallAsync(IceMidCallOptions midCall, CancellationToken ct)
    {
        var (markA, markB) = (_a.Events.Count, _b.Events.Count);
        // A browser ↔ non-browser call has no data path (ADAPTER.md "Data"): the phase is watched on ICE states alone.
        var iceOnly = DataNotExchanged(_a, _b);
        var fault = DateTimeOffset.UtcNow;
        await midCall.Fault(ct);
        var end = fault + midCall.Observe;
        bool Broken(DriverProcess driver, int mark) =>
            driver.Events.Skip(mark).Any(e => (string?)e["event"] == "state" && (string?)e["state"] is "disconnected" or "failed");
        while (DateTimeOffset.UtcNow < end && !(midCall.StopWhenBroken && (Broken(_a, markA) || Broken(_b, markB))))
        {
            if (!midCall.Idle && iceOnly is null)
            {
                await Send(_a, Encoding.UTF8.GetBytes($"mid-call {_a.Name} {Guid.NewGuid():N}"), ct);
                await Send(_b, Encoding.UTF8.GetBytes($"mid-call {_b.Name} {Guid.NewGuid():N}"), ct);
            }
            var left = end - DateTimeOffset.UtcNow;
            await Task.Delay(left < TimeSpan.FromSeconds(1) ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : TimeSpan.FromSeconds(1), ct);
        }
        var observedUntil = DateTimeOffset.UtcNow;
        var finals = iceOnly is null ? midCall.FinalDatagrams : 0;
        var finalA = Enumerable.Range(1, finals).Select(i => Encoding.UTF8.GetBytes($"final {_a.Name} #{i} {Guid.NewGuid():N}")).ToList();
        var finalB = Enumerable.Range(1, finals).Select(i => Encoding.UTF8.GetBytes($"final {_b.Name} #{i} {Guid.NewGuid():N}")).ToList();
        foreach (var (x, y) in finalA.Zip(finalB))
        {
            await Send(_a, x, ct);
            await Send(_b, y, ct);
        }
        var toB = await CountReceivedAsync(_b, finalA, ct);
        var toA = await CountReceivedAsync(_a, finalB, ct);
        var notes = new List<string>();
        TimeSpan? Broke(DriverProcess driver, int mark)
        {
            TimeSpan? broke = null;
            foreach (var e in driver.Events.Skip(mark))
            {
                var name = (string?)e["event"];
                var after = ReceivedAt(e) - fault;
                if (name == "state" && (string?)e["state"] is "disconnected" or "failed") broke ??= after;
                if (name is "state" or "relay-lost" or "relay-reallocated" or "selected-pair" or "error")
                    notes.Add($"{driver.Name} {name} {(string?)e["state"] ?? (string?)e["reason"] ?? (string?)e["line"] ?? (string?)e["local"] ?? (string?)e["message"]} at +{after.TotalSeconds:0.0} s");
            }
            return broke;
        }
        var seen = new IceMidCallResult(Broke(_a, markA), Broke(_b, markB), toB, toA, finals, notes) { DataNotExchanged = iceOnly, FaultAt = fault, ObservedUntil = observedUntil };
        return midCall.Restart is { } restart ? seen with { Restart = await RestartAsync(restart, fault, (markA, markB), ct) } : seen;
    }

    private static JsonObject Configure(string role, IReadOnlyList<string>? addresses, IcePairOptions o)
    {
        var command = new JsonObject
        {
            ["command"] = "configure",
            ["role"] = role,
            ["nomination"] = o.Nomination,
            ["addresses"] = new JsonArray((addresses ?? IcePairOptions.Loopback).Select(x => (JsonNode?)x).ToArray()),
            ["policy"] = o.Policy,
        };
        if (o.Transports != "udp") command["transports"] = o.Transports;
        if (o.Mdns) command["mdns"] = true;
        if (role == "controlling" ? o.ControllingTcpSimultaneousOpen : o.ControlledTcpSimultaneousOpen) command["tcp-so"] = true;
        if (o.StunServer is not null) command["stun"] = o.StunServer;
        if (o.Turn is { } t && (role == "controlling" || !t.ControllingOnly))
        {
            var turn = new JsonObject { ["server"] = t.Server, ["username"] = t.Username, ["password"] = t.Password, ["transport"] = t.Transport };
            if (t.Relay != "udp") turn["relay"] = t.Relay;
            command["turn"] = turn;
        }
        return command;
    }

    /// <summary>
    /// Passes <paramref name="from"/>'s description to <paramref name="to"/>: when trickling, its credentials as soon as
    /// <c>local-credentials</c> arrives and each <c>candidate</c> as it comes, then <c>end-of-candidates</c>; otherwise
    /// the whole <c>local-description</c> at once. Returns when <paramref name="to"/> was sent the credentials (its checks
    /// may start from then on); the forwarding itself ends with <c>end-of-candidates</c>.
    /// </summary>
    private static async Task<DateTimeOffset> ForwardDescriptionAsync(DriverProcess from, DriverProcess to, bool trickle,
        string? offeredTcpType, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        var pending = new List<string>();
        DateTimeOffset? credentialsSent = null;
        for (var index = 0; ; index++)
        {
            var e = await from.WaitForEventAtAsync(index, Remaining(deadline), ct);
            switch ((string?)e["event"])
            {
                case "candidate" when trickle && Offered((string)e["line"]!, offeredTcpType):
                    var line = (string)e["line"]!;
                    if (credentialsSent is not null) await to.SendAsync(new JsonObject { ["command"] = "remote-candidate", ["line"] = line }, ct);
                    else pending.Add(line);
                    break;
                case "local-credentials" when trickle:
                    credentialsSent = DateTimeOffset.UtcNow;  // taken before sending: the peer may answer at once
                    await to.SendAsync(Description(e, pending, endOfCandidates: false), ct);
                    break;
                case "local-description":
                    var all = ((JsonArray)e["candidates"]!).Select(c => (string)c!).Where(c => Offered(c, offeredTcpType)).ToList();
                    var sent = credentialsSent ?? DateTimeOffset.UtcNow;
                    await to.SendAsync(credentialsSent is not null ? new JsonObject { ["command"] = "end-of-candidates" }
                        : Description(e, all, endOfCandidates: true), ct);
                    return sent;
            }
        }
    }

    /// <summary>A UDP candidate, or a TCP one whose tcptype is the one offered (any, when none is named).</summary>
    private static bool Offered(string line, string? tcpType) =>
        tcpType is null || !line.Contains(" tcptype ", StringComparison.Ordinal) || line.Contains(" tcptype " + tcpType, StringComparison.Ordinal);

    /// <summary>
    /// The <c>remote-description</c> command from the peer's <c>local-credentials</c> or <c>local-description</c>; its
    /// <c>pacing</c> (the Ta it announces, a=ice-pacing, RFC 8839 §5.5) is passed on when it has one, so that both agents
    /// use the larger Ta (RFC 8445 §14.2) as they would over SDP.
    /// </summary>
    private static JsonObject Description(JsonObject e, IEnumerable<string> candidates, bool endOfCandidates)
    {
        var command = new JsonObject
        {
            ["command"] = "remote-description",
            ["ufrag"] = (string?)e["ufrag"],
            ["pwd"] = (string?)e["pwd"],
            ["candidates"] = new JsonArray(candidates.Select(c => (JsonNode?)c).ToArray()),
            ["end-of-candidates"] = endOfCandidates,
        };
        if (e["pacing"] is { } pacing) command["pacing"] = pacing.DeepClone();
        if (e["dtls"] is { } dtls) command["dtls"] = dtls.DeepClone();
        return command;
    }

    /// <summary>Whether the driver's description carried <c>dtls</c>: it sends data only over a data channel (a browser).</summary>
    private static bool DataChannelOnly(DriverProcess driver) =>
        driver.Events.Any(e => (string?)e["event"] == "local-description" && e["dtls"] is JsonObject);

    /// <summary>Why no data can flow between the two, or null: one sends only over a data channel and the other has none.</summary>
    internal static string? DataNotExchanged(DriverProcess a, DriverProcess b) => (DataChannelOnly(a), DataChannelOnly(b)) switch
    {
        (true, false) => $"{a.Name} sends data only over a DTLS data channel, which {b.Name} does not offer (no dtls in its description)",
        (false, true) => $"{b.Name} sends data only over a DTLS data channel, which {a.Name} does not offer (no dtls in its description)",
        _ => null,
    };

    /// <summary>The first <c>selected-pair</c> event; a <c>failed</c> state before it ends the session.</summary>
    private static async Task<JsonObject> WaitForSelectedPairAsync(DriverProcess driver, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        for (var index = 0; ; index++)
        {
            var e = await driver.WaitForEventAtAsync(index, Remaining(deadline), ct);
            if ((string?)e["event"] == "selected-pair") return e;
            if ((string?)e["event"] == "state" && (string?)e["state"] == "failed")
                throw new IcePairFailedException($"{driver.Name} reported state failed before any selected pair");
        }
    }

    private List<byte[]> Payloads(DriverProcess from, DriverProcess to) =>
        Enumerable.Range(1, Math.Max(0, _options.Datagrams))
            .Select(i => Encoding.UTF8.GetBytes($"icespec {from.Name}->{to.Name} #{i} {Guid.NewGuid():N}"))
            .ToList();

    private static Task Send(DriverProcess driver, byte[] payload, CancellationToken ct) =>
        driver.SendAsync(new JsonObject { ["command"] = "send", ["data"] = Convert.ToBase64String(payload) }, ct);

    private static async Task<int> CountReceivedAsync(DriverProcess driver, List<byte[]> expected, CancellationToken ct)
    {
        var missing = expected.Select(Convert.ToBase64String).ToHashSet(StringComparer.Ordinal);
        var deadline = DateTimeOffset.UtcNow + DatagramTimeout;
        while (missing.Count > 0 && DateTimeOffset.UtcNow < deadline)
        {
            try
            {
                var e = await driver.WaitForEventAsync("received", Remaining(deadline), ct);
                missing.Remove((string?)e["data"] ?? "");
            }
            catch (DriverException)
            {
                break;  // timed out or exited: what arrived so far is the count
            }
        }
        return expected.Count - missing.Count;
    }

    private static TimeSpan Remaining(DateTimeOffset deadline)
    {
        var left = deadline - DateTimeOffset.UtcNow;
        return left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);
    }

    private static DateTimeOffset ReceivedAt(JsonObject e) => DateTimeOffset.Parse((string)e["receivedAt"]!);
    private static DateTimeOffset Max(DateTimeOffset x, DateTimeOffset y) => x > y ? x : y;
}
