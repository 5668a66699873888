using System.Globalization;
using IceSpec.Ice.Benchmarks;

// Time to connected of two IceSessions on loopback: warm-up runs (JIT) discarded, then one line per run and the median.
// "soak": many session pairs in this process connected for minutes, then disposed and checked freed (Soak/SoakRun.cs).
if (args is ["soak", .. var soakArgs])
{
    var (soak, soakError) = SoakOptions.Parse(soakArgs);
    if (soak is null)
    {
        Console.Error.WriteLine($"IceSpec.Ice.Benchmarks soak: {soakError}\n{SoakOptions.Usage}");
        return 2;
    }
    return await SoakRun.RunAsync(soak);
}

var (options, error) = BenchmarkOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine($"IceSpec.Ice.Benchmarks: {error}\n{BenchmarkOptions.Usage}");
    return 2;
}

var invariant = CultureInfo.InvariantCulture;
Console.WriteLine($"IceSession pair on 127.0.0.1: nomination {options.Nomination.ToString().ToLowerInvariant()}, " +
    $"Ta {options.Pacing.TotalMilliseconds.ToString(invariant)} ms, {options.Warmup} warm-up + {options.Runs} runs");
try
{
    for (var i = 0; i < options.Warmup; i++) await ConnectPairRun.RunAsync(options.Nomination, options.Pacing);
    var runs = new List<ConnectPairRun>();
    for (var i = 0; i < options.Runs; i++)
    {
        var run = await ConnectPairRun.RunAsync(options.Nomination, options.Pacing);
        runs.Add(run);
        Console.WriteLine(string.Create(invariant, $"run {i + 1}: {run.TotalMs:F3} ms"));
        if (options.Phases)
            foreach (var (name, ms) in run.Marks) Console.WriteLine(string.Create(invariant, $"    {ms,8:F3} ms  {name}"));
    }
    if (options.Phases)
    {
        Console.WriteLine("median time of each mark over the runs that have it:");
        foreach (var group in runs.SelectMany(r => r.Marks).GroupBy(m => m.Name).OrderBy(g => Median(g.Select(m => m.Ms))))
            Console.WriteLine(string.Create(invariant, $"    {Median(group.Select(m => m.Ms)),8:F3} ms  {group.Key} ({group.Count()} runs)"));
    }
    Console.WriteLine(string.Create(invariant, $"median: {Median(runs.Select(r => r.TotalMs)):F3} ms"));
    return 0;
}
catch (Exception e) when (e is TimeoutException or IceSpec.Ice.IceSessionException)
{
    Console.Error.WriteLine($"IceSpec.Ice.Benchmarks: {e.Message}");
    return 1;
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}
