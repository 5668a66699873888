using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Runner;

namespace IceSpec.Conformance.Tests.Runner;

/// <summary>Which drivers an ICE-TCP cell runs for (RFC 6544 §6.2: an active candidate pairs with a passive one only).</summary>
[Trait("Category", "unit")]
public sealed class IceTcpPairingTests
{
    private static DriverSpec Driver(string name, params string[] capabilities) => new(name, name, ["regular", "stun", .. capabilities]);

    private static readonly DriverSpec Both = Driver("both", "ice-tcp");
    private static readonly DriverSpec ActiveOnly = Driver("active", "ice-tcp-active");
    private static readonly DriverSpec PassiveOnly = Driver("passive", "ice-tcp-passive");
    private static readonly DriverSpec WithoutTcp = Driver("udp");

    public static TheoryData<DriverSpec, DriverSpec> Running() => new()
    {
        { Both, Both }, { ActiveOnly, Both }, { Both, ActiveOnly }, { ActiveOnly, PassiveOnly }, { PassiveOnly, ActiveOnly },
    };

    [Theory]
    [MemberData(nameof(Running))]
    public void An_active_only_side_runs_against_a_side_that_accepts_and_two_full_sides_run(DriverSpec controlling, DriverSpec controlled) =>
        Assert.Null(IceTcpPairing.Missing(controlling, controlled));

    [Fact]
    public void Two_active_only_sides_have_no_pair() =>
        Assert.Equal("active and active have active TCP candidates only: no active-passive pair (RFC 6544 §6.2)", IceTcpPairing.Missing(ActiveOnly, ActiveOnly));

    public static TheoryData<DriverSpec, DriverSpec, string> NotRunning() => new()
    {
        { Both, WithoutTcp, "udp" }, { WithoutTcp, ActiveOnly, "udp" }, { PassiveOnly, PassiveOnly, "passive" },
        { PassiveOnly, Both, "passive" }, { Both, PassiveOnly, "passive" },
    };

    /// <summary>A side without ICE-TCP is named; so is a passive-only side against anything but an active-only one.</summary>
    [Theory]
    [MemberData(nameof(NotRunning))]
    public void Otherwise_the_side_without_the_capability_is_named(DriverSpec controlling, DriverSpec controlled, string named) =>
        Assert.Equal($"{named} does not support ice-tcp", IceTcpPairing.Missing(controlling, controlled));
}
