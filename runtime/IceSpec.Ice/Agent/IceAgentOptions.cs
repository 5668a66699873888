using System.Net;
using System.Security.Cryptography;

namespace IceSpec.Ice;

/// <summary>The agent's role when the session starts (RFC 8445 §6.1.1); a role conflict may switch it (§7.3.1.1).</summary>
public enum IceRole : byte
{
    Controlling,
    Controlled,
}

/// <summary>How the controlling agent nominates (RFC 8445 §8.1.1; aggressive: RFC 5245 §8.1.1.2, for older peers).</summary>
public enum IceNomination : byte
{
    Regular,
    Aggressive,
}

/// <summary>The transports candidates are gathered and paired on: UDP (RFC 8445), TCP (RFC 6544), or both.</summary>
[Flags]
public enum IceTransports : byte
{
    Udp = 1,
    Tcp = 2,
    UdpAndTcp = Udp | Tcp,
}

/// <summary>Which local candidates take part in checks (a relay-only policy hides host and reflexive addresses).</summary>
public enum IceCandidatePolicy : byte
{
    All,
    RelayOnly,
}

/// <summary>
/// A TURN server to gather a relayed candidate from (RFC 8445 §5.1.1.2), reached over UDP or TCP (RFC 8656 §3.1: TURN
/// over TCP gets a site whose UDP is blocked to a UDP relay).
/// </summary>
public sealed record IceTurnServer(IPEndPoint Server, string Username, string Password, string? Realm = null,
    IceSpec.Stun.Transports.TransportProtocol Transport = IceSpec.Stun.Transports.TransportProtocol.Udp)
{
    /// <summary>The TURN client's liveness probe (<see cref="TurnClientOptions.LivenessProbeInterval"/>, 15 s); null turns it off.</summary>
    public TimeSpan? LivenessProbeInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// RFC 6062 TCP allocation (REQUESTED-TRANSPORT TCP; needs <see cref="Transport"/> TCP or TLS and the agent's
    /// <see cref="IceTransports.Tcp"/>): the relayed candidates are TCP ones (RFC 6544), passive at the relayed address
    /// and active (port 9), gathered from each passive host TCP candidate's address.
    /// </summary>
    public bool TcpRelay { get; init; }

    /// <summary>Allocate again when the allocation is lost (<see cref="TurnClientOptions.ReallocateOnLoss"/>): reported as <see cref="IceRelayReallocated"/>.</summary>
    public bool ReallocateOnLoss { get; init; } = true;
}

/// <summary>The username fragment and password of one side (RFC 8445 §5.3; RFC 8839 §5.4 for their syntax).</summary>
public sealed record IceCredentials(string Ufrag, string Password)
{
    private const string IceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// <summary>RFC 8445 §5.3: at least 24 bits of randomness in the ufrag (4 ice-chars) and 128 in the password (22).</summary>
    public static IceCredentials Random(Action<Span<byte>> random) => new(RandomIceChars(random, 8), RandomIceChars(random, 24));

    internal static string RandomIceChars(Action<Span<byte>> random, int length)
    {
        Span<byte> bytes = stackalloc byte[length];
        random(bytes);
        var chars = new char[length];
        for (var i = 0; i < length; i++) chars[i] = IceChars[bytes[i] & 63];
        return new string(chars);
    }
}

/// <summary>Settings of one <see cref="IceAgent"/>. Defaults follow RFC 8445 (Ta 50 ms, STUN's Rc 7, Tr 15 s).</summary>
public record IceAgentOptions
{
    public IceRole Role { get; init; } = IceRole.Controlling;

    public IceNomination Nomination { get; init; } = IceNomination.Regular;

    /// <summary>
    /// Ta (RFC 8445 §14.2): at least 5 ms. A value other than 50 ms is announced with a=ice-pacing (RFC 8839 §5.5), and both
    /// agents then use the larger of the two (<see cref="IceAgent.SetRemotePacing"/>; a peer that announces none counts as
    /// 50 ms). The library keeps the RFC's default, 50 ms; the CLI and the conformance kit's driver propose
    /// <see cref="ProposedPacing"/>.
    /// </summary>
    public TimeSpan Pacing { get; init; } = TimeSpan.FromMilliseconds(IceFormulas.DefaultPacingMilliseconds);

    /// <summary>
    /// 20 ms: the Ta the <c>icespec ice</c> CLI and the conformance kit's IceSpec driver propose by default, announced with
    /// a=ice-pacing:20. RFC 8445 §14.2 lets an agent choose another Ta than 50 ms "based on the characteristics of the
    /// associated data"; libnice uses 20 ms without announcing it. Announced, it only takes effect when the peer announces
    /// 20 ms or less too (the larger value wins); against a peer that announces none both keep 50 ms. Not the library's
    /// default: an application that embeds the agent chooses its own pacing for its own traffic.
    /// </summary>
    public static readonly TimeSpan ProposedPacing = TimeSpan.FromMilliseconds(20);

    public IReadOnlyList<IPEndPoint> StunServers { get; init; } = [];

    public IReadOnlyList<IceTurnServer> TurnServers { get; init; } = [];

    public IceCandidatePolicy Policy { get; init; } = IceCandidatePolicy.All;

    /// <summary>
    /// UDP by default. With <see cref="IceTransports.Tcp"/> the agent takes host TCP candidates (RFC 6544: active and
    /// passive, <see cref="IceAgent.AddTcpHostCandidates"/>) and the peer's TCP candidates; without UDP it ignores UDP ones.
    /// </summary>
    public IceTransports Transports { get; init; } = IceTransports.Udp;

    /// <summary>An ICE lite agent (RFC 8445 §2.5): host candidates only, always controlled, answers checks only.</summary>
    public bool Lite { get; init; }

    /// <summary>Consent freshness on selected pairs (RFC 7675); on by default.</summary>
    public bool ConsentFreshness { get; init; } = true;

    /// <summary>
    /// Regular nomination: the longest the controlling agent waits after the first valid pair of a component for a
    /// higher-priority pair that can still win before it nominates the best valid pair (RFC 8445 §8.1.1 leaves this to
    /// the agent). It usually waits far less: a pair can still win only while queued for a triggered check or while its
    /// check is younger than max(2 × measured RTT, Ta) (README "When the controlling agent nominates"); this cap is the
    /// wait when no RTT was measured.
    /// </summary>
    public TimeSpan NominationWait { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Rc for connectivity checks (RFC 8489 §6.2.1; the spec's default Rc). The RTO follows RFC 8445 §14.3.</summary>
    public int CheckRequestCount { get; init; } = (int)new IceSpec.Stun.StunClientTransactionMachine().Rc;

    /// <summary>
    /// Rc and Rm of the Binding requests sent to STUN servers while gathering (RFC 8489 §6.2.1 makes both configurable).
    /// STUN's defaults (7, 16) keep a silent server — UDP blocked, server down — pending for 39.5 s, and the description
    /// with it; 3 and 4 give up after 3.5 s (sends at 0, 0.5, 1.5 s with the 500 ms RTO, then 2 s), close to libnice.
    /// </summary>
    public int GatherRequestCount { get; init; } = 3;

    public int GatherFinalWaitFactor { get; init; } = 4;

    /// <summary>Local credentials; random (RFC 8445 §5.3) when null.</summary>
    public IceCredentials? Credentials { get; init; }

    /// <summary>Randomness (tie-breaker, transaction IDs, credentials, consent jitter): injected for deterministic tests.</summary>
    public Action<Span<byte>> Random { get; init; } = RandomNumberGenerator.Fill;

    public string? Software { get; init; } = "IceSpec";

    /// <summary>A defect planted on purpose (conformance kit's kill test only); <see cref="IceSeededDefect.None"/> otherwise.</summary>
    internal IceSeededDefect SeededDefect { get; init; }
}
