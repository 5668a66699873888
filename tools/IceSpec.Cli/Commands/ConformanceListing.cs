using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Cases.Agent;
using IceSpec.Conformance.Cases.Server;
using IceSpec.Conformance.Runner;
using IceSpec.Conformance.Scenarios;

namespace IceSpec.Cli.Commands;

/// <summary><c>icespec conformance list</c>: implementations, scenarios (with drawings and predictions) and cases.</summary>
internal static class ConformanceListing
{
    public static int Write(TextWriter output)
    {
        output.WriteLine("Implementations (drivers):");
        var drivers = DriverRegistry.All;
        var width = drivers.Max(d => d.Name.Length as int?) ?? 0;
        foreach (var driver in drivers)
        {
            output.WriteLine($"  {driver.Name.PadRight(width)} {driver.Description}");
            output.WriteLine($"  {"".PadRight(width)} capabilities: {string.Join(", ", driver.Capabilities)}; declared: {driver.Origin}");
        }
        output.WriteLine();
        output.WriteLine("Scenarios:");
        foreach (var scenario in ScenarioCatalog.All)
        {
            output.WriteLine($"  {scenario.Name}: {scenario.Title}");
            if (!ScenarioCatalog.Default.Contains(scenario))
                output.WriteLine(scenario.MidCall is not null ? "    mid-call fault: runs when named or with --scenario all"
                    : scenario.Topology.HasIPv6 ? "    IPv6 lab: runs when named or with --scenario all"
                    : "    predicted to fail (each cell waits the cell timeout): runs when named or with --scenario all");
            output.WriteLine($"    predicts {scenario.Prediction.Kind} ({scenario.Prediction.Section}): {scenario.Prediction.Reason}");
            foreach (var line in ScenarioDiagram.Render(scenario).TrimEnd().Split('\n')) output.WriteLine("    " + line);
        }
        output.WriteLine();
        output.WriteLine("ICE cases (every cell):");
        foreach (var info in IceCases.All)
            output.WriteLine($"  {info.Id,-20} {info.Level.ToString().ToUpperInvariant(),-6} {info.Title}");
        output.WriteLine();
        output.WriteLine("ICE agent cases (the tester against each implementation; SHOULD only with --strict):");
        foreach (var agentCase in AgentCaseSuite.All)
            output.WriteLine($"  {agentCase.Info.Id,-20} {agentCase.Info.Level.ToString().ToUpperInvariant(),-6} {agentCase.IutRole.ToString().ToLowerInvariant(),-11} {agentCase.Info.Title}");
        output.WriteLine();
        output.WriteLine("Server cases (each STUN/TURN server; SHOULD only with --strict):");
        foreach (var info in ServerCaseSuite.Cases)
            output.WriteLine($"  {info.Id,-20} {info.Level.ToString().ToUpperInvariant(),-6} {info.Title}");
        return ExitCodes.Ok;
    }
}
