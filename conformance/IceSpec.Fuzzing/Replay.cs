using System.Runtime.InteropServices;
using IceSpec.Fuzzing.Targets;

namespace IceSpec.Fuzzing;

/// <summary>A crash or an input over the time limit, found by replaying a file.</summary>
public sealed record ReplayFailure(string Input, string What)
{
    public override string ToString() => $"{Input}: {What}";
}

/// <summary>Runs inputs through a target in process: what the CI short campaign and <c>replay</c> do.</summary>
public static class Replay
{
    /// <summary>The limit: no input may take longer (afl-fuzz -t 100 in the campaign).</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromMilliseconds(100);

    /// <summary>The files under each path (a file or a folder, recursively), in a stable order; README files excluded.</summary>
    public static IEnumerable<string> Inputs(IEnumerable<string> paths) =>
        paths.SelectMany<string, string>(p => Directory.Exists(p)
                ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                : File.Exists(p) ? [p] : [])
            .Where(f => !Path.GetFileName(f).StartsWith("README", StringComparison.Ordinal));

    public static List<ReplayFailure> Run(FuzzTarget target, IEnumerable<string> files) =>
        files.Select(f => Check(target, File.ReadAllBytes(f), f)).OfType<ReplayFailure>().ToList();

    /// <summary>The input that takes longest (best of three runs each) and its time.</summary>
    public static (string Input, TimeSpan Time) Slowest(FuzzTarget target, IEnumerable<string> files) =>
        files.Select(f => (f, Enumerable.Range(0, 3).Min(_ => Time(target, File.ReadAllBytes(f))))).MaxBy(r => r.Item2);

    private static TimeSpan Time(FuzzTarget target, byte[] input)
    {
        var start = ThreadCpuClock.Now;
        try { target.Execute(input); } catch (Exception) { }
        return ThreadCpuClock.Now - start;
    }

    /// <summary>
    /// One input: a crash is an exception out of <see cref="FuzzTarget.Execute"/>. The time is the CPU time of this
    /// thread (<see cref="ThreadCpuClock"/>), the best of three runs when the first is over the limit, so a busy machine
    /// (2 cores shared by five here) does not pass for a slow input.
    /// </summary>
    public static ReplayFailure? Check(FuzzTarget target, byte[] input, string name)
    {
        var best = TimeSpan.MaxValue;
        for (var run = 0; run < 3 && best > Limit; run++)
        {
            var start = ThreadCpuClock.Now;
            try
            {
                target.Execute(input);
            }
            catch (Exception e)
            {
                return new ReplayFailure(name, $"{e.GetType().FullName}: {e.Message}\n{e.StackTrace}");
            }
            var elapsed = ThreadCpuClock.Now - start;
            if (elapsed < best) best = elapsed;
        }
        return best > Limit ? new ReplayFailure(name, $"took {best.TotalMilliseconds:F0} ms (limit {Limit.TotalMilliseconds:F0} ms)") : null;
    }
}

/// <summary>The CPU time the calling thread has used (Linux clock_gettime(CLOCK_THREAD_CPUTIME_ID)): what an input costs, whatever else runs.</summary>
public static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID, <linux/time.h>

    public static TimeSpan Now
    {
        get
        {
            if (clock_gettime(ClockThreadCpuTime, out var time) != 0) throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
            return TimeSpan.FromTicks(time.Seconds * TimeSpan.TicksPerSecond + time.Nanoseconds / 100);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial int clock_gettime(int clock, out Timespec time);
}
