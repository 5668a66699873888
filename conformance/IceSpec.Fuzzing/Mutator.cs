using System.Diagnostics;
using IceSpec.Fuzzing.Targets;

namespace IceSpec.Fuzzing;

/// <summary>
/// The CI short campaign's engine: a small deterministic mutational fuzzer in process (no coverage feedback — that is
/// afl-fuzz's job in the long campaign): each round takes a seed, applies 1–8 of AFL's havoc mutations (bit flips,
/// interesting values, arithmetic, random bytes, deletions, duplications, splices with another seed) and runs the
/// result through <see cref="Replay.Check"/>. Stops at the first failure.
/// </summary>
public sealed class Mutator(IReadOnlyList<byte[]> seeds, int randomSeed)
{
    private static readonly byte[] Interesting = [0x00, 0x01, 0x02, 0x03, 0x04, 0x10, 0x20, 0x3F, 0x40, 0x7F, 0x80, 0xC0, 0xFE, 0xFF];
    private readonly Random _random = new(randomSeed);

    public int Executions { get; private set; }

    /// <summary>Runs until <paramref name="executions"/> inputs were tried or <paramref name="budget"/> passed; the first failure with its input, or null.</summary>
    public (ReplayFailure Failure, byte[] Input)? Run(FuzzTarget target, int executions, TimeSpan budget)
    {
        var clock = Stopwatch.StartNew();
        while (Executions < executions && clock.Elapsed < budget)
        {
            var input = Mutate(seeds[_random.Next(seeds.Count)]);
            Executions++;
            if (Replay.Check(target, input, $"mutant {Executions}") is { } failure) return (failure, input);
        }
        return null;
    }

    public byte[] Mutate(byte[] seed)
    {
        var data = new List<byte>(seed);
        for (var n = 1 << _random.Next(4); n > 0; n--)
        {
            var at = data.Count == 0 ? 0 : _random.Next(data.Count);
            switch (data.Count == 0 ? 5 : _random.Next(8))
            {
                case 0: data[at] ^= (byte)(1 << _random.Next(8)); break;
                case 1: data[at] = Interesting[_random.Next(Interesting.Length)]; break;
                case 2: data[at] = (byte)(data[at] + _random.Next(-16, 17)); break;
                case 3: data[at] = (byte)_random.Next(256); break;
                case 4: data.RemoveRange(at, Math.Min(data.Count - at, 1 + _random.Next(16))); break;
                case 5: data.InsertRange(at, Enumerable.Range(0, 1 + _random.Next(16)).Select(_ => (byte)_random.Next(256))); break;
                case 6: data.InsertRange(at, data.Skip(_random.Next(data.Count)).Take(1 + _random.Next(32)).ToList()); break;
                default:
                    var other = seeds[_random.Next(seeds.Count)];
                    if (other.Length == 0) break;
                    var from = _random.Next(other.Length);
                    data.RemoveRange(at, data.Count - at);
                    data.AddRange(other.Skip(from));
                    break;
            }
        }
        return [.. data];
    }
}
