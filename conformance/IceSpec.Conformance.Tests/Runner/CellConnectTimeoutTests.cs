using IceSpec.Conformance.Runner;
using IceSpec.Conformance.Scenarios;

namespace IceSpec.Conformance.Tests.Runner;

/// <summary>
/// How long an ICE cell may take to connect. The lossy scenarios whose predictions reckon with a whole 7-request STUN
/// transaction (0.51^7 for lossy-30) give a cell that long: RFC 8489 §6.2.1, "If the client has not received a response
/// after 39500 ms, the client will consider the transaction to have timed out". A run's --timeout still wins.
/// </summary>
[Trait("Category", "unit")]
public sealed class CellConnectTimeoutTests
{
    /// <summary>RFC 8489 §6.2.1's own example, RTO 500 ms, Rc 7, Rm 16.</summary>
    private static readonly TimeSpan WholeTransaction = TimeSpan.FromMilliseconds(39500);

    private static RunSelection Selection(TimeSpan? timeout) =>
        new(["icespec"], ["lossy-30"], ["default"], [], false, null, Path.GetTempPath(), CellTimeout: timeout);

    private static Scenario Named(string name) => Assert.Single(ScenarioCatalog.All, s => s.Name == name);

    [Theory]
    [InlineData("lossy-20")]
    [InlineData("lossy-30")]
    public void A_lossy_cell_may_take_a_whole_unanswered_transaction_after_its_first_checks(string name)
    {
        var timeout = IceCellRunner.ConnectTimeout(Selection(null), Named(name));

        Assert.True(timeout >= WholeTransaction + TimeSpan.FromSeconds(5), $"{name}: {timeout}");
        Assert.True(timeout <= TimeSpan.FromMinutes(1), $"{name}: {timeout} (a failing cell waits it out)");
    }

    [Fact]
    public void Other_cells_keep_20_s_and_a_given_timeout_wins()
    {
        Assert.Equal(TimeSpan.FromSeconds(20), IceCellRunner.ConnectTimeout(Selection(null), Named("no-nat")));
        Assert.Equal(TimeSpan.FromSeconds(20), IceCellRunner.ConnectTimeout(Selection(null), Named("lossy-10")));
        Assert.Equal(TimeSpan.FromSeconds(7), IceCellRunner.ConnectTimeout(Selection(TimeSpan.FromSeconds(7)), Named("lossy-30")));
    }
}
