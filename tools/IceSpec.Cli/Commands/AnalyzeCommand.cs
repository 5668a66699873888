using System.CommandLine;
using IceSpec.Captures;
using IceSpec.Captures.Analysis;
using IceSpec.Captures.Credentials;
using IceSpec.Captures.Diagnosis;
using IceSpec.Cli.Analysis;

namespace IceSpec.Cli.Commands;

/// <summary>
/// <c>icespec analyze FILE [--json] [--timeline] [--html OUT] [--svg OUT] [credentials]</c>: transactions, ICE sessions,
/// TURN allocations and the violations found in a capture (see <see cref="CaptureAnalyzer"/>).
/// </summary>
public static class AnalyzeCommand
{
    public static Command Create(CliConsole console)
    {
        var file = new Argument<string>("file") { Description = "A capture (.pcap or .pcapng)." };
        var json = new Option<bool>("--json") { Description = "The whole analysis as one JSON object." };
        var timeline = new Option<bool>("--timeline") { Description = "Text output: add the message timeline." };
        var html = new Option<string?>("--html") { Description = "Write the timeline as a sequence diagram in an HTML page." };
        var svg = new Option<string?>("--svg") { Description = "Write the timeline as an SVG sequence diagram." };
        var signalling = new Option<string[]>("--signalling")
        {
            Description = "What signalling gave the agents, [LABEL=]FILE (repeatable; as for diagnose): its .local candidates are tied to the mDNS names the capture resolves, and it goes to the diagnosis.",
            AllowMultipleArgumentsPerToken = false,
        };
        var keys = new CredentialOptions();
        var command = new Command("analyze", "Analyse a capture: transactions, ICE sessions and pairs, TURN allocations, violations with their RFC text, timeline.")
        {
            file, json, timeline, html, svg, signalling,
        };
        foreach (var option in keys.All) command.Options.Add(option);
        command.SetAction(parse =>
        {
            if (!keys.TryRead(parse, out var credentials, out var error)) return console.UsageError(error);
            var path = parse.GetValue(file)!;
            AnalysisReport report;
            string? readError;
            DiagnosisReport? diagnosis;
            List<SignallingInput> signallingInputs = [.. (parse.GetValue(signalling) ?? []).Select(DiagnoseCommand.Signalling)];
            try
            {
                var signalled = SignallingReader.Read(signallingInputs);
                (report, readError) = CaptureAnalyzer.AnalyzeFile(path, credentials, n => console.Error.WriteLine("icespec: note: " + n), signalled);
                diagnosis = Diagnose(path, report, credentials, signallingInputs);
            }
            catch (SignallingException e)
            {
                return console.UsageError(e.Message);
            }
            catch (MissingLibraryException e)
            {
                return console.SetupError(e.Message);
            }
            catch (CaptureException e)
            {
                return console.UsageError(e.Message);
            }
            if (parse.GetValue(json)) console.Out.WriteLine(AnalysisJson.Render(report, diagnosis));
            else
            {
                AnalysisText.Write(console.Out, path, report, parse.GetValue(timeline));
                console.Out.WriteLine();
                if (diagnosis is null) console.Out.WriteLine(NotDiagnosed(report));
                else DiagnosisText.Write(console.Out, diagnosis);
            }
            foreach (var (target, render) in new[] { (parse.GetValue(html), (Func<AnalysisReport, string, string>)((r, t) => SequenceDiagram.Html(r, t, diagnosis))), (parse.GetValue(svg), SequenceDiagram.Svg) })
            {
                if (target is null) continue;
                try
                {
                    File.WriteAllText(target, render(report, Path.GetFileName(path)));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return console.UsageError($"cannot write {target}: {e.Message}");
                }
            }
            if (readError is not null)
            {
                console.Error.WriteLine("icespec: " + readError);
                return ExitCodes.Usage;
            }
            return report.Violations.Any(v => v.Severity == "violation") ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// The diagnosis section (see <see cref="Diagnoser"/>), for a capture of a session: one with ICE checks or a TURN
    /// allocation, of at most <see cref="SessionEvidence.MaxMessagesPerCapture"/> messages (a diagnosis keeps every
    /// message; analyze alone streams, which large captures need: bench/RESULTS.md). Null otherwise.
    /// </summary>
    private static DiagnosisReport? Diagnose(string path, AnalysisReport report, CaptureCredentials credentials, IReadOnlyList<SignallingInput> signalling) =>
        (report.IceSessions.Count > 0 || report.TurnAllocations.Count > 0 || report.Mdns.Names.Count > 0)
        && report.StunMessages + report.ChannelDataMessages + report.ClassicStunMessages <= SessionEvidence.MaxMessagesPerCapture
            ? Diagnoser.Diagnose([new DiagnosisInput(Path.GetFileName(path), path)], credentials, signalling)
            : null;

    private static string NotDiagnosed(AnalysisReport report) =>
        report.IceSessions.Count == 0 && report.TurnAllocations.Count == 0 && report.Mdns.Names.Count == 0
            ? "diagnosis: none (no ICE checks, no TURN allocation and no mDNS names in the capture)"
            : $"diagnosis: not run on {report.StunMessages + report.ChannelDataMessages + report.ClassicStunMessages} messages (more than {SessionEvidence.MaxMessagesPerCapture}): run icespec diagnose on a capture of the session";
}
