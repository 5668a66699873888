using System.Text.RegularExpressions;
using Acme.Stun;
using IceSpec.Machines;

namespace IceSpec.Generators.UserSpec.Tests;

/// <summary>
/// TryFire on a machine generated from this project's own acme.spec: an event with no transition from the state, and
/// one whose only transition's guard is false, are refused with the state, the event, the guard and what the spec cites
/// — the citations read here from acme.spec itself.
/// </summary>
[Trait("Category", "unit")]
public sealed class MachineRefusalTests
{
    private static readonly string Spec = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "acme.spec"));

    /// <summary>The citation acme.spec gives a declaration of machine AcmeProbe, e.g. "state Idle initial".</summary>
    private static string Cited(string declaration) => Regex.Match(Spec, Regex.Escape(declaration) + @"[^""]*""([^""]*)""").Groups[1].Value;

    [Fact]
    public void An_event_with_no_transition_from_the_state_is_refused_with_the_states_citation()
    {
        var probe = new AcmeProbeMachine();
        Assert.False(probe.TryFire(AcmeProbeEvent.Answered, TimeSpan.Zero, out var refusal));

        Assert.Equal((AcmeProbeState.Idle, AcmeProbeEvent.Answered, MachineRefusalReason.NoTransition), (refusal.State, refusal.Event, refusal.Reason));
        Assert.Equal(Cited("state Idle initial"), refusal.StateCitation);
        Assert.Equal(Cited("machine AcmeProbe"), refusal.MachineCitation);
        Assert.Equal([AcmeProbeEvent.Send], refusal.Accepted);   // Idle's only transition is on Send
        var text = refusal.ToString();
        foreach (var part in new[] { "AcmeProbe", "state Idle", "refused Answered", Cited("state Idle initial"), Cited("machine AcmeProbe") })
            Assert.Contains(part, text);
        Assert.Equal(AcmeProbeState.Idle, probe.State);
    }

    [Fact]
    public void An_event_whose_guards_are_false_is_refused_naming_the_guards()
    {
        var probe = new AcmeProbeMachine();
        for (var sent = 0; sent < AcmeProbeMachine.MaxProbes; sent++) Assert.True(probe.TryFire(AcmeProbeEvent.Send, TimeSpan.Zero, out _));

        Assert.False(probe.TryFire(AcmeProbeEvent.Send, TimeSpan.Zero, out var refusal));
        Assert.Equal((AcmeProbeState.Probing, MachineRefusalReason.GuardsFalse), (refusal.State, refusal.Reason));
        var guard = Regex.Match(Spec, @"Probing -> Probing on Send when (.+?) /").Groups[1].Value;
        Assert.Equal([guard], refusal.FalseGuards);
        Assert.Contains(guard, refusal.ToString());
        Assert.Contains("refused Send", refusal.ToString());
        Assert.Contains(Cited("state Probing"), refusal.ToString());
        Assert.Equal(AcmeProbeMachine.MaxProbes, probe.Probes);   // the refused event ran no action
    }

    [Fact]
    public void Try_fire_allocates_nothing_when_a_transition_is_taken()
    {
        var probe = new AcmeProbeMachine();
        probe.TryFire(AcmeProbeEvent.Send, TimeSpan.Zero, out _);   // JIT and static tables before measuring
        probe.TryFire(AcmeProbeEvent.Answered, TimeSpan.Zero, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            probe.TryFire(AcmeProbeEvent.Send, TimeSpan.Zero, out _);
            probe.TryFire(AcmeProbeEvent.Answered, TimeSpan.Zero, out _);
        }
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        Assert.Equal(AcmeProbeState.Idle, probe.State);
    }
}
