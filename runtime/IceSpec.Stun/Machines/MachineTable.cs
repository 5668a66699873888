namespace IceSpec.Machines;

/// <summary>One transition of a generated machine with its states and event as the machine's own enums.</summary>
public sealed record MachineTransition<TState, TEvent>(TState From, TState To, TEvent Event, string Guard, string Actions, string Citation)
    where TState : struct, Enum where TEvent : struct, Enum;

/// <summary>
/// A generated machine's transitions, typed, with the citation of the machine and of each state: what its
/// <c>TryFire</c> explains a refused event with. Emitted from the same spec model as <see cref="MachineDefinition"/>.
/// </summary>
public sealed class MachineTable<TState, TEvent>(
    string name, string citation, IReadOnlyDictionary<TState, string> stateCitations, IReadOnlyList<MachineTransition<TState, TEvent>> transitions)
    where TState : struct, Enum where TEvent : struct, Enum
{
    public string Name { get; } = name;
    public string Citation { get; } = citation;
    /// <summary>In the spec's order: the first one from a state on an event whose guard holds is the one taken.</summary>
    public IReadOnlyList<MachineTransition<TState, TEvent>> Transitions { get; } = transitions;

    /// <summary>What the spec cites for <paramref name="state"/> (empty when the spec gives nothing).</summary>
    public string CitationOf(TState state) => stateCitations.TryGetValue(state, out var text) ? text : "";

    /// <summary>The events some transition from <paramref name="state"/> takes, each once, in the spec's order.</summary>
    public IReadOnlyList<TEvent> Accepted(TState state) =>
        Transitions.Where(t => Same(t.From, state)).Select(t => t.Event).Distinct().ToArray();

    /// <summary>
    /// Why <paramref name="trigger"/> moved nothing in <paramref name="state"/>: no transition from that state on that event,
    /// or only guarded ones (none was taken, so every guard was false). Called after the machine refused, never on its
    /// success path.
    /// </summary>
    public MachineRefusal<TState, TEvent> Refusal(TState state, TEvent trigger)
    {
        var guards = Transitions.Where(t => Same(t.From, state) && EqualityComparer<TEvent>.Default.Equals(t.Event, trigger))
            .Select(t => t.Guard).ToArray();
        return new MachineRefusal<TState, TEvent>(Name, state, trigger,
            guards.Length == 0 ? MachineRefusalReason.NoTransition : MachineRefusalReason.GuardsFalse, guards,
            Citation, CitationOf(state), Accepted(state));
    }

    private static bool Same(TState a, TState b) => EqualityComparer<TState>.Default.Equals(a, b);
}
