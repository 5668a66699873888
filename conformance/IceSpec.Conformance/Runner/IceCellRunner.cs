using IceSpec.Captures;
using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Cases.Server;
using IceSpec.Conformance.Lab;
using IceSpec.Conformance.Reports;
using IceSpec.Conformance.Scenarios;

namespace IceSpec.Conformance.Runner;

/// <summary>
/// Runs one ICE cell inside a built lab: tcpdump in the public namespace and in both agents' namespaces, the two drivers
/// through <see cref="IcePairRun"/>, then the cell's cases (<see cref="IceCases"/>) judged against the scenario's prediction
/// and the wire case on the agents' pcaps (<see cref="ConnectivityCheckCase"/>).
/// </summary>
public static class IceCellRunner
{
    private const int Datagrams = 3;
    private const int DatagramsUnderLoss = 10;

    public static async Task<IceCellReport> RunAsync(
        NatLab lab, Scenario scenario, LabServer server, DriverSpec controlling, DriverSpec controlled, string nomination,
        RunSelection selection, CancellationToken ct)
    {
        var cellName = $"{scenario.Name}/{controlling.Name}-{controlled.Name}-{nomination}";
        var directory = Directory.CreateDirectory(Path.Combine(selection.OutputDirectory, cellName)).FullName;
        var (a, b) = (scenario.ControllingHost(lab), scenario.ControlledHost(lab));
        // Each agent gets the server's address of its own host's family: IPv6 for an IPv6-only host, IPv4 otherwise.
        var (serverA, serverB) = (server.EndpointFor(a.Address.AddressFamily).ToString(), server.EndpointFor(b.Address.AddressFamily).ToString());
        TurnServerOptions? Turn(string endpoint) => scenario.TurnTransport is { } transport
            ? new TurnServerOptions(endpoint, server.Username, server.Password, transport, scenario.TurnRelay,
                ControllingOnly: scenario.TurnRelay == "tcp" && !scenario.TurnRelayOnBothSides)
            : null;
        var options = new IcePairOptions(
            Nomination: nomination,
            ControllingAddresses: [.. a.Addresses.Select(x => x.ToString())],
            ControlledAddresses: [.. b.Addresses.Select(x => x.ToString())],
            ControllingNamespace: a.Namespace,
            ControlledNamespace: b.Namespace,
            StunServer: serverA,
            Turn: Turn(serverA),
            Trickle: selection.Trickle && controlling.Supports("trickle") && controlled.Supports("trickle"),
            Timeout: ConnectTimeout(selection, scenario),
            Datagrams: DatagramsSent(scenario),
            Transports: scenario.Transports,
            MidCall: scenario.MidCall is { } phase
                ? new IceMidCallOptions(c => MidCallFaults.ApplyAsync(lab, server, phase.Fault, Path.Combine(directory, "restarted-server"), c),
                    phase.Observe, Idle: phase.Fault == MidCallFault.Idle, StopWhenBroken: phase.Expect == MidCallExpectation.ConsentFails,
                    Restart: phase.RestartAfter && RestartAfterFault.NotApplicable(controlling, controlled) is null
                        // After a TURN server restart the TURN clients get the observation time to allocate again.
                        ? new IceRestartOptions(phase.Fault == MidCallFault.TurnServerRestarted ? phase.Observe : TimeSpan.Zero, RestartAfterFault.Bound)
                        : null)
                : null)
        {
            ControlledStunServer = serverB,
            ControllingTcpSimultaneousOpen = scenario.TcpSimultaneousOpen && controlling.Supports("ice-tcp-so"),
            ControlledTcpSimultaneousOpen = scenario.TcpSimultaneousOpen && controlled.Supports("ice-tcp-so"),
            ControlledTurn = Turn(serverB),
            Mdns = scenario.Mdns,
            // The adapter messages each driver exchanged, timed: icespec diagnose --signalling reads them.
            ControllingTranscript = Path.Combine(directory, "controlling.jsonl"),
            ControlledTranscript = Path.Combine(directory, "controlled.jsonl"),
        };

        var captures = new List<PacketCapture>();
        IcePairResult result;
        var started = DateTime.UtcNow;
        if (MissingCapability(scenario, controlling, controlled, nomination) is { } missing)
            result = new IcePairResult(IcePairOutcome.Unsupported, missing, null, null, 0, 0, TimeSpan.Zero, "", "");
        else try
        {
            foreach (var (netns, file) in ((string, string)[])[(lab.PublicNamespace, "public.pcap"), (a.Namespace, "controlling.pcap"), (b.Namespace, "controlled.pcap")])
                captures.Add(await PacketCapture.StartAsync(lab, netns, Path.Combine(directory, file), ct));
            result = await IcePairRun.RunAsync(controlling, controlled, options, ct);
        }
        finally
        {
            foreach (var capture in captures) await capture.DisposeAsync();
        }
        var duration = DateTime.UtcNow - started;
        if (result.MidCall is { DataNotExchanged: not null } iceOnly)
            result = result with { MidCall = iceOnly with { ConsentAfterFault = MidCallConsent.Evidence(Path.Combine(directory, "controlling.pcap"),
                Path.Combine(directory, "controlled.pcap"), iceOnly.FaultAt, iceOnly.ObservedUntil, ServerEndpoints(server)) } };
        await File.WriteAllTextAsync(Path.Combine(directory, "controlling.log"), result.ControllingLog, CancellationToken.None);
        await File.WriteAllTextAsync(Path.Combine(directory, "controlled.log"), result.ControlledLog, CancellationToken.None);
        await File.WriteAllTextAsync(Path.Combine(directory, "credentials"), CredentialsFile(cellName, controlling, controlled, result, server), CancellationToken.None);

        var artifacts = (string[])["public.pcap", "controlling.pcap", "controlled.pcap", "controlling.log", "controlled.log", "controlling.jsonl", "controlled.jsonl", "credentials"];
        var pcapSummary = string.Join("; ", captures.Select(c => Summarise(c.PcapPath)));
        var observed = result.ControllingPair is null || result.ControlledPair is null ? (PairKind?)null
            : Scenario.Classify(result.ControllingPair, result.ControlledPair, a.Addresses, b.Addresses);
        var implementation = $"{controlling.Name}>{controlled.Name}";
        var family = result.ControllingPair is null ? null : Scenario.FamilyOf(result.ControllingPair);
        var judged = Judge(scenario, result, observed, family, RestartAfterFault.NotApplicable(controlling, controlled), duration);
        if (result.Outcome != IcePairOutcome.Unsupported)
        {
            var (outcome, detail) = ConnectivityCheckCase.Judge(captures.Skip(1).Select(c => c.PcapPath), [.. ServerEndpoints(server)]);
            judged = judged.Append(new CaseResult(ConnectivityCheckCase.Info, "", "", outcome, detail, duration));
            var (monitored, monitorDetail) = MachineMonitorCase.Judge(captures.Skip(1).Select(c => c.PcapPath),
                AllIceCredentials(result), $"{server.Username}:{server.Realm}:{server.Password}");
            judged = judged.Append(new CaseResult(MachineMonitorCase.Info, "", "", monitored, monitorDetail, duration));
        }
        var cases = judged
            .Where(r => selection.Selects(r.Case))
            .Select(r => r with
            {
                Implementation = implementation,
                Scenario = scenario.Name,
                PcapPath = Path.Combine(cellName, "public.pcap"),
                LogPath = Path.Combine(cellName, "controlling.log"),
            })
            .Select(r => ApplyExpected(r, selection.ExpectedFailures))
            .ToList();

        var worst = IceCellReport.Worst(cases.Select(c => c.Outcome));
        // A failed or known-failing cell, or one where ICE did not connect (also as predicted), is diagnosed from its
        // captures: the report links each to why.
        var diagnosis = result.Outcome != IcePairOutcome.Unsupported
            && (worst is CaseOutcome.Failed or CaseOutcome.ExpectedFailure || result.Outcome != IcePairOutcome.Connected)
            ? CellDiagnoser.Diagnose(directory, cellName) : null;
        return new IceCellReport(scenario.Name, controlling.Name, controlled.Name, nomination,
            worst, $"{result.Outcome}: {FirstLine(result.Detail)} [{pcapSummary}]",
            scenario.Prediction.Kind, observed, result.ControllingPair?.ToString(), result.ControlledPair?.ToString(),
            result.Outcome == IcePairOutcome.Connected ? result.TimeToConnected : null,
            cases, [.. artifacts.Concat(CellDiagnoser.Files).Where(f => File.Exists(Path.Combine(directory, f))).Select(f => Path.Combine(cellName, f))])
        {
            Diagnosis = diagnosis,
        };
    }

    /// <summary>The cases judged from what the drivers reported (all of them unsupported when a driver could not do a step).</summary>
    private static IEnumerable<CaseResult> Judge(Scenario scenario, IcePairResult result, PairKind? observed, System.Net.Sockets.AddressFamily? family,
        string? restartNotApplicable, TimeSpan duration)
    {
        CaseResult Make(CaseInfo info, CaseOutcome outcome, string detail) => new(info, "", "", outcome, detail, duration);

        if (result.Outcome == IcePairOutcome.Unsupported)
        {
            foreach (var info in IceCases.All) yield return Make(info, CaseOutcome.Unsupported, FirstLine(result.Detail));
            yield break;
        }
        var connected = result.Outcome == IcePairOutcome.Connected && result.ControllingPair is not null && result.ControlledPair is not null;
        var prediction = scenario.Prediction;
        if (prediction.Kind == PairKind.None)
        {
            // Predicted to fail (RFC 4787 §4.1 + RFC 8445 §2: no pair can work without a relayed candidate): every ICE
            // case passes when neither agent selected a pair within the cell timeout, fails when either did.
            var none = result.ControllingPair is null && result.ControlledPair is null;
            var verdict = none
                ? $"predicted to fail ({prediction.Section}); neither agent selected a pair: {FirstLine(result.Detail)}"
                : $"predicted to fail ({prediction.Section}: {prediction.Reason}); selected: controlling {result.ControllingPair?.ToString() ?? "none"}, controlled {result.ControlledPair?.ToString() ?? "none"}";
            foreach (var info in (CaseInfo[])[IceCases.Completes, IceCases.DataFlows, IceCases.PredictedPair])
                yield return Make(info, none ? CaseOutcome.Passed : CaseOutcome.Failed, verdict);
            yield break;
        }
        yield return Make(IceCases.Completes, connected ? CaseOutcome.Passed : CaseOutcome.Failed,
            connected ? $"controlling {result.ControllingPair}; controlled {result.ControlledPair}; {result.TimeToConnected.TotalMilliseconds:0} ms"
                : $"no pair selected on both sides: {FirstLine(result.Detail)}");

        // Under injected loss a datagram may be lost on the way (UDP has no retransmission): one each way is enough there.
        var sent = DatagramsSent(scenario);
        var needed = scenario.Topology.LossPercent > 0 ? 1 : sent;
        var arrived = result.DatagramsControllingToControlled >= needed && result.DatagramsControlledToControlling >= needed;
        // A browser and a peer without a data channel: no data can flow between them (ADAPTER.md "Data"), so the
        // cell is judged on ICE alone, and says so (its detail carries "ICE only: …").
        if (result.DataNotExchanged is null)
            yield return Make(IceCases.DataFlows, connected && arrived ? CaseOutcome.Passed : CaseOutcome.Failed,
                $"{result.DatagramsControllingToControlled}/{sent} datagrams controlling→controlled, " +
                $"{result.DatagramsControlledToControlling}/{sent} controlled→controlling (at least {needed} each way needed)");

        if (scenario.MidCall is { } phase)
        {
            yield return MidCallFaults.Judge(phase, connected ? result.MidCall : null, duration);
            if (phase.RestartAfter) yield return RestartAfterFault.Judge(restartNotApplicable, connected ? result.MidCall?.Restart : null, duration);
        }

        // The family too where the scenario predicts one (dual-stack, RFC 8421): a host pair of the wrong family fails.
        var familyHolds = prediction.Family is not { } predictedFamily || family == predictedFamily;
        // mDNS (draft-ietf-mmusic-mdns-ice-candidates §3.1.1 step 6): with mdns: true each side signals its host candidates
        // under names, never its host address; the host path is then reached through a resolved name or, when the
        // peer's check comes first, a peer-reflexive candidate at that address (the draft's §5.3 example): both are Host.
        var unconcealed = scenario.Mdns ? MdnsScenario.Unconcealed(("controlling", result.ControllingCandidates), ("controlled", result.ControlledCandidates)) : "";
        yield return Make(IceCases.PredictedPair, observed == prediction.Kind && familyHolds && unconcealed.Length == 0 ? CaseOutcome.Passed : CaseOutcome.Failed,
            observed is null ? $"predicted {Describe(prediction.Kind, prediction.Family)} ({prediction.Section}); no pair selected"
                : $"predicted {Describe(prediction.Kind, prediction.Family)} ({prediction.Section}: {prediction.Reason}); selected {Describe(observed.Value, family)}"
                  + (unconcealed.Length > 0 ? $"; mdns: true not honoured: {unconcealed}" : ""));
    }

    /// <summary>How long a cell may take to connect: the run's --timeout, else the scenario's own, else 20 s.</summary>
    public static TimeSpan ConnectTimeout(RunSelection selection, Scenario scenario) =>
        selection.CellTimeout ?? scenario.ConnectTimeout ?? TimeSpan.FromSeconds(20);

    private static string Describe(PairKind kind, System.Net.Sockets.AddressFamily? family) => family switch
    {
        System.Net.Sockets.AddressFamily.InterNetworkV6 => $"{kind} over IPv6",
        System.Net.Sockets.AddressFamily.InterNetwork => $"{kind} over IPv4",
        _ => kind.ToString(),
    };

    /// <summary>What a cell needs that a driver does not declare (DriverSpec capabilities), or null: such a cell is unsupported, not run.</summary>
    private static string? MissingCapability(Scenario scenario, DriverSpec controlling, DriverSpec controlled, string nomination)
    {
        var needs = new List<(DriverSpec Driver, string Capability)> { (controlling, nomination), (controlling, "stun"), (controlled, "stun") };
        if (scenario.TurnTransport is { } transport)
            needs.AddRange(scenario.TurnRelay == "tcp"
                ? [(controlling, $"turn-{transport}"), (controlling, "turn-tcp-relay"), .. scenario.TurnRelayOnBothSides ? [(controlled, $"turn-{transport}"), (controlled, "turn-tcp-relay")] : Array.Empty<(DriverSpec, string)>()]
                : [(controlling, $"turn-{transport}"), (controlled, $"turn-{transport}")]);
        if (scenario.Mdns) needs.AddRange([(controlling, "mdns"), (controlled, "mdns")]);
        return needs.FirstOrDefault(n => !n.Driver.Supports(n.Capability)) is { Driver: { } driver } need
            ? $"{driver.Name} does not support {need.Capability}" + (need.Capability == nomination ? " nomination as the controlling agent" : "")
            : scenario.Transports.Contains("tcp", StringComparison.Ordinal) ? IceTcpPairing.Missing(controlling, controlled) : null;
    }

    /// <summary>
    /// A listed failure is expected; a listed pass is unexpected (the list is stale), unless the entry is marked
    /// intermittent. The target is <c>SCENARIO/A&gt;B</c>.
    /// </summary>
    private static CaseResult ApplyExpected(CaseResult result, ExpectedFailures? expected)
    {
        var target = $"{result.Scenario}/{result.Implementation}";
        if (expected?.ReasonFor(result.Case.Id, target) is not { } reason) return result;
        return result.Outcome switch
        {
            CaseOutcome.Failed => result with { Outcome = CaseOutcome.ExpectedFailure, Detail = $"expected to fail: {reason}. {result.Detail}" },
            CaseOutcome.Passed when expected.IsIntermittent(result.Case.Id, target) => result,
            CaseOutcome.Passed => result with { Outcome = CaseOutcome.UnexpectedPass, Detail = $"listed as expected to fail ({reason}) but passed: {result.Detail}" },
            _ => result,
        };
    }

    /// <summary>
    /// The cell's credentials in the format of <c>icespec analyze --credentials FILE</c>: each driver's ufrag and password
    /// (from its <c>local-credentials</c> or <c>local-description</c> event) and the lab server's TURN user, so that the
    /// cell's pcaps can be analysed with integrity checked.
    /// </summary>
    private static string CredentialsFile(string cellName, DriverSpec controlling, DriverSpec controlled, IcePairResult result, LabServer server)
    {
        var text = new System.Text.StringBuilder($"# conformance cell {cellName}: ICE credentials of {controlling.Name} (controlling) and {controlled.Name} (controlled), the lab server's TURN user\n");
        foreach (var credentials in AllIceCredentials(result))
            if (credentials is not null) text.Append($"ice-credentials {credentials}\n");
        text.Append($"turn-user {server.Username}:{server.Realm}:{server.Password}\n");
        return text.ToString();
    }

    /// <summary>Both drivers' ICE credentials (<c>ufrag:pwd</c>), and those of the generation after an ICE restart.</summary>
    private static IEnumerable<string?> AllIceCredentials(IcePairResult result) =>
        [result.ControllingCredentials, result.ControlledCredentials, result.MidCall?.Restart?.Controlling.NewCredentials, result.MidCall?.Restart?.Controlled.NewCredentials];

    private static int DatagramsSent(Scenario scenario) => scenario.Topology.LossPercent > 0 ? DatagramsUnderLoss : Datagrams;

    /// <summary>The lab server's endpoints, IPv4 and (in a lab with IPv6) IPv6: Binding requests to them are no checks.</summary>
    private static System.Net.IPEndPoint[] ServerEndpoints(LabServer server) => [server.Endpoint, .. server.Endpoint6 is { } six ? [six] : (System.Net.IPEndPoint[])[]];

    /// <summary>"public.pcap: 42 frames, 18 STUN" — read back with the capture reader, so an unreadable pcap shows here.</summary>
    private static string Summarise(string pcap)
    {
        try
        {
            var read = CaptureFile.Read(pcap);
            var stun = read.Messages.Count(m => m.Kind == CapturedKind.Stun);
            return $"{Path.GetFileName(pcap)}: {read.Frames} frames, {stun} STUN" + (read.Error is null ? "" : $" ({read.Error})");
        }
        catch (CaptureException e)
        {
            return $"{Path.GetFileName(pcap)}: unreadable ({e.Message})";
        }
    }

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
