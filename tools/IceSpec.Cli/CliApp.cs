using System.CommandLine;
using IceSpec.Cli.Commands;

namespace IceSpec.Cli;

/// <summary>The command tree of <c>icespec</c> and its in-process entry point.</summary>
public static class CliApp
{
    /// <summary>Runs the tool on <paramref name="args"/>; returns the exit code (see <see cref="ExitCodes"/>). Never throws.</summary>
    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var console = new CliConsole(stdin, stdout, stderr);
        var root = new RootCommand("IceSpec: decode, analyse and replay STUN/TURN/ICE messages and captures; STUN and TURN clients and a STUN/TURN server; connect ICE agents; run the conformance kit; print the spec's machines and requirements.")
        {
            DecodeCommand.Create(console),
            AnalyzeCommand.Create(console),
            DiagnoseCommand.Create(console),
            ReplayCommand.Create(console),
            DemoCommand.Create(console),
            MachineCommand.Create(console),
            CatalogCommand.Create(console),
            StunCommand.Create(console),
            TurnClientCommand.Create(console),
            TurnServerCommand.Create(console),
            TurnLoadCommand.Create(console),
            IceCommand.Create(console),
            SignalServerCommand.Create(console),
            ConformanceCommand.Create(console),
        };

        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0 && parseResult.Action is not { ClearsParseErrors: true })
        {
            foreach (var error in parseResult.Errors) stderr.WriteLine("icespec: " + error.Message);
            stderr.WriteLine("Run 'icespec --help' for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            // On Ctrl-C/SIGTERM the action's token is cancelled and the process ends after ProcessTerminationTimeout (2 s by
            // default): long enough for the processes replay and conformance started to be stopped by PID (SIGTERM, up to
            // 5 s, then SIGKILL: LabProcess).
            return parseResult.Invoke(new InvocationConfiguration
            {
                Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromSeconds(10),
            });
        }
        catch (Exception e)
        {
            // A bug of ours, not of the input: say so in one line rather than a stack trace.
            stderr.WriteLine($"icespec: internal error ({e.GetType().Name}): {e.Message}");
            return ExitCodes.Failed;
        }
        finally
        {
            stdout.Flush();
        }
    }
}
