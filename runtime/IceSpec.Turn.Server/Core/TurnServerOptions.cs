namespace IceSpec.Turn.Server;

/// <summary>
/// What the core needs to know; the socket side (ports, certificates, files) lives in <c>TurnServerHostOptions</c> (IceSpec.Turn.Server.Hosting).
/// Defaults are safe: authentication always required for TURN, special-purpose peers refused, a per-user allocation
/// quota, unauthenticated answers rate-limited per source (IceSpec.Turn.Server.Hosting/README.md, "Security defaults").
/// </summary>
public sealed class TurnServerOptions
{
    /// <summary>Where the meter <c>IceSpec.Turn.Server</c> comes from (<see cref="TurnServerMetrics"/>); null: the server creates its own.</summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; set; }

    /// <summary>RFC 8489 §9.2: the realm of the long-term credentials (coturn's <c>realm</c>).</summary>
    public string Realm { get; set; } = "icespec";

    /// <summary>SOFTWARE on every response (RFC 8489 §14.14); null or empty for none.</summary>
    public string? Software { get; set; } = "IceSpec TURN server";

    /// <summary>The credentials; null means nobody can allocate (the server still answers Binding).</summary>
    public TurnCredentials? Credentials { get; set; }

    /// <summary>How long a NONCE stays valid before a request gets 438 (RFC 8489 §9.2.4); coturn's default is 600 s.</summary>
    public TimeSpan NonceLifetime { get; set; } = TimeSpan.FromSeconds(600);

    /// <summary>Set the RFC 8489 "Password algorithms" security feature (MD5 and SHA-256 offered in PASSWORD-ALGORITHMS).</summary>
    public bool OfferPasswordAlgorithms { get; set; } = true;

    /// <summary>TurnAllocation's DefaultLifetime (RFC 8656 §7.2: 10 minutes).</summary>
    public TimeSpan? DefaultLifetime { get; set; }

    /// <summary>TurnAllocation's MaxLifetime (RFC 8656 §7.2: RECOMMENDED 3600 s).</summary>
    public TimeSpan? MaxLifetime { get; set; }

    /// <summary>
    /// Allocations one username may hold at once (486 beyond it); 0 for no limit (coturn's default). The default 1000 keeps
    /// one leaked or shared credential to 1000 of the default range's 16,384 relay ports and still serves applications that
    /// give all their users one static credential.
    /// </summary>
    public int UserQuota { get; set; } = DefaultUserQuota;

    public const int DefaultUserQuota = 1000;

    /// <summary>
    /// Unauthenticated answers (Binding, 401, errors to requests without valid credentials) per second per client source
    /// (<see cref="UnauthenticatedRateLimiter"/>); 0 turns the limit off. Over it, requests are dropped.
    /// </summary>
    public int UnauthenticatedRate { get; set; } = DefaultUnauthenticatedRate;

    /// <summary>The bucket size: unauthenticated answers a source may get at once before the rate applies.</summary>
    public int UnauthenticatedBurst { get; set; } = DefaultUnauthenticatedBurst;

    /// <summary>An ICE agent's gathering burst is a few Allocates and Bindings per interface and transport, with retransmits; 200 leaves room for many agents behind one NAT.</summary>
    public const int DefaultUnauthenticatedBurst = 200;

    public const int DefaultUnauthenticatedRate = 100;

    /// <summary>Allocations the whole server may hold (508 beyond it); 0 for no limit but the relay port range.</summary>
    public int TotalQuota { get; set; }

    public TurnPeerPolicy PeerPolicy { get; set; } = new();

    /// <summary>Permissions one allocation may hold (a CreatePermission beyond it is 508): hostile clients cannot grow the tables without bound.</summary>
    public int MaxPermissionsPerAllocation { get; set; } = 1000;

    /// <summary>
    /// Refuse TCP allocations (RFC 6062) with 442, as coturn's <c>no-tcp-relay</c>; by default a REQUESTED-TRANSPORT of TCP
    /// over a TCP or TLS control connection gets a TCP relayed address.
    /// </summary>
    public bool NoTcpRelay { get; set; }

    /// <summary>Peer data connections (RFC 6062) one TCP allocation may have at once, connecting, pending or bound; a Connect beyond it is 508, an incoming peer connection is closed.</summary>
    public int MaxPeerConnectionsPerAllocation { get; set; } = DefaultMaxPeerConnectionsPerAllocation;

    public const int DefaultMaxPeerConnectionsPerAllocation = 64;

    /// <summary>TurnPeerConnection's BindTimeout: how long a peer data connection waits for its ConnectionBind (RFC 6062 §5.2: 30 s).</summary>
    public TimeSpan? PeerConnectionBindTimeout { get; set; }

    /// <summary>TurnPeerConnection's ConnectTimeout: how long a Connect waits for the peer's TCP handshake before 447 (RFC 6062 §5.2: at least 30 s).</summary>
    public TimeSpan? PeerConnectTimeout { get; set; }

    /// <summary>
    /// The fleet this server belongs to (null: it stands alone). With one, the per-user quota counts the user's
    /// allocations on every server, a full server (TotalQuota) or a draining one redirects an Allocate with 300 to the
    /// fleet's least-loaded live server (508 when there is none).
    /// </summary>
    public ITurnFleet? Fleet { get; set; }

    /// <summary>Servers to redirect every Allocate to with 300 (Try Alternate) and ALTERNATE-SERVER (RFC 8489 §10), in turn.</summary>
    public IList<TurnEndpoint> AlternateServers { get; } = new List<TurnEndpoint>();

    /// <summary>Answer Binding only; TURN requests are unknown methods (400).</summary>
    public bool StunOnly { get; set; }

    /// <summary>
    /// RFC 5780 NAT behaviour discovery: the server's second IP address and second port. With both, Binding responses carry
    /// OTHER-ADDRESS and RESPONSE-ORIGIN, and CHANGE-REQUEST is honoured (the driver listens on all four combinations).
    /// </summary>
    public Rfc5780Addresses? Rfc5780 { get; set; }

    /// <summary>
    /// Accept channel numbers 0x4000–0x7FFF (RFC 5766 §11) as coturn does and its turnutils_uclient uses, not only RFC 8656's
    /// 0x4000–0x4FFF. Off by default.
    /// </summary>
    public bool AcceptRfc5766ChannelNumbers { get; set; }

    /// <summary>The server's own listening addresses: peers may not be sent to these (no relaying into our own listeners).</summary>
    public IList<TurnEndpoint> OwnEndpoints { get; } = new List<TurnEndpoint>();

    /// <summary>The wall-clock time at core time zero, for TURN REST API expiry timestamps (the core has no clock of its own).</summary>
    public DateTimeOffset WallClockAtZero { get; set; } = DateTimeOffset.UnixEpoch;

    /// <summary>RFC 8656 §7.2: how long an EVEN-PORT R-bit reservation is kept for the RESERVATION-TOKEN Allocate (30 s).</summary>
    public TimeSpan ReservationLifetime { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>RFC 5780 §6 addresses: primary IP and port, alternate IP and port (the four combinations are listened on).</summary>
public readonly record struct Rfc5780Addresses(TurnEndpoint Primary, TurnEndpoint Alternate)
{
    /// <summary>OTHER-ADDRESS for a request received on <paramref name="local"/>: the other IP with the other port (RFC 5780 §7.4).</summary>
    public TurnEndpoint OtherOf(in TurnEndpoint local) => Swap(local, changeIp: true, changePort: true);

    /// <summary>The address a response with CHANGE-REQUEST flags comes from (RFC 5780 §7.2).</summary>
    public TurnEndpoint Swap(in TurnEndpoint local, bool changeIp, bool changePort)
    {
        var ip = local.AddressOnly;
        if (changeIp) ip = ip == Primary.AddressOnly ? Alternate.AddressOnly : Primary.AddressOnly;
        var port = local.Port;
        if (changePort) port = port == Primary.Port ? Alternate.Port : Primary.Port;
        return ip.WithPort(port);
    }

    public IEnumerable<TurnEndpoint> All =>
        [Primary, Primary.AddressOnly.WithPort(Alternate.Port), Alternate.AddressOnly.WithPort(Primary.Port), Alternate];
}
