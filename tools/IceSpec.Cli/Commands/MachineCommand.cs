using System.CommandLine;
using IceSpec.Cli.Machines;

namespace IceSpec.Cli.Commands;

/// <summary><c>icespec machine NAME --format mermaid|dot</c>: a generated machine's diagram, drawn from its transition table.</summary>
public static class MachineCommand
{
    public static Command Create(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "The machine, e.g. " + string.Join(", ", MachineTable.Names) + "." };
        var format = new Option<string>("--format")
        {
            Description = "Diagram format: mermaid (stateDiagram-v2) or dot (Graphviz).",
            DefaultValueFactory = _ => "mermaid",
        };
        format.AcceptOnlyFromAmong([.. MachineTable.Formats.Keys]);

        var command = new Command("machine", "Print a generated state machine as a diagram.") { name, format };
        command.SetAction(parse =>
        {
            var requested = parse.GetValue(name)!;
            if (!MachineTable.TryFind(requested, out var machine))
                return console.UsageError($"unknown machine '{requested}'; known machines: {string.Join(", ", MachineTable.Names)}");
            console.Out.Write(MachineTable.Formats[parse.GetValue(format)!](machine));
            return ExitCodes.Ok;
        });
        return command;
    }
}
