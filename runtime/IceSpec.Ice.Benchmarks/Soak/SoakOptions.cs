using System.Globalization;

namespace IceSpec.Ice.Benchmarks;

/// <summary>The soak mode's command line: soak [--pairs N] [--minutes M] [--data-every S].</summary>
internal sealed record SoakOptions(int Pairs, TimeSpan Duration, TimeSpan DataEvery)
{
    public const string Usage =
        "usage: IceSpec.Ice.Benchmarks soak [--pairs N] [--minutes M] [--data-every S]\n" +
        "  defaults: 500 pairs (1000 sessions), 3 minutes connected, one datagram each way per pair every 30 s";

    public static (SoakOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        var options = new SoakOptions(500, TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(30));
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is not ("--pairs" or "--minutes" or "--data-every")) return (null, $"unknown option '{name}'");
            if (i + 1 >= args.Count) return (null, $"{name} needs a value");
            var value = args[++i];
            switch (name)
            {
                case "--pairs" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var pairs) && pairs is >= 1 and <= 5000:
                    options = options with { Pairs = pairs };
                    break;
                case "--pairs":
                    return (null, $"--pairs must be a whole number from 1 to 5000, not '{value}'");
                case "--minutes" when double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var minutes) && minutes is >= 0.1 and <= 600:
                    options = options with { Duration = TimeSpan.FromMinutes(minutes) };
                    break;
                case "--minutes":
                    return (null, $"--minutes must be a number from 0.1 to 600, not '{value}'");
                case "--data-every" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 1 and <= 3600:
                    options = options with { DataEvery = TimeSpan.FromSeconds(seconds) };
                    break;
                default:
                    return (null, $"--data-every must be whole seconds from 1 to 3600, not '{value}'");
            }
        }
        return (options, null);
    }
}
