namespace IceSpec.Conformance.Cases.Server;

/// <summary>A long-term credential (RFC 8489 §9.2) the server under test accepts, in the realm of its 401.</summary>
public sealed record ServerUser(string Username, string Password);

/// <summary>
/// A STUN/TURN server under test: where it listens (UDP always, TCP when <paramref name="TcpPort"/> is set) and the
/// long-term credential the cases authenticate with (RFC 8489 §9.2). <paramref name="Realm"/> is only a hint: the cases
/// use the REALM the server sends in its 401.
/// </summary>
public sealed record ServerTarget(string Name, string Host, int UdpPort, int? TcpPort, string Username, string Password, string? Realm = null)
{
    /// <summary>
    /// Further users the server accepts (same realm). The first is the "other user" of <c>rfc8656-7.2-15</c> (a failed
    /// authentication must not tie the 5-tuple to a user), which is inconclusive without one; the 508 case spreads its
    /// allocations over these users so that a per-user quota does not refuse it first. Default: none.
    /// </summary>
    public IReadOnlyList<ServerUser> OtherUsers { get; init; } = [];

    /// <summary>
    /// Where the quota and capacity cases (486, 508) run: a server with a small per-user allocation quota and a small relay
    /// port range, reached with the same kind of users (<see cref="Username"/> for the 486 case, <see cref="OtherUsers"/>
    /// for the 508 case). Null (the default): they run against this target and are inconclusive unless it has such limits.
    /// A separate instance because a quota small enough to reach would refuse other cases' allocations — coturn counts a
    /// deleted allocation, and holds its relay port, for about a second after the Refresh that deletes it.
    /// </summary>
    public ServerTarget? QuotaTarget { get; init; }

    /// <summary>The main user, then <see cref="OtherUsers"/>.</summary>
    public IReadOnlyList<ServerUser> Users => [new ServerUser(Username, Password), .. OtherUsers];
}

/// <summary>
/// Which cases to run and how: SHOULD cases only when <paramref name="Strict"/>; <paramref name="CaseIds"/> selects by ID
/// (all when null); <paramref name="Timeout"/> bounds each case (default 10 s); <paramref name="Expected"/> lists known
/// failures, which turn Failed into ExpectedFailure (and Passed into UnexpectedPass).
/// </summary>
public sealed record ServerCaseOptions(bool Strict = false, IReadOnlyCollection<string>? CaseIds = null, TimeSpan? Timeout = null, ExpectedFailures? Expected = null);
