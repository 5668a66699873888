using System.Globalization;
using IceSpec.Ice;

namespace IceSpec.Ice.Benchmarks;

/// <summary>The command line: --nomination regular|aggressive, --pacing MS, --runs N, --warmup N, --phases.</summary>
internal sealed record BenchmarkOptions(IceNomination Nomination, TimeSpan Pacing, int Runs, int Warmup, bool Phases)
{
    public const string Usage =
        "usage: IceSpec.Ice.Benchmarks [--nomination regular|aggressive] [--pacing MS] [--runs N] [--warmup N] [--phases]\n" +
        "  defaults: regular, 50 ms (RFC 8445 §14.2), 30 runs, 5 warm-up runs; --phases prints where each run's time went";

    /// <summary>The options, or an error message that names the bad argument.</summary>
    public static (BenchmarkOptions? Options, string? Error) Parse(string[] args)
    {
        var options = new BenchmarkOptions(IceNomination.Regular, TimeSpan.FromMilliseconds(IceFormulas.DefaultPacingMilliseconds), 30, 5, false);
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name == "--phases") { options = options with { Phases = true }; continue; }
            if (name is not ("--nomination" or "--pacing" or "--runs" or "--warmup")) return (null, $"unknown option '{name}'");
            if (i + 1 >= args.Length) return (null, $"{name} needs a value");
            var value = args[++i];
            switch (name)
            {
                case "--nomination" when value is "regular" or "aggressive":
                    options = options with { Nomination = value == "regular" ? IceNomination.Regular : IceNomination.Aggressive };
                    break;
                case "--nomination":
                    return (null, $"--nomination must be regular or aggressive, not '{value}'");
                // RFC 8445 §14.2: Ta is at least 5 ms.
                case "--pacing" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms is >= 5 and <= 1000:
                    options = options with { Pacing = TimeSpan.FromMilliseconds(ms) };
                    break;
                case "--pacing":
                    return (null, $"--pacing must be whole milliseconds from 5 (RFC 8445 §14.2) to 1000, not '{value}'");
                case "--runs" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var runs) && runs is >= 1 and <= 10000:
                    options = options with { Runs = runs };
                    break;
                case "--runs":
                    return (null, $"--runs must be a whole number from 1 to 10000, not '{value}'");
                case "--warmup" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var warmup) && warmup <= 1000:
                    options = options with { Warmup = warmup };
                    break;
                default:
                    return (null, $"--warmup must be a whole number from 0 to 1000, not '{value}'");
            }
        }
        return (options, null);
    }
}
