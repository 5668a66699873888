using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Scenarios;

namespace IceSpec.Conformance.Tests.Runner;

/// <summary>The path of a selected pair, from what both agents report (pairs as libnice, aioice, werift and pion reported them in the lab).</summary>
[Trait("Category", "unit")]
public sealed class PairClassificationTests
{
    private static readonly System.Net.IPAddress[] ControllingHost = [System.Net.IPAddress.Parse("10.1.1.2")];
    private static readonly System.Net.IPAddress[] ControlledHost = [System.Net.IPAddress.Parse("10.2.1.2")];

    [Fact]
    public void Dual_stack_hosts_talking_over_their_IPv6_addresses_are_a_host_pair_of_the_IPv6_family()
    {
        System.Net.IPAddress[] controllingHost = [System.Net.IPAddress.Parse("10.1.1.2"), System.Net.IPAddress.Parse("2001:db8:1:1::2")];
        System.Net.IPAddress[] controlledHost = [System.Net.IPAddress.Parse("10.2.1.2"), System.Net.IPAddress.Parse("2001:db8:2:1::2")];
        var controlling = new SelectedPair("[2001:db8:1:1::2]:40000", "[2001:db8:2:1::2]:41000", "host", "host");
        var controlled = new SelectedPair("[2001:db8:2:1::2]:41000", "[2001:db8:1:1::2]:40000", "host", "host");

        Assert.Equal(PairKind.Host, Scenario.Classify(controlling, controlled, controllingHost, controlledHost));
        Assert.Equal(System.Net.Sockets.AddressFamily.InterNetworkV6, Scenario.FamilyOf(controlling));
    }

    [Fact]
    public void A_remote_address_the_browser_hides_matches_the_peers_local_end_of_the_same_port_only()
    {
        // same-lan-mdns chromium > icespec: the browser hides the address it resolved from IceSpec's mDNS name.
        var controlling = new SelectedPair("10.1.1.2:36851", "redacted-ip.invalid:48078", "host", "host");
        var controlled = new SelectedPair("10.2.1.2:48078", "10.1.1.2:36851", "host", "host");
        var elsewhere = new SelectedPair("10.2.1.2:48079", "10.1.1.2:36851", "host", "host");

        Assert.Equal(PairKind.Host, Scenario.Classify(controlling, controlled, ControllingHost, ControlledHost));
        Assert.Equal(PairKind.Reflexive, Scenario.Classify(controlling, elsewhere, ControllingHost, ControlledHost));
    }

    [Fact]
    public void A_hidden_peer_reflexive_remote_of_the_same_port_is_not_taken_for_the_peers_host_address()
    {
        // one-nat pion > chromium (run of 2026-12-07): the NAT kept pion's port; the browser learnt the mapping as prflx and hides it.
        var controlling = new SelectedPair("10.1.1.2:60798", "10.2.1.2:44434", "host", "host");
        var controlled = new SelectedPair("10.2.1.2:44434", "redacted-ip.invalid:60798", "host", "prflx");

        Assert.Equal(PairKind.Reflexive, Scenario.Classify(controlling, controlled, ControllingHost, ControlledHost));
    }

    [Fact]
    public void A_local_server_reflexive_address_is_reflexive_even_when_both_agents_agree_on_it()
    {
        // libnice behind a NAT reports its server-reflexive candidate as the local side; its peer sees that address.
        var controlling = new SelectedPair("198.51.100.6:38169", "10.2.1.2:39461", "srflx", "host");
        var controlled = new SelectedPair("10.2.1.2:39461", "198.51.100.6:38169", "host", "srflx");

        Assert.Equal(PairKind.Reflexive, Scenario.Classify(controlling, controlled, ControllingHost, ControlledHost));
    }

    [Fact]
    public void Matching_host_addresses_are_host_even_when_one_side_labels_the_candidate_srflx()
    {
        // werift kept a srflx candidate equal to its host candidate (no NAT); aioice selected that one.
        var controlling = new SelectedPair("10.1.1.2:55950", "10.2.1.2:46046", "host", "srflx");
        var controlled = new SelectedPair("10.2.1.2:46046", "10.1.1.2:55950", "host", "host");

        Assert.Equal(PairKind.Host, Scenario.Classify(controlling, controlled, ControllingHost, ControlledHost));
    }

    [Fact]
    public void A_translated_address_is_reflexive()
    {
        var controlling = new SelectedPair("10.1.1.2:40000", "198.51.100.10:41000", "host", "srflx");
        var controlled = new SelectedPair("10.2.1.2:41000", "198.51.100.6:40000", "host", "prflx");

        Assert.Equal(PairKind.Reflexive, Scenario.Classify(controlling, controlled, ControllingHost, ControlledHost));
    }

    [Fact]
    public void Agents_disagreeing_on_the_five_tuple_are_not_host()
    {
        // aioice (aggressive) nominated pion's second socket; pion selected its host socket.
        var controlling = new SelectedPair("10.1.1.2:48072", "10.1.2.2:43958", "host", "prflx");
        var controlled = new SelectedPair("10.1.2.2:37467", "10.1.1.2:48072", "host", "host");

        Assert.Equal(PairKind.Reflexive, Scenario.Classify(controlling, controlled, ControllingHost, ControlledHost));
    }

    [Fact]
    public void Any_relayed_candidate_is_relay()
    {
        var controlling = new SelectedPair("203.0.113.1:50417", "203.0.113.1:56359", "relay", "relay");
        var controlled = new SelectedPair("198.51.100.10:41000", "203.0.113.1:50417", "srflx", "relay");

        Assert.Equal(PairKind.Relay, Scenario.Classify(controlling, controlled, ControllingHost, ControlledHost));
    }
}
