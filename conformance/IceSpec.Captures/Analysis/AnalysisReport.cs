namespace IceSpec.Captures.Analysis;

/// <summary>
/// What <c>icespec analyze</c> found in a capture: counts of STUN, ChannelData and classic STUN (RFC 3489) messages,
/// transactions, ICE sessions, TURN allocations, violations (all counted in <c>ViolationCount</c>, the first
/// <see cref="AnalysisLimits.Violations"/> listed), and the timeline.
/// </summary>
public sealed record AnalysisReport(
    int Frames,
    int StunMessages,
    int ChannelDataMessages,
    int ClassicStunMessages,
    IntegritySummary Integrity,
    TransactionSummary Transactions,
    IReadOnlyList<IceSessionReport> IceSessions,
    IReadOnlyList<TurnAllocationReport> TurnAllocations,
    int ViolationCount,
    IReadOnlyList<Violation> Violations,
    IReadOnlyList<TimelineEntry> Timeline,
    bool TimelineTruncated)
{
    /// <summary>The mDNS names asked for and answered, tied to the candidates they resolve (<see cref="MdnsTracker"/>).</summary>
    public MdnsSummary Mdns { get; init; } = MdnsSummary.None;
}

/// <summary>
/// A rule a message or exchange breaks. <see cref="Name"/> is a stable identifier (e.g. <c>attribute-after-fingerprint</c>);
/// <see cref="Section"/> and <see cref="Text"/> are the RFC section and sentence, taken from the spec (requirement catalog,
/// validator rule or machine edge) named by <see cref="Source"/>.
/// </summary>
public sealed record Violation(string Name, int Frame, string Section, string Text, string Detail, string Source, string Severity = "violation");

/// <summary>STUN messages by the outcome of their MESSAGE-INTEGRITY check with the key the credentials give (see <see cref="Credentials.MessageKeys"/>).</summary>
public sealed record IntegritySummary(int Verified, int Failed, int NoKey, int Absent);

/// <summary>
/// Counts over every transaction, and the first <see cref="AnalysisLimits.ListedTransactions"/> in detail. The median RTT
/// is exact up to 100 000 answered transactions and taken from a uniform sample of 100 000 beyond.
/// </summary>
public sealed record TransactionSummary(int Count, int Answered, int Unanswered, int Retransmitted, double? MedianRttMs,
    IReadOnlyList<TransactionReport> Listed);

/// <summary>One request/response exchange (RFC 8489 §6.2, §6.3); <see cref="Classic"/>: of RFC 3489, its ID 32 hex digits.</summary>
public sealed record TransactionReport(
    string Id, string Method, string Transport, string Client, string Server, int RequestFrame, int Retransmissions,
    string Outcome, int? ErrorCode, int? ResponseFrame, double? RttMs, bool Classic);

/// <summary>An ICE agent seen in checks: its address and ufrag (RFC 8445 §5.3) and the role its checks claimed last.</summary>
public sealed record IceAgentReport(string Ufrag, IReadOnlyList<string> Addresses, string Role, IReadOnlyList<string> RolesClaimed,
    int ChecksSent, bool SentRoleConflict);

/// <summary>One pair checked by one agent: local = where its checks left from, remote = where they went (RFC 8445 §6.1.2).</summary>
public sealed record IcePairReport(
    string Agent, string Local, string Remote, string State, IReadOnlyList<string> Transitions, int Checks, int Successes,
    int Failures, bool Nominated, int? NominatedFrame, string Transport);

/// <summary>An ICE session: the two agents, their pairs, the selected pair and consent checks after selection (RFC 7675).</summary>
public sealed record IceSessionReport(
    IReadOnlyList<IceAgentReport> Agents, IReadOnlyList<IcePairReport> Pairs, IReadOnlyList<string> CandidatesSeen,
    string? SelectedPair, int ConsentChecksAfterSelection, int ConsentResponsesAfterSelection);

/// <summary>A TURN allocation seen from its client's 5-tuple (RFC 8656 §2.2).</summary>
public sealed record TurnAllocationReport(
    string Transport, string Client, string Server, string? Username, string? Relayed, string State, int AuthenticationRounds,
    string AuthenticationState, IReadOnlyList<int> LifetimesGranted, int Refreshes, IReadOnlyList<TurnPermissionReport> Permissions,
    IReadOnlyList<TurnChannelReport> Channels, TurnDataCounts Data);

public sealed record TurnPermissionReport(string Peer, string State, int Installs);

public sealed record TurnChannelReport(string Channel, string Peer, string State);

/// <summary>Relayed application data: ChannelData messages and Send/Data indications, each way, with their bytes.</summary>
public sealed record TurnDataCounts(int ChannelDataToServer, int ChannelDataFromServer, int SendIndications, int DataIndications, long Bytes);

/// <summary>One message on the timeline: lanes are addresses; label and class colour the arrow.</summary>
public sealed record TimelineEntry(int Frame, double TimeMs, string From, string To, string Label, string Class, IReadOnlyList<string> Violations);

/// <summary>How much detail a report keeps, so that memory stays bounded on large captures (counts always cover everything).</summary>
public static class AnalysisLimits
{
    public const int ListedTransactions = 1000;
    public const int TimelineEntries = 2000;
    public const int Violations = 1000;
    /// <summary>mDNS names followed (each a fresh UUID per candidate, draft-ietf-mmusic-mdns-ice-candidates §3.1.1), and queries or answers kept per name.</summary>
    public const int MdnsNames = 1000;
    public const int MdnsEventsPerName = 100;
}
