using System.Linq;
using IceSpec.Generators.Binding;
using IceSpec.Generators.Model;

namespace IceSpec.Generators.Emit;

/// <summary>
/// A machine becomes: state and event enums; a partial class with its params (settable), consts, counters and timer
/// deadlines; <c>Fire(event, now)</c> taking the first transition from the current state whose guard holds and running
/// its actions in order, and <c>TryFire</c>, the same with a <c>MachineRefusal</c> saying why when it takes none;
/// <c>HandleTimeout(now)</c> firing due timers; and its table twice from the one model: as names
/// (<c>MachineDefinition</c>, what diagrams draw) and typed (<c>MachineTable</c>, what refusals cite). <c>call X</c>
/// actions are partial methods the runtime implements; bare guard names are partial bool methods it must implement.
/// </summary>
internal static class MachineEmitter
{
    private const string Time = "global::System.TimeSpan";

    public static string Emit(ProtocolModel p, MachineModel m)
    {
        var w = new CodeWriter(p.Name, p.Namespace);
        var id = m.Identifier;
        var stateType = id + "State";
        var eventType = id + "Event";
        var exprs = new ExprEmitter(m);
        var initial = m.States.First(s => s.Initial).Name;

        w.Summary($"States of machine {m.Name} ({m.Citation}).");
        w.Line(CodeWriter.GeneratedCode);
        using (w.Block($"public enum {stateType}"))
            foreach (var s in m.States) { w.Summary(s.Citation?.Text ?? ""); w.Line(Names.ToIdentifier(s.Name) + ","); }
        w.Line();
        w.Summary($"Events of machine {m.Name}; a timer's expiry is the event of the same name.");
        w.Line(CodeWriter.GeneratedCode);
        using (w.Block($"public enum {eventType}"))
            foreach (var e in m.Events) w.Line(Names.ToIdentifier(e) + ",");
        w.Line();

        w.Summary($"{m.Name}: {m.Citation}");
        w.Line(CodeWriter.GeneratedCode);
        using (w.Block($"public sealed partial class {id}Machine"))
        {
            EmitDefinition(w, m);
            EmitTable(w, m, stateType, eventType);
            w.Line($"public {stateType} State {{ get; private set; }} = {stateType}.{Names.ToIdentifier(initial)};");
            var finals = m.States.Where(s => s.Final).Select(s => $"{stateType}.{Names.ToIdentifier(s.Name)}").ToArray();
            w.Line($"public bool IsFinal => {(finals.Length == 0 ? "false" : "State is " + string.Join(" or ", finals))};");
            w.Line($"/// <summary>The time of the event being processed (what actions see).</summary>");
            w.Line($"public {Time} Now {{ get; private set; }}");
            w.Line();

            foreach (var v in m.Values)
            {
                var type = exprs.IsDuration(v.Value) ? Time : "long";
                w.Summary($"{v.Name} = {ExprEmitter.Text(v.Value)}: {v.Citation?.Text}");
                w.Line(v.Settable
                    ? $"public {type} {Names.ToIdentifier(v.Name)} {{ get; set; }} = {exprs.Emit(v.Value)};"
                    : $"public static {type} {Names.ToIdentifier(v.Name)} => {exprs.Emit(v.Value)};");
            }
            foreach (var c in m.Counters)
            {
                w.Summary($"{c.Name}: {c.Citation?.Text}");
                w.Line($"public long {Names.ToIdentifier(c.Name)} {{ get; private set; }}");
            }
            foreach (var t in m.Timers)
            {
                w.Summary($"When timer {t.Name} expires, or null when it is not running: {t.Citation?.Text}");
                w.Line($"public {Time}? {Names.ToIdentifier(t.Name)}Deadline {{ get; private set; }}");
            }
            w.Summary("The earliest running timer's deadline: when to call HandleTimeout next.");
            w.Line($"public {Time}? NextDeadline => " + (m.Timers.Count == 0 ? "null;" : Min(m.Timers.Select(t => Names.ToIdentifier(t.Name) + "Deadline").ToArray()) + ";"));
            w.Line();

            w.Summary("Back to what a new machine is: the initial state, the spec's values, counters at zero, no timer running (so that an object can be reused without allocating); OnReset clears what a hand-written part adds.");
            using (w.Block("public void Reset()"))
            {
                w.Line($"State = {stateType}.{Names.ToIdentifier(initial)};");
                w.Line("Now = default;");
                foreach (var v in m.Values.Where(v => v.Settable)) w.Line($"{Names.ToIdentifier(v.Name)} = {exprs.Emit(v.Value)};");
                foreach (var c in m.Counters) w.Line($"{Names.ToIdentifier(c.Name)} = 0;");
                foreach (var t in m.Timers) w.Line($"{Names.ToIdentifier(t.Name)}Deadline = null;");
                w.Line("OnReset();");
            }
            w.Line("partial void OnReset();");
            w.Line();

            foreach (var call in m.Calls) w.Line($"partial void {Names.ToIdentifier(call)}();");
            foreach (var guard in m.NamedGuards) w.Line($"private partial bool {Names.ToIdentifier(guard)}();");
            w.Line($"partial void OnTransition({stateType} from, {stateType} to, {eventType} trigger);");
            w.Line();

            w.Summary("Takes the first transition from the current state on this event whose guard holds. False if none does (the event is ignored; TryFire says why).");
            using (w.Block($"public bool Fire({eventType} trigger, {Time} now)"))
            {
                w.Line("Now = now;");
                using (w.Block("switch (State)"))
                {
                    foreach (var group in m.Transitions.GroupBy(t => t.From))
                    {
                        w.Line($"case {stateType}.{Names.ToIdentifier(group.Key)}:");
                        foreach (var t in group)
                        {
                            var condition = $"trigger == {eventType}.{Names.ToIdentifier(t.Event)}" + (t.Guard is null ? "" : $" && {exprs.Emit(t.Guard)}");
                            w.Line($"    if ({condition})");
                            w.Line("    {");
                            foreach (var action in t.Actions) w.Line("        " + Action(action, exprs));
                            w.Line($"        Move({stateType}.{Names.ToIdentifier(t.To)}, trigger);");
                            w.Line("        return true;");
                            w.Line("    }");
                        }
                        w.Line("    break;");
                    }
                }
                w.Line("return false;");
            }
            w.Line();
            w.Summary("Fire, and when no transition takes the event, why: the refusal names the state, the event, the guards that were false and what the spec cites. Allocates only when refusing.");
            using (w.Block($"public bool TryFire({eventType} trigger, {Time} now, [global::System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out {Refusal(stateType, eventType)}? refusal)"))
            {
                using (w.Block("if (Fire(trigger, now))"))
                {
                    w.Line("refusal = null;");
                    w.Line("return true;");
                }
                w.Line("refusal = Table.Refusal(State, trigger);");
                w.Line("return false;");
            }
            w.Line();
            using (w.Block($"private void Move({stateType} to, {eventType} trigger)"))
            {
                w.Line("var from = State;");
                w.Line("State = to;");
                w.Line("OnTransition(from, to, trigger);");
            }
            w.Line();

            EmitHandleTimeout(w, m, eventType);
            if (exprs.UsesPower)
            {
                w.Line();
                w.Line("private static long IntPow(long value, long exponent) { var result = 1L; for (var i = 0L; i < exponent; i++) result *= value; return result; }");
            }
        }
        return w.ToString();
    }

    /// <summary>HandleTimeout: fires the due timers, earliest first; a machine without timers has nothing to fire.</summary>
    private static void EmitHandleTimeout(CodeWriter w, MachineModel m, string eventType)
    {
        if (m.Timers.Count == 0)
        {
            w.Summary("The machine has no timer: nothing is ever due (false).");
            w.Line($"public bool HandleTimeout({Time} now) => false;");
            return;
        }
        w.Summary("Fires every timer whose deadline is at or before now, earliest first. True if any fired.");
        using (w.Block($"public bool HandleTimeout({Time} now)"))
        {
            w.Line("var fired = false;");
            using (w.Block("for (var guard = 0; guard < 1024; guard++)"))
            {
                w.Line("var next = NextDeadline;");
                w.Line("if (next is null || next.Value > now) break;");
                foreach (var t in m.Timers)
                {
                    var name = Names.ToIdentifier(t.Name);
                    w.Line($"if ({name}Deadline == next) {{ {name}Deadline = null; Fire({eventType}.{name}, next.Value); fired = true; continue; }}");
                }
            }
            w.Line("return fired;");
        }
    }

    private static string Action(MachineAction a, ExprEmitter exprs)
    {
        var target = Names.ToIdentifier(a.Target.Name);
        return a.Kind switch
        {
            "call" => $"{target}();",
            "count" => $"{target}++;",
            "reset" => $"{target} = 0;",
            "start" => $"{target}Deadline = Now + {exprs.Emit(a.Duration!)};",
            _ => $"{target}Deadline = null;",
        };
    }

    private static string Min(string[] deadlines) =>
        deadlines.Length == 1 ? deadlines[0] : $"Earliest({deadlines[0]}, {Min(deadlines.Skip(1).ToArray())})";

    private static string Refusal(string stateType, string eventType) => $"global::IceSpec.Machines.MachineRefusal<{stateType}, {eventType}>";

    private static string ActionsText(TransitionModel t) =>
        string.Join(", ", t.Actions.Select(a => a.Kind + " " + a.Target.Name + (a.Duration is null ? "" : " after " + ExprEmitter.Text(a.Duration))));

    /// <summary>The same transitions as <see cref="EmitDefinition"/>, with the generated enums: what TryFire explains a refusal with.</summary>
    private static void EmitTable(CodeWriter w, MachineModel m, string stateType, string eventType)
    {
        string State(string name) => stateType + "." + Names.ToIdentifier(name);
        w.Summary("The machine as typed data: its transitions with the state and event enums, and each state's citation (what TryFire reports a refusal with).");
        w.Line($"public static global::IceSpec.Machines.MachineTable<{stateType}, {eventType}> Table {{ get; }} = new(");
        w.Line($"    {CodeWriter.Str(m.Name)}, {CodeWriter.Str(m.Citation)},");
        w.Line($"    new global::System.Collections.Generic.Dictionary<{stateType}, string>");
        w.Line("    {");
        foreach (var s in m.States) w.Line($"        [{State(s.Name)}] = {CodeWriter.Str(s.Citation?.Text ?? "")},");
        w.Line("    },");
        w.Line($"    new global::IceSpec.Machines.MachineTransition<{stateType}, {eventType}>[]");
        w.Line("    {");
        foreach (var t in m.Transitions)
            w.Line($"        new({State(t.From)}, {State(t.To)}, {eventType}.{Names.ToIdentifier(t.Event)}, {CodeWriter.Str(ExprEmitter.Text(t.Guard))}, {CodeWriter.Str(ActionsText(t))}, {CodeWriter.Str(t.Citation)}),");
        w.Line("    });");
        w.Line();
    }

    private static void EmitDefinition(CodeWriter w, MachineModel m)
    {
        w.Summary("The machine as data: what the diagrams draw and monitors check.");
        w.Line("public static global::IceSpec.Machines.MachineDefinition Definition { get; } = new(");
        w.Line($"    {CodeWriter.Str(m.Name)}, {CodeWriter.Str(m.Citation)}, {CodeWriter.Str(m.States.First(s => s.Initial).Name)},");
        w.Line($"    new[] {{ {string.Join(", ", m.States.Select(s => CodeWriter.Str(s.Name)))} }},");
        w.Line($"    new string[] {{ {string.Join(", ", m.States.Where(s => s.Final).Select(s => CodeWriter.Str(s.Name)))} }},");
        w.Line("    new global::IceSpec.Machines.MachineEdge[]");
        w.Line("    {");
        foreach (var t in m.Transitions)
            w.Line($"        new({CodeWriter.Str(t.From)}, {CodeWriter.Str(t.To)}, {CodeWriter.Str(t.Event)}, {CodeWriter.Str(ExprEmitter.Text(t.Guard))}, {CodeWriter.Str(ActionsText(t))}, {CodeWriter.Str(t.Citation)}),");
        w.Line("    });");
        w.Line();
        w.Line("public static string ToMermaid() => global::IceSpec.Machines.MachineDiagram.ToMermaid(Definition);");
        w.Line("public static string ToDot() => global::IceSpec.Machines.MachineDiagram.ToDot(Definition);");
        if (m.Timers.Count > 1)   // NextDeadline of two timers or more
            w.Line($"private static {Time}? Earliest({Time}? a, {Time}? b) => a is null ? b : b is null ? a : (a < b ? a : b);");
        w.Line();
    }
}
