using IceSpec.Conformance.Adapter;
using Xunit.Abstractions;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>
/// The browser against IceSpec in both roles (ICE only: the browser sends data over a DTLS data channel, which IceSpec
/// does not offer) and against itself (data both ways over the data channel), on this machine's address
/// (<see cref="ChromiumHost"/>). One collection with <see cref="ChromiumRestartTests"/>, so the browsers run one pair at a time.
/// </summary>
[Trait("Category", "interop")]
[Collection("browser pairs")]
public sealed class ChromiumPairTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("chromium", "icespec", false)]
    [InlineData("icespec", "chromium", false)]
    [InlineData("chromium", "icespec", true)]
    public async Task The_browser_and_IceSpec_select_the_same_host_pair_and_the_call_is_judged_on_ICE_alone(string controlling, string controlled, bool trickle)
    {
        var result = await RunAsync(controlling, controlled, trickle);

        AssertSamePair(result);
        Assert.Contains("ICE only: chromium sends data only over a DTLS data channel, which icespec does not offer", result.Detail);
        Assert.NotNull(result.DataNotExchanged);
        Assert.Equal(0, result.DatagramsControllingToControlled + result.DatagramsControlledToControlling);
        var browserStates = controlling == "chromium" ? result.ControllingStates : result.ControlledStates;
        Assert.Equal("checking", browserStates[0]);
        Assert.Contains(browserStates, s => s is "connected" or "completed");
    }

    [Fact]
    public async Task Two_browsers_connect_and_send_datagrams_both_ways_over_the_data_channel()
    {
        var result = await RunAsync("chromium", "chromium", trickle: false);

        AssertSamePair(result);
        Assert.Null(result.DataNotExchanged);
        Assert.Equal(3, result.DatagramsControllingToControlled);
        Assert.Equal(3, result.DatagramsControlledToControlling);
    }

    private async Task<IcePairResult> RunAsync(string controlling, string controlled, bool trickle)
    {
        var address = ChromiumHost.Address();
        var options = new IcePairOptions(ControllingAddresses: [address], ControlledAddresses: [address], Trickle: trickle);
        var result = await IcePairRun.RunAsync(DriverRegistry.Get(controlling), DriverRegistry.Get(controlled), options, CancellationToken.None);
        output.WriteLine($"{controlling} -> {controlled}{(trickle ? " (trickle)" : "")}: {result.Outcome}: {result.Detail}");
        output.WriteLine($"TIME {controlling}->{controlled} {result.TimeToConnected.TotalMilliseconds:0.0} ms");
        if (result.Outcome != IcePairOutcome.Connected) output.WriteLine($"controlling log:\n{result.ControllingLog}\ncontrolled log:\n{result.ControlledLog}");
        return result;
    }

    /// <summary>
    /// Each side's selected pair is the other's mirrored: the same two transport addresses (RFC 8445 §8.1.1), host ones.
    /// A peer's check may come before its candidate, so the browser may know it as peer-reflexive (RFC 8445 §7.3.1.3),
    /// and then hides its address (drivers/chromium/README.md): only the port can be compared there.
    /// </summary>
    private static void AssertSamePair(IcePairResult result)
    {
        Assert.Equal(IcePairOutcome.Connected, result.Outcome);
        var (a, b) = (result.ControllingPair!, result.ControlledPair!);
        AssertSameAddress(a.Local, b.Remote, b.RemoteType);
        AssertSameAddress(b.Local, a.Remote, a.RemoteType);
        Assert.Equal("host", a.LocalType);
        Assert.Equal("host", b.LocalType);
        Assert.Contains(a.RemoteType, new[] { "host", "prflx" });
        Assert.Contains(b.RemoteType, new[] { "host", "prflx" });
    }

    private static void AssertSameAddress(string actual, string seenByPeer, string peerRemoteType)
    {
        if (!seenByPeer.StartsWith(Hidden, StringComparison.Ordinal))
        {
            Assert.Equal(actual, seenByPeer);
            return;
        }
        Assert.Equal("prflx", peerRemoteType);
        Assert.Equal(actual[(actual.LastIndexOf(':') + 1)..], seenByPeer[Hidden.Length..]);
    }

    private const string Hidden = "redacted-ip.invalid:";
}
