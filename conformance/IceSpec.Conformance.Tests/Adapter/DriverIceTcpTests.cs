using IceSpec.Conformance.Adapter;
using Xunit.Abstractions;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>
/// ICE-TCP (RFC 6544) between IceSpec and libnice 0.1.21 on loopback with <c>transports: tcp</c>: host TCP candidates
/// only, in both roles; each side's selected pair must be a TCP pair whose local ends are one active and one passive host
/// candidate of the same connection (libnice may name its active end peer-reflexive), and the datagrams must cross it
/// byte for byte both ways.
/// </summary>
[Trait("Category", "interop")]
public sealed class DriverIceTcpTests(ITestOutputHelper output)
{
    /// <summary>
    /// Every candidate offered, so each side may open a connection to the other: regular nomination settles on one.
    /// (Aggressive nomination nominates every pair checked, and each side then selects its own highest-priority pair:
    /// with two connections those may differ, so the aggressive runs below fix a single connection.)
    /// </summary>
    [Theory]
    [InlineData("icespec", "libnice")]
    [InlineData("libnice", "icespec")]
    [InlineData("icespec", "icespec")]
    public async Task Connects_over_tcp_only_with_an_active_and_a_passive_host_candidate(string controlling, string controlled)
    {
        var result = await RunAsync(controlling, controlled, new IcePairOptions(Transports: "tcp"));
        AssertConnected(result);
        var (a, b) = (result.ControllingPair!, result.ControlledPair!);
        Assert.Equal(("tcp", "tcp"), (a.Transport, b.Transport));
        // The remote end of the passive side is the active side's connection, learned from its check: peer-reflexive
        // (RFC 6544 §7.2, RFC 8445 §7.3.1.3) unless the implementation matched it to the signalled active candidate.
        string[] remoteTypes = ["host", "prflx"];
        Assert.Contains(a.RemoteType, remoteTypes);
        Assert.Contains(b.RemoteType, remoteTypes);
        Assert.Equal(new[] { "active", "passive" }, new[] { a.LocalTcpType, b.LocalTcpType }.Order());
        Assert.Equal(a.LocalTcpType, b.RemoteTcpType);
        Assert.Equal(b.LocalTcpType, a.RemoteTcpType);
        var passive = a.LocalTcpType == "passive" ? a : b;
        var active = passive == a ? b : a;
        Assert.Equal(passive.Local, active.Remote); // the connection goes to the passive candidate's listener…
        Assert.Equal(active.Local, passive.Remote); // …from the port it really left from (not the signalled 9)
        // Local ends are host candidates, except that libnice may name its own active end peer-reflexive, by the port the
        // connection left from (as in the fixed-role runs below; seen when libnice's connection won, in a loaded CI run).
        Assert.Equal("host", passive.LocalType);
        var activeImplementation = active == a ? controlling : controlled;
        Assert.Contains(active.LocalType, activeImplementation == "libnice" ? ["host", "prflx"] : new[] { "host" });
    }

    /// <summary>
    /// The kit forwards only the passive candidate of one side and only the active one of the other, so each
    /// implementation also takes the other connection role: IceSpec accepts libnice's connection (RFC 6544 §7.2) and
    /// learns libnice's end as peer-reflexive, in both ICE roles. (libnice names its own active end by the port the
    /// connection left from, as a peer-reflexive local candidate: the active side's local type is not asserted.)
    /// </summary>
    public static TheoryData<string, string, string, string, string> FixedConnectionRoles()
    {
        var data = new TheoryData<string, string, string, string, string>();
        foreach (var nomination in new[] { "regular", "aggressive" })
        foreach (var (controlling, controlled) in new[] { ("icespec", "libnice"), ("libnice", "icespec") })
        foreach (var (controllingOffers, controlledOffers) in new[] { ("active", "passive"), ("passive", "active") })
            data.Add(controlling, controlled, controllingOffers, controlledOffers, nomination);
        return data;
    }

    [Theory]
    [MemberData(nameof(FixedConnectionRoles))]
    public async Task Connects_over_tcp_with_the_connection_roles_fixed_by_the_offered_candidates(string controlling, string controlled,
        string controllingOffers, string controlledOffers, string nomination)
    {
        var result = await RunAsync(controlling, controlled, new IcePairOptions(Nomination: nomination, Transports: "tcp",
            ControllingOffersTcpType: controllingOffers, ControlledOffersTcpType: controlledOffers));
        AssertConnected(result);
        Assert.Equal((controllingOffers, controlledOffers), (result.ControllingPair!.LocalTcpType, result.ControlledPair!.LocalTcpType));
        var (active, passive) = controllingOffers == "active" ? (result.ControllingPair, result.ControlledPair!) : (result.ControlledPair!, result.ControllingPair);
        Assert.Equal(("host", "prflx"), (passive.LocalType, passive.RemoteType));
        Assert.Equal(passive.Local, active.Remote);
        Assert.Equal(active.Local, passive.Remote);
    }

    /// <summary>Both transports offered: both sides select UDP (RFC 6544 §4.2: a TCP candidate's priority is below a UDP host's here).</summary>
    [Theory]
    [InlineData("icespec", "libnice")]
    [InlineData("libnice", "icespec")]
    public async Task Selects_udp_when_udp_and_tcp_are_both_offered(string controlling, string controlled)
    {
        var result = await RunAsync(controlling, controlled, new IcePairOptions(Transports: "udp,tcp"));
        AssertConnected(result);
        Assert.Equal(("udp", "udp"), (result.ControllingPair!.Transport, result.ControlledPair!.Transport));
    }

    [Theory]
    [InlineData("aioice")]
    [InlineData("werift")]
    public async Task A_driver_without_ice_tcp_reports_unsupported(string name)
    {
        Assert.False(DriverRegistry.Get(name).Supports("ice-tcp"));
        var result = await RunAsync(name, "icespec", new IcePairOptions(Nomination: "aggressive", Transports: "tcp"));
        Assert.Equal(IcePairOutcome.Unsupported, result.Outcome);
    }

    private async Task<IcePairResult> RunAsync(string controlling, string controlled, IcePairOptions options)
    {
        var result = await IcePairRun.RunAsync(DriverRegistry.Get(controlling), DriverRegistry.Get(controlled), options, CancellationToken.None);
        output.WriteLine($"{controlling} -> {controlled} ({options.Nomination}, transports {options.Transports}): {result.Outcome}: {result.Detail}");
        return result;
    }

    internal static void AssertConnected(IcePairResult result)
    {
        Assert.True(result.Outcome == IcePairOutcome.Connected,
            $"{result.Outcome}: {result.Detail}\n--- controlling log ---\n{Tail(result.ControllingLog)}\n--- controlled log ---\n{Tail(result.ControlledLog)}");
        foreach (var states in new[] { result.ControllingStates, result.ControlledStates })
        {
            Assert.Contains(states, s => s is "connected" or "completed");
            Assert.DoesNotContain("failed", states);
        }
        Assert.Equal(3, result.DatagramsControllingToControlled);
        Assert.Equal(3, result.DatagramsControlledToControlling);
    }

    private static string Tail(string log) => string.Join('\n', log.Split('\n').TakeLast(40));
}
