using IceSpec.Conformance.Adapter;
using Xunit.Abstractions;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>
/// Every ordered pair of bundled drivers connects over loopback with host candidates (RFC 8445), each checked from both
/// ends: the selected pairs mirror each other and the datagrams arrive byte for byte. One class, so pairs run in sequence.
/// </summary>
[Trait("Category", "interop")]
public sealed class DriverPairTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> AllOrderedPairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var a in BundledDriverNames.All)
        foreach (var b in BundledDriverNames.All)
            data.Add(a, b);
        return data;
    }

    /// <summary>libnice and icespec with themselves and with each other driver, in both roles where the controlling side nominates aggressively.</summary>
    public static TheoryData<string, string> AggressivePairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var nominator in new[] { "libnice", "icespec" })
            foreach (var other in BundledDriverNames.All)
            {
                if (nominator == "icespec" && other == "libnice") continue; // listed in the libnice round
                data.Add(nominator, other);
                if (other != nominator && DriverRegistry.Get(other).Supports("aggressive")) data.Add(other, nominator);
            }
        return data;
    }

    /// <summary>Regular nomination where the controlling driver has it; aioice's is unreliable (drivers/aioice/README.md), so it nominates aggressively.</summary>
    [Theory]
    [MemberData(nameof(AllOrderedPairs))]
    public async Task Connects_on_loopback_with_regular_nomination_where_the_controlling_driver_has_it(string controlling, string controlled)
        => AssertConnected(await RunAsync(controlling, controlled, new IcePairOptions(Nomination: RegularWhereSupported(controlling))));

    [Theory]
    [MemberData(nameof(AggressivePairs))]
    public async Task Connects_on_loopback_with_aggressive_nomination(string controlling, string controlled) =>
        AssertConnected(await RunAsync(controlling, controlled, new IcePairOptions(Nomination: "aggressive")));

    [Theory]
    [InlineData("libnice", "aioice")]
    [InlineData("aioice", "werift")]
    [InlineData("pion", "libnice")]
    [InlineData("werift", "pion")]
    public async Task Connects_on_loopback_with_trickled_candidates(string controlling, string controlled) =>
        AssertConnected(await RunAsync(controlling, controlled, new IcePairOptions(Nomination: RegularWhereSupported(controlling), Trickle: true)));

    [Fact]
    public async Task A_driver_that_cannot_nominate_aggressively_reports_unsupported()
    {
        var result = await RunAsync("pion", "libnice", new IcePairOptions(Nomination: "aggressive"));
        Assert.Equal(IcePairOutcome.Unsupported, result.Outcome);
        Assert.Contains("unsupported", result.Detail);
    }

    private static string RegularWhereSupported(string controlling) =>
        DriverRegistry.Get(controlling).Supports("regular") ? "regular" : "aggressive";

    private async Task<IcePairResult> RunAsync(string controlling, string controlled, IcePairOptions options)
    {
        var result = await IcePairRun.RunAsync(DriverRegistry.Get(controlling), DriverRegistry.Get(controlled), options, CancellationToken.None);
        output.WriteLine($"{controlling} -> {controlled} ({options.Nomination}{(options.Trickle ? ", trickle" : "")}): {result.Outcome}: {result.Detail}");
        output.WriteLine($"TIME {controlling}->{controlled} {options.Nomination}{(options.Trickle ? "+trickle" : "")} {result.TimeToConnected.TotalMilliseconds:0.0} ms");
        return result;
    }

    /// <summary>
    /// A check may arrive before the candidate it comes from — trickled, or simply because the kit hands the two
    /// descriptions over one after the other and the first agent starts checking at once — so the peer learns it as
    /// peer-reflexive (RFC 8445 §7.3.1.3) and may keep that type (pion does): the address must still be the peer's host
    /// address, so the pair is the host pair.
    /// </summary>
    private static void AssertConnected(IcePairResult result)
    {
        Assert.True(result.Outcome == IcePairOutcome.Connected,
            $"{result.Outcome}: {result.Detail}\n--- controlling log ---\n{Tail(result.ControllingLog)}\n--- controlled log ---\n{Tail(result.ControlledLog)}");
        var controlling = result.ControllingPair!;
        var controlled = result.ControlledPair!;
        string[] remoteTypes = ["host", "prflx"];
        Assert.Equal("host", controlling.LocalType);
        Assert.Equal("host", controlled.LocalType);
        Assert.Contains(controlling.RemoteType, remoteTypes);
        Assert.Contains(controlled.RemoteType, remoteTypes);
        Assert.StartsWith("127.0.0.1:", controlling.Local);
        Assert.StartsWith("127.0.0.1:", controlled.Local);
        Assert.Equal(controlling.Local, controlled.Remote);
        Assert.Equal(controlled.Local, controlling.Remote);
        // Each side said so too: checking first, then connected or completed (conformance/ADAPTER.md "state").
        foreach (var states in new[] { result.ControllingStates, result.ControlledStates })
        {
            Assert.Equal("checking", states.FirstOrDefault());
            Assert.Contains(states, s => s is "connected" or "completed");
            Assert.DoesNotContain("failed", states);
        }
        Assert.Equal(3, result.DatagramsControllingToControlled);
        Assert.Equal(3, result.DatagramsControlledToControlling);
        Assert.InRange(result.TimeToConnected, TimeSpan.Zero, TimeSpan.FromSeconds(20));
    }

    private static string Tail(string log) => string.Join('\n', log.Split('\n').TakeLast(40));
}
