using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Runner;

namespace IceSpec.Conformance.Tests.Runner;

/// <summary>
/// The restart case (rfc8445-9-10) on made-up observations: a call that came back passes; a driver that answered
/// unsupported, kept its credentials, selected nothing or too late, or lost the datagrams fails it, naming the side; a
/// pair with a driver that declares no restart is not applicable.
/// </summary>
[Trait("Category", "unit")]
public sealed class RestartJudgementTests
{
    private static readonly TimeSpan S = TimeSpan.FromSeconds(1);
    private static readonly SelectedPair Relay = new("203.0.113.1:50000", "203.0.113.1:50002", "relay", "relay");

    private static IceRestartSide Side(string name, string? newCredentials = "new:newpassword", TimeSpan? selectedAfter = null, bool selected = true) =>
        new(name, "old:oldpassword", newCredentials, ["203.0.113.1:49152"], newCredentials is null ? null : ["203.0.113.1:50000"], true,
            selected ? Relay : null, selected ? selectedAfter ?? 0.6 * S : null, ["+0.0 s local-credentials new"]);

    private static IceRestartResult Seen(IceRestartSide? controlling = null, IceRestartSide? controlled = null, int toControlled = 3,
        int toControlling = 3, string? problem = null) =>
        new(controlling ?? Side("a"), controlled ?? Side("b"), RestartAfterFault.Bound, toControlled, toControlling, 3, problem);

    private static CaseResult Judge(IceRestartResult? seen, string? notApplicable = null) => RestartAfterFault.Judge(notApplicable, seen, S);

    [Fact]
    public void A_call_that_came_back_passes()
    {
        var passed = Judge(Seen());
        Assert.Equal(CaseOutcome.Passed, passed.Outcome);
        Assert.Equal("rfc8445-9-10", passed.Case.Id);
        Assert.Contains("relayed 203.0.113.1:50000 (before: 203.0.113.1:49152)", passed.Detail);
    }

    [Fact]
    public void Each_way_of_not_coming_back_fails_and_names_the_side()
    {
        var unsupported = Judge(Seen(controlled: Side("b", newCredentials: null, selected: false), problem: "b answered unsupported: restart"));
        Assert.Equal(CaseOutcome.Failed, unsupported.Outcome);
        Assert.Contains("b answered unsupported", unsupported.Detail);

        var kept = Judge(Seen(controlled: Side("b", newCredentials: "old:newpassword")));
        Assert.Equal(CaseOutcome.Failed, kept.Outcome);
        Assert.Contains("b (controlled) kept its ufrag", kept.Detail);

        var none = Judge(Seen(controlling: Side("a", selected: false)));
        Assert.Equal(CaseOutcome.Failed, none.Outcome);
        Assert.Contains("a (controlling) selected no new pair within 14 s", none.Detail);

        var late = Judge(Seen(controlled: Side("b", selectedAfter: 20 * S)));
        Assert.Equal(CaseOutcome.Failed, late.Outcome);
        Assert.Contains("b (controlled) selected a new pair only 20.0 s after", late.Detail);

        var lost = Judge(Seen(toControlling: 0));
        Assert.Equal(CaseOutcome.Failed, lost.Outcome);
        Assert.Contains("0/3 to the controlling agent", lost.Detail);

        Assert.Equal(CaseOutcome.Failed, Judge(null).Outcome);  // the call never connected
    }

    [Fact]
    public void A_pair_with_a_driver_that_cannot_restart_is_not_applicable()
    {
        DriverSpec Driver(string name, params string[] capabilities) => new(name, name, ["regular", "stun", .. capabilities]);
        Assert.Null(RestartAfterFault.NotApplicable(Driver("x", "restart"), Driver("y", "restart")));
        var reason = RestartAfterFault.NotApplicable(Driver("x", "restart"), Driver("aioice"));
        Assert.Equal("not applicable: aioice (controlled) declares no restart capability (conformance/ADAPTER.md), and an ICE restart needs both agents " +
                     "(RFC 8445 §9: the peer restarts on the new credentials)", reason);
        var judged = Judge(null, reason);
        Assert.Equal(CaseOutcome.Unsupported, judged.Outcome);
        Assert.StartsWith("not applicable: aioice", judged.Detail);
    }
}
