using System.Text.Json.Nodes;
using IceSpec.Conformance.Adapter;
using IceSpec.Ice.Sdp;
using Xunit.Abstractions;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>
/// ICE-TCP (RFC 6544) with the browser, on this machine's address (<see cref="ChromiumHost"/>). Chromium's TCP candidates
/// are active ones only (port 9, RFC 6544 §4.5; it never listens: drivers/chromium/README.md), so it connects to a passive
/// candidate of the peer (§6.2) and two browsers have no TCP pair at all. One class, so the browsers run one pair at a time.
/// </summary>
[Trait("Category", "interop")]
public sealed class ChromiumIceTcpTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Step = ChromiumDriverTests.Step;

    [Fact]
    public void The_browser_declares_active_ice_tcp_only()
    {
        var chromium = DriverRegistry.Get("chromium");
        Assert.True(chromium.Supports("ice-tcp-active"));
        Assert.False(chromium.Supports("ice-tcp-passive"));
    }

    /// <summary>
    /// <c>transports: tcp</c>: the browser offers only TCP host candidates of tcptype active at port 9, and its active
    /// candidate opens the one connection to IceSpec's passive listener, in both ICE roles: each side's selected pair names
    /// that connection with the right tcptypes (the browser's end is host/active, IceSpec's passive).
    /// </summary>
    [Theory]
    [InlineData("chromium", "icespec")]
    [InlineData("icespec", "chromium")]
    public async Task The_browser_connects_from_its_active_candidate_to_the_passive_IceSpec_candidate_over_tcp_only(string controlling, string controlled)
    {
        var result = await RunAsync(controlling, controlled, "tcp");

        AssertConnected(result);
        var browserIsControlling = controlling == "chromium";
        var (browser, icespec) = browserIsControlling ? (result.ControllingPair!, result.ControlledPair!) : (result.ControlledPair!, result.ControllingPair!);
        AssertActiveTcpAtPort9((browserIsControlling ? result.ControllingCandidates : result.ControlledCandidates).Select(Parse));
        Assert.Equal(("tcp", "tcp"), (browser.Transport, icespec.Transport));
        Assert.Equal(("active", "host", "passive"), (browser.LocalTcpType, browser.RemoteType, browser.RemoteTcpType));
        // libwebrtc names its end of the connection by the port it really left from, learnt from the XOR-MAPPED-ADDRESS
        // of the answer (RFC 8445 §7.2.5.3.1): a local peer-reflexive candidate beside the signalled host one at port 9.
        Assert.Contains(browser.LocalType, new[] { "host", "prflx" });
        Assert.NotEqual("9", browser.Local[(browser.Local.LastIndexOf(':') + 1)..]);
        Assert.Equal(("host", "passive", "active"), (icespec.LocalType, icespec.LocalTcpType, icespec.RemoteTcpType));
        // IceSpec learns the browser's end from its first check: peer-reflexive unless matched to the signalled candidate.
        Assert.Contains(icespec.RemoteType, new[] { "host", "prflx" });
        Assert.Equal(icespec.Local, browser.Remote); // the connection goes to IceSpec's listener…
        Assert.Equal(browser.Local, icespec.Remote); // …from the port it really left from (not the signalled 9)
    }

    /// <summary>
    /// Gathering alone (no peer): with <c>transports: tcp</c> the browser offers its TCP host candidates on the configured
    /// address only, all of tcptype active at port 9 (RFC 6544 §4.5); with <c>udp,tcp</c> its UDP host candidate too.
    /// </summary>
    [Theory]
    [InlineData("tcp")]
    [InlineData("udp,tcp")]
    public async Task Offers_active_tcp_candidates_at_port_9_and_udp_only_when_configured(string transports)
    {
        var address = ChromiumHost.Address();
        await using var driver = await ChromiumDriverTests.StartAsync();
        await driver.SendAsync(ChromiumDriverTests.Configure("controlling", new JsonArray(address), ("transports", transports)));
        await driver.SendAsync(new JsonObject { ["command"] = "gather" });
        var description = await driver.WaitForEventAsync("local-description", Step);
        output.WriteLine(description.ToJsonString());

        var candidates = ((JsonArray)description["candidates"]!).Select(c => Parse((string)c!)).ToList();
        Assert.All(candidates, c => Assert.Equal(address, c.Address.Text));
        Assert.Equal(transports.Split(',').Order(), candidates.Select(c => c.Transport.ToString().ToLowerInvariant()).Distinct().Order());
        AssertActiveTcpAtPort9(candidates.Where(c => c.Transport == IceTransport.Tcp));
        await driver.SendAsync(new JsonObject { ["command"] = "close" });
        await driver.WaitForEventAsync("closed", Step);
    }

    /// <summary>
    /// <c>transports: udp,tcp</c> with both paths open: both sides select UDP (RFC 6544 §4.2: a TCP host candidate's
    /// priority is below a UDP one's). (libwebrtc stops gathering once a pair is writable, so its TCP phase, ~100 ms after
    /// the UDP one, may not come at all: what the browser offered beside UDP is not asserted here.)
    /// </summary>
    [Fact]
    public async Task With_udp_and_tcp_both_sides_select_udp()
    {
        var result = await RunAsync("chromium", "icespec", "udp,tcp");

        AssertConnected(result);
        Assert.Equal(("udp", "udp"), (result.ControllingPair!.Transport, result.ControlledPair!.Transport));
    }

    /// <summary>Two browsers over TCP alone: both have active candidates only, so nothing pairs (RFC 6544 §6.2) and no check crosses.</summary>
    [Fact]
    public async Task Two_browsers_do_not_connect_over_tcp_alone()
    {
        var result = await RunAsync("chromium", "chromium", "tcp", TimeSpan.FromSeconds(6));

        Assert.Equal(IcePairOutcome.Failed, result.Outcome);
        AssertActiveTcpAtPort9(result.ControllingCandidates.Select(Parse));
        AssertActiveTcpAtPort9(result.ControlledCandidates.Select(Parse));
        Assert.Null(result.ControllingPair);
        Assert.Null(result.ControlledPair);
    }

    private async Task<IcePairResult> RunAsync(string controlling, string controlled, string transports, TimeSpan? timeout = null)
    {
        var address = ChromiumHost.Address();
        var options = new IcePairOptions(ControllingAddresses: [address], ControlledAddresses: [address], Transports: transports, Timeout: timeout);
        var result = await IcePairRun.RunAsync(DriverRegistry.Get(controlling), DriverRegistry.Get(controlled), options, CancellationToken.None);
        output.WriteLine($"{controlling} -> {controlled} (transports {transports}): {result.Outcome}: {result.Detail}");
        output.WriteLine($"  controlling pair: {result.ControllingPair}\n  controlled pair:  {result.ControlledPair}");
        output.WriteLine($"  controlling candidates: {string.Join(" | ", result.ControllingCandidates)}\n  controlled candidates: {string.Join(" | ", result.ControlledCandidates)}");
        return result;
    }

    /// <summary>
    /// Both sides selected a pair (ICE only: the browser sends data over a DTLS data channel, which IceSpec does not offer)
    /// and neither failed. (The browser's <c>connected</c> state may come after the kit closed it: the selected pair is
    /// polled from getStats, the state is an event of its own.)
    /// </summary>
    private static void AssertConnected(IcePairResult result)
    {
        Assert.True(result.Outcome == IcePairOutcome.Connected, $"{result.Outcome}: {result.Detail}\n--- controlling log ---\n{result.ControllingLog}\n--- controlled log ---\n{result.ControlledLog}");
        Assert.DoesNotContain("failed", result.ControllingStates);
        Assert.DoesNotContain("failed", result.ControlledStates);
    }

    /// <summary>At least one candidate, and every one a TCP host candidate of tcptype active at the discard port 9 (RFC 6544 §4.5).</summary>
    private static void AssertActiveTcpAtPort9(IEnumerable<IceCandidate> candidates)
    {
        Assert.NotEmpty(candidates);
        foreach (var candidate in candidates)
            Assert.Equal((IceTransport.Tcp, IceTcpType.Active, 9, IceCandidateType.Host), (candidate.Transport, candidate.TcpType, candidate.Port, candidate.Type));
    }

    private static IceCandidate Parse(string line) =>
        IceCandidate.TryParse(line, out var candidate, out var error) ? candidate! : throw new FormatException($"{line}: {error}");
}
