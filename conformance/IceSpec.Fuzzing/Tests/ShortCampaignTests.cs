using IceSpec.Fuzzing.Targets;
using Xunit.Abstractions;

namespace IceSpec.Fuzzing.Tests;

/// <summary>
/// CI's short campaign (README.md): every target replays its whole seed corpus and its regression corpus, then runs a few
/// seconds of mutations of those in process; any undocumented exception, broken invariant or input over 100 ms fails.
/// <c>ICESPEC_FUZZ_SEEDED_CRASH=TARGET</c> puts a seeded crash into that target (see <see cref="SeededCrash"/>): the
/// short run must then fail.
/// </summary>
[Trait("Category", "unit")]
public sealed class ShortCampaignTests(ITestOutputHelper output)
{
    /// <summary>Mutations per target: at most this many, for at most <see cref="Budget"/> (6 targets).</summary>
    private const int Executions = 1_000_000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(4);

    public static TheoryData<string> Targets() => new(FuzzTargets.All.Select(t => t.Name));

    [Theory]
    [MemberData(nameof(Targets))]
    public void Seeds_and_regressions_run_without_crash_within_100_ms(string name)
    {
        var target = Target(name);
        var files = Corpus.Files(name).ToList();
        Assert.NotEmpty(files);
        var failures = Replay.Run(target, files);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Mutated_seeds_run_without_crash_within_100_ms(string name)
    {
        var target = Target(name);
        var mutator = new Mutator(Corpus.Inputs(name), randomSeed: 20261206);
        var found = mutator.Run(target, Executions, Budget);
        output.WriteLine($"{name}: {mutator.Executions} executions");
        if (found is { } crash)
        {
            var path = Path.Combine(Path.GetTempPath(), $"icespec-fuzz-{name}-{Guid.NewGuid():N}");
            File.WriteAllBytes(path, crash.Input);
            Assert.Fail($"{crash.Failure}\ninput written to {path} (commit it under regressions/{name}/, README.md)");
        }
    }

    [Fact]
    public void A_seeded_crash_is_found_by_the_short_run()
    {
        var target = new SeededCrash(new StunTarget());
        Assert.Empty(Replay.Run(target, Corpus.Files("stun"))); // not in the seeds: the mutations must find it
        var found = new Mutator(Corpus.Inputs("stun"), randomSeed: 20261206).Run(target, Executions, TimeSpan.FromSeconds(30));
        Assert.NotNull(found);
        Assert.Contains(nameof(SeededCrashException), found.Value.Failure.What);
    }

    [Fact]
    public void An_input_over_100_ms_of_cpu_is_reported_and_one_under_is_not()
    {
        var target = new Spinning();
        Assert.Null(Replay.Check(target, [50], "50 ms"));
        var slow = Replay.Check(target, [150], "150 ms");
        Assert.NotNull(slow);
        Assert.Matches(@"took 1\d\d ms \(limit 100 ms\)", slow.What);
    }

    /// <summary>Burns as many milliseconds of CPU as its input's first byte says.</summary>
    private sealed class Spinning : FuzzTarget
    {
        public override string Name => "spinning";
        public override string Description => "a target as slow as its input says";

        public override void Run(ReadOnlySpan<byte> input)
        {
            var until = ThreadCpuClock.Now + TimeSpan.FromMilliseconds(input[0]);
            while (ThreadCpuClock.Now < until) { }
        }
    }

    private static FuzzTarget Target(string name)
    {
        var target = FuzzTargets.Find(name)!;
        return Environment.GetEnvironmentVariable("ICESPEC_FUZZ_SEEDED_CRASH") == name ? new SeededCrash(target) : target;
    }
}

/// <summary>The files of corpus/TARGET and regressions/TARGET copied beside the test assembly.</summary>
internal static class Corpus
{
    public static IEnumerable<string> Files(string target) =>
        Replay.Inputs(new[] { "corpus", "regressions" }.Select(folder => Path.Combine(AppContext.BaseDirectory, folder, target)));

    public static IReadOnlyList<byte[]> Inputs(string target) => Files(target).Select(File.ReadAllBytes).ToList();
}

/// <summary>
/// A seeded defect for showing the short campaign can fail: the wrapped target, plus a crash on any well-framed STUN
/// message whose transaction ID ends in 0xEE (no seed has one; one mutated byte makes one).
/// </summary>
internal sealed class SeededCrash(FuzzTarget inner) : FuzzTarget
{
    public override string Name => inner.Name;
    public override string Description => inner.Description + " + a seeded crash";

    public override void Run(ReadOnlySpan<byte> input)
    {
        for (var at = 0; at + 20 <= input.Length; at++)
            if (Stun.StunMessage.TryParse(input[at..], out var message) == Stun.StunParseStatus.Ok && message.TransactionId[11] == 0xEE)
                throw new SeededCrashException();
        inner.Run(input);
    }

    public override bool IsDocumented(Exception exception) => inner.IsDocumented(exception);
}

internal sealed class SeededCrashException() : Exception("seeded crash: a STUN transaction ID ending in 0xEE");
