using IceSpec.Turn.Server;

namespace IceSpec.Turn.Tests.Observability;

/// <summary>Names after the OpenTelemetry specification "Prometheus and OpenMetrics Compatibility" (its examples and rules).</summary>
[Trait("Category", "unit")]
public sealed class PrometheusNamesTests
{
    [Theory]
    [InlineData("icespec.turn.allocations.active", "{allocation}", "Gauge", "icespec_turn_allocations_active")]
    [InlineData("icespec.turn.allocations.created", "{allocation}", "Counter", "icespec_turn_allocations_created_total")]
    [InlineData("icespec.turn.relayed.bytes", "By", "Counter", "icespec_turn_relayed_bytes_total")]
    [InlineData("icespec.ice.time_to_connected", "s", "Histogram", "icespec_ice_time_to_connected_seconds")]
    [InlineData("system.filesystem.usage", "By", "Gauge", "system_filesystem_usage_bytes")]
    [InlineData("system.memory.utilization", "1", "Gauge", "system_memory_utilization_ratio")]
    [InlineData("system.cpu.switches", "1", "Counter", "system_cpu_switches_total")]
    [InlineData("process.cpu.time", "s", "Counter", "process_cpu_time_seconds_total")]
    [InlineData("network.io.rate", "By/s", "Gauge", "network_io_rate_bytes_per_second")]
    [InlineData("db.cache.size", "MiBy", "Gauge", "db_cache_size_mebibytes")]
    [InlineData("queue.wait_seconds", "s", "Histogram", "queue_wait_seconds")] // the unit is there already
    [InlineData("jobs_total", null, "Counter", "jobs_total")]
    [InlineData("frames.lost", "frames", "Counter", "frames_lost_frames_total")] // a unit of no table, as it is
    [InlineData("2xx.responses", "{response}", "Counter", "_2xx_responses_total")]
    [InlineData("h\u00e9llo--world", "", "Gauge", "h_llo_world")]
    public void Metric(string instrument, string? unit, string kind, string expected) =>
        Assert.Equal(expected, PrometheusNames.Metric(instrument, unit, Enum.Parse<PrometheusKind>(kind)));

    [Theory]
    [InlineData("direction", "direction")]
    [InlineData("peer.kind", "peer_kind")]
    [InlineData("a:b", "a_b")]
    [InlineData("1st", "_1st")]
    public void Label(string tag, string expected) => Assert.Equal(expected, PrometheusNames.Label(tag));
}
