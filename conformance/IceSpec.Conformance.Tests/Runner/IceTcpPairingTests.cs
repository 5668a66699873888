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

    public static TheoryData<DriverSpec, DriverSpec> Pairing() => new()
    {
        { Both, Both }, { ActiveOnly, Both }, { Both, ActiveOnly }, { PassiveOnly, Both }, { Both, PassiveOnly },
        { ActiveOnly, PassiveOnly }, { PassiveOnly, ActiveOnly },
    };

    [Theory]
    [MemberData(nameof(Pairing))]
    public void A_side_with_active_candidates_and_a_side_with_passive_ones_can_pair(DriverSpec controlling, DriverSpec controlled) =>
        Assert.Null(IceTcpPairing.Missing(controlling, controlled));

    [Theory]
    [InlineData("active")]
    [InlineData("passive")]
    public void Two_sides_that_both_only_connect_out_or_both_only_accept_cannot_pair(string only)
    {
        var driver = only == "active" ? ActiveOnly : PassiveOnly;
        Assert.StartsWith($"{only} and {only} have no active-passive TCP pair (RFC 6544 §6.2)", IceTcpPairing.Missing(driver, driver));
    }

    [Fact]
    public void A_side_without_ice_tcp_is_named()
    {
        Assert.Equal("udp does not support ice-tcp", IceTcpPairing.Missing(Both, WithoutTcp));
        Assert.Equal("udp does not support ice-tcp", IceTcpPairing.Missing(WithoutTcp, ActiveOnly));
    }
}
