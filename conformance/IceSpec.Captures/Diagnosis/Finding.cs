namespace IceSpec.Captures.Diagnosis;

/// <summary>
/// How much a finding explains, in rank order: <see cref="Cause"/> is why ICE failed (or a call broke);
/// <see cref="Defect"/> a rule an agent or server broke that did not by itself stop the call; <see cref="Delay"/> where
/// time went beyond what the RFCs allow or need; <see cref="Note"/> a fact worth knowing (the NAT's behaviour on a call
/// that worked).
/// </summary>
public enum FindingSeverity { Cause, Defect, Delay, Note }

/// <summary>
/// What a finding is about; also the order of findings of equal severity: what explains the pairs' fate (the NAT, the
/// credentials, signalling, TURN) before the pairs' own outcome, then time and liveness.
/// </summary>
public enum FindingCategory { Nat, Credentials, Signalling, Turn, Pairs, Time, Liveness }

/// <summary>
/// A frame of one of the diagnosed captures: <see cref="Capture"/> is the capture's label (its file name, or the name
/// given with <c>label=FILE</c>), <see cref="Frame"/> the 1-based frame number as Wireshark counts.
/// </summary>
public sealed record FrameRef(string Capture, int Frame)
{
    public override string ToString() => $"{Capture}#{Frame}";
}

/// <summary>
/// One finding of <c>icespec diagnose</c>: a stable <see cref="Kind"/> (e.g. <c>mapping-endpoint-dependent</c>), a
/// one-line <see cref="Verdict"/>, the <see cref="Frames"/> that prove it, the RFC <see cref="Section"/> it rests on,
/// what to change (<see cref="Fix"/>), and the detail lines behind the verdict.
/// </summary>
public sealed record Finding(
    string Kind, FindingCategory Category, FindingSeverity Severity, string Verdict, IReadOnlyList<FrameRef> Frames,
    string Section, string Fix, IReadOnlyList<string> Details);

/// <summary>
/// One phase of an agent's session (RFC 8445 §2's order: gathering, checks, nomination, data, consent), from the capture:
/// when it started and ended, in milliseconds since the diagnosis epoch (the first message of all captures), and the
/// frames that mark its start and end. Null times: the phase was not seen.
/// </summary>
public sealed record Phase(string Name, double? StartMs, double? EndMs, FrameRef? StartFrame, FrameRef? EndFrame);

/// <summary>The time line of one ICE agent (by ufrag): its phases in order.</summary>
public sealed record AgentPhases(string Agent, string Role, IReadOnlyList<Phase> Phases);

/// <summary>
/// What happened to one pair, as the capture(s) show it (RFC 8445 §6.1.2.6 states, told from the wire): the last thing
/// seen of its checks — <c>succeeded</c>, <c>error NNN</c>, <c>non-symmetric</c>, <c>answer-lost</c> (answered, the
/// answer never reached the checking agent), <c>arrived-no-answer</c>, <c>unreachable</c> (answered by an ICMP error), <c>left-never-arrived</c>, <c>left-no-answer</c>
/// (one vantage point: whether it arrived cannot be told), or <c>never-sent</c> (a signalled pair never checked).
/// </summary>
public sealed record PairOutcome(string Agent, string Local, string Remote, string Transport, string Outcome, int Checks,
    bool Nominated, IReadOnlyList<FrameRef> Frames, string Detail);

/// <summary>
/// <c>icespec diagnose</c>'s answer: the captures read, a one-line summary, the findings best first, the pairs, and each
/// agent's phases.
/// </summary>
public sealed record DiagnosisReport(
    IReadOnlyList<string> Captures, string Summary, IReadOnlyList<Finding> Findings, IReadOnlyList<PairOutcome> Pairs,
    IReadOnlyList<AgentPhases> Phases, IReadOnlyList<string> Notes);

/// <summary>A family of findings (NAT behaviour, pairs, credentials, TURN, time, liveness), computed from the evidence.</summary>
public interface IDiagnosisRule
{
    IEnumerable<Finding> Diagnose(SessionEvidence evidence);
}
