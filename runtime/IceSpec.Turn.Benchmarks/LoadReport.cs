using System.Text.Json;
using System.Text.Json.Serialization;

namespace IceSpec.Turn.Benchmarks;

/// <summary>The server side of a run, from <see cref="ServerProbe"/> samples (-1 when the server was not sampled).</summary>
public sealed record ServerFigures(
    long RssBaselineKiB, long RssHoldStartKiB, long RssHoldEndKiB, long RssPeakKiB, long RssEndKiB,
    int DescriptorsBaseline, int DescriptorsPeak, int DescriptorsEnd,
    int SocketDescriptorsBaseline, int SocketDescriptorsPeak, int SocketDescriptorsEnd, int RelaySocketsPeak, int RelaySocketsEnd,
    long UdpDrops);

/// <summary>One check of a run and whether it held.</summary>
public sealed record LoadCheck(string Name, bool Passed, string Detail);

/// <summary>What a load run measured: allocations, losses, latencies, relayed probes, and the server's resources over time.</summary>
public sealed record LoadReport
{
    public required string Name { get; init; }
    public required DateTimeOffset Started { get; init; }
    public required int Allocations { get; init; }
    public required double RampSeconds { get; init; }
    public required double HoldSeconds { get; init; }
    public required double LifetimeSeconds { get; init; }
    public required double SendIntervalSeconds { get; init; }
    /// <summary>Granted LIFETIME of the first Allocate success (servers may not grant what was asked).</summary>
    public required double GrantedLifetimeSeconds { get; init; }
    /// <summary>Granted LIFETIME of the first automatic Refresh success (0: no refresh happened).</summary>
    public required double RefreshGrantedLifetimeSeconds { get; init; }

    /// <summary>Allocations that got their permission and channel.</summary>
    public required int Allocated { get; init; }
    /// <summary>Allocations whose Allocate failed (or whose socket could not be opened).</summary>
    public required int NotAllocated { get; init; }
    /// <summary>Allocations still held, not lost, when the hold ended.</summary>
    public required int HeldAtEnd { get; init; }
    /// <summary>Allocations for which a Refresh, CreatePermission, ChannelBind or the delete failed (437, timeout, error).</summary>
    public required int Lost { get; init; }
    /// <summary>Allocations the delete (Refresh LIFETIME 0) removed with a success.</summary>
    public required int Deleted { get; init; }
    /// <summary>The most frequent failure reasons, "count × reason".</summary>
    public required List<string> Failures { get; init; }

    public required long Refreshes { get; init; }
    public required long PermissionRefreshes { get; init; }
    public required long ChannelRefreshes { get; init; }
    /// <summary>Requests that needed more than one transmission.</summary>
    public required long Retransmitted { get; init; }
    public required long SendErrors { get; init; }
    public required Dictionary<string, LatencySummary> Requests { get; init; }

    public required long ProbesSent { get; init; }
    public required long ProbesAtPeer { get; init; }
    public required long ProbesBack { get; init; }
    /// <summary>Probes the generator skipped because it ran late (a busy machine); absent from reports made before it was counted.</summary>
    public long ProbesSkipped { get; init; }
    public required LatencySummary ToPeer { get; init; }
    public required LatencySummary FromPeer { get; init; }
    public required LatencySummary RoundTrip { get; init; }

    public required ServerFigures Server { get; init; }
    public required List<ServerSample> Samples { get; init; }
    public required List<LoadCheck> Checks { get; init; }

    public bool Passed => Checks.All(c => c.Passed);

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static LoadReport FromJson(string text) => JsonSerializer.Deserialize<LoadReport>(text, Json) ?? throw new InvalidDataException("empty report");
}
