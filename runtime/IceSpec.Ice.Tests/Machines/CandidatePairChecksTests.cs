using IceSpec.Machines;
using IceSpec.Stun;

namespace IceSpec.Ice.Tests.Machines;

/// <summary>
/// What may happen to a pair after its first check, as spec/ice.spec states RFC 8445: a Failed pair is checked again only
/// after a triggered check was enqueued (§7.3.1.4); a Succeeded one only by a triggered check enqueued before it
/// succeeded (§6.1.4.2), the controlling agent's nomination (§8.1.1) or a consent check (RFC 7675 §5.1). And the one
/// classification of a check's response (§7.2.5) the agent and the capture monitors share.
/// </summary>
[Trait("Category", "unit")]
public sealed class CandidatePairChecksTests
{
    private static readonly TimeSpan T = TimeSpan.Zero;

    private static CandidatePairMachine Succeeded()
    {
        var pair = new CandidatePairMachine();
        pair.Fire(CandidatePairEvent.CheckSent, T);
        Assert.True(pair.Fire(CandidatePairEvent.SuccessResponse, T));
        return pair;
    }

    [Fact]
    public void A_failed_pair_is_not_checked_again_until_retriggered()
    {
        var pair = new CandidatePairMachine();
        pair.Fire(CandidatePairEvent.CheckSent, T);
        pair.Fire(CandidatePairEvent.ErrorResponse, T);

        Assert.False(pair.TryFire(CandidatePairEvent.CheckSent, T, out var refusal));
        Assert.Equal((CandidatePairState.Failed, MachineRefusalReason.NoTransition), (refusal.State, refusal.Reason));
        Assert.True(pair.TryFire(CandidatePairEvent.Retrigger, T, out _));
        Assert.True(pair.TryFire(CandidatePairEvent.CheckSent, T, out _));
        Assert.Equal(CandidatePairState.InProgress, pair.State);
    }

    [Fact]
    public void A_succeeded_pair_refuses_a_plain_new_check_naming_every_guard_that_was_false()
    {
        var pair = Succeeded();
        Assert.True(pair.TryFire(CandidatePairEvent.Retrigger, T, out _));   // §7.3.1.4: "nothing further is done"

        Assert.False(pair.TryFire(CandidatePairEvent.CheckSent, T, out var refusal));
        Assert.Equal(MachineRefusalReason.GuardsFalse, refusal.Reason);
        Assert.Equal(3, refusal.FalseGuards.Count);   // a trigger queued before success, a nomination, a consent check
        Assert.Equal(CandidatePairState.Succeeded, pair.State);
    }

    [Fact]
    public void A_succeeded_pair_accepts_the_nomination_and_consent_checks()
    {
        var pair = Succeeded();
        pair.SendingNomination = true;
        Assert.True(pair.TryFire(CandidatePairEvent.CheckSent, T, out _));
        Assert.True(pair.TryFire(CandidatePairEvent.SuccessResponse, T, out _));
        pair.SendingNomination = false;
        pair.SendingConsentCheck = true;
        Assert.True(pair.TryFire(CandidatePairEvent.CheckSent, T, out _));
        Assert.Equal(CandidatePairState.Succeeded, pair.State);
    }

    [Fact]
    public void A_triggered_check_enqueued_while_in_progress_is_sent_once_after_the_cancelled_check_succeeded()
    {
        var pair = new CandidatePairMachine();
        pair.Fire(CandidatePairEvent.CheckSent, T);
        Assert.True(pair.Fire(CandidatePairEvent.Retrigger, T));          // cancelled, Waiting, enqueued
        Assert.True(pair.Fire(CandidatePairEvent.SuccessResponse, T));    // the cancelled transaction's answer
        Assert.True(pair.TryFire(CandidatePairEvent.CheckSent, T, out _)); // §6.1.4.2: the queued check is sent
        Assert.False(pair.TryFire(CandidatePairEvent.CheckSent, T, out _)); // and only once
    }

    [Theory]
    // RFC 8445 §7.2.5.2.1: not symmetric → Failed, whatever the response; §7.2.5.3: symmetric success; §7.2.5.1: 487;
    // §7.2.5.2.4: any other error.
    [InlineData(StunClass.Success, null, false, CandidatePairEvent.AsymmetricResponse)]
    [InlineData(StunClass.Error, 487, false, CandidatePairEvent.AsymmetricResponse)]
    [InlineData(StunClass.Success, null, true, CandidatePairEvent.SuccessResponse)]
    [InlineData(StunClass.Error, 487, true, CandidatePairEvent.RoleConflict)]
    [InlineData(StunClass.Error, 400, true, CandidatePairEvent.ErrorResponse)]
    [InlineData(StunClass.Error, null, true, CandidatePairEvent.ErrorResponse)]
    public void The_response_to_a_check_is_classified_as_rfc8445_section_7_2_5_says(StunClass responseClass, int? errorCode, bool symmetric, CandidatePairEvent expected) =>
        Assert.Equal(expected, CheckResponseClassification.PairEventOf(responseClass, errorCode, symmetric));
}
