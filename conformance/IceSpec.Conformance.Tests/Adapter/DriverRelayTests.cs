using System.Text.Json.Nodes;
using IceSpec.Conformance.Adapter;
using IceSpec.Ice.Sdp;
using Xunit.Abstractions;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>
/// Each driver with itself through a real coturn with <c>policy: relay</c> (RFC 8656 allocations over UDP and TCP):
/// both sides must select a relayed local candidate and still pass the datagrams.
/// </summary>
[Trait("Category", "interop")]
public sealed class DriverRelayTests(LoopbackCoturn coturn, ITestOutputHelper output) : IClassFixture<LoopbackCoturn>
{
    public static TheoryData<string, string> DriversAndTransports()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in BundledDriverNames.All)
        foreach (var transport in new[] { "udp", "tcp" })
            data.Add(name, transport);
        return data;
    }

    [Theory]
    [MemberData(nameof(DriversAndTransports))]
    public async Task Connects_through_a_TURN_relay_when_the_policy_is_relay(string name, string transport)
    {
        var driver = DriverRegistry.Get(name);
        Assert.True(driver.Supports($"turn-{transport}") && driver.Supports("relay-policy"), $"{name} does not claim turn-{transport}");
        var options = new IcePairOptions(
            Nomination: driver.Supports("regular") ? "regular" : "aggressive",
            Turn: new TurnServerOptions(coturn.Server, LoopbackCoturn.Username, LoopbackCoturn.Password, transport),
            Policy: "relay", Timeout: TimeSpan.FromSeconds(30));
        var result = await IcePairRun.RunAsync(driver, driver, options, CancellationToken.None);
        output.WriteLine($"{name} via TURN/{transport}: {result.Outcome}: {result.Detail}");
        output.WriteLine($"TIME {name}->{name} relay/{transport} {result.TimeToConnected.TotalMilliseconds:0.0} ms");

        Assert.True(result.Outcome == IcePairOutcome.Connected,
            $"{result.Outcome}: {result.Detail}\n--- controlling ---\n{Tail(result.ControllingLog)}\n--- controlled ---\n{Tail(result.ControlledLog)}\n--- coturn ---\n{coturn.LogTail()}");
        Assert.Equal("relay", result.ControllingPair!.LocalType);
        Assert.Equal("relay", result.ControlledPair!.LocalType);
        Assert.Equal(result.ControllingPair.Local, result.ControlledPair.Remote);
        Assert.Equal(result.ControlledPair.Local, result.ControllingPair.Remote);
        Assert.Equal(3, result.DatagramsControllingToControlled);
        Assert.Equal(3, result.DatagramsControlledToControlling);
    }

    /// <summary>A STUN server (coturn answers Binding too) is accepted and gathering still completes without errors.</summary>
    [Theory]
    [MemberData(nameof(Drivers))]
    public async Task Gathers_with_a_STUN_server_configured(string name)
    {
        await using var driver = await DriverProcess.StartAsync(DriverRegistry.Get(name), new DriverStartOptions(), CancellationToken.None);
        await driver.WaitForEventAsync("ready", TimeSpan.FromSeconds(15));
        await driver.SendAsync(new JsonObject
        {
            ["command"] = "configure", ["role"] = "controlled", ["addresses"] = new JsonArray("127.0.0.1"), ["stun"] = coturn.Server,
        });
        await driver.SendAsync(new JsonObject { ["command"] = "gather" });
        var description = await driver.WaitForEventAsync("local-description", TimeSpan.FromSeconds(15));
        output.WriteLine(description.ToJsonString());
        Assert.DoesNotContain(driver.Events, e => (string?)e["event"] is "error" or "invalid-output");
        var lines = ((JsonArray)description["candidates"]!).Select(c => (string)c!).ToList();
        Assert.Contains(lines, l => IceCandidate.Parse(l).Type == IceCandidateType.Host);
        // On loopback the server-reflexive address equals the host one; RFC 8445 §5.1.3 lets an agent drop it.
        Assert.All(lines, l => Assert.Equal("127.0.0.1", IceCandidate.Parse(l).Address.Text));
    }

    public static TheoryData<string> Drivers => new(BundledDriverNames.All);

    private static string Tail(string log) => string.Join('\n', log.Split('\n').TakeLast(30));
}
