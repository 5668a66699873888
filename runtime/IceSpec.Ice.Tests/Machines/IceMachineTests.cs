namespace IceSpec.Ice.Tests.Machines;

/// <summary>
/// The ICE machines and formulas generated from spec/ice.spec, driven on a virtual clock on their own (the agent in
/// runtime/IceSpec.Ice/Agent fires them; its tests are under Agent/): these pin the RFC 8445 / RFC 7675 behaviour the spec states.
/// </summary>
[Trait("Category", "unit")]
public sealed class IceMachineTests
{
    [Fact]
    public void Host_candidate_priority_is_the_well_known_value() =>
        // RFC 8445 §5.1.2.1 with the RECOMMENDED host type preference 126 and local preference 65535, component 1.
        Assert.Equal(2130706431, IceFormulas.CandidatePriority(IceFormulas.HostTypePreference, IceFormulas.SingleAddressLocalPreference, 1));

    [Fact]
    public void Pair_priority_prefers_the_controlling_side_on_ties()
    {
        var g = IceFormulas.CandidatePriority(126, 65535, 1);
        var d = IceFormulas.CandidatePriority(100, 65535, 1);
        Assert.Equal((1L << 32) * d + 2 * g + 1, IceFormulas.PairPriority(g, d));
        Assert.Equal((1L << 32) * d + 2 * g, IceFormulas.PairPriority(d, g));
    }

    [Fact]
    public void Tcp_candidate_priorities_follow_rfc6544_direction_preferences()
    {
        // RFC 6544 §4.2: local preference = 2^13 * direction-pref + other-pref; host active 6, passive 4, S-O 2.
        Assert.Equal(6 * 8192 + 8191, IceFormulas.TcpLocalPreference(IceFormulas.HostActiveDirectionPreference, IceFormulas.MaxTcpOtherPreference));
        Assert.Equal(4 * 8192, IceFormulas.TcpLocalPreference(IceFormulas.HostPassiveDirectionPreference, 0));
        Assert.Equal(2 * 8192 + 1, IceFormulas.TcpLocalPreference(IceFormulas.HostSimultaneousOpenDirectionPreference, 1));
        Assert.True(IceFormulas.TcpLocalPreference(7, IceFormulas.MaxTcpOtherPreference) <= IceFormulas.SingleAddressLocalPreference);
        Assert.Equal(9, IceFormulas.TcpActiveCandidatePort);
    }

    [Fact]
    public void Candidate_pair_connection_failed_applies_only_to_a_check_in_flight()
    {
        var pair = new CandidatePairMachine();
        Assert.False(pair.Fire(CandidatePairEvent.ConnectionFailed, TimeSpan.Zero)); // Frozen: no connection was asked for
        pair.Fire(CandidatePairEvent.Unfreeze, TimeSpan.Zero);
        Assert.False(pair.Fire(CandidatePairEvent.ConnectionFailed, TimeSpan.Zero));
        Assert.Equal(CandidatePairState.Waiting, pair.State);
    }

    [Fact]
    public void Candidate_pair_runs_frozen_waiting_in_progress_succeeded()
    {
        var pair = new CandidatePairMachine();
        Assert.Equal(CandidatePairState.Frozen, pair.State);
        Assert.False(pair.Fire(CandidatePairEvent.SuccessResponse, TimeSpan.Zero)); // no check in flight: ignored
        Assert.True(pair.Fire(CandidatePairEvent.Unfreeze, TimeSpan.Zero));
        Assert.True(pair.Fire(CandidatePairEvent.CheckSent, TimeSpan.FromMilliseconds(50)));
        Assert.Equal(CandidatePairState.InProgress, pair.State);
        Assert.True(pair.Fire(CandidatePairEvent.SuccessResponse, TimeSpan.FromMilliseconds(51)));
        Assert.Equal(CandidatePairState.Succeeded, pair.State);
    }

    [Theory]
    [InlineData(CandidatePairEvent.AsymmetricResponse)]
    [InlineData(CandidatePairEvent.ErrorResponse)]
    [InlineData(CandidatePairEvent.Timeout)]
    [InlineData(CandidatePairEvent.ConnectionFailed)]
    public void Candidate_pair_fails_and_can_be_retriggered(CandidatePairEvent failure)
    {
        var pair = new CandidatePairMachine();
        pair.Fire(CandidatePairEvent.CheckSent, TimeSpan.Zero); // a triggered check straight from Frozen
        Assert.True(pair.Fire(failure, TimeSpan.FromSeconds(1)));
        Assert.Equal(CandidatePairState.Failed, pair.State);
        Assert.True(pair.Fire(CandidatePairEvent.Retrigger, TimeSpan.FromSeconds(2)));
        Assert.Equal(CandidatePairState.Waiting, pair.State);
    }

    [Fact]
    public void Candidate_pair_role_conflict_puts_the_pair_back_to_waiting()
    {
        var pair = new CandidatePairMachine();
        pair.Fire(CandidatePairEvent.Unfreeze, TimeSpan.Zero);
        pair.Fire(CandidatePairEvent.CheckSent, TimeSpan.Zero);
        Assert.True(pair.Fire(CandidatePairEvent.RoleConflict, TimeSpan.FromMilliseconds(10)));
        Assert.Equal(CandidatePairState.Waiting, pair.State);
    }

    [Fact]
    public void Consent_expires_30_seconds_after_the_last_response()
    {
        var consent = new ConsentFreshnessMachine();
        Assert.True(consent.Fire(ConsentFreshnessEvent.Start, TimeSpan.Zero));
        var checks = 0;
        var now = TimeSpan.Zero;
        // Responses for the first 10 s, then silence.
        while (!consent.IsFinal && consent.NextDeadline is { } next)
        {
            now = next;
            if (consent.NextCheckDeadline == next) checks++;
            consent.HandleTimeout(now);
            if (now <= TimeSpan.FromSeconds(10) && consent.State == ConsentFreshnessState.Granted)
                consent.Fire(ConsentFreshnessEvent.ResponseReceived, now);
        }
        Assert.Equal(ConsentFreshnessState.Expired, consent.State);
        Assert.Equal(TimeSpan.FromSeconds(40), now); // last response at 10 s + 30 s
        Assert.Equal(8, checks); // a check every 5 s up to 40 s
    }

    [Fact]
    public void Check_list_completes_or_fails()
    {
        var completed = new CheckListMachine();
        Assert.True(completed.Fire(CheckListEvent.Nominated, TimeSpan.Zero));
        Assert.Equal(CheckListState.Completed, completed.State);
        // RFC 8838 §8: not Failed while the peer may still trickle candidates.
        var remote = new RemoteCandidatesMachine();
        var failed = new CheckListMachine { RemoteCandidates = remote };
        Assert.False(failed.Fire(CheckListEvent.AllFailed, TimeSpan.Zero));
        Assert.Equal(CheckListState.Running, failed.State);
        Assert.True(remote.Fire(RemoteCandidatesEvent.EndOfCandidates, TimeSpan.Zero));
        Assert.True(failed.Fire(CheckListEvent.AllFailed, TimeSpan.Zero));
        Assert.Equal(CheckListState.Failed, failed.State);
        Assert.False(failed.Fire(CheckListEvent.Nominated, TimeSpan.Zero));
    }
}
