using System.CommandLine;
using IceSpec.Captures;
using IceSpec.Captures.Analysis;
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
        var keys = new CredentialOptions();
        var command = new Command("analyze", "Analyse a capture: transactions, ICE sessions and pairs, TURN allocations, violations with their RFC text, timeline.")
        {
            file, json, timeline, html, svg,
        };
        foreach (var option in keys.All) command.Options.Add(option);
        command.SetAction(parse =>
        {
            if (!keys.TryRead(parse, out var credentials, out var error)) return console.UsageError(error);
            var path = parse.GetValue(file)!;
            AnalysisReport report;
            string? readError;
            try
            {
                (report, readError) = CaptureAnalyzer.AnalyzeFile(path, credentials, n => console.Error.WriteLine("icespec: note: " + n));
            }
            catch (MissingLibraryException e)
            {
                return console.SetupError(e.Message);
            }
            catch (CaptureException e)
            {
                return console.UsageError(e.Message);
            }
            if (parse.GetValue(json)) console.Out.WriteLine(AnalysisJson.Render(report));
            else AnalysisText.Write(console.Out, path, report, parse.GetValue(timeline));
            foreach (var (target, render) in new[] { (parse.GetValue(html), (Func<AnalysisReport, string, string>)SequenceDiagram.Html), (parse.GetValue(svg), SequenceDiagram.Svg) })
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

}
