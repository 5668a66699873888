using System.Net;
using IceSpec.Turn.Benchmarks;
using IceSpec.Turn.Server;
using IceSpec.Turn.Tests.Server;
using Xunit.Abstractions;

namespace IceSpec.Turn.Tests.Load;

/// <summary>Runs alone (no other test's sockets in the process): the checks count this process's descriptors.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadSmokeCollection
{
    public const string Name = "load smoke";
}

/// <summary>
/// The soak generator (runtime/IceSpec.Turn.Benchmarks) in-process against our server, small: 300 allocations held a
/// few seconds with a 6 s lifetime, so every allocation is refreshed several times, relays a probe a second, and is
/// deleted; then the checks the soak uses. Two seeded defects show the checks failing: refreshes scheduled after the
/// lifetime ends (lost allocations) and allocations never deleted (relay ports and sockets left open).
/// </summary>
[Trait("Category", "unit")]
[Collection(LoadSmokeCollection.Name)]
public sealed class LoadSmokeTests(ITestOutputHelper output)
{
    private const string Secret = "load-smoke-secret";
    // A relay address of its own, so the relay ports counted in /proc/net/udp are this server's only.
    private static readonly IPAddress RelayIp = IPAddress.Parse("127.0.0.77");

    [Fact]
    public async Task Three_hundred_allocations_refreshed_and_relaying_none_lost_ports_and_sockets_freed()
    {
        await using var server = Start(lifetimeSeconds: 6);
        var report = await Run(server, allocations: 300, hold: TimeSpan.FromSeconds(12), lifetime: TimeSpan.FromSeconds(6));

        Assert.True(report.Passed, string.Join("; ", report.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}")) + " " + string.Join("; ", report.Failures));
        Assert.Equal(300, report.HeldAtEnd);
        Assert.Equal(300, report.Deleted);
        Assert.True(report.Refreshes >= 300, $"{report.Refreshes} refreshes: a 6 s lifetime is refreshed every 3 s"); // RFC 8656 §8
        Assert.True(report.ProbesBack > 0 && report.ProbesBack >= report.ProbesSent * 99 / 100, $"{report.ProbesBack} of {report.ProbesSent} probes came back");
        Assert.Equal(0, report.Server.RelaySocketsEnd);
        Assert.Equal(300, report.Server.RelaySocketsPeak);
        Assert.Equal(0, server.Host.OpenRelayPorts);
        Assert.Equal(0, server.Host.AllocationCount);
    }

    [Fact]
    public async Task Refreshes_after_the_lifetime_are_reported_as_lost_allocations()
    {
        // Seeded defect in the load: a negative refresh margin schedules each Refresh 2 s after the 4 s lifetime ended.
        await using var server = Start(lifetimeSeconds: 4);
        var report = await Run(server, allocations: 40, hold: TimeSpan.FromSeconds(7), lifetime: TimeSpan.FromSeconds(4), refreshMargin: TimeSpan.FromSeconds(-2));

        Assert.False(report.Passed);
        Assert.Contains(report.Checks, c => c.Name == "none lost" && !c.Passed);
        Assert.Equal(40, report.Lost);
        Assert.Contains(report.Failures, f => f.Contains("437", StringComparison.Ordinal)); // RFC 8656 §8.3: Allocation Mismatch
    }

    [Fact]
    public async Task Allocations_not_deleted_leave_relay_ports_and_sockets_the_checks_catch()
    {
        // Seeded defect in the load: no Refresh LIFETIME 0 at the end, so the server still holds every relay port.
        await using var server = Start(lifetimeSeconds: 600);
        var report = await Run(server, allocations: 40, hold: TimeSpan.FromSeconds(1), lifetime: TimeSpan.FromSeconds(600), skipDelete: true,
            settle: TimeSpan.FromSeconds(1));

        Assert.False(report.Passed);
        Assert.Contains(report.Checks, c => c.Name == "relay ports freed" && !c.Passed);
        Assert.Contains(report.Checks, c => c.Name == "socket descriptors freed" && !c.Passed);
        Assert.Equal(40, report.Server.RelaySocketsEnd);
        Assert.Equal(40, server.Host.OpenRelayPorts);
    }

    private static TestServer Start(int lifetimeSeconds) => TestServer.Start(
        $"relay-ip={RelayIp}", "min-port=21000", "max-port=21999", $"static-auth-secret={Secret}", "allow-loopback-peers",
        $"default-allocate-lifetime={lifetimeSeconds}", "log-level=warn");

    private async Task<LoadReport> Run(TestServer server, int allocations, TimeSpan hold, TimeSpan lifetime, TimeSpan? refreshMargin = null,
        bool skipDelete = false, TimeSpan? settle = null)
    {
        var settings = new LoadSettings
        {
            Name = "ours (in-process)",
            Server = server.Udp,
            Secret = Secret,
            Allocations = allocations,
            Ramp = TimeSpan.FromSeconds(2),
            Hold = hold,
            Lifetime = lifetime,
            SendInterval = TimeSpan.FromSeconds(1),
            Drain = TimeSpan.FromSeconds(0.5),
            ServerPid = Environment.ProcessId,
            RelayIp = RelayIp,
            RelayMinPort = 21000,
            RelayMaxPort = 21999,
            CheckMemory = false,
            Settle = settle ?? TimeSpan.FromSeconds(10),
            RefreshMargin = refreshMargin,
            SkipDelete = skipDelete,
            Progress = output.WriteLine,
        };
        var report = await new LoadRun(settings).RunAsync();
        output.WriteLine(Comparison.Table([report]));
        foreach (var check in report.Checks) output.WriteLine($"{(check.Passed ? "ok  " : "FAIL")} {check.Name}: {check.Detail}");
        foreach (var failure in report.Failures) output.WriteLine($"failure: {failure}");
        return report;
    }
}
