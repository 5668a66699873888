using System.Net;
using System.Net.Sockets;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Ice.Tests.Agent;

/// <summary>
/// Multihomed and dual-stack agents (RFC 8445 §5.1.2.1, RFC 8421 §4): the host candidates' local preferences interleave
/// the address families, IPv6 first, so that the check list alternates families; an agent of one family asks its TURN
/// server for a relayed address of the other family too (RFC 8656 §7.1, ADDITIONAL-ADDRESS-FAMILY). The expected local
/// preferences are written out by hand from RFC 8421's rule, not computed with the spec's formula.
/// </summary>
[Trait("Category", "unit")]
public sealed class AgentDualStackTests
{
    [Fact]
    public void Host_local_preferences_interleave_the_families_with_IPv6_first_whatever_the_order_of_declaration()
    {
        var agent = new IceAgent(AgentPair.Options(IceRole.Controlling));
        agent.AddStream(1);
        foreach (var socket in new[] { "192.0.2.1:5000", "[2001:db8:1::1]:5000", "192.0.2.3:5000", "[2001:db8:2::1]:5000", "[2001:db8:3::1]:5000" })
            agent.AddHostCandidate(0, 1, IPEndPoint.Parse(socket));

        var preferences = agent.LocalCandidates(0).ToDictionary(c => c.Address.Address.ToString(), c => (c.Priority >> 8) & 0xFFFF);
        Assert.Equal(65535u, preferences["2001:db8:1::1"]);
        Assert.Equal(65534u, preferences["192.0.2.1"]);
        Assert.Equal(65533u, preferences["2001:db8:2::1"]);
        Assert.Equal(65532u, preferences["192.0.2.3"]);
        Assert.Equal(65531u, preferences["2001:db8:3::1"]);
    }

    [Fact]
    public void Hosts_of_one_family_keep_65535_then_65534_in_the_order_declared()
    {
        var agent = new IceAgent(AgentPair.Options(IceRole.Controlling));
        agent.AddStream(1);
        agent.AddHostCandidate(0, 1, IPEndPoint.Parse("192.0.2.1:5000"));
        agent.AddHostCandidate(0, 1, IPEndPoint.Parse("192.0.2.3:5000"));

        // RFC 8445 §5.1.2.1: 2^24 * 126 + 2^8 * 65535 + (256 - 1) for the first, one local-preference step less for the second.
        Assert.Equal([2130706431u, 2130706175u], agent.LocalCandidates(0).Select(c => c.Priority));
    }

    [Fact]
    public void The_first_checks_alternate_families_starting_with_IPv6()
    {
        var pair = new AgentPair(AgentPair.Options(IceRole.Controlling), AgentPair.Options(IceRole.Controlled));
        foreach (var address in new[] { "192.0.2.1", "192.0.2.3", "2001:db8:a::1", "2001:db8:a::3" }) pair.A.AddSocket(address, 5000);
        foreach (var address in new[] { "2001:db8:b::2", "192.0.2.2", "2001:db8:b::4", "192.0.2.4" }) pair.B.AddSocket(address, 6000);
        pair.Network.Drop = (_, _, _) => true;   // nothing answers: no triggered check reorders A's ordinary checks
        pair.GatherAndExchange();
        pair.Network.RunUntil(() => false, TimeSpan.FromSeconds(1));

        var order = pair.A.EventsOf<IceCheckSent>().Where(c => !c.Triggered).Select(c => c.Pair).Distinct().Select(p => p.Local.Address.AddressFamily).ToList();
        Assert.Equal(8, order.Count);
        Assert.Equal(AddressFamily.InterNetworkV6, order[0]);
        Assert.Equal(AddressFamily.InterNetwork, order[1]);
        // Not every IPv6 pair before the first IPv4 one (RFC 8421 §4's point): IPv4's first check precedes IPv6's last.
        Assert.True(order.IndexOf(AddressFamily.InterNetwork) < order.LastIndexOf(AddressFamily.InterNetworkV6), string.Join(", ", order));
    }

    [Theory]
    [InlineData(IceNomination.Regular)]
    [InlineData(IceNomination.Aggressive)]
    public void Two_dual_stack_agents_select_the_IPv6_host_pair(IceNomination nomination)
    {
        var pair = new AgentPair(AgentPair.Options(IceRole.Controlling, nomination), AgentPair.Options(IceRole.Controlled, nomination));
        pair.A.AddSocket("192.0.2.1", 5000);
        pair.A.AddSocket("2001:db8:a::1", 5000);
        pair.B.AddSocket("192.0.2.2", 6000);
        pair.B.AddSocket("2001:db8:b::2", 6000);
        pair.GatherAndExchange();

        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(5)));
        Assert.Equal(IPEndPoint.Parse("[2001:db8:b::2]:6000"), pair.A.Agent.SelectedPair(0)!.Remote.Address);
        Assert.Equal(IPEndPoint.Parse("[2001:db8:a::1]:5000"), pair.B.Agent.SelectedPair(0)!.Remote.Address);
    }

    [Theory]
    [InlineData(new[] { "192.0.2.1" }, "192.0.2.1", true, false)]
    [InlineData(new[] { "2001:db8::1" }, "2001:db8::1", true, false)]
    [InlineData(new[] { "192.0.2.1", "2001:db8::1" }, "192.0.2.1", false, false)]
    [InlineData(new[] { "192.0.2.1", "2001:db8::1" }, "2001:db8::1", false, true)]
    public void An_agent_of_one_family_asks_its_TURN_server_for_the_other_family_too(string[] hosts, string host, bool additionalIPv6, bool requestedIPv6)
    {
        var v4Server = IPEndPoint.Parse("198.51.100.9:3478");
        var v6Server = IPEndPoint.Parse("[2001:db8:ffff::9]:3478");
        var agent = new IceAgent(AgentPair.Options(IceRole.Controlling) with
        {
            TurnServers = [new IceTurnServer(v4Server, "user", "pass"), new IceTurnServer(v6Server, "user", "pass")],
        });
        agent.AddStream(1);
        foreach (var address in hosts) agent.AddHostCandidate(0, 1, new IPEndPoint(IPAddress.Parse(address), 5000));
        agent.StartGathering(TimeSpan.Zero);

        var socket = new IPEndPoint(IPAddress.Parse(host), 5000);
        var allocate = Drain(agent).Single(t => t.Source.Equals(socket));
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(allocate.Data.Span, out var request));
        Assert.Equal(TurnMethods.Allocate, request.Method);
        Assert.Equal(additionalIPv6, request.TryGetAdditionalAddressFamily(out var additional) && additional.Family == StunAddress.FamilyIPv6);
        Assert.Equal(requestedIPv6, request.TryGetRequestedAddressFamily(out var requested) && requested.Family == StunAddress.FamilyIPv6);
    }

    private static List<IceTransmit> Drain(IceAgent agent)
    {
        var transmits = new List<IceTransmit>();
        while (agent.TryPollTransmit(out var transmit)) transmits.Add(transmit with { Data = transmit.Data.ToArray() });
        return transmits;
    }
}
