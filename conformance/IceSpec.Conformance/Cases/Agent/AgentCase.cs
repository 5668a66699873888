using IceSpec.Ice;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// One ICE agent case: the requirement it checks (<see cref="CaseInfo"/>: ID <c>rfc&lt;RFC&gt;-&lt;section&gt;-&lt;n&gt;</c>,
/// level, quoted RFC text), the IUT's role, what the tester does and what is observed (<see cref="Procedure"/>), the
/// driver capabilities it needs (a missing one makes it unsupported, never failed), the requirement-catalog subjects it
/// covers, and its body, which runs against a fresh IUT and tester and returns a verdict whose evidence names frames of
/// the case's <c>tester.pcap</c>.
/// </summary>
public sealed record AgentCase(
    CaseInfo Info,
    IceRole IutRole,
    string Procedure,
    IReadOnlyList<string> Covers,
    Func<AgentCaseContext, Task<CaseVerdict>> Run)
{
    /// <summary>Driver capabilities the case needs (conformance/ADAPTER.md): "trickle", "ice-tcp", "restart"…</summary>
    public IReadOnlyList<string> Requires { get; init; } = [];

    /// <summary>
    /// The IUT's nomination mode the case applies to ("regular" or "aggressive"), or null for any: a regular-nomination
    /// rule (RFC 8445 §8.1.1) says nothing about an agent configured to nominate aggressively (RFC 5245 §8.1.1.2).
    /// </summary>
    public string? Nomination { get; init; }

    /// <summary>How long the whole case may take (setup included).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Judges time in milliseconds (pacing, retransmission intervals): runs with no other case beside it.</summary>
    public bool Exclusive { get; init; }

    /// <summary>A case with ID <c>rfc&lt;rfc&gt;-&lt;section&gt;-&lt;ordinal&gt;</c>.</summary>
    public static AgentCase Define(int rfc, string section, int ordinal, RequirementLevel level, IceRole iutRole, string title,
        string requirementText, string procedure, string[] covers, Func<AgentCaseContext, Task<CaseVerdict>> run) =>
        new(new CaseInfo(CaseInfo.MakeId(rfc, section, ordinal), rfc, section, level, title, requirementText), iutRole, procedure, covers, run);
}
