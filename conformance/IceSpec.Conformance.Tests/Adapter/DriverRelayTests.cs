using IceSpec.Conformance.Adapter;
using Xunit.Abstractions;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>
/// Each driver with itself through a real coturn with <c>policy: relay</c> (RFC 8656 allocations over UDP and TCP):
/// both sides must select a relayed local candidate and still pass the datagrams.
/// </summary>
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

    private static string Tail(string log) => string.Join('\n', log.Split('\n').TakeLast(30));
}
