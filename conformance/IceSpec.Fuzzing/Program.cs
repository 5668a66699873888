using IceSpec.Fuzzing.Targets;

namespace IceSpec.Fuzzing;

/// <summary>
/// The harness program (README.md). <c>afl TARGET [WARMUP_DIR]</c> runs one target in SharpFuzz's AFL loop (under
/// afl-fuzz, scripts/fuzz.sh); <c>replay TARGET PATH…</c> runs files or folders through a target and prints each crash
/// and each input over the time limit; <c>seeds REPO OUT</c> writes the seed corpora made from pcaps/ and spec/;
/// <c>list</c> names the targets. The test runner never calls this.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var target = args.Length >= 2 ? FuzzTargets.Find(args[1]) : null;
        switch (args.FirstOrDefault())
        {
            case "list":
                foreach (var t in FuzzTargets.All) Console.WriteLine($"{t.Name,-12} {t.Description}");
                return 0;
            case "afl" when target is not null:
                if (args.Length > 2) WarmUp(target, args[2..]);
                SharpFuzz.Fuzzer.Run(stream =>
                {
                    using var copy = new MemoryStream();
                    stream.CopyTo(copy);
                    var start = ThreadCpuClock.Now;
                    target.Execute(copy.GetBuffer().AsSpan(0, (int)copy.Length));
                    // The 100 ms limit, on CPU time: afl-fuzz's own -t is wall time, which a shared machine exceeds for
                    // any input, and a timeout kills SharpFuzz's in-process loop with the campaign (scripts/fuzz.sh).
                    if (ThreadCpuClock.Now - start is var used && used > Replay.Limit)
                        throw new TimeLimitExceeded($"{used.TotalMilliseconds:F0} ms of CPU (limit {Replay.Limit.TotalMilliseconds:F0} ms)");
                });
                return 0;
            case "replay" when target is not null && args.Length > 2:
            {
                var files = Replay.Inputs(args[2..]).ToList();
                Replay.Run(target, files); // warm-up: JIT
                var failures = Replay.Run(target, files);
                foreach (var failure in failures) Console.WriteLine(failure);
                var (slowest, time) = Replay.Slowest(target, files);
                Console.Error.WriteLine($"{target.Name}: {files.Count} inputs, {failures.Count} failures, slowest {time.TotalMilliseconds:F1} ms ({slowest})");
                return failures.Count == 0 ? 0 : 1;
            }
            case "seeds" when args.Length == 3:
                SeedCorpus.Write(args[1], args[2]);
                return 0;
        }
        Console.Error.WriteLine("usage: IceSpec.Fuzzing list | afl TARGET [WARMUP_DIR…] | replay TARGET PATH… | seeds REPO OUT_DIR\n" +
                                "targets: " + string.Join(", ", FuzzTargets.All.Select(t => t.Name)));
        return 2;
    }

    /// <summary>
    /// JITs the target on its seeds before the AFL loop starts, so afl-fuzz's -t limit measures the target, not the
    /// compiler. The instrumented assemblies count edges into SharpFuzz's shared map, which only the loop attaches to
    /// afl's shared memory: until then they count into a scratch map of the same size.
    /// </summary>
    private static unsafe void WarmUp(FuzzTarget target, string[] seeds)
    {
        var scratch = System.Runtime.InteropServices.NativeMemory.AllocZeroed(MapSize);
        SharpFuzz.Common.Trace.SharedMem = (byte*)scratch;
        Replay.Run(target, Replay.Inputs(seeds));
        SharpFuzz.Common.Trace.SharedMem = null;
        SharpFuzz.Common.Trace.PrevLocation = 0;
        System.Runtime.InteropServices.NativeMemory.Free(scratch);
    }

    /// <summary>An input took longer than <see cref="Replay.Limit"/>: afl-fuzz saves it as a crash.</summary>
    private sealed class TimeLimitExceeded(string message) : Exception(message);

    /// <summary>AFL's coverage map: 64 KB (MAP_SIZE), the size SharpFuzz instruments for.</summary>
    private const int MapSize = 1 << 16;
}
