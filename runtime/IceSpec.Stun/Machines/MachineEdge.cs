namespace IceSpec.Machines;

/// <summary>One transition of a generated machine, as data: what the diagrams print and what monitors check.</summary>
public sealed record MachineEdge(string From, string To, string Event, string Guard, string Actions, string Citation);

/// <summary>The static description of a generated machine.</summary>
public sealed record MachineDefinition(string Name, string Citation, string Initial, IReadOnlyList<string> States,
    IReadOnlyList<string> FinalStates, IReadOnlyList<MachineEdge> Edges)
{
    /// <summary>Whether the machine allows <paramref name="from"/> → <paramref name="to"/> on some event (used by monitors).</summary>
    public bool Allows(string from, string to) => Edges.Any(e => e.From == from && e.To == to);
}
