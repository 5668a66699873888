using System.Diagnostics;
using System.Globalization;

namespace IceSpec.Ice.Benchmarks;

/// <summary>
/// The soak: N pairs of sessions in this process connect on 127.0.0.1, stay connected for M minutes on consent
/// freshness alone (RFC 7675 §5.1: a check every 4–6 s, expiry after 30 s without an answer) with a datagram each
/// way per pair now and then, and are disposed; then nothing of theirs may be left (<see cref="ReleaseCheck"/>).
/// Prints what it measured; exit status 0 when every session connected, none lost consent, every datagram arrived
/// and everything was freed.
/// </summary>
internal static class SoakRun
{
    private static readonly TimeSpan ConnectLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(10);
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(SoakOptions options)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = Invariant;
        Print($"IceSession soak: {options.Pairs} pairs ({2 * options.Pairs} sessions) on 127.0.0.1, host candidates, " +
              $"{options.Duration.TotalMinutes:0.##} min connected, data every {options.DataEvery.TotalSeconds:0} s; " +
              $"{Environment.ProcessorCount} CPUs, server GC {System.Runtime.GCSettings.IsServerGC}, load {ProcessResources.LoadAverage()}");
        // Warm-up: JIT, the socket engine's epoll threads and the crypto library are in the baseline, not in the figures.
        var warmUp = await SessionFleet.ConnectAsync(1, ConnectLimit);
        await warmUp.DisposeAllAsync();
        var baseline = ProcessResources.Take(collect: true);
        Print($"baseline: {Describe(baseline)}");

        var connectWatch = Stopwatch.StartNew();
        var fleet = await SessionFleet.ConnectAsync(options.Pairs, ConnectLimit);
        var allConnected = connectWatch.Elapsed;
        var ms = fleet.ConnectMs.Order().ToArray();
        Print($"connect: {ms.Length} of {fleet.Sessions} sessions connected, all within {allConnected.TotalSeconds:F2} s of the first Create; " +
              $"per session p50 {Percentile(ms, 0.50):F1} ms, p99 {Percentile(ms, 0.99):F1} ms, max {(ms.Length > 0 ? ms[^1] : double.NaN):F1} ms");
        foreach (var reason in fleet.NotConnected.Take(10)) Print($"  not connected: {reason}");
        var dataFailures = new List<string>(await fleet.ExchangeDataAsync(TimeSpan.FromSeconds(10)));

        var connected = ProcessResources.Take(collect: true);
        Print($"connected: {Describe(connected)}; per session: RSS {(connected.ResidentBytes - baseline.ResidentBytes) / 1024.0 / fleet.Sessions:F1} KiB, " +
              $"managed heap {(connected.ManagedHeapBytes - baseline.ManagedHeapBytes) / 1024.0 / fleet.Sessions:F1} KiB, fds {(connected.FileDescriptors - baseline.FileDescriptors) / (double)fleet.Sessions:F2}");

        var soakStart = ProcessResources.Take(collect: false);
        var refreshesAtStart = fleet.ConsentRefreshes;
        var soakWatch = Stopwatch.StartNew();
        var last = soakStart;
        var nextData = options.DataEvery;
        while (soakWatch.Elapsed < options.Duration)
        {
            var step = Min(SampleEvery, options.Duration - soakWatch.Elapsed);
            await Task.Delay(step);
            if (soakWatch.Elapsed >= nextData)
            {
                dataFailures.AddRange(await fleet.ExchangeDataAsync(TimeSpan.FromSeconds(10)));
                nextData += options.DataEvery;
            }
            var now = ProcessResources.Take(collect: false);
            var seconds = (now.Taken - last.Taken).TotalSeconds;
            Print($"  {soakWatch.Elapsed.TotalSeconds,5:F0} s: losses {fleet.Losses.Count}, consent refreshes {fleet.ConsentRefreshes - refreshesAtStart}, " +
                  $"CPU {100 * (now.CpuTime - last.CpuTime).TotalSeconds / seconds:F1} %, allocated {(now.AllocatedBytes - last.AllocatedBytes) / 1048576.0 / seconds:F2} MiB/s, " +
                  $"gen0 GCs {now.Gen0Collections - last.Gen0Collections}, threads {now.Threads}, RSS {now.ResidentBytes / 1048576.0:F0} MiB, load {ProcessResources.LoadAverage()}");
            last = now;
        }
        var soakEnd = ProcessResources.Take(collect: false);
        var soakSeconds = (soakEnd.Taken - soakStart.Taken).TotalSeconds;
        var refreshes = fleet.ConsentRefreshes - refreshesAtStart;
        Print($"soak: {soakSeconds:F0} s; CPU {1e6 * (soakEnd.CpuTime - soakStart.CpuTime).TotalSeconds / fleet.Sessions / soakSeconds:F1} µs per session per second " +
              $"({100 * (soakEnd.CpuTime - soakStart.CpuTime).TotalSeconds / soakSeconds:F2} % of one CPU); allocated {(soakEnd.AllocatedBytes - soakStart.AllocatedBytes) / (double)fleet.Sessions / soakSeconds:F0} B per session per second; " +
              $"GCs gen0 {soakEnd.Gen0Collections - soakStart.Gen0Collections}, gen2 {soakEnd.Gen2Collections - soakStart.Gen2Collections}; threads {soakEnd.Threads}");
        Print($"consent: {refreshes} consent checks answered during the soak ({refreshes / (double)fleet.Sessions / (soakSeconds / 60):F1} per session per minute; " +
              $"RFC 7675 §5.1's 4–6 s gives 10–15), {fleet.ConsentRefreshes} since connecting; losses: {fleet.Losses.Count}");
        foreach (var loss in fleet.Losses.Take(10)) Print($"  lost: {loss}");
        Print($"data: {dataFailures.Count} datagrams failed");
        foreach (var failure in dataFailures.Take(10)) Print($"  {failure}");

        var disposeWatch = Stopwatch.StartNew();
        var disposed = await fleet.DisposeAllAsync();
        var disposeTime = disposeWatch.Elapsed;
        var release = await ReleaseCheck.MeasureAsync(baseline, fleet.Ports, disposed);
        Print($"dispose: {disposed.Count} sessions in {disposeTime.TotalSeconds:F2} s; {release}");
        var ok = fleet.NotConnected.Count == 0 && fleet.Losses.Count == 0 && dataFailures.Count == 0 && release.Freed;
        Print(ok ? "result: PASS" : "result: FAIL");
        return ok ? 0 : 1;
    }

    private static string Describe(ProcessResources r) =>
        $"fds {r.FileDescriptors} ({r.Sockets} sockets), threads {r.Threads}, RSS {r.ResidentBytes / 1048576.0:F1} MiB, managed heap {r.ManagedHeapBytes / 1048576.0:F1} MiB";

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static void Print(string line) => Console.WriteLine(line);
}
