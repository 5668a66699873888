using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Lab;

namespace IceSpec.Conformance.Scenarios;

/// <summary>The path the selected pair takes (<see cref="Scenario.Classify"/>).</summary>
public enum PairKind : byte
{
    /// <summary>Host to host: each agent's remote address is the other's local address (nothing translates on the way).</summary>
    Host,
    /// <summary>Through a NAT's mapping: server-reflexive or peer-reflexive (which of the two depends on timing, RFC 8445 §7.2.5.3.1).</summary>
    Reflexive,
    /// <summary>Through a TURN relay: a relayed candidate on either side.</summary>
    Relay,
    /// <summary>No pair: ICE is predicted to fail (neither agent selects a pair within the cell timeout).</summary>
    None,
}

/// <summary>
/// What RFC 8445 predicts for the selected pair in a scenario, with the section that says why; <paramref name="Family"/>,
/// when set, is the address family the controlling agent's selected pair must have (dual-stack scenarios, RFC 8421).
/// </summary>
public sealed record ScenarioPrediction(PairKind Kind, string Section, string Reason, System.Net.Sockets.AddressFamily? Family = null);

/// <summary>What a mid-call fault does to the lab once the call is up.</summary>
public enum MidCallFault : byte
{
    /// <summary>Nothing: the application sends no data for the observation time (only consent and keepalives flow).</summary>
    Idle,
    /// <summary><c>conntrack -F</c> in every site's NAT: each mapping is deleted; the next outbound packet makes a new one.</summary>
    NatMappingsDeleted,
    /// <summary>The lab's TURN server is killed and started again on the same address and port: every allocation is gone.</summary>
    TurnServerRestarted,
}

/// <summary>What RFC 7675 (and RFC 8445 §11) predict after the fault.</summary>
public enum MidCallExpectation : byte
{
    /// <summary>The path still works: datagrams sent after the observation time arrive both ways.</summary>
    DataFlows,
    /// <summary>
    /// The path is broken: consent expires and at least one agent reports <c>disconnected</c> or <c>failed</c> within 30 s —
    /// or the agents move to a path that works (the final datagrams arrive both ways). A silent black hole fails.
    /// </summary>
    ConsentFails,
}

/// <summary>
/// A phase after the call is connected (RFC 7675 §5.1 consent, RFC 8445 §11 keepalives): the fault is applied, the call
/// observed for <paramref name="Observe"/> (a datagram each way every second unless the fault is <see cref="MidCallFault.Idle"/>),
/// and the outcome compared with <paramref name="Expect"/>. With <paramref name="RestartAfter"/> the kit then drives an ICE
/// restart (RFC 8445 §9) and judges whether it brings the call back (<see cref="Runner.RestartAfterFault"/>).
/// </summary>
public sealed record MidCallPhase(MidCallFault Fault, TimeSpan Observe, MidCallExpectation Expect, string Section, string Reason,
    bool RestartAfter = false);

/// <summary>Which host of the lab runs an agent: site number and host number, both 1-based.</summary>
public sealed record HostSlot(int Site, int Host);

/// <summary>
/// A lab scenario: the topology, where the controlling and controlled agents run, the servers they are given, and the
/// prediction the ICE case checks.
/// </summary>
/// <param name="Name">The scenario's name on the command line and in reports.</param>
/// <param name="Title">One line saying what the scenario is.</param>
/// <param name="Topology">What the lab builds.</param>
/// <param name="Controlling">Where the controlling agent runs.</param>
/// <param name="Controlled">Where the controlled agent runs.</param>
/// <param name="TurnTransport"><c>udp</c> or <c>tcp</c> when the agents get a TURN server; null when they get STUN only.</param>
/// <param name="Prediction">The pair kind the ICE case expects, with its RFC section and reason.</param>
/// <param name="MidCall">A fault injected after the pair is selected, and what must follow; null: none.</param>
public sealed record Scenario(
    string Name,
    string Title,
    LabTopology Topology,
    HostSlot Controlling,
    HostSlot Controlled,
    string? TurnTransport,
    ScenarioPrediction Prediction,
    MidCallPhase? MidCall = null)
{
    /// <summary>
    /// The agents' transports (conformance/ADAPTER.md <c>transports</c>): "udp", "tcp" or "udp,tcp". With TCP both drivers
    /// need the capability <c>ice-tcp</c> (RFC 6544 host candidates, active and passive).
    /// </summary>
    public string Transports { get; init; } = "udp";

    /// <summary>
    /// "tcp": the controlling agent alone gets the TURN server, with an RFC 6062 TCP allocation (relayed TCP candidates,
    /// capability <c>turn-tcp-relay</c>); "udp" (default): both agents get it with an ordinary UDP allocation.
    /// </summary>
    public string TurnRelay { get; init; } = "udp";

    /// <summary>
    /// Both agents offer their host candidates as mDNS names (configure <c>mdns: true</c>, draft-ietf-mmusic-mdns-ice-candidates
    /// §3.1.1) and resolve the other's (§3.2): both drivers need the capability <c>mdns</c>.
    /// </summary>
    public bool Mdns { get; init; }

    /// <summary>With <see cref="TurnRelay"/> "tcp": the controlled agent gets the TURN server and its TCP allocation too (relayed TCP candidates on both sides).</summary>
    public bool TurnRelayOnBothSides { get; init; }

    /// <summary>
    /// The drivers that declare <c>ice-tcp-so</c> also offer simultaneous-open TCP candidates and their server reflexive
    /// ones (<c>tcp-so: true</c>, RFC 6544 §4.5, §5.2); the others run with their own ICE-TCP candidates.
    /// </summary>
    public bool TcpSimultaneousOpen { get; init; }

    /// <summary>How long a cell may take to connect when the run names no --timeout; null: the kit's 20 s.</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    public LabHost ControllingHost(NatLab lab) => lab.Sites[Controlling.Site - 1].Hosts[Controlling.Host - 1];

    public LabHost ControlledHost(NatLab lab) => lab.Sites[Controlled.Site - 1].Hosts[Controlled.Host - 1];

    /// <summary>
    /// The path of the pairs both agents selected: Relay when either reports a relayed candidate; Host when each one's
    /// local address is its own interface address and each one's remote address is the other's local address (a direct,
    /// untranslated path — whatever the labels say: an agent that keeps a server-reflexive candidate equal to its host
    /// candidate, RFC 8445 §5.1.3, still talks host to host); otherwise Reflexive (a NAT translated — an agent may
    /// report its server-reflexive address as local, as libnice does — or the agents do not agree on one 5-tuple). A remote
    /// host address the browser hides (<see cref="HiddenAddress"/>) matches the peer's local end of the same port.
    /// </summary>
    public static PairKind Classify(SelectedPair controlling, SelectedPair controlled, IReadOnlyList<System.Net.IPAddress> controllingHost, IReadOnlyList<System.Net.IPAddress> controlledHost)
    {
        string[] types = [controlling.LocalType, controlling.RemoteType, controlled.LocalType, controlled.RemoteType];
        if (types.Contains("relay")) return PairKind.Relay;
        var untranslated = controllingHost.Contains(AddressOf(controlling.Local)) && controlledHost.Contains(AddressOf(controlled.Local));
        return untranslated && Matches(controlling, controlled.Local) && Matches(controlled, controlling.Local) ? PairKind.Host : PairKind.Reflexive;
    }

    /// <summary>What a browser prints for an address it hides: a remote peer-reflexive or mDNS-resolved one (webrtc-pc §4.8.1.1; conformance/drivers/chromium).</summary>
    public const string HiddenAddress = "redacted-ip.invalid";

    /// <summary>
    /// The remote end <paramref name="reported"/> names is the other's local end: the same; or a host candidate the browser
    /// hides (it resolved the peer's mDNS name) of the same port. A hidden peer-reflexive remote never matches: it may be a
    /// NAT's mapping that kept the port (one-nat, pion → chromium), which only the browser saw.
    /// </summary>
    private static bool Matches(SelectedPair reported, string local) =>
        reported.Remote == local || (reported.RemoteType == "host" && reported.Remote.StartsWith(HiddenAddress + ":", StringComparison.Ordinal)
                                     && System.Net.IPEndPoint.TryParse(local, out var end)
                                     && reported.Remote[(HiddenAddress.Length + 1)..] == end.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The address family of the controlling agent's selected pair (its remote address), or null when unreadable.</summary>
    public static System.Net.Sockets.AddressFamily? FamilyOf(SelectedPair controlling) =>
        System.Net.IPEndPoint.TryParse(controlling.Remote, out var parsed) ? parsed.AddressFamily : null;

    private static System.Net.IPAddress AddressOf(string endPoint) =>
        System.Net.IPEndPoint.TryParse(endPoint, out var parsed) ? parsed.Address : System.Net.IPAddress.None;
}
