namespace IceSpec.Conformance.Adapter;

/// <summary>The capability words a driver declares (conformance/ADAPTER.md); the runner marks cells needing a missing one unsupported.</summary>
public static class DriverCapabilities
{
    /// <summary>
    /// "regular", "aggressive": nomination when controlling; "trickle" (RFC 8838); "stun"; "turn-udp", "turn-tcp": a TURN
    /// server over UDP or TCP; "relay-policy": relayed candidates only; "ice-tcp": host TCP candidates active and passive
    /// (RFC 6544); "ice-tcp-passive": passive ones only, so it reaches only a peer with active candidates (RFC 6544 §6.2);
    /// "ice-tcp-active": active ones only (it never accepts a connection), so it reaches only a peer with passive candidates;
    /// "ice-tcp-so": also simultaneous-open TCP candidates and their server reflexive ones (<c>tcp-so: true</c>, RFC 6544 §4.5, §5.2);
    /// "turn-tcp-relay": an RFC 6062 TCP allocation (<c>turn.relay: tcp</c>) whose relayed candidates are TCP ones (RFC 6544);
    /// "restart": the <c>restart</c> command and a peer's restart by a new <c>remote-description</c> (RFC 8445 §9); "mdns":
    /// <c>configure</c>'s <c>mdns: true</c> (host candidates offered as mDNS names) and resolving the peer's ".local"
    /// candidates (draft-ietf-mmusic-mdns-ice-candidates §3.1, §3.2); <see cref="Answerer"/>: as the controlled agent it
    /// prints its description only after the peer's (a browser answering an offer), so the kit's tester describes itself first.
    /// </summary>
    public static readonly IReadOnlyList<string> Known =
        ["regular", "aggressive", "trickle", "stun", "turn-udp", "turn-tcp", "relay-policy", "ice-tcp", "ice-tcp-passive", "ice-tcp-active", "ice-tcp-so", "turn-tcp-relay", "restart", "mdns", Answerer];

    /// <summary>
    /// Not something it can do but how it must be driven: as the controlled agent it has credentials only once it has the
    /// peer's <c>remote-description</c> (an answerer, RFC 8829 §5.3). The pair runner forwards each description as soon as it
    /// comes, so such an agent simply waits for the controlling one's; the agent cases' tester, which otherwise describes
    /// itself only after the IUT, gives such an IUT its credentials first.
    /// </summary>
    public const string Answerer = "answerer";

    /// <summary>The first word that is not a known capability, or null.</summary>
    public static string? FirstUnknown(IEnumerable<string> words) => words.FirstOrDefault(w => !Known.Contains(w, StringComparer.Ordinal));

    public static string UnknownMessage(string word) => $"unknown capability '{word}'; known: {string.Join(", ", Known)}";
}
