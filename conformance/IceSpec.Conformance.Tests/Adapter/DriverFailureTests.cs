using System.Diagnostics;
using System.Text.Json.Nodes;
using IceSpec.Conformance.Adapter;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>Drivers that die, and names that do not exist: clear errors, no hangs.</summary>
[Trait("Category", "interop")]
public sealed class DriverFailureTests
{
    [Fact]
    public async Task A_driver_killed_mid_run_gives_a_DriverException_with_its_stderr_tail()
    {
        await using var driver = await DriverProcess.StartAsync(DriverRegistry.Get("libnice"), new DriverStartOptions(), CancellationToken.None);
        await driver.WaitForEventAsync("ready", TimeSpan.FromSeconds(15));
        await driver.SendAsync(new JsonObject { ["command"] = "configure", ["role"] = "controlling", ["addresses"] = new JsonArray("127.0.0.1") });
        await driver.SendAsync(new JsonObject { ["command"] = "gather" });
        await driver.WaitForEventAsync("local-description", TimeSpan.FromSeconds(15));

        using (var victim = Process.GetProcessById(driver.ProcessId)) victim.Kill();
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<DriverException>(() => driver.WaitForEventAsync("selected-pair", TimeSpan.FromSeconds(30)));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed} to notice the exit");
        Assert.Equal("libnice", e.Driver);
        Assert.Equal(137, e.ExitCode);
        Assert.Contains("exited with code 137", e.Message);
        Assert.Contains("configured controlling", e.StandardErrorTail);
        Assert.Contains(e.StandardErrorTail, e.Message);
        Assert.False(e.IsUnsupported);
        await Assert.ThrowsAsync<DriverException>(() => driver.SendAsync(new JsonObject { ["command"] = "close" }));
    }

    [Fact]
    public async Task Waiting_for_an_event_that_never_comes_times_out_with_a_DriverException()
    {
        await using var driver = await DriverProcess.StartAsync(DriverRegistry.Get("aioice"), new DriverStartOptions(), CancellationToken.None);
        await driver.WaitForEventAsync("ready", TimeSpan.FromSeconds(15));
        var e = await Assert.ThrowsAsync<DriverException>(() => driver.WaitForEventAsync("selected-pair", TimeSpan.FromMilliseconds(300)));
        Assert.Contains("no event 'selected-pair' within 0.3 s", e.Message);
        Assert.Null(driver.ExitCode);
    }

    [Fact]
    public void An_unknown_driver_name_lists_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => DriverRegistry.Get("nosuch"));
        foreach (var name in BundledDriverNames.All) Assert.Contains(name, e.Message);
    }
}
