using System.Diagnostics;
using System.Text.Json.Nodes;
using IceSpec.Conformance.Adapter;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>Drivers started inside a network namespace (the NAT lab's way): they run there, and connect there.</summary>
[Trait("Category", "lab")]
public sealed class DriverNamespaceTests : IAsyncLifetime
{
    private readonly string _namespace = $"icespec-drv-{Environment.ProcessId}-{Random.Shared.Next(100000)}";

    public async Task InitializeAsync()
    {
        await IpAsync("netns", "add", _namespace);
        await IpAsync("-n", _namespace, "link", "set", "lo", "up");
    }

    public Task DisposeAsync() => IpAsync("netns", "del", _namespace);

    [Fact]
    public async Task A_driver_started_in_a_namespace_runs_in_that_namespace()
    {
        await using var driver = await DriverProcess.StartAsync(DriverRegistry.Get("libnice"), new DriverStartOptions(_namespace), CancellationToken.None);
        await driver.WaitForEventAsync("ready", TimeSpan.FromSeconds(15));
        Assert.Equal(_namespace, (await IpAsync("netns", "identify", driver.ProcessId.ToString())).Trim());
    }

    [Fact]
    public async Task Two_drivers_in_one_namespace_connect_on_its_loopback()
    {
        var result = await IcePairRun.RunAsync(DriverRegistry.Get("pion"), DriverRegistry.Get("libnice"),
            new IcePairOptions(ControllingNamespace: _namespace, ControlledNamespace: _namespace), CancellationToken.None);
        Assert.True(result.Outcome == IcePairOutcome.Connected, result.Detail);
        Assert.Equal(3, result.DatagramsControllingToControlled);
        Assert.Equal(3, result.DatagramsControlledToControlling);
    }

    private static async Task<string> IpAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        if (process.ExitCode != 0) throw new InvalidOperationException($"ip {string.Join(' ', arguments)}: {error.Trim()}");
        return await output;
    }
}
