namespace IceSpec.Conformance.Cases.Server;

/// <summary>
/// A STUN/TURN server under test: where it listens (UDP always, TCP when <paramref name="TcpPort"/> is set) and the
/// long-term credential the cases authenticate with (RFC 8489 §9.2). <paramref name="Realm"/> is only a hint: the cases
/// use the REALM the server sends in its 401.
/// </summary>
public sealed record ServerTarget(string Name, string Host, int UdpPort, int? TcpPort, string Username, string Password, string? Realm = null);

/// <summary>
/// Which cases to run and how: SHOULD cases only when <paramref name="Strict"/>; <paramref name="CaseIds"/> selects by ID
/// (all when null); <paramref name="Timeout"/> bounds each case (default 10 s); <paramref name="Expected"/> lists known
/// failures, which turn Failed into ExpectedFailure (and Passed into UnexpectedPass).
/// </summary>
public sealed record ServerCaseOptions(bool Strict = false, IReadOnlyCollection<string>? CaseIds = null, TimeSpan? Timeout = null, ExpectedFailures? Expected = null);
