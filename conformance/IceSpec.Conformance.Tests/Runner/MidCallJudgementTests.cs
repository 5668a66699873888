using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Runner;
using IceSpec.Conformance.Scenarios;

namespace IceSpec.Conformance.Tests.Runner;

/// <summary>
/// The mid-call case (rfc7675-5.1-10) on made-up observations: each way it can pass, and the behaviours it must fail —
/// a dead call in a scenario that should survive, a loss reported too late, a silent black hole.
/// </summary>
[Trait("Category", "unit")]
public sealed class MidCallJudgementTests
{
    private static readonly TimeSpan S = TimeSpan.FromSeconds(1);

    private static MidCallPhase Phase(string scenario) => ScenarioCatalog.Find(scenario)!.MidCall!;

    private static IceMidCallResult Seen(TimeSpan? controllingBroke, TimeSpan? controlledBroke, int toControlled, int toControlling) =>
        new(controllingBroke, controlledBroke, toControlled, toControlling, 5, []);

    [Fact]
    public void An_idle_call_that_survives_passes_and_one_that_died_fails()
    {
        Assert.Equal(CaseOutcome.Passed, MidCallFaults.Judge(Phase("nat-timeout-idle"), Seen(null, null, 5, 5), S).Outcome);
        Assert.Equal(CaseOutcome.Failed, MidCallFaults.Judge(Phase("nat-timeout-idle"), Seen(null, null, 5, 0), S).Outcome);
        Assert.Equal(CaseOutcome.Failed, MidCallFaults.Judge(Phase("nat-timeout-idle"), Seen(null, 12 * S, 5, 5), S).Outcome);
    }

    [Fact]
    public void A_call_without_a_data_path_is_judged_on_the_agents_states()
    {
        // A browser ↔ non-browser call (ADAPTER.md "Data"): no datagrams are sent, so none can arrive.
        var iceOnly = Seen(null, null, 0, 0) with { DataNotExchanged = "chromium sends data only over a DTLS data channel" };
        var survived = MidCallFaults.Judge(Phase("nat-timeout-idle"), iceOnly, S);
        Assert.Equal(CaseOutcome.Passed, survived.Outcome);
        Assert.Contains("ICE only", survived.Detail);
        Assert.Equal(CaseOutcome.Failed, MidCallFaults.Judge(Phase("nat-timeout-idle"), iceOnly with { ControlledBrokeAfter = 12 * S }, S).Outcome);
        Assert.Equal(CaseOutcome.Passed, MidCallFaults.Judge(Phase("nat-mapping-deleted"), iceOnly with { ControlledBrokeAfter = 25 * S }, S).Outcome);
        Assert.Equal(CaseOutcome.Failed, MidCallFaults.Judge(Phase("nat-mapping-deleted"), iceOnly, S).Outcome);
    }

    [Fact]
    public void A_call_without_a_data_path_recovered_by_itself_when_both_agents_checks_are_answered_again()
    {
        var iceOnly = Seen(null, null, 0, 0) with { DataNotExchanged = "chromium sends data only over a DTLS data channel" };
        var consent = "each agent's checks answered after the fault: controlling.pcap frame 9, controlled.pcap frame 12";
        var recovered = MidCallFaults.Judge(Phase("nat-mapping-deleted"), iceOnly with { ConsentAfterFault = consent }, S);
        Assert.Equal(CaseOutcome.Passed, recovered.Outcome);
        Assert.Contains("recovered by itself", recovered.Detail);
        Assert.Contains(consent, recovered.Detail);
        // The wire's evidence does not excuse a loss reported too late.
        Assert.Equal(CaseOutcome.Failed, MidCallFaults.Judge(Phase("nat-mapping-deleted"), iceOnly with { ConsentAfterFault = consent, ControllingBrokeAfter = 40 * S }, S).Outcome);
    }

    [Theory]
    [InlineData("nat-mapping-deleted")]
    [InlineData("turn-restart")]
    public void A_broken_path_must_be_reported_within_30_s_or_recovered(string scenario)
    {
        var phase = Phase(scenario);
        Assert.Equal(CaseOutcome.Passed, MidCallFaults.Judge(phase, Seen(null, 30 * S, 5, 0), S).Outcome);
        Assert.Equal(CaseOutcome.Passed, MidCallFaults.Judge(phase, Seen(null, null, 5, 5), S).Outcome); // moved to a working path
        var silent = MidCallFaults.Judge(phase, Seen(null, null, 5, 0), S);
        Assert.Equal(CaseOutcome.Failed, silent.Outcome);
        Assert.Contains("neither agent reported it", silent.Detail);
        Assert.Equal(CaseOutcome.Failed, MidCallFaults.Judge(phase, Seen(40 * S, null, 0, 0), S).Outcome);
        Assert.Equal(CaseOutcome.Failed, MidCallFaults.Judge(phase, null, S).Outcome); // never connected
    }
}
