using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;

namespace IceSpec.Turn.Server;

/// <summary>
/// Exposes every instrument of one <see cref="Meter"/> instance in a prometheus-net registry, named and typed after the
/// OpenTelemetry → Prometheus conventions (<see cref="PrometheusNames"/>): a <see cref="MeterListener"/> on that meter
/// pushes each measurement into a prometheus-net metric made once per instrument and set of tag keys, and reads the
/// observable instruments before each collection. Counter → <c>Counter.Inc</c>, ObservableCounter → <c>Counter.IncTo</c>
/// (the observed total), UpDownCounter → <c>Gauge.Inc</c>, ObservableUpDownCounter/Gauge/ObservableGauge →
/// <c>Gauge.Set</c>, Histogram → <c>Histogram.Observe</c> (buckets from the instrument's advice, else prometheus-net's).
/// Tags become labels, the description the HELP text. Generic over instruments: any meter can be exposed this way.
/// An observed total that goes down (an instrument re-created) is not followed: a Prometheus counter only rises.
/// </summary>
internal sealed class MeterPrometheusBridge : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly IMetricFactory _factory;
    private readonly ConcurrentDictionary<string, Instrument> _names = new(StringComparer.Ordinal);
    private volatile bool _disposed;

    /// <summary>
    /// Starts listening to <paramref name="meter"/>; throws <see cref="InvalidOperationException"/> when two of its instruments
    /// have the same Prometheus name.
    /// </summary>
    public MeterPrometheusBridge(Meter meter, CollectorRegistry registry)
    {
        _factory = Metrics.WithCustomRegistry(registry);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!ReferenceEquals(instrument.Meter, meter) || KindOf(instrument) is not { } found) return;
            listener.EnableMeasurementEvents(instrument, Family(instrument, found.Kind, found.Increments));
        };
        _listener.SetMeasurementEventCallback<byte>((instrument, value, tags, state) => Record(state, value, tags));
        _listener.SetMeasurementEventCallback<short>((instrument, value, tags, state) => Record(state, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, state) => Record(state, value, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, state) => Record(state, value, tags));
        _listener.SetMeasurementEventCallback<float>((instrument, value, tags, state) => Record(state, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, state) => Record(state, value, tags));
        _listener.SetMeasurementEventCallback<decimal>((instrument, value, tags, state) => Record(state, (double)value, tags));
        try
        {
            _listener.Start(); // publishes the meter's instruments: a clash of names throws here
        }
        catch
        {
            _listener.Dispose();
            throw;
        }
        // A registry cannot forget a callback: after Dispose it does nothing.
        registry.AddBeforeCollectCallback(() =>
        {
            if (!_disposed) _listener.RecordObservableInstruments();
        });
    }

    /// <summary>The Prometheus kind of an instrument, and whether a measurement is an increment (else the current value).</summary>
    private static (PrometheusKind Kind, bool Increments)? KindOf(Instrument instrument) =>
        instrument.GetType() is { IsGenericType: true } type ? type.GetGenericTypeDefinition() switch
        {
            var t when t == typeof(Counter<>) => (PrometheusKind.Counter, true),
            var t when t == typeof(ObservableCounter<>) => (PrometheusKind.Counter, false),
            var t when t == typeof(UpDownCounter<>) => (PrometheusKind.Gauge, true),
            var t when t == typeof(ObservableUpDownCounter<>) || t == typeof(Gauge<>) || t == typeof(ObservableGauge<>) => (PrometheusKind.Gauge, false),
            var t when t == typeof(Histogram<>) => (PrometheusKind.Histogram, false),
            _ => null,
        } : null;

    private InstrumentFamily Family(Instrument instrument, PrometheusKind kind, bool increments)
    {
        var name = PrometheusNames.Metric(instrument.Name, instrument.Unit, kind);
        var holder = _names.GetOrAdd(name, instrument);
        if (!ReferenceEquals(holder, instrument))
            throw new InvalidOperationException(
                $"prometheus: instruments '{holder.Name}' and '{instrument.Name}' of meter '{instrument.Meter.Name}' would both be '{name}'");
        return new InstrumentFamily(_factory, name, instrument.Description ?? "", kind, increments, BucketsOf(instrument));
    }

    /// <summary>The instrument's advised bucket boundaries (<see cref="InstrumentAdvice{T}"/>), if any.</summary>
    private static double[]? BucketsOf(Instrument instrument) => instrument switch
    {
        Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray(),
        Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        _ => null,
    };

    private static void Record<T>(object? state, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags) where T : struct, IConvertible =>
        ((InstrumentFamily)state!).Record(value.ToDouble(null), tags);

    private static void Record(object? state, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        ((InstrumentFamily)state!).Record(value, tags);

    public void Dispose()
    {
        _disposed = true;
        _listener.Dispose();
    }

    /// <summary>One instrument's Prometheus family: a prometheus-net metric per set of tag keys (a family may hold several).</summary>
    private sealed class InstrumentFamily(IMetricFactory factory, string name, string help, PrometheusKind kind, bool increments, double[]? buckets)
    {
        private readonly ConcurrentDictionary<string, Collector> _byLabelNames = new(StringComparer.Ordinal);

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labels = new (string Name, string Value)[tags.Length];
            for (var i = 0; i < tags.Length; i++) labels[i] = (PrometheusNames.Label(tags[i].Key), tags[i].Value?.ToString() ?? "");
            Array.Sort(labels, (a, b) => string.CompareOrdinal(a.Name, b.Name));
            var names = Array.ConvertAll(labels, l => l.Name);
            var values = Array.ConvertAll(labels, l => l.Value);
            var metric = _byLabelNames.GetOrAdd(string.Join(',', names), _ => Create(names));
            switch (metric)
            {
                case Counter counter when increments:
                    counter.WithLabels(values).Inc(value);
                    break;
                case Counter counter:
                    counter.WithLabels(values).IncTo(value);
                    break;
                case Gauge gauge when increments:
                    gauge.WithLabels(values).Inc(value);
                    break;
                case Gauge gauge:
                    gauge.WithLabels(values).Set(value);
                    break;
                case Histogram histogram:
                    histogram.WithLabels(values).Observe(value);
                    break;
            }
        }

        private Collector Create(string[] labelNames) => kind switch
        {
            PrometheusKind.Counter => factory.CreateCounter(name, help, labelNames),
            PrometheusKind.Gauge => factory.CreateGauge(name, help, labelNames),
            _ => factory.CreateHistogram(name, help, labelNames, new HistogramConfiguration { Buckets = buckets }),
        };
    }
}
