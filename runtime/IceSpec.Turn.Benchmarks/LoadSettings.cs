using System.Net;

namespace IceSpec.Turn.Benchmarks;

/// <summary>
/// One load run: which server, how many allocations, for how long, and what each allocation does. Defaults are the soak
/// of issue 13 (10,000 allocations held 10 minutes); the CI smoke test shrinks them.
/// </summary>
public sealed record LoadSettings
{
    /// <summary>A name for the server under load ("ours", "coturn"), carried into the report.</summary>
    public string Name { get; init; } = "server";

    /// <summary>The server's UDP listening address.</summary>
    public required IPEndPoint Server { get; init; }

    /// <summary>The TURN REST API secret (<c>static-auth-secret</c>): every allocation gets a username of its own.</summary>
    public required string Secret { get; init; }

    public int Allocations { get; init; } = 10_000;

    /// <summary>Allocations are started evenly over this time.</summary>
    public TimeSpan Ramp { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long every allocation is held once the ramp is over (refreshing and relaying).</summary>
    public TimeSpan Hold { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The LIFETIME asked for in Allocate and Refresh (RFC 8656 §7.1); short, so refreshes happen during the hold.</summary>
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Each allocation sends one ChannelData to its peer this often; the peer answers each.</summary>
    public TimeSpan SendInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Peer sockets (on 127.0.200.1, .2, …); allocation i talks to peer i mod Peers.</summary>
    public int Peers { get; init; } = 4;

    /// <summary>Allocations per client source address (127.10.x.y): per-source limits of the server see few requests each.</summary>
    public int AllocationsPerSource { get; init; } = 20;

    /// <summary>The process to sample (VmRSS, descriptors) every <see cref="SampleInterval"/>; null samples nothing.</summary>
    public int? ServerPid { get; init; }

    /// <summary>The server's relay address and port range: UDP sockets bound there are the relay ports in use (/proc/net/udp).</summary>
    public IPAddress? RelayIp { get; init; }

    public int RelayMinPort { get; init; } = 1;

    public int RelayMaxPort { get; init; } = 65535;

    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Check the memory bound (<see cref="LoadRun.HoldGrowthFactor"/>). Off when the server runs in the generator's own
    /// process (the CI smoke test), whose RSS is the test host's.
    /// </summary>
    public bool CheckMemory { get; init; } = true;

    /// <summary>How long the generator waits after the hold for answers still in flight.</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long to wait after the deletes for the server to close its relay ports and descriptors.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The client's refresh margin (null: the spec's 60 s). A negative margin is a seeded defect: refreshes come after expiry.</summary>
    public TimeSpan? RefreshMargin { get; init; }

    /// <summary>Seeded defect: do not delete the allocations at the end, so the server still holds their relay ports.</summary>
    public bool SkipDelete { get; init; }

    /// <summary>Progress lines (null: silent).</summary>
    public Action<string>? Progress { get; init; }
}
