using IceSpec.Conformance.Cases.Server;

namespace IceSpec.Conformance.Tests.Runner;

/// <summary>
/// conformance/known-failures.txt as the lab tests use it: the upstream failures ./run.sh expects, each with its evidence
/// (copied next to the tests as ServerCases/expected-failures.txt).
/// </summary>
internal static class KnownFailures
{
    public static string Text => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ServerCases", "expected-failures.txt"));

    public static ExpectedFailures Load() => ExpectedFailures.Parse(Text, "known-failures.txt");
}
