using System.Collections.Generic;
using System.Linq;
using IceSpec.Generators.Diagnostics;
using IceSpec.Generators.Model;

namespace IceSpec.Generators.Binding;

/// <summary>Checks one machine: one initial state, known states/events/timers/counters, well-formed guards and durations.</summary>
internal sealed class MachineBinder
{
    private readonly ProtocolScope _scope;
    private readonly MachineDecl _machine;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly Dictionary<string, ValueMember> _values;
    private readonly Dictionary<string, CounterMember> _counters;
    private readonly Dictionary<string, TimerMember> _timers;
    private readonly Dictionary<string, StateMember> _states;
    private readonly HashSet<string> _events;
    private readonly SortedSet<string> _namedGuards = new();
    private readonly SortedSet<string> _calls = new();

    public MachineBinder(ProtocolScope scope, MachineDecl machine, List<DiagnosticInfo> diagnostics)
    {
        _scope = scope;
        _machine = machine;
        _diagnostics = diagnostics;
        var members = machine.Members;
        _values = Unique(members.OfType<ValueMember>(), v => v.Name, v => v.Span);
        _counters = Unique(members.OfType<CounterMember>(), c => c.Name, c => c.Span);
        _timers = Unique(members.OfType<TimerMember>(), t => t.Name, t => t.Span);
        _states = Unique(members.OfType<StateMember>(), s => s.Name, s => s.Span);
        _events = new HashSet<string>(members.OfType<EventMember>().Select(e => e.Name).Concat(_timers.Keys));
    }

    private Dictionary<string, T> Unique<T>(IEnumerable<T> items, System.Func<T, string> name, System.Func<T, SourceSpan> span)
    {
        var result = new Dictionary<string, T>();
        foreach (var item in items)
        {
            if (result.ContainsKey(name(item)))
                _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.Duplicate, span(item), "Machine member", name(item), name(item)));
            else result[name(item)] = item;
        }
        return result;
    }

    public MachineModel? Bind(System.Action<string, string, Citation?> require)
    {
        var initial = _states.Values.Count(s => s.Initial);
        if (initial != 1)
            _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.MissingInitialState, _machine.Span, _machine.Name, initial.ToString()));

        var edges = new List<TransitionModel>();
        foreach (var transition in _machine.Members.OfType<TransitionMember>())
        {
            foreach (var from in transition.From) CheckState(from);
            CheckState(transition.To);
            foreach (var e in transition.Events)
                if (!_events.Contains(e.Name))
                    _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.UnknownName, e.Span, $"Event of machine '{_machine.Name}'", e.Name));
            if (transition.Guard is not null) CheckGuard(transition.Guard);
            foreach (var action in transition.Actions) CheckAction(action);
            foreach (var from in transition.From)
                foreach (var e in transition.Events)
                {
                    edges.Add(new TransitionModel(from.Name, transition.To.Name, e.Name, PositionFree.Of(transition.Guard), transition.Actions.Select(PositionFree.Of).ToEquatableArray(), ProtocolScope.Text(transition.Citation)));
                    require("transition", $"{_machine.Name}: {from.Name} -> {transition.To.Name} on {e.Name}", transition.Citation);
                }
        }

        // Reachable: entered by a path of transitions from the initial state (a self-loop or an edge from an unreachable
        // state does not count). Without exactly one initial state ISPEC008 is the error to fix first.
        if (initial == 1)
        {
            var reached = new HashSet<string> { _states.Values.Single(s => s.Initial).Name };
            var queue = new Queue<string>(reached);
            while (queue.Count > 0)
            {
                var from = queue.Dequeue();
                foreach (var edge in edges.Where(e => e.From == from))
                    if (reached.Add(edge.To)) queue.Enqueue(edge.To);
            }
            foreach (var state in _states.Values.Where(s => !reached.Contains(s.Name)))
                _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.UnreachableState, state.Span, state.Name, _machine.Name));
        }

        require("machine", _machine.Name, _machine.Citation);
        foreach (var value in _values.Values) require("parameter", $"{_machine.Name}.{value.Name}", value.Citation);

        var events = _machine.Members.OfType<EventMember>().Select(e => e.Name).Concat(_timers.Keys).Distinct().ToEquatableArray();
        return new MachineModel(_machine.Name, Names.ToIdentifier(_machine.Name), ProtocolScope.Text(_machine.Citation),
            _values.Values.Select(PositionFree.Of).ToEquatableArray(), _counters.Values.Select(PositionFree.Of).ToEquatableArray(),
            _timers.Values.Select(PositionFree.Of).ToEquatableArray(), _states.Values.Select(PositionFree.Of).ToEquatableArray(), events, edges.ToEquatableArray(), _namedGuards.ToEquatableArray(), _calls.ToEquatableArray());
    }

    private void CheckState(NameRef state)
    {
        if (!_states.ContainsKey(state.Name))
            _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.UnknownName, state.Span, $"State of machine '{_machine.Name}'", state.Name));
    }

    private void CheckAction(MachineAction action)
    {
        var name = action.Target.Name;
        switch (action.Kind)
        {
            case "call":
                _calls.Add(name);
                break;
            case "count" or "reset" when !_counters.ContainsKey(name):
                _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.UnknownName, action.Target.Span, $"Counter of machine '{_machine.Name}'", name));
                break;
            case "start" or "stop" when !_timers.ContainsKey(name):
                _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.UnknownName, action.Target.Span, $"Timer of machine '{_machine.Name}'", name));
                break;
        }
        if (action.Duration is not null && CheckNumeric(action.Duration) && !IsDuration(action.Duration))
            _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.InvalidExpression, action.Duration.Span,
                $"Timer {name} needs a duration: give the number a unit (e.g. '500 ms', '3 s') or use a value that has one", _machine.Name));
    }

    /// <summary>Whether a (well-formed) numeric expression is a duration: a number with a unit, a value bound to one, or
    /// arithmetic over one; the same rule the emitter uses to type it.</summary>
    private bool IsDuration(Expr expr) => IsDuration(expr, new HashSet<string>());

    private bool IsDuration(Expr expr, HashSet<string> visiting) => expr switch
    {
        NumberExpr n => n.Unit is not null,
        NameExpr n => _values.TryGetValue(n.Name, out var v) && visiting.Add(n.Name) && IsDuration(v.Value, visiting),
        BinaryExpr { Operator: "+" or "-" or "*" } b => IsDuration(b.Left, visiting) || IsDuration(b.Right, visiting),
        _ => false,
    };

    /// <summary>A guard is a comparison, a combination with and/or/not, or a bare name: a guard method the runtime implements.</summary>
    private void CheckGuard(Expr guard)
    {
        switch (guard)
        {
            case NameExpr name when !IsValue(name.Name):
                _namedGuards.Add(name.Name);
                break;
            case BinaryExpr { Operator: "and" or "or" } logical:
                CheckGuard(logical.Left);
                CheckGuard(logical.Right);
                break;
            case NotExpr not:
                CheckGuard(not.Operand);
                break;
            case BinaryExpr { Operator: "<" or "<=" or "==" or "!=" or ">" or ">=" } comparison:
                if (CheckNumeric(comparison.Left) & CheckNumeric(comparison.Right) && IsDuration(comparison.Left) != IsDuration(comparison.Right))
                    _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.InvalidExpression, comparison.Span,
                        "A duration cannot be compared with a plain number; give both sides a unit or neither", _machine.Name));
                break;
            default:
                _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.InvalidExpression, guard.Span, "A guard must be a comparison, a guard name, or a combination with and/or/not", _machine.Name));
                break;
        }
    }

    /// <summary>Reports what is wrong in a numeric expression; true if nothing was.</summary>
    private bool CheckNumeric(Expr expr)
    {
        switch (expr)
        {
            case NumberExpr: return true;
            case NameExpr name when IsValue(name.Name): return true;
            case NameExpr name:
                _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.UnknownName, name.Span, $"Value of machine '{_machine.Name}' (const, param or counter)", name.Name));
                return false;
            case BinaryExpr { Operator: "+" or "-" or "*" or "^" } arithmetic:
                if (!(CheckNumeric(arithmetic.Left) & CheckNumeric(arithmetic.Right))) return false;
                var (left, right) = (IsDuration(arithmetic.Left), IsDuration(arithmetic.Right));
                var mixed = arithmetic.Operator switch { "*" => left && right, "^" => left || right, _ => left != right };
                if (mixed)
                    _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.InvalidExpression, arithmetic.Span,
                        $"'{arithmetic.Operator}' cannot combine these: durations add to durations, and multiply or raise only plain numbers", _machine.Name));
                return !mixed;
            default:
                _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.InvalidExpression, expr.Span, "Expected a number, a const/param/counter name or arithmetic here", _machine.Name));
                return false;
        }
    }

    private bool IsValue(string name) => _values.ContainsKey(name) || _counters.ContainsKey(name);
}
