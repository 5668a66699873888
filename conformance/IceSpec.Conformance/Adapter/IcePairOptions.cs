namespace IceSpec.Conformance.Adapter;

/// <summary>
/// One ICE session between two drivers: what each side is configured with (conformance/ADAPTER.md "configure").
/// <see cref="Transports"/>: "udp", "tcp" or "udp,tcp". <c>…OffersTcpType</c>: the kit forwards only that side's TCP
/// candidates of this tcptype ("active" or "passive"; RFC 6544 lets an agent offer any of them), which fixes which side
/// opens the connection; null forwards them all.
/// </summary>
public sealed record IcePairOptions(
    string Nomination = "regular",
    IReadOnlyList<string>? ControllingAddresses = null,
    IReadOnlyList<string>? ControlledAddresses = null,
    string? ControllingNamespace = null,
    string? ControlledNamespace = null,
    string? StunServer = null,
    TurnServerOptions? Turn = null,
    string Policy = "all",
    bool Trickle = false,
    TimeSpan? Timeout = null,
    int Datagrams = 3,
    string Transports = "udp",
    string? ControllingOffersTcpType = null,
    string? ControlledOffersTcpType = null,
    IceMidCallOptions? MidCall = null)
{
    /// <summary>
    /// The controlled driver's own STUN server and TURN server, when they differ from the controlling driver's
    /// (<see cref="StunServer"/>, <see cref="Turn"/>): e.g. the server's IPv6 address for an IPv6-only host; null: the same.
    /// </summary>
    public string? ControlledStunServer { get; init; }

    /// <summary>Both drivers offer their host candidates as mDNS names (configure <c>mdns: true</c>; capability <c>mdns</c>).</summary>
    public bool Mdns { get; init; }

    /// <summary>
    /// Which driver is configured with <c>tcp-so: true</c> (simultaneous-open TCP candidates and their server reflexive
    /// ones, RFC 6544 §4.5, §5.2): the kit sets it for a driver that declares <c>ice-tcp-so</c>.
    /// </summary>
    public bool ControllingTcpSimultaneousOpen { get; init; }
    public bool ControlledTcpSimultaneousOpen { get; init; }
    public TurnServerOptions? ControlledTurn { get; init; }

    /// <summary>Where each driver's adapter transcript goes (<see cref="DriverStartOptions.TranscriptPath"/>); none when null.</summary>
    public string? ControllingTranscript { get; init; }
    public string? ControlledTranscript { get; init; }

    public static readonly IReadOnlyList<string> Loopback = ["127.0.0.1"];
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);
}

/// <summary>
/// The mid-call phase after the datagram exchange: <see cref="Fault"/> is applied to the network, then for
/// <see cref="Observe"/> the kit sends a datagram each way every second (none when <see cref="Idle"/>; the observation
/// ends early at the first <c>disconnected</c>/<c>failed</c> state when <see cref="StopWhenBroken"/>), then
/// <see cref="FinalDatagrams"/> each way, counted.
/// </summary>
public sealed record IceMidCallOptions(Func<CancellationToken, Task> Fault, TimeSpan Observe, bool Idle, bool StopWhenBroken = false, int FinalDatagrams = 5,
    IceRestartOptions? Restart = null);

/// <summary>
/// The way back after the mid-call phase, an ICE restart (RFC 8445 §9; both drivers need the capability <c>restart</c>):
/// the kit waits until <see cref="AwaitReallocation"/> after the fault for each driver's <c>relay-reallocated</c> (a driver
/// that prints none restarts anyway once that time is up), sends <c>restart</c> to the controlling driver, gives its new
/// description to the controlled driver (which restarts on the new credentials, conformance/ADAPTER.md) and the controlled
/// driver's new description back; then it waits up to <see cref="Bound"/> for a new <c>selected-pair</c> on both sides
/// and sends <see cref="Datagrams"/> datagrams each way.
/// </summary>
public sealed record IceRestartOptions(TimeSpan AwaitReallocation, TimeSpan Bound, int Datagrams = 3);

/// <summary>
/// What the mid-call phase saw: the first <c>disconnected</c>/<c>failed</c> state each driver printed after the fault
/// (time since the fault), the final datagrams that arrived each way, and the other events printed after the fault
/// (e.g. IceSpec's <c>relay-lost</c>), with their times.
/// </summary>
public sealed record IceMidCallResult(TimeSpan? ControllingBrokeAfter, TimeSpan? ControlledBrokeAfter, int FinalToControlled, int FinalToControlling,
    int FinalSent, IReadOnlyList<string> Notes)
{
    /// <summary>The ICE restart after the fault, when the options asked for one.</summary>
    public IceRestartResult? Restart { get; init; }

    /// <summary>Why no datagrams were sent (<see cref="IcePairResult.DataNotExchanged"/>): the phase is judged on the agents' states alone.</summary>
    public string? DataNotExchanged { get; init; }

    /// <summary>When the fault was applied, and when the observation ended (before the final datagrams and any restart).</summary>
    public DateTimeOffset FaultAt { get; init; }

    /// <inheritdoc cref="FaultAt"/>
    public DateTimeOffset ObservedUntil { get; init; }

    /// <summary>
    /// A call without a data path: the wire's evidence, read from both agents' captures, that each agent's checks to the
    /// other were answered after the fault (<see cref="Runner.MidCallConsent"/>), or null when one side's were not.
    /// </summary>
    public string? ConsentAfterFault { get; init; }
}

/// <summary>
/// What the ICE restart after the fault saw (<see cref="IceRestartOptions"/>): each side's generations, the datagrams that
/// arrived each way afterwards, and <see cref="Problem"/>, a step the kit could not do (a driver answered <c>unsupported</c>
/// to <c>restart</c>, exited, or printed no new description in time), with which driver.
/// </summary>
public sealed record IceRestartResult(IceRestartSide Controlling, IceRestartSide Controlled, TimeSpan Bound, int ToControlled, int ToControlling,
    int Sent, string? Problem);

/// <summary>
/// One driver through the restart: its credentials (<c>ufrag:pwd</c>) and relayed candidates (<c>ip:port</c>) before and
/// after (null: no new <c>local-description</c>), whether it printed <c>relay-reallocated</c> after the fault, its first
/// <c>selected-pair</c> after the restart and how long after both new descriptions were given, and its events from the
/// restart on (<c>"+0.4 s selected-pair relay 203.0.113.1:50000 -> …"</c>) as evidence.
/// </summary>
public sealed record IceRestartSide(string Name, string? OldCredentials, string? NewCredentials, IReadOnlyList<string> OldRelayed,
    IReadOnlyList<string>? NewRelayed, bool Reallocated, SelectedPair? Selected, TimeSpan? SelectedAfter, IReadOnlyList<string> Events);

/// <summary>A TURN server for both sides (RFC 8656) unless <paramref name="ControllingOnly"/>.</summary>
/// <param name="Server">"ip:port".</param>
/// <param name="Username">Long-term credential user.</param>
/// <param name="Password">Long-term credential password.</param>
/// <param name="Transport">"udp" or "tcp": how the agents reach the server.</param>
/// <param name="Relay">"udp", or "tcp" for an RFC 6062 TCP allocation (relayed TCP candidates, capability turn-tcp-relay).</param>
/// <param name="ControllingOnly">Only the controlling driver gets the server (the other side of the scenario needs none).</param>
public sealed record TurnServerOptions(string Server, string Username, string Password, string Transport = "udp", string Relay = "udp",
    bool ControllingOnly = false);

/// <summary>
/// A driver's selected pair as it reported it: addresses as "ip:port", types host/srflx/prflx/relay; the transport
/// ("udp"/"tcp", null when the driver did not say) and, over TCP, each candidate's RFC 6544 tcptype.
/// </summary>
public sealed record SelectedPair(string Local, string Remote, string LocalType, string RemoteType,
    string? Transport = null, string? LocalTcpType = null, string? RemoteTcpType = null)
{
    public override string ToString() => Transport == "tcp"
        ? $"tcp {LocalType}/{LocalTcpType} {Local} -> {RemoteType}/{RemoteTcpType} {Remote}"
        : $"{LocalType} {Local} -> {RemoteType} {Remote}";
}

public enum IcePairOutcome { Connected, Failed, Unsupported }

/// <summary>
/// What <see cref="IcePairRun"/> saw. <see cref="TimeToConnected"/> runs from the moment both sides have the other's
/// credentials (the later of the two <c>remote-description</c> commands: with all candidates, or the first of a trickle)
/// to the later of the two first <c>selected-pair</c> events.
/// </summary>
public sealed record IcePairResult(
    IcePairOutcome Outcome,
    string Detail,
    SelectedPair? ControllingPair,
    SelectedPair? ControlledPair,
    int DatagramsControllingToControlled,
    int DatagramsControlledToControlling,
    TimeSpan TimeToConnected,
    string ControllingLog,
    string ControlledLog)
{
    /// <summary>The <c>state</c> values each driver printed, in order.</summary>
    public IReadOnlyList<string> ControllingStates { get; init; } = [];

    public IReadOnlyList<string> ControlledStates { get; init; } = [];

    /// <summary>Each driver's <c>ufrag:pwd</c> (from local-credentials or local-description), to verify its pcaps.</summary>
    public string? ControllingCredentials { get; init; }

    public string? ControlledCredentials { get; init; }

    /// <summary>The <c>a=candidate:</c> lines each driver signalled (first generation).</summary>
    public IReadOnlyList<string> ControllingCandidates { get; init; } = [];

    public IReadOnlyList<string> ControlledCandidates { get; init; } = [];

    /// <summary>
    /// Why no datagrams were sent (one driver sends only over a DTLS data channel, the other offers none), or null when
    /// they were: such a call is judged on ICE alone.
    /// </summary>
    public string? DataNotExchanged { get; init; }

    /// <summary>The mid-call phase, when the options asked for one and the call connected.</summary>
    public IceMidCallResult? MidCall { get; init; }
}
