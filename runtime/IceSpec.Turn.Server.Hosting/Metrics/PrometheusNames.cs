using System.Text;

namespace IceSpec.Turn.Server;

/// <summary>How an instrument is exposed to Prometheus (the OpenTelemetry specification's metric point kinds).</summary>
internal enum PrometheusKind
{
    /// <summary>Monotonic sum: <c>Counter</c>, <c>ObservableCounter</c> → <c>counter</c>, name ending <c>_total</c>.</summary>
    Counter,

    /// <summary>Non-monotonic sum or gauge: <c>UpDownCounter</c>, <c>ObservableUpDownCounter</c>, <c>Gauge</c>, <c>ObservableGauge</c>.</summary>
    Gauge,

    /// <summary><c>Histogram</c> → <c>_bucket</c>, <c>_sum</c>, <c>_count</c>.</summary>
    Histogram,
}

/// <summary>
/// Prometheus names of OpenTelemetry-style instruments, after the OpenTelemetry specification "Prometheus and OpenMetrics
/// Compatibility" (Metric Metadata): the instrument name with every character outside <c>[a-zA-Z0-9_:]</c> as <c>_</c>
/// (runs of <c>_</c> as one, a leading digit behind <c>_</c>), then the unit in words unless the name already ends with it
/// (<c>By</c> → <c>_bytes</c>, <c>s</c> → <c>_seconds</c>, <c>By/s</c> → <c>_bytes_per_second</c>; an annotation such as
/// <c>{allocation}</c> adds nothing; <c>1</c> is <c>_ratio</c> on a gauge), then <c>_total</c> on a monotonic counter.
/// The meter's name is not part of it.
/// </summary>
internal static class PrometheusNames
{
    /// <summary>The specification's UCUM units and their Prometheus words.</summary>
    private static readonly Dictionary<string, string> Units = new(StringComparer.Ordinal)
    {
        ["d"] = "days", ["h"] = "hours", ["min"] = "minutes", ["s"] = "seconds", ["ms"] = "milliseconds",
        ["us"] = "microseconds", ["ns"] = "nanoseconds",
        ["By"] = "bytes", ["KiBy"] = "kibibytes", ["MiBy"] = "mebibytes", ["GiBy"] = "gibibytes", ["TiBy"] = "tibibytes",
        ["KBy"] = "kilobytes", ["MBy"] = "megabytes", ["GBy"] = "gigabytes", ["TBy"] = "terabytes",
        ["m"] = "meters", ["V"] = "volts", ["A"] = "amperes", ["J"] = "joules", ["W"] = "watts", ["g"] = "grams",
        ["Cel"] = "celsius", ["Hz"] = "hertz", ["%"] = "percent",
    };

    /// <summary>The denominators of <c>x/y</c> units, singular.</summary>
    private static readonly Dictionary<string, string> PerUnits = new(StringComparer.Ordinal)
    {
        ["s"] = "second", ["m"] = "minute", ["h"] = "hour", ["d"] = "day", ["w"] = "week", ["mo"] = "month", ["y"] = "year",
    };

    public static string Metric(string instrumentName, string? unit, PrometheusKind kind)
    {
        var name = Sanitize(instrumentName);
        var suffix = UnitSuffix(unit, kind);
        if (suffix.Length > 0 && !name.EndsWith("_" + suffix, StringComparison.Ordinal)) name += "_" + suffix;
        if (kind == PrometheusKind.Counter && !name.EndsWith("_total", StringComparison.Ordinal)) name += "_total";
        return name;
    }

    /// <summary>A tag's key as a label name: <c>[a-zA-Z_][a-zA-Z0-9_]*</c>.</summary>
    public static string Label(string tagKey) => Sanitize(tagKey.Replace(':', '_'));

    private static string UnitSuffix(string? unit, PrometheusKind kind)
    {
        if (string.IsNullOrEmpty(unit)) return "";
        var withoutAnnotations = StripAnnotations(unit);
        if (withoutAnnotations.Length == 0) return "";
        if (withoutAnnotations == "1") return kind == PrometheusKind.Gauge ? "ratio" : "";
        var slash = withoutAnnotations.IndexOf('/');
        if (slash < 0) return Word(withoutAnnotations, Units);
        var per = Word(withoutAnnotations[(slash + 1)..], PerUnits);
        var of = withoutAnnotations[..slash];
        return of.Length == 0 || of == "1" ? $"per_{per}" : $"{Word(of, Units)}_per_{per}";
    }

    /// <summary>A known unit's word, or the unit itself cleaned to a name part.</summary>
    private static string Word(string unit, Dictionary<string, string> words) =>
        words.TryGetValue(unit, out var word) ? word : Sanitize(unit).Trim('_');

    /// <summary>UCUM annotations (<c>{…}</c>) carry no unit.</summary>
    private static string StripAnnotations(string unit)
    {
        var kept = new StringBuilder(unit.Length);
        var depth = 0;
        foreach (var c in unit)
        {
            if (c == '{') depth++;
            else if (c == '}' && depth > 0) depth--;
            else if (depth == 0) kept.Append(c);
        }
        return kept.ToString().Trim();
    }

    private static string Sanitize(string text)
    {
        var name = new StringBuilder(text.Length + 1);
        foreach (var c in text)
        {
            var kept = char.IsAsciiLetterOrDigit(c) || c is '_' or ':' ? c : '_';
            if (kept == '_' && name.Length > 0 && name[^1] == '_') continue;
            name.Append(kept);
        }
        if (name.Length == 0 || char.IsAsciiDigit(name[0])) name.Insert(0, '_');
        return name.ToString();
    }
}
