using BenchmarkDotNet.Running;

namespace IceSpec.Stun.Benchmarks;

public static class Program
{
    /// <summary>Run in Release: <c>dotnet run -c Release -- --filter '*' --job short</c>; run-vs-libnice.sh adds the libnice comparison.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
