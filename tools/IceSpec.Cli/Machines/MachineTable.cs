using IceSpec.Machines;
using IceSpec.Stun;

namespace IceSpec.Cli.Machines;

/// <summary>The generated machines the tool can print (every machine of every protocol's spec), by name, and the diagram formats.</summary>
public static class MachineTable
{
    private static readonly MachineDefinition[] Known = [.. StunMachines.All, .. IceSpec.Turn.TurnMachines.All, .. IceSpec.Ice.IceMachines.All];

    public static readonly IReadOnlyDictionary<string, Func<MachineDefinition, string>> Formats =
        new Dictionary<string, Func<MachineDefinition, string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["mermaid"] = MachineDiagram.ToMermaid,
            ["dot"] = MachineDiagram.ToDot,
        };

    public static IEnumerable<string> Names => Known.Select(m => m.Name);

    /// <summary>Finds a machine by name, ignoring case.</summary>
    public static bool TryFind(string name, out MachineDefinition machine)
    {
        machine = Known.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))!;
        return machine is not null;
    }
}
