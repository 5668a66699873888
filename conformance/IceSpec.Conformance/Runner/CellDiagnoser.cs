using IceSpec.Captures;
using IceSpec.Captures.Credentials;
using IceSpec.Captures.Diagnosis;
using IceSpec.Conformance.Reports;

namespace IceSpec.Conformance.Runner;

/// <summary>
/// Links a failed ICE cell to its diagnosis: <c>icespec diagnose</c>'s engine (<see cref="Diagnoser"/>) over the cell's
/// three captures merged (each agent's namespace and the public network, labelled <c>controlling</c>, <c>controlled</c>,
/// <c>public</c>) with the cell's credentials and the drivers' transcripts (<c>controlling.jsonl</c>, <c>controlled.jsonl</c>)
/// as signalling; writes <c>diagnosis.txt</c>, <c>diagnosis.json</c> and <c>diagnosis.html</c>
/// beside them.
/// </summary>
public static class CellDiagnoser
{
    public static readonly string[] Files = ["diagnosis.html", "diagnosis.txt", "diagnosis.json"];

    /// <summary>The diagnosis of the cell in <paramref name="directory"/> (named <paramref name="cellName"/> relative to the report).</summary>
    public static CellDiagnosis Diagnose(string directory, string cellName)
    {
        var inputs = new[] { "controlling", "controlled", "public" }
            .Select(label => new DiagnosisInput(label, Path.Combine(directory, label + ".pcap")))
            .Where(input => File.Exists(input.Path) && new FileInfo(input.Path).Length > 0).ToList();
        if (inputs.Count == 0) return new CellDiagnosis("not diagnosed: the cell has no captures", [], null);
        var credentials = new CaptureCredentials();
        var credentialsPath = Path.Combine(directory, "credentials");
        if (File.Exists(credentialsPath) && !credentials.TryLoad(credentialsPath, out var error))
            return new CellDiagnosis($"not diagnosed: {error}", [], null);
        // The drivers' transcripts (every command and event, timed): the signalling the agents exchanged.
        var signalling = new[] { "controlling", "controlled" }
            .Select(label => new SignallingInput(label, Path.Combine(directory, label + ".jsonl")))
            .Where(input => File.Exists(input.Path)).ToList();
        DiagnosisReport diagnosis;
        try
        {
            diagnosis = Diagnoser.Diagnose(inputs, credentials, signalling);
        }
        catch (Exception e) when (e is CaptureException or SignallingException)
        {
            return new CellDiagnosis($"not diagnosed: {e.Message}", [], null);
        }
        var text = new StringWriter { NewLine = "\n" };
        DiagnosisText.Write(text, diagnosis);
        File.WriteAllText(Path.Combine(directory, "diagnosis.txt"), text.ToString());
        File.WriteAllText(Path.Combine(directory, "diagnosis.json"), DiagnosisJson.Render(diagnosis));
        File.WriteAllText(Path.Combine(directory, "diagnosis.html"), DiagnosisHtml.Page(diagnosis, cellName));
        return new CellDiagnosis(diagnosis.Summary,
            [.. diagnosis.Findings.Select(f => $"[{f.Severity.ToString().ToLowerInvariant()}] {f.Kind}: {f.Verdict} ({f.Section})")],
            Path.Combine(cellName, "diagnosis.html"));
    }
}
