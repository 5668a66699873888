namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// The family "how the IUT checks and nominates": triggered checks and peer-reflexive candidates (RFC 8445 §7.3.1.3,
/// §7.3.1.4), what it makes of its checks' answers (§7.2.5), pacing and retransmissions (§14.2, §14.3, RFC 8489 §6.2.1),
/// checklist order and frozen pairs (§6.1.2.6, §6.1.4.2), and nomination from both sides (§7.3.1.5, §8.1.1; RFC 5245
/// §8.1.1.2).
/// </summary>
internal static class CheckingCases
{
    public static IEnumerable<AgentCase> All =>
    [
        .. TriggeredCheckCases.All,
        .. CheckResultCases.All,
        .. PacingCases.All,
        .. CheckListCases.All,
        .. NominationCases.All,
        .. ControlledNominationCases.All,
    ];
}
