namespace IceSpec.Machines;

public enum MachineRefusalReason
{
    /// <summary>The spec has no transition from the state on the event.</summary>
    NoTransition,
    /// <summary>Every transition from the state on the event has a guard, and each was false.</summary>
    GuardsFalse,
}

/// <summary>
/// An event a generated machine did not take (its <c>TryFire</c> returned false): the state and event, why, the guards
/// that were false, and what the spec cites — the machine, the state, and the events the state does accept.
/// </summary>
public sealed record MachineRefusal<TState, TEvent>(
    string Machine, TState State, TEvent Event, MachineRefusalReason Reason, IReadOnlyList<string> FalseGuards,
    string MachineCitation, string StateCitation, IReadOnlyList<TEvent> Accepted)
    where TState : struct, Enum where TEvent : struct, Enum
{
    /// <summary>"no transition from Failed on CheckSent", or "every transition from Succeeded on CheckSent has a false guard: A; B".</summary>
    public string Why => Reason == MachineRefusalReason.NoTransition
        ? $"no transition from {State} on {Event}"
        : $"every transition from {State} on {Event} has a false guard: {string.Join("; ", FalseGuards)}";

    /// <summary>"Failed accepts Retrigger", or "Closed accepts no event".</summary>
    public string AcceptedText => Accepted.Count == 0 ? $"{State} accepts no event" : $"{State} accepts {string.Join(", ", Accepted)}";

    /// <summary>The whole refusal in one sentence, with the state's and the machine's citations.</summary>
    public override string ToString() =>
        $"{Machine} in state {State} refused {Event}: {Why}; {AcceptedText} ({State}: {StateCitation}; {Machine}: {MachineCitation})";
}
