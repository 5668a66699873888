namespace IceSpec.Machines;

/// <summary>One transition of a generated machine, as names: what the diagrams print.</summary>
public sealed record MachineEdge(string From, string To, string Event, string Guard, string Actions, string Citation);

/// <summary>The static description of a generated machine, as names (<see cref="MachineDiagram"/> draws it).</summary>
public sealed record MachineDefinition(string Name, string Citation, string Initial, IReadOnlyList<string> States,
    IReadOnlyList<string> FinalStates, IReadOnlyList<MachineEdge> Edges);
