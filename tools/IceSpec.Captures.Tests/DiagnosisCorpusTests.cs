using System.Text.Json;
using IceSpec.Captures.Credentials;
using IceSpec.Captures.Diagnosis;

namespace IceSpec.Captures.Tests;

/// <summary>
/// Every case of pcaps/diagnose/ (a folder: its captures, credentials and <c>expected.json</c>, written from a reading of
/// the frames with tshark) diagnosed: the kinds of the findings are exactly the expected ones — a finding that also
/// fires where it should not fails the case — and each expected finding names its frames (among those reported) and its
/// RFC section.
/// </summary>
[Trait("Category", "unit")]
public class DiagnosisCorpusTests
{
    private static readonly string Corpus = Path.Combine(Frames.Pcaps, "diagnose");

    public static TheoryData<string> Cases() =>
        new(Directory.GetDirectories(Corpus).Where(d => File.Exists(Path.Combine(d, "expected.json"))).Select(Path.GetFileName).Order()!);

    /// <summary>One expected finding: its kind, frames ("label#N") and section.</summary>
    public sealed record ExpectedFinding(string Kind, IReadOnlyList<string> Frames, string Section);

    /// <summary>A case: its captures and signalling (<c>[label=]file</c>, relative to the case folder), credentials, findings, and how it was made and reviewed.</summary>
    public sealed record CaseFile(IReadOnlyList<string> Captures, string? Credentials, IReadOnlyList<ExpectedFinding> Findings, string Reviewed, string MadeBy,
        IReadOnlyList<string>? Signalling = null);

    public static (CaseFile Case, DiagnosisReport Diagnosis) Diagnose(string name)
    {
        var folder = Path.Combine(Corpus, name);
        var file = JsonSerializer.Deserialize<CaseFile>(File.ReadAllText(Path.Combine(folder, "expected.json")), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        var credentials = new CaptureCredentials();
        if (file.Credentials is { } path) Assert.True(credentials.TryLoad(Path.Combine(folder, path), out var error), error);
        (string Label, string Path) Labelled(string value) => value.Split('=', 2) is [var label, var path]
            ? (label, Path.Combine(folder, path)) : (Path.GetFileName(value), Path.Combine(folder, value));
        var inputs = file.Captures.Select(Labelled).Select(c => new DiagnosisInput(c.Label, c.Path)).ToList();
        var signalling = (file.Signalling ?? []).Select(Labelled).Select(s => new SignallingInput(s.Label, s.Path)).ToList();
        return (file, Diagnoser.Diagnose(inputs, credentials, signalling));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Findings_are_the_expected_ones(string name)
    {
        var (expected, diagnosis) = Diagnose(name);
        Assert.False(string.IsNullOrWhiteSpace(expected.Reviewed), $"{name}: expected.json says nothing of what was reviewed in the frames");
        Assert.False(string.IsNullOrWhiteSpace(expected.MadeBy), $"{name}: expected.json does not say how the captures were made");
        var reported = diagnosis.Findings.Select(f => f.Kind).Distinct().Order(StringComparer.Ordinal).ToList();
        var wanted = expected.Findings.Select(f => f.Kind).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.True(wanted.SequenceEqual(reported),
            $"{name}: expected findings [{string.Join(", ", wanted)}], diagnosed [{string.Join(", ", reported)}]:\n{Render(diagnosis)}");
        foreach (var finding in expected.Findings)
        {
            var matches = diagnosis.Findings.Where(f => f.Kind == finding.Kind).ToList();
            Assert.Contains(matches, f => f.Section == finding.Section);
            var frames = matches.SelectMany(f => f.Frames).Select(f => f.ToString()).ToHashSet();
            var missing = finding.Frames.Where(f => !frames.Contains(f)).ToList();
            Assert.True(missing.Count == 0, $"{name}: {finding.Kind} does not name frame(s) {string.Join(", ", missing)} (it names {string.Join(", ", frames)})");
        }
    }

    private static string Render(DiagnosisReport diagnosis)
    {
        var text = new StringWriter();
        DiagnosisText.Write(text, diagnosis);
        return text.ToString();
    }
}
