using System.Text;
using System.Text.Json.Nodes;
using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Runner;
using Xunit.Abstractions;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>
/// ICE restarts with the browser (drivers/chromium, ADAPTER.md "ICE restarts"), on this machine's address
/// (<see cref="ChromiumHost"/>): IceSpec restarting the answering browser through the kit's restart (judged as the lab's
/// rfc8445-9-10), and two browsers step by step with data over their data channel after it. The browser restarting
/// against IceSpec is not judged here: IceSpec keeps its candidates across a restart, and libwebrtc, which checks its new
/// candidates against the peer's previous ones before the answer, keeps the peer's previous ufrag on such an address
/// (conformance/README.md, "The browser": failed in 4 of 6 runs); Runner/ChromiumLabTests runs the restart agent cases
/// in both roles instead (the tester restarts on a new socket). In the collection of <see cref="ChromiumPairTests"/>, so
/// the browsers run one pair at a time.
/// </summary>
[Trait("Category", "interop")]
[Collection("browser pairs")]
public sealed class ChromiumRestartTests(ITestOutputHelper output)
{
    /// <summary>
    /// An ICE restart right after the call connected (no fault), judged as the lab's rfc8445-9-10: IceSpec (controlling)
    /// restarts, the browser restarts on its new credentials by answering the restarted offer, both print new ones (RFC
    /// 8445 §9) and select a pair of the new generation within the bound (no datagrams: no data channel between them).
    /// </summary>
    [Fact]
    public async Task After_IceSpec_restarts_ICE_the_answering_browser_has_new_credentials_and_a_pair_of_the_new_generation()
    {
        var (controlling, controlled) = ("icespec", "chromium");
        var address = ChromiumHost.Address();
        var options = DriverRestartTests.RestartRightAway(RestartAfterFault.Bound) with { ControllingAddresses = [address], ControlledAddresses = [address] };
        var judged = await DriverRestartTests.RunAndJudgeAsync(DriverRegistry.Get(controlling), DriverRegistry.Get(controlled), options, output);

        Assert.True(judged.Outcome == CaseOutcome.Passed, judged.Detail);
    }

    /// <summary>
    /// Two browsers through an ICE restart step by step, in the kit's order (ADAPTER.md "ICE restarts"), with data after it:
    /// both print new credentials (RFC 8445 §9), the offerer selects a pair from one of its new candidates (Chromium gathers
    /// new sockets), and the datagrams sent then cross the data channel both ways (the DTLS association outlives the
    /// restart). The answering browser leaves its previous pair only once data arrives on a new one, so its next pair, one
    /// towards the offerer's new candidates (from a new socket of its own or, libwebrtc pairing across generations for a
    /// while, from its previous one), is looked for after the data (libwebrtc's controlled side, drivers/chromium/README.md).
    /// </summary>
    [Fact]
    public async Task Two_browsers_restart_ICE_and_their_data_channel_carries_datagrams_over_the_new_generation()
    {
        var address = ChromiumHost.Address();
        await using var a = await ChromiumDriverTests.StartAsync();
        await using var b = await ChromiumDriverTests.StartAsync();
        await a.SendAsync(ChromiumDriverTests.Configure("controlling", new JsonArray(address)));
        await b.SendAsync(ChromiumDriverTests.Configure("controlled", new JsonArray(address)));
        await a.SendAsync(new JsonObject { ["command"] = "gather" });
        var oldA = await a.WaitForEventAsync("local-description", Step);
        await b.SendAsync(RemoteDescription(oldA));
        await b.SendAsync(new JsonObject { ["command"] = "gather" });
        var oldB = await b.WaitForEventAsync("local-description", Step);
        await a.SendAsync(RemoteDescription(oldB));
        await Task.WhenAll(a.WaitForEventAsync("selected-pair", Step), b.WaitForEventAsync("selected-pair", Step));
        await ExchangeAsync(a, b, "before the restart");

        var (markA, markB) = (a.Events.Count, b.Events.Count);
        await a.SendAsync(new JsonObject { ["command"] = "restart" });
        var newA = await NextAsync(a, markA, "local-description");
        await b.SendAsync(RemoteDescription(newA));
        var newB = await NextAsync(b, markB, "local-description");
        await a.SendAsync(RemoteDescription(newB));
        AssertNewCredentials(oldA, newA);
        AssertNewCredentials(oldB, newB);
        Assert.Contains(Port(await NextAsync(a, markA, "selected-pair"), "local"), Ports(newA));

        await ExchangeAsync(a, b, "after the restart");
        Assert.Contains(Port(await NextAsync(b, markB, "selected-pair"), "remote"), Ports(newA));
        output.WriteLine($"offerer {oldA["ufrag"]} -> {newA["ufrag"]}, answerer {oldB["ufrag"]} -> {newB["ufrag"]}; events after the restart:\n" +
            string.Join("\n", a.Events.Skip(markA).Concat(b.Events.Skip(markB)).Select(e => e.ToJsonString())));
    }

    private static readonly TimeSpan Step = ChromiumDriverTests.Step;

    /// <summary>The peer's <c>local-description</c> as this driver's <c>remote-description</c>, whole, DTLS included.</summary>
    private static JsonObject RemoteDescription(JsonObject description) => new()
    {
        ["command"] = "remote-description", ["ufrag"] = (string?)description["ufrag"], ["pwd"] = (string?)description["pwd"],
        ["candidates"] = description["candidates"]!.DeepClone(), ["end-of-candidates"] = true, ["dtls"] = description["dtls"]!.DeepClone(),
    };

    /// <summary>The first <paramref name="name"/> event from index <paramref name="from"/> on.</summary>
    private static async Task<JsonObject> NextAsync(DriverProcess driver, int from, string name)
    {
        for (var index = from; ; index++)
            if (await driver.WaitForEventAtAsync(index, Step) is var e && (string?)e["event"] == name) return e;
    }

    /// <summary>RFC 8445 §9: "an agent MUST change both the password and the username fragment".</summary>
    private static void AssertNewCredentials(JsonObject before, JsonObject after)
    {
        Assert.NotEqual((string?)before["ufrag"], (string?)after["ufrag"]);
        Assert.NotEqual((string?)before["pwd"], (string?)after["pwd"]);
    }

    /// <summary>One datagram each way over the data channel; each must arrive.</summary>
    private static async Task ExchangeAsync(DriverProcess a, DriverProcess b, string when)
    {
        foreach (var (from, to) in new[] { (a, b), (b, a) })
        {
            var data = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{when} {Guid.NewGuid():N}"));
            var mark = to.Events.Count;
            await from.SendAsync(new JsonObject { ["command"] = "send", ["data"] = data });
            for (var index = mark; ; index++)
                if (await to.WaitForEventAtAsync(index, Step) is var e && (string?)e["event"] == "received" && (string?)e["data"] == data) break;
        }
    }

    /// <summary>The port of a <c>selected-pair</c>'s <c>local</c> or <c>remote</c> end.</summary>
    private static int Port(JsonObject selected, string end) => int.Parse(((string)selected[end]!)[(((string)selected[end]!).LastIndexOf(':') + 1)..]);

    /// <summary>The ports of a description's candidates (RFC 8839 §5.1: the sixth field).</summary>
    private static List<int> Ports(JsonObject description) =>
        [.. ((JsonArray)description["candidates"]!).Select(c => int.Parse(((string)c!).Split(' ')[5]))];
}
