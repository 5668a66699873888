using System.Text;

namespace IceSpec.Machines;

/// <summary>Mermaid and Graphviz DOT renderings of a machine, from the same transition table the runtime fires.</summary>
public static class MachineDiagram
{
    public static string ToMermaid(MachineDefinition machine)
    {
        var text = new StringBuilder();
        text.Append("stateDiagram-v2\n");
        text.Append("  %% ").Append(machine.Name).Append(" (").Append(machine.Citation).Append(")\n");
        text.Append("  [*] --> ").Append(machine.Initial).Append('\n');
        foreach (var edge in machine.Edges)
        {
            text.Append("  ").Append(edge.From).Append(" --> ").Append(edge.To).Append(" : ").Append(edge.Event);
            if (edge.Guard.Length > 0) text.Append(" [").Append(edge.Guard.Replace(":", "#58;")).Append(']');
            text.Append('\n');
        }
        foreach (var final in machine.FinalStates) text.Append("  ").Append(final).Append(" --> [*]\n");
        return text.ToString();
    }

    public static string ToDot(MachineDefinition machine)
    {
        var text = new StringBuilder();
        text.Append("digraph \"").Append(machine.Name).Append("\" {\n");
        text.Append("  rankdir=LR;\n  label=\"").Append(Escape(machine.Name + " (" + machine.Citation + ")")).Append("\";\n");
        text.Append("  node [shape=box, style=rounded];\n");
        text.Append("  __start [shape=point];\n  __start -> \"").Append(machine.Initial).Append("\";\n");
        foreach (var final in machine.FinalStates) text.Append("  \"").Append(final).Append("\" [peripheries=2];\n");
        foreach (var edge in machine.Edges)
        {
            var label = edge.Guard.Length > 0 ? $"{edge.Event} [{edge.Guard}]" : edge.Event;
            if (edge.Actions.Length > 0) label += " / " + edge.Actions;
            text.Append("  \"").Append(edge.From).Append("\" -> \"").Append(edge.To).Append("\" [label=\"").Append(Escape(label)).Append("\"];\n");
        }
        text.Append("}\n");
        return text.ToString();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"");
}
