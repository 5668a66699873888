using IceSpec.Conformance.Adapter;
using Xunit.Abstractions;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>
/// ICE-TCP (RFC 6544) with pion/ice v2 on loopback, <c>transports: tcp</c>. pion has passive host candidates only
/// (through a TCPMux), ignores the peer's active ones and never connects out: the peer's active candidate must open the
/// connection to pion's passive one (RFC 6544 §6.2), and pion learns the peer's end from its first check as
/// peer-reflexive (RFC 8445 §7.3.1.3). Both selected pairs must name that one connection, and the datagrams must cross it
/// byte for byte both ways (<see cref="DriverIceTcpTests.AssertConnected"/>).
/// </summary>
[Trait("Category", "interop")]
public sealed class DriverPionIceTcpTests(ITestOutputHelper output)
{
    [Fact]
    public void Pion_declares_passive_ice_tcp_only()
    {
        var pion = DriverRegistry.Get("pion");
        Assert.True(pion.Supports("ice-tcp-passive"));
        Assert.False(pion.Supports("ice-tcp"));
    }

    /// <summary>pion controlled also with aggressive nomination (it accepts it); controlling it nominates regularly only.</summary>
    [Theory]
    [InlineData("icespec", "pion", "regular")]
    [InlineData("pion", "icespec", "regular")]
    [InlineData("icespec", "pion", "aggressive")]
    [InlineData("libnice", "pion", "regular")]
    [InlineData("pion", "libnice", "regular")]
    [InlineData("libnice", "pion", "aggressive")]
    public async Task Connects_over_tcp_only_to_the_passive_pion_candidate(string controlling, string controlled, string nomination)
    {
        var result = await RunAsync(controlling, controlled, new IcePairOptions(Nomination: nomination, Transports: "tcp"));
        DriverIceTcpTests.AssertConnected(result);
        var (pion, peer) = controlling == "pion" ? (result.ControllingPair!, result.ControlledPair!) : (result.ControlledPair!, result.ControllingPair!);
        Assert.Equal(("tcp", "tcp"), (pion.Transport, peer.Transport));
        Assert.Equal(("host", "passive", "prflx", "active"), (pion.LocalType, pion.LocalTcpType, pion.RemoteType, pion.RemoteTcpType));
        // (The peer's local type is not asserted: libnice names the end of a connection it opened peer-reflexive.)
        Assert.Equal(("active", "host", "passive"), (peer.LocalTcpType, peer.RemoteType, peer.RemoteTcpType));
        Assert.Equal(pion.Local, peer.Remote); // the connection goes to pion's listener…
        Assert.Equal(peer.Local, pion.Remote); // …from the port it really left from (not the signalled 9)
    }

    /// <summary>Two passive-only agents over TCP alone: neither opens a connection, so no check ever crosses (RFC 6544 §6.2).</summary>
    [Fact]
    public async Task Two_pion_agents_do_not_connect_over_tcp_alone()
    {
        var result = await RunAsync("pion", "pion", new IcePairOptions(Transports: "tcp", Timeout: TimeSpan.FromSeconds(5)));
        Assert.Equal(IcePairOutcome.Failed, result.Outcome);
        Assert.Null(result.ControllingPair);
        Assert.Null(result.ControlledPair);
    }

    /// <summary>Both transports offered: both sides select UDP (RFC 6544 §4.2: a TCP candidate's priority is below a UDP host's).</summary>
    [Theory]
    [InlineData("icespec", "pion")]
    [InlineData("pion", "icespec")]
    public async Task Selects_udp_when_udp_and_tcp_are_both_offered(string controlling, string controlled)
    {
        var result = await RunAsync(controlling, controlled, new IcePairOptions(Transports: "udp,tcp"));
        DriverIceTcpTests.AssertConnected(result);
        Assert.Equal(("udp", "udp"), (result.ControllingPair!.Transport, result.ControlledPair!.Transport));
    }

    private async Task<IcePairResult> RunAsync(string controlling, string controlled, IcePairOptions options)
    {
        var result = await IcePairRun.RunAsync(DriverRegistry.Get(controlling), DriverRegistry.Get(controlled), options, CancellationToken.None);
        output.WriteLine($"{controlling} -> {controlled} ({options.Nomination}, transports {options.Transports}): {result.Outcome}: {result.Detail}");
        output.WriteLine($"  controlling pair: {result.ControllingPair}\n  controlled pair:  {result.ControlledPair}");
        return result;
    }
}
