using IceSpec.Conformance.Runner;

namespace IceSpec.Conformance.Tests.Runner;

/// <summary>What <c>same-lan-mdns</c> requires of the signalled candidates (draft-ietf-mmusic-mdns-ice-candidates §3.1.1 step 6).</summary>
[Trait("Category", "unit")]
public sealed class MdnsScenarioTests
{
    private const string Named = "a=candidate:1 1 UDP 2130706431 1f0c6e36-4b5f-4b6f-9d77-3c9a2f1e8b10.local 40000 typ host";
    private const string Srflx = "a=candidate:2 1 UDP 1694498815 198.51.100.6 50000 typ srflx raddr 0.0.0.0 rport 9";

    [Fact]
    public void Host_candidates_under_names_on_both_sides_pass()
    {
        Assert.Equal("", MdnsScenario.Unconcealed(("controlling", [Named, Srflx]), ("controlled", [Named])));
    }

    [Fact]
    public void A_side_that_signals_its_host_address_or_no_host_candidate_is_named_with_it()
    {
        var problems = MdnsScenario.Unconcealed(("controlling", ["a=candidate:1 1 UDP 2130706431 10.1.0.2 40000 typ host", Srflx]), ("controlled", [Srflx]));
        Assert.Equal("controlling signalled host address 10.1.0.2; controlled signalled no host candidate", problems);
    }
}
