using System.Diagnostics.Metrics;

namespace IceSpec.Tests.Observability;

/// <summary>
/// What one <see cref="Meter"/> instance records (other meters of the same name, e.g. parallel tests' servers, stay out),
/// by instrument and tags: <c>recorder["icespec.turn.relayed.bytes{direction=client-to-peer}"]</c> — the sum of the
/// measurements of a recorded instrument, the value observed now of an observable one.
/// </summary>
public sealed class MeterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, double> _totals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<double>> _values = new(StringComparer.Ordinal);

    public MeterRecorder(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>The value of <paramref name="key"/> (instrument name, then <c>{tag=value,…}</c> sorted by tag when tagged); 0 if none.</summary>
    public double this[string key]
    {
        get
        {
            _listener.RecordObservableInstruments();
            lock (_totals) return _totals.GetValueOrDefault(key);
        }
    }

    /// <summary>Every key with a non-zero sum.</summary>
    public IReadOnlyDictionary<string, double> NonZero
    {
        get
        {
            _listener.RecordObservableInstruments();
            lock (_totals) return _totals.Where(t => t.Value != 0).ToDictionary(t => t.Key, t => t.Value);
        }
    }

    /// <summary>Each measurement of <paramref name="key"/> (for histograms).</summary>
    public IReadOnlyList<double> Values(string key)
    {
        lock (_totals) return _values.TryGetValue(key, out var list) ? [.. list] : [];
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = instrument.Name;
        if (!tags.IsEmpty)
            key += "{" + string.Join(",", tags.ToArray().OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}")) + "}";
        lock (_totals)
        {
            _totals[key] = instrument.IsObservable ? value : _totals.GetValueOrDefault(key) + value;
            if (!_values.TryGetValue(key, out var list)) _values[key] = list = [];
            list.Add(value);
        }
    }

    public void Dispose() => _listener.Dispose();
}
