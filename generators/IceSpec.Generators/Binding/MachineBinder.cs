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
                    edges.Add(new TransitionModel(from.Name, transition.To.Name, e.Name, transition.Guard, transition.Actions, ProtocolScope.Text(transition.Citation)));
                    require("transition", $"{_machine.Name}: {from.Name} -> {transition.To.Name} on {e.Name}", transition.Citation);
                }
        }

        foreach (var state in _states.Values.Where(s => !s.Initial))
            if (!edges.Any(e => e.To == state.Name))
                _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.UnreachableState, state.Span, state.Name, _machine.Name));

        require("machine", _machine.Name, _machine.Citation);
        foreach (var value in _values.Values) require("parameter", $"{_machine.Name}.{value.Name}", value.Citation);

        var events = _machine.Members.OfType<EventMember>().Select(e => e.Name).Concat(_timers.Keys).Distinct().ToEquatableArray();
        return new MachineModel(_machine.Name, Names.ToIdentifier(_machine.Name), ProtocolScope.Text(_machine.Citation),
            _values.Values.ToEquatableArray(), _counters.Values.ToEquatableArray(), _timers.Values.ToEquatableArray(),
            _states.Values.ToEquatableArray(), events, edges.ToEquatableArray(), _namedGuards.ToEquatableArray(), _calls.ToEquatableArray());
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
        if (action.Duration is not null) CheckNumeric(action.Duration);
    }

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
                CheckNumeric(comparison.Left);
                CheckNumeric(comparison.Right);
                break;
            default:
                _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.InvalidExpression, guard.Span, "A guard must be a comparison, a guard name, or a combination with and/or/not", _machine.Name));
                break;
        }
    }

    private void CheckNumeric(Expr expr)
    {
        switch (expr)
        {
            case NumberExpr: break;
            case NameExpr name when IsValue(name.Name): break;
            case NameExpr name:
                _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.UnknownName, name.Span, $"Value of machine '{_machine.Name}' (const, param or counter)", name.Name));
                break;
            case BinaryExpr { Operator: "+" or "-" or "*" or "^" } arithmetic:
                CheckNumeric(arithmetic.Left);
                CheckNumeric(arithmetic.Right);
                break;
            default:
                _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.InvalidExpression, expr.Span, "Expected a number, a const/param/counter name or arithmetic here", _machine.Name));
                break;
        }
    }

    private bool IsValue(string name) => _values.ContainsKey(name) || _counters.ContainsKey(name);
}
