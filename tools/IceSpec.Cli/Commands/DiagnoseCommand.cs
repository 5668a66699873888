using System.CommandLine;
using IceSpec.Captures;
using IceSpec.Captures.Diagnosis;
using IceSpec.Cli.Analysis;

namespace IceSpec.Cli.Commands;

/// <summary>
/// <c>icespec diagnose FILE… [--json] [credentials]</c>: why ICE failed or was slow, from one capture or several captures
/// of the same session (each FILE may be <c>label=PATH</c>; frames are then named <c>label#N</c>), as ranked findings
/// with their frames, RFC section and fix (see <see cref="Diagnoser"/>). Exit code 0 when no finding is a cause, 1 otherwise.
/// </summary>
public static class DiagnoseCommand
{
    public static Command Create(CliConsole console)
    {
        var files = new Argument<string[]>("file") { Description = "Captures of one session (.pcap or .pcapng), each PATH or LABEL=PATH; several are merged by transaction IDs.", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "The diagnosis as one JSON object." };
        var signalling = new Option<string[]>("--signalling")
        {
            Description = "What signalling gave the agents, [LABEL=]FILE (repeatable): an SDP (a=ice-ufrag, a=ice-pwd, a=candidate, a=end-of-candidates) or a driver's adapter log (JSON lines, conformance/ADAPTER.md); its passwords verify integrity too.",
            AllowMultipleArgumentsPerToken = false,
        };
        var keys = new CredentialOptions();
        var command = new Command("diagnose", "Say why ICE failed or was slow: NAT behaviour, pairs, credentials, TURN, time, liveness — each finding with its frames, RFC section and fix.")
        {
            files, json, signalling,
        };
        foreach (var option in keys.All) command.Options.Add(option);
        command.SetAction(parse =>
        {
            if (!keys.TryRead(parse, out var credentials, out var error)) return console.UsageError(error);
            if (!TryInputs(parse.GetValue(files)!, out var inputs, out error)) return console.UsageError(error);
            DiagnosisReport diagnosis;
            try
            {
                diagnosis = Diagnoser.Diagnose(inputs, credentials, [.. (parse.GetValue(signalling) ?? []).Select(Signalling)]);
            }
            catch (MissingLibraryException e)
            {
                return console.SetupError(e.Message);
            }
            catch (CaptureException e)
            {
                return console.UsageError(e.Message);
            }
            catch (SignallingException e)
            {
                return console.UsageError(e.Message);
            }
            if (parse.GetValue(json)) console.Out.WriteLine(DiagnosisJson.Render(diagnosis));
            else DiagnosisText.Write(console.Out, diagnosis);
            return diagnosis.Findings.Any(f => f.Severity == FindingSeverity.Cause) ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>PATH or LABEL=PATH; the label defaults to the file name.</summary>
    internal static SignallingInput Signalling(string value)
    {
        var equals = value.IndexOf('=');
        return equals > 0 && !File.Exists(value) ? new SignallingInput(value[..equals], value[(equals + 1)..]) : new SignallingInput(Path.GetFileName(value), value);
    }

    /// <summary>PATH or LABEL=PATH each; labels default to the file name and must differ.</summary>
    private static bool TryInputs(string[] values, out List<DiagnosisInput> inputs, out string error)
    {
        inputs = [];
        error = "";
        foreach (var value in values)
        {
            var equals = value.IndexOf('=');
            var (label, path) = equals > 0 && !File.Exists(value) ? (value[..equals], value[(equals + 1)..]) : (Path.GetFileName(value), value);
            if (inputs.Any(i => i.Label == label))
            {
                error = $"two captures are labelled '{label}': name them LABEL=PATH";
                return false;
            }
            inputs.Add(new DiagnosisInput(label, path));
        }
        return true;
    }
}
