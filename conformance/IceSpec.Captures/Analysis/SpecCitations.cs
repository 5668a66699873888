using IceSpec.Ice;
using IceSpec.Machines;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Captures.Analysis;

/// <summary>
/// The RFC text a violation cites, looked up in what the spec generates: the requirement catalogs
/// (<see cref="StunRequirements"/>, <see cref="TurnRequirements"/>, <see cref="IceRequirements"/>), the validators'
/// rules and the machines' edges — never typed here, except the two integrity sentences the spec does not state yet.
/// </summary>
public static class SpecCitations
{
    private static readonly IReadOnlyList<RequirementInfo> All =
        [.. StunRequirements.All, .. TurnRequirements.All, .. IceRequirements.All];

    /// <summary>"RFC 8489 §14.7: sentence" → ("RFC 8489 §14.7", "sentence"); a bare section gives an empty sentence.</summary>
    public static (string Section, string Text) Split(string citation)
    {
        var colon = citation.IndexOf(": ", StringComparison.Ordinal);
        return colon < 0 ? (citation, "") : (citation[..colon], citation[(colon + 2)..]);
    }

    /// <summary>The catalog entry whose subject is <paramref name="subject"/> (e.g. "Binding request as ice-check: required USERNAME").</summary>
    public static RequirementInfo Requirement(string subject) =>
        All.FirstOrDefault(r => r.Subject == subject) ?? throw new InvalidOperationException($"the spec has no requirement '{subject}'");

    /// <summary>
    /// The edge <paramref name="from"/> → <paramref name="to"/> on <paramref name="trigger"/> of a generated machine, named
    /// with the machine's generated state and event enums (so a state or event renamed in the spec breaks the build):
    /// the typed <paramref name="table"/> and the named <paramref name="machine"/> list the same transitions in the same order.
    /// </summary>
    public static MachineEdge Edge<TState, TEvent>(MachineDefinition machine, MachineTable<TState, TEvent> table, TState from, TState to, TEvent trigger)
        where TState : struct, Enum where TEvent : struct, Enum
    {
        for (var i = 0; i < table.Transitions.Count; i++)
        {
            var t = table.Transitions[i];
            if (EqualityComparer<TState>.Default.Equals(t.From, from) && EqualityComparer<TState>.Default.Equals(t.To, to)
                && EqualityComparer<TEvent>.Default.Equals(t.Event, trigger))
                return machine.Edges[i];
        }
        throw new InvalidOperationException($"{machine.Name} has no edge {from} -> {to} on {trigger}");
    }

    /// <summary>Builds a violation citing a catalog entry.</summary>
    public static Violation FromRequirement(string name, int frame, string subject, string detail, string severity = "violation")
    {
        var requirement = Requirement(subject);
        var (section, text) = Split(requirement.Citation);
        return new Violation(name, frame, section, text, detail, $"{requirement.Id} ({requirement.Subject})", severity);
    }

    /// <summary>Builds a violation citing a machine edge (the transition the traffic should have taken, or took when it should not).</summary>
    public static Violation FromEdge(string name, int frame, MachineDefinition machine, MachineEdge edge, string detail)
    {
        var (section, text) = Split(edge.Citation);
        return new Violation(name, frame, section, text, detail, $"{machine.Name}: {edge.From} -> {edge.To} on {edge.Event}");
    }

    /// <summary>
    /// Builds a violation from an event a generated machine refused (its <c>TryFire</c>): it cites the state the machine
    /// was in (or the machine, when the state has no citation) and names the machine and state as its source.
    /// </summary>
    public static Violation FromRefusal<TState, TEvent>(string name, int frame, MachineRefusal<TState, TEvent> refusal, string detail)
        where TState : struct, Enum where TEvent : struct, Enum
    {
        var (section, text) = Split(refusal.StateCitation.Length > 0 ? refusal.StateCitation : refusal.MachineCitation);
        return new Violation(name, frame, section, text, detail,
            $"{refusal.Machine} ({refusal.MachineCitation}), state {refusal.State}: {refusal.Why}");
    }

    /// <summary>Builds a violation from a rule the generated validator reported.</summary>
    public static Violation FromValidator(string name, int frame, StunViolation violation)
    {
        var (section, text) = Split(violation.Citation);
        return new Violation(name, frame, section, text, violation.Description, $"validator rule {violation.Rule}");
    }

    // The spec cites MESSAGE-INTEGRITY only by section (stun.attribute.004, "RFC 8489 §14.5"); the sentences on what a
    // receiver does with a wrong value are RFC 8489 §9.1.3 (requests) and §9.1.4 (responses), quoted here until stun.spec states them.
    public static Violation BadIntegrity(int frame, bool request, string detail) => request
        ? new("bad-integrity", frame, "RFC 8489 §9.1.3",
            "If the resulting value does not match the contents of the MESSAGE-INTEGRITY attribute, the server MUST reject the request with an error response. This response MUST use an error code of 401 (Unauthenticated).",
            detail, "RFC 8489 §9.1.3 (not yet in stun.spec; stun.attribute.004 cites §14.5)")
        : new("bad-integrity", frame, "RFC 8489 §9.1.4",
            "If the value does not match, or if both MESSAGE-INTEGRITY and MESSAGE-INTEGRITY-SHA256 were absent, the processing MUST be as if no response was received.",
            detail, "RFC 8489 §9.1.4 (not yet in stun.spec; stun.attribute.004 cites §14.5)");

    public static MachineDefinition CandidatePair => CandidatePairMachine.Definition;
}
