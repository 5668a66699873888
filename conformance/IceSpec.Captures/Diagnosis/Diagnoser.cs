using IceSpec.Captures.Credentials;
using IceSpec.Captures.Diagnosis.Rules;

namespace IceSpec.Captures.Diagnosis;

/// <summary>
/// <c>icespec diagnose</c>'s engine: reads the captures into <see cref="SessionEvidence"/>, runs every rule and ranks
/// the findings — by <see cref="FindingSeverity"/>, then <see cref="FindingCategory"/>, then the first frame.
/// </summary>
public static class Diagnoser
{
    /// <summary>The rule families, each in its own file under Rules/.</summary>
    public static IReadOnlyList<IDiagnosisRule> Rules { get; } =
        [new PairOutcomes(), new NatBehaviour(), new CredentialFindings(), new SignallingFindings(), new MdnsFindings(), new TurnFindings(), new UnreachableFindings(), new TimeFindings(), new LivenessFindings()];

    public static DiagnosisReport Diagnose(IReadOnlyList<DiagnosisInput> captures, CaptureCredentials credentials) =>
        Diagnose(SessionEvidence.Read(captures, credentials));

    /// <summary>With signalling (<c>--signalling</c>): its passwords verify integrity too, its candidates and times feed the signalling findings.</summary>
    public static DiagnosisReport Diagnose(IReadOnlyList<DiagnosisInput> captures, CaptureCredentials credentials, IReadOnlyList<SignallingInput> signalling) =>
        Diagnose(SessionEvidence.Read(captures, credentials, SignallingReader.Read(signalling)));

    public static DiagnosisReport Diagnose(SessionEvidence evidence, IReadOnlyList<IDiagnosisRule>? rules = null)
    {
        var findings = (rules ?? Rules).SelectMany(rule => rule.Diagnose(evidence))
            .OrderBy(f => f.Severity).ThenBy(f => f.Category)
            .ThenBy(f => f.Frames.Count == 0 ? double.MaxValue : FirstTime(evidence, f.Frames))
            .ToList();
        var pairs = PairOutcomes.Compute(evidence);
        return new DiagnosisReport([.. evidence.Captures.Select(c => c.Label)], Summary(evidence, pairs), findings, pairs, PhaseBreakdown.Compute(evidence), evidence.Notes);
    }

    private static double FirstTime(SessionEvidence evidence, IReadOnlyList<FrameRef> frames) =>
        frames.Min(f => evidence.SightingAt(f)?.Time is { } t ? evidence.Ms(t) : double.MaxValue);

    private static string Summary(SessionEvidence evidence, IReadOnlyList<PairOutcome> pairs)
    {
        if (pairs.Count == 0) return "no ICE connectivity checks in the capture" + (evidence.Captures.Count == 1 ? "" : "s");
        var nominated = pairs.Where(p => p.Nominated).ToList();
        if (nominated.Count > 0)
            return "connected: " + string.Join("; ", nominated.Select(p => $"{p.Agent} nominated {p.Local} → {p.Remote}{(p.Transport == "tcp" ? " (TCP)" : "")}"));
        return pairs.Any(p => p.Outcome == "succeeded") ? "checks succeeded, no pair nominated" : "failed: no pair succeeded";
    }
}
