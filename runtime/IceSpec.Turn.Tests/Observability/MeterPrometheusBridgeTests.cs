using System.Diagnostics.Metrics;
using System.Text;
using IceSpec.Turn.Server;
using Prometheus;

namespace IceSpec.Turn.Tests.Observability;

/// <summary>
/// <see cref="MeterPrometheusBridge"/> on a meter holding one instrument of each kind: the registry's text has the names
/// and types of the OpenTelemetry → Prometheus conventions and the values the instruments were given.
/// </summary>
[Trait("Category", "unit")]
public sealed class MeterPrometheusBridgeTests
{
    [Fact]
    public async Task Each_kind_of_instrument_is_a_family_of_its_prometheus_type_with_its_values()
    {
        using var meter = new Meter("IceSpec.Tests.Bridge");
        var requests = meter.CreateCounter<long>("test.requests", "{request}", "Requests handled.");
        var queue = meter.CreateUpDownCounter<int>("test.queue.depth", "{item}", "Items queued.");
        var duration = meter.CreateHistogram<double>("test.duration", "s", "Time taken.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1] });
        long moved = 100;
        meter.CreateObservableCounter("test.io", () => new Measurement<long>(moved, new KeyValuePair<string, object?>("peer.kind", "relay")), "By", "Bytes moved.");
        meter.CreateObservableGauge("test.load", () => 0.25, "1", "Share of time busy.");
        var registry = Metrics.NewCustomRegistry();
        using var bridge = new MeterPrometheusBridge(meter, registry);

        requests.Add(2, new KeyValuePair<string, object?>("method", "GET"));
        requests.Add(3, new KeyValuePair<string, object?>("method", "GET"));
        requests.Add(1, new KeyValuePair<string, object?>("method", "PUT"));
        queue.Add(5);
        queue.Add(-2);
        duration.Record(0.05);
        duration.Record(0.5);
        duration.Record(3);
        var first = await Collect(registry);
        moved = 250;
        var second = await Collect(registry);

        Assert.Empty(first.Problems);
        Assert.Equal(new Dictionary<string, string>
        {
            ["test_requests_total"] = "counter",
            ["test_queue_depth"] = "gauge",
            ["test_duration_seconds"] = "histogram",
            ["test_io_bytes_total"] = "counter",
            ["test_load_ratio"] = "gauge",
        }, first.Types);
        Assert.Equal(5, first.Samples["test_requests_total{method=\"GET\"}"]);
        Assert.Equal(1, first.Samples["test_requests_total{method=\"PUT\"}"]);
        Assert.Equal(3, first.Samples["test_queue_depth"]);
        Assert.Equal(1, first.Samples["test_duration_seconds_bucket{le=\"0.1\"}"]);
        Assert.Equal(2, first.Samples["test_duration_seconds_bucket{le=\"1\"}"]);
        Assert.Equal(3, first.Samples["test_duration_seconds_bucket{le=\"+Inf\"}"]);
        Assert.Equal(3, first.Samples["test_duration_seconds_count"]);
        Assert.Equal(3.55, first.Samples["test_duration_seconds_sum"], 9);
        Assert.Equal(100, first.Samples["test_io_bytes_total{peer_kind=\"relay\"}"]);
        Assert.Equal(250, second.Samples["test_io_bytes_total{peer_kind=\"relay\"}"]); // the observed total, not a sum of totals
        Assert.Equal(0.25, first.Samples["test_load_ratio"]);
        Assert.Contains("# HELP test_io_bytes_total Bytes moved.\n", first.Text);
    }

    [Fact]
    public void Two_instruments_with_one_prometheus_name_are_refused_naming_both()
    {
        using var meter = new Meter("IceSpec.Tests.Clash");
        meter.CreateCounter<long>("test.sent");
        meter.CreateCounter<long>("test_sent");
        var error = Assert.Throws<InvalidOperationException>(() => new MeterPrometheusBridge(meter, Metrics.NewCustomRegistry()));
        Assert.Equal("prometheus: instruments 'test.sent' and 'test_sent' of meter 'IceSpec.Tests.Clash' would both be 'test_sent_total'", error.Message);
    }

    [Fact]
    public async Task Instruments_of_other_meters_stay_out()
    {
        using var meter = new Meter("IceSpec.Tests.Mine");
        using var other = new Meter("IceSpec.Tests.Mine"); // same name, another instance
        meter.CreateObservableGauge("test.mine", () => 1);
        other.CreateObservableGauge("test.other", () => 1);
        var registry = Metrics.NewCustomRegistry();
        using var bridge = new MeterPrometheusBridge(meter, registry);
        Assert.Equal(["test_mine"], (await Collect(registry)).Types.Keys);
    }

    private static async Task<CollectedScrape> Collect(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        var text = Encoding.UTF8.GetString(stream.ToArray());
        var parsed = PrometheusScrape.Parse(text);
        return new CollectedScrape(text, parsed.Types, parsed.Samples, parsed.Problems);
    }

    private sealed record CollectedScrape(
        string Text, IReadOnlyDictionary<string, string> Types, IReadOnlyDictionary<string, double> Samples, IReadOnlyList<string> Problems);
}
