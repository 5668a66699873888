namespace IceSpec.Captures.Diagnosis;

/// <summary><c>icespec diagnose</c>'s text: the summary, the findings best first (verdict, frames, RFC section, what to change, details), the pairs and each agent's phases.</summary>
public static class DiagnosisText
{
    public static void Write(TextWriter output, DiagnosisReport diagnosis)
    {
        output.WriteLine($"diagnosis of {string.Join(", ", diagnosis.Captures)}: {diagnosis.Summary}");
        foreach (var note in diagnosis.Notes) output.WriteLine($"  note: {note}");
        output.WriteLine();
        if (diagnosis.Findings.Count == 0) output.WriteLine("findings: none");
        var single = diagnosis.Captures.Count == 1;
        for (var i = 0; i < diagnosis.Findings.Count; i++)
        {
            var finding = diagnosis.Findings[i];
            output.WriteLine($"{i + 1}. [{Word(finding.Severity)}] {finding.Verdict}");
            output.WriteLine($"   {finding.Kind} · {finding.Section} · {Frames(finding.Frames, single)}");
            output.WriteLine($"   fix: {finding.Fix}");
            foreach (var detail in finding.Details) output.WriteLine($"   - {detail}");
        }
        if (diagnosis.Pairs.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("pairs (the last thing seen of each pair's checks):");
            foreach (var pair in diagnosis.Pairs)
                output.WriteLine($"  {pair.Agent}: {pair.Local} → {pair.Remote}{(pair.Transport == "tcp" ? " (TCP)" : "")}: {pair.Outcome}{(pair.Nominated ? ", nominated" : "")}, {pair.Checks} check{(pair.Checks == 1 ? "" : "s")}; {pair.Detail}");
        }
        foreach (var agent in diagnosis.Phases)
        {
            output.WriteLine();
            output.WriteLine($"phases of {agent.Agent} ({agent.Role}), ms from the first message:");
            foreach (var phase in agent.Phases)
                output.WriteLine($"  {phase.Name,-14} {(phase.StartMs is { } s ? $"{s,10:0.0}" : "         -")} → {(phase.EndMs is { } e ? $"{e,10:0.0}" : "         -")}" +
                    (phase.StartFrame is { } f ? $"  ({Frames([f], single)}{(phase.EndFrame is { } g && g != f ? $" … {Frames([g], single)}" : "")})" : ""));
        }
    }

    private static string Word(FindingSeverity severity) => severity.ToString().ToLowerInvariant();

    /// <summary>"frames 3, 7" for one capture; "controlling#3, controlled#7" for several.</summary>
    public static string Frames(IReadOnlyList<FrameRef> frames, bool single) =>
        frames.Count == 0 ? "no frames" : single
            ? (frames.Count == 1 ? "frame " : "frames ") + string.Join(", ", frames.Select(f => f.Frame))
            : string.Join(", ", frames);
}
