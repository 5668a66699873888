using System.CommandLine;
using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Cases.Server;
using IceSpec.Conformance.Lab;
using IceSpec.Conformance.Reports;
using IceSpec.Conformance.Runner;
using IceSpec.Conformance.Scenarios;

namespace IceSpec.Cli.Commands;

/// <summary>
/// <c>icespec conformance run|list</c>: the conformance kit (conformance/README.md). <c>run</c> builds the NAT lab per
/// scenario, runs every ordered pair of the selected implementations in it and writes report.json, junit.xml and
/// report.html with the cells' pcaps and logs; exit 0 when nothing failed. It needs root (network namespaces).
/// </summary>
public static class ConformanceCommand
{
    public static Command Create(CliConsole console)
    {
        var impl = new Option<string[]>("--impl") { Description = "Implementations (drivers), comma-separated; default: all registered.", AllowMultipleArgumentsPerToken = true };
        var scenario = new Option<string[]>("--scenario") { Description = "Scenarios, comma-separated; default: every scenario without a mid-call fault; all: every one; none: no ICE cells (agent and server cases only).", AllowMultipleArgumentsPerToken = true };
        var caseId = new Option<string[]>("--case") { Description = "Case IDs or globs (rfc8445-*), comma-separated; default: all.", AllowMultipleArgumentsPerToken = true };
        var nomination = new Option<string[]>("--nomination") { Description = "Nomination modes: default (regular if the controlling driver has it, else aggressive), regular, aggressive.", AllowMultipleArgumentsPerToken = true };
        var strict = new Option<bool>("--strict") { Description = "Also run SHOULD cases." };
        var expectedFail = new Option<string?>("--expected-fail") { Description = "Expected-fail list: lines 'CASE-ID TARGET reason', TARGET a server (coturn, icespec) or SCENARIO/CONTROLLING>CONTROLLED (globs)." };
        var output = new Option<string>("--out") { Description = "Output directory (reports, pcaps, logs).", DefaultValueFactory = _ => "conformance-report" };
        var server = new Option<string>("--server") { Description = "STUN/TURN server for the ICE scenarios: coturn or icespec.", DefaultValueFactory = _ => "coturn" };
        var serverCases = new Option<string>("--server-cases") { Description = "Servers the black-box STUN/TURN server cases run against: coturn,icespec (default) or none.", DefaultValueFactory = _ => "coturn,icespec" };
        var pair = new Option<string[]>("--pair") { Description = "Only these ordered pairs CONTROLLING>CONTROLLED (comma-separated); default: every pair of --impl.", AllowMultipleArgumentsPerToken = true };
        var timeout = new Option<int?>("--timeout") { Description = "Seconds each ICE cell may take to connect; default: 20, or the scenario's own (lossy-20, lossy-30: 44.5, a whole unanswered STUN transaction and 5 s)." };
        var shard = new Option<string>("--shard") { Description = "Run only slice K of N (e.g. 2/4): each cell, agent case run and server case run belongs to one slice; join the slices' --out directories with 'conformance merge'.", DefaultValueFactory = _ => "1/1" };
        var trickle = new Option<bool>("--trickle") { Description = "ICE cells trickle candidates (RFC 8838) when both drivers can: credentials and each candidate are passed on as they come, and the time to connected runs from the credentials, gathering included. Default: whole descriptions once gathering is done." };
        var agentCases = new Option<string>("--agent-cases") { Description = "Where the ICE agent cases (the tester against each implementation) run: loopback (default), a scenario's lab, or none.", DefaultValueFactory = _ => AgentCaseRunner.Loopback };
        var drivers = new ConformanceDriverOptions();

        var run = new Command("run", "Run the selected cells in the NAT lab and write the reports (needs root).")
            { impl, scenario, caseId, nomination, strict, expectedFail, output, server, serverCases, pair, timeout, agentCases, shard, trickle };
        drivers.AddTo(run);
        run.SetAction((parse, ct) => drivers.Register(parse, console) is { } bad ? Task.FromResult(bad) : RunAsync(console, new RunArguments(List(parse.GetValue(impl)), List(parse.GetValue(scenario)),
            List(parse.GetValue(caseId)), List(parse.GetValue(nomination)), parse.GetValue(strict), parse.GetValue(expectedFail),
            parse.GetValue(output)!, parse.GetValue(server)!, List([parse.GetValue(serverCases)!]), List(parse.GetValue(pair)), parse.GetValue(timeout),
            parse.GetValue(agentCases)!, parse.GetValue(shard)!, parse.GetValue(trickle)), ct));

        var list = new Command("list", "List the implementations, scenarios and cases the kit knows.");
        drivers.AddTo(list);
        list.SetAction(parse => drivers.Register(parse, console) ?? ConformanceListing.Write(console.Out));

        var shards = new Argument<string[]>("DIR") { Description = "The --out directories of the shards of one run.", Arity = ArgumentArity.OneOrMore };
        var mergedOutput = new Option<string>("--out") { Description = "Output directory of the joined report (pcaps and logs are copied there).", DefaultValueFactory = _ => "conformance-report" };
        var merge = new Command("merge", "Join the reports of the shards of one run (--shard K/N) into one report, as if run at once.") { shards, mergedOutput };
        merge.SetAction(parse => Merge(console, parse.GetValue(shards)!, parse.GetValue(mergedOutput)!));

        return new Command("conformance", "The conformance kit: ICE implementations × NAT scenarios, ICE agent cases, STUN/TURN server cases.") { run, list, merge };
    }

    private sealed record RunArguments(
        IReadOnlyList<string> Impls, IReadOnlyList<string> Scenarios, IReadOnlyList<string> Cases, IReadOnlyList<string> Nominations,
        bool Strict, string? ExpectedFail, string Output, string Server, IReadOnlyList<string> ServerCases, IReadOnlyList<string> Pairs, int? TimeoutSeconds,
        string AgentCases, string Shard, bool Trickle);

    private static async Task<int> RunAsync(CliConsole console, RunArguments args, CancellationToken ct)
    {
        if (!Environment.IsPrivilegedProcess)
            return console.UsageError("conformance run builds network namespaces and needs root (run it with sudo)");
        if (ServerKind(args.Server) is not { } iceServer)
            return console.UsageError($"--server must be coturn or icespec, not '{args.Server}'");
        var serverTargets = args.ServerCases.SequenceEqual(["none"]) ? [] : args.ServerCases.Select(ServerKind).ToList();
        if (serverTargets.Contains(null))
            return console.UsageError($"--server-cases takes coturn, icespec or none, not '{string.Join(",", args.ServerCases)}'");
        if (args.TimeoutSeconds is < 1 or > 600)
            return console.UsageError("--timeout is 1 to 600 seconds");
        if (!Shard.TryParse(args.Shard, out var slice, out var shardError)) return console.UsageError(shardError);
        if (args.AgentCases is not (AgentCaseRunner.Loopback or AgentCaseRunner.None) && ScenarioCatalog.Find(args.AgentCases) is null)
            return console.UsageError($"--agent-cases takes loopback, none or a scenario ({string.Join(", ", ScenarioCatalog.All.Select(s => s.Name))}), not '{args.AgentCases}'");
        RunSelection selection;
        try
        {
            var impls = args.Impls.Count > 0 ? args.Impls
                : args.Pairs.Count > 0 ? [.. args.Pairs.SelectMany(p => p.Split('>')).Distinct()]
                : [.. DriverRegistry.All.Select(d => d.Name)];
            selection = new RunSelection(
                impls,
                args.Scenarios.SequenceEqual(["none"]) ? [] : args.Scenarios.SequenceEqual(["all"]) ? [.. ScenarioCatalog.All.Select(s => s.Name)]
                    : args.Scenarios.Count > 0 ? args.Scenarios : [.. ScenarioCatalog.Default.Select(s => s.Name)],
                args.Nominations.Count > 0 ? args.Nominations : ["default"],
                args.Cases, args.Strict,
                args.ExpectedFail is null ? null : ExpectedFailures.Load(args.ExpectedFail),
                Path.GetFullPath(args.Output), iceServer, [.. serverTargets.Select(k => k!.Value)],
                CellTimeout: args.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                Pairs: args.Pairs.Count == 0 ? null : new Dictionary<string, IReadOnlyList<string>> { ["*"] = args.Pairs },
                AgentPlacement: args.AgentCases,
                AgentNominations: args.Nominations.Count > 0 ? args.Nominations : null) { Shard = slice, Trickle = args.Trickle };
        }
        catch (Exception e) when (e is FormatException or IOException)
        {
            return console.UsageError(e.Message);
        }
        if (ConformanceRequirements.Missing(selection) is { Count: > 0 } missing)
            return console.SetupError("conformance run needs what is not installed here (scripts/install-deps.sh installs all of it):\n  " + string.Join("\n  ", missing));

        ConformanceReport report;
        try
        {
            report = await MatrixRunner.RunAsync(selection, ConsoleReport.Progress(console.Out), ct);
        }
        catch (Exception) when (LabSweep.InterruptedExitCode is not null)
        {
            return Interrupted()!.Value; // the lab vanished under the run: the interruption is the outcome
        }
        catch (ArgumentException e)
        {
            return console.UsageError(e.Message);
        }
        if (Interrupted() is { } code) return code;
        ConsoleReport.WriteMatrix(report, console.Out);
        foreach (var file in ReportFiles.WriteAll(report, selection.OutputDirectory)) console.Out.WriteLine("wrote " + file);
        return report.Succeeded ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static int Merge(CliConsole console, IReadOnlyList<string> shards, string output)
    {
        ConformanceReport report;
        try
        {
            report = ReportMerge.Merge(shards, Path.GetFullPath(output));
        }
        catch (Exception e) when (e is FormatException or IOException)
        {
            return console.UsageError(e.Message);
        }
        ConsoleReport.WriteMatrix(report, console.Out);
        foreach (var file in ReportFiles.WriteAll(report, Path.GetFullPath(output))) console.Out.WriteLine("wrote " + file);
        return report.Succeeded ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>SIGINT/SIGTERM during the run: no report; the exit code the signal handler sets once the labs are gone.</summary>
    private static int? Interrupted()
    {
        if (LabSweep.InterruptedExitCode is not { } code) return null;
        LabSweep.WaitForInterruptTeardown();
        return code;
    }

    private static LabServerKind? ServerKind(string name) => name switch
    {
        "coturn" => LabServerKind.Coturn,
        "icespec" => LabServerKind.IceSpec,
        _ => null,
    };

    private static IReadOnlyList<string> List(string[]? values) =>
        values is null ? [] : [.. values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
}
