using System.Diagnostics;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Reports;
using IceSpec.Conformance.Runner;
using IceSpec.Conformance.Tests.Reports;

namespace IceSpec.Conformance.Tests.Runner;

/// <summary>
/// A failed ICE cell is linked to its diagnosis: <see cref="CellDiagnoser"/> over a cell folder holding a real lab cell's
/// captures (pcaps/lab, both-symmetric-turn), once whole (it connected) and once cut before the relayed pair's first answer
/// (it failed), and the reports that show the diagnosis.
/// </summary>
[Trait("Category", "interop")]
public sealed class CellDiagnoserTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("icespec-celldiag-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    private static string Lab(string side) => Path.Combine(RepositoryFiles.Pcaps, "lab", $"both-symmetric-turn-icespec-libnice-{side}");

    /// <summary>A cell folder as the runner leaves it; <paramref name="lastFrame"/> keeps only the frames up to it (editcap -r).</summary>
    private string Cell(string name, int? lastFrame)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_out, name)).FullName;
        foreach (var side in new[] { "controlling", "controlled" })
        {
            var target = Path.Combine(directory, side + ".pcap");
            if (lastFrame is null) File.Copy(Lab(side) + ".pcapng", target);
            else
            {
                using var editcap = Process.Start(new ProcessStartInfo("editcap", ["-r", Lab(side) + ".pcapng", target, $"1-{lastFrame}"]) { RedirectStandardError = true })!;
                editcap.WaitForExit();
                Assert.True(editcap.ExitCode == 0, editcap.StandardError.ReadToEnd());
            }
        }
        File.Copy(Lab("controlled") + ".credentials", Path.Combine(directory, "credentials"));
        return directory;
    }

    [Fact]
    public void A_connected_cell_is_diagnosed_connected_without_a_cause()
    {
        var diagnosis = CellDiagnoser.Diagnose(Cell("whole", null), "whole");
        Assert.StartsWith("connected", diagnosis.Summary);
        Assert.DoesNotContain(diagnosis.Findings, f => f.StartsWith("[cause]", StringComparison.Ordinal));
    }

    [Fact]
    public void A_failed_cell_gets_its_diagnosis_files_and_the_reports_show_it()
    {
        // Frame 17 of each side's capture is before the first answer through the relay (controlling #18).
        var directory = Cell("cut", 17);
        var diagnosis = CellDiagnoser.Diagnose(directory, "cut");

        Assert.Equal("failed: no pair succeeded", diagnosis.Summary);
        Assert.Contains(diagnosis.Findings, f => f.StartsWith("[cause] no-pair-succeeded:", StringComparison.Ordinal));
        foreach (var file in CellDiagnoser.Files) Assert.True(File.Exists(Path.Combine(directory, file)), file);
        Assert.Contains("no-pair-succeeded", File.ReadAllText(Path.Combine(directory, "diagnosis.json")));
        Assert.Equal(Path.Combine("cut", "diagnosis.html"), diagnosis.Page);

        var sample = SampleReport.Create().Cells[0];
        var cell = sample with { Outcome = CaseOutcome.Failed, Cases = [sample.Cases[0] with { Outcome = CaseOutcome.Failed }] };
        var report = SampleReport.Create() with { Cells = [cell with { Diagnosis = diagnosis }] };
        var html = Path.Combine(_out, "report.html");
        HtmlReport.Write(report, html);
        Assert.Contains("<a href=\"cut/diagnosis.html\">diagnosis.html</a>", File.ReadAllText(html));
        Assert.Contains("no-pair-succeeded", File.ReadAllText(html));
        var console = new StringWriter();
        ConsoleReport.WriteMatrix(report, console);
        Assert.Contains("diagnosis of ", console.ToString());
        Assert.Contains("failed: no pair succeeded", console.ToString());
        var json = Path.Combine(_out, "report.json");
        JsonReport.Write(report, json);
        Assert.Equal(diagnosis.Summary, JsonReport.Read(json).Cells[0].Diagnosis!.Summary);
    }

    [Fact]
    public void A_cell_without_captures_says_so()
    {
        var directory = Directory.CreateDirectory(Path.Combine(_out, "empty")).FullName;
        Assert.Equal("not diagnosed: the cell has no captures", CellDiagnoser.Diagnose(directory, "empty").Summary);
    }
}
