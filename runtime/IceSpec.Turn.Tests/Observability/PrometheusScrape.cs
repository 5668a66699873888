using System.Globalization;
using System.Text.RegularExpressions;

namespace IceSpec.Turn.Tests.Observability;

/// <summary>
/// A scrape in the Prometheus text format 0.0.4 (prometheus.io, "Exposition formats"), read as a Prometheus server reads
/// it: <c># TYPE name type</c> declares a family, <c># HELP name text</c> describes it, <c>name{labels} value</c> lines are
/// its samples (a histogram's as <c>name_bucket</c>, <c>name_sum</c>, <c>name_count</c>).
/// </summary>
public sealed partial class PrometheusScrape
{
    private PrometheusScrape(IReadOnlyDictionary<string, string> types, IReadOnlyDictionary<string, double> samples, IReadOnlyList<string> problems)
    {
        Types = types;
        Samples = samples;
        Problems = problems;
    }

    /// <summary>Family name → declared type (<c>counter</c>, <c>gauge</c>, <c>histogram</c>…).</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    /// <summary><c>name{labels}</c> as written → value.</summary>
    public IReadOnlyDictionary<string, double> Samples { get; }

    /// <summary>
    /// What operators' tooling objects to, one line each: a name outside <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>, a family declared
    /// (TYPE or HELP) twice, a counter whose name does not end with <c>_total</c>, a sample of no declared family, a value
    /// that is no number.
    /// </summary>
    public IReadOnlyList<string> Problems { get; }

    public static PrometheusScrape Parse(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var helps = new HashSet<string>(StringComparer.Ordinal);
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        var problems = new List<string>();
        var sampleNames = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal) || line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var rest = line[7..];
                var space = rest.IndexOf(' ');
                var name = space < 0 ? rest : rest[..space];
                if (!MetricName().IsMatch(name)) problems.Add($"bad name '{name}'");
                if (line[2] == 'T')
                {
                    var type = space < 0 ? "" : rest[(space + 1)..];
                    if (!types.TryAdd(name, type)) problems.Add($"'{name}' declared twice");
                    if (type == "counter" && !name.EndsWith("_total", StringComparison.Ordinal)) problems.Add($"counter '{name}' does not end with _total");
                }
                else if (!helps.Add(name))
                {
                    problems.Add($"'{name}' described twice");
                }
                continue;
            }
            if (line[0] == '#') continue;
            var split = line.LastIndexOf(' ');
            var series = split < 0 ? line : line[..split];
            var brace = series.IndexOf('{');
            var sampleName = brace < 0 ? series : series[..brace];
            if (!MetricName().IsMatch(sampleName)) problems.Add($"bad name '{sampleName}'");
            sampleNames.Add(sampleName);
            if (split < 0 || !double.TryParse(line[(split + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                problems.Add($"no value in '{line}'");
            else
                samples[series] = value;
        }
        foreach (var name in sampleNames.Distinct().Where(n => FamilyOf(n, types) is null)) problems.Add($"sample '{name}' of no declared family");
        return new PrometheusScrape(types, samples, problems);
    }

    /// <summary>The family a sample belongs to: its own name, or a histogram's with the suffix taken off.</summary>
    private static string? FamilyOf(string sample, Dictionary<string, string> types)
    {
        if (types.ContainsKey(sample)) return sample;
        foreach (var suffix in (string[])["_bucket", "_sum", "_count"])
        {
            if (sample.EndsWith(suffix, StringComparison.Ordinal) && types.TryGetValue(sample[..^suffix.Length], out var type) && type == "histogram")
                return sample[..^suffix.Length];
        }
        return null;
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();
}
