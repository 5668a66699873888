using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Cases.Server;
using Xunit.Abstractions;
using static IceSpec.Conformance.Cases.CaseOutcome;

namespace IceSpec.Conformance.Tests.ServerCases;

/// <summary>
/// The cases added for issue 11 (failed authentication and the 5-tuple, reason phrases, TCP framing, ADDITIONAL-ADDRESS-FAMILY)
/// against <see cref="FaultyTurnServer"/>: passed when it has no fault, and each fault fails exactly the cases that check it,
/// with a detail that names what came back — so none of them is a case that cannot fail.
/// </summary>
[Trait("Category", "unit")]
public sealed class FaultyServerCaseTests(ITestOutputHelper output)
{
    private static readonly string[] Cases = ["rfc8489-14.8-1", "rfc8489-6.3-4", "rfc8656-12-1", "rfc8656-7.2-13", "rfc8656-7.2-14", "rfc8656-7.2-15"];

    private async Task<IReadOnlyList<CaseResult>> RunAsync(TurnFaults faults)
    {
        await using var server = new FaultyTurnServer(faults);
        var target = new ServerTarget($"faulty({faults})", "127.0.0.1", server.Port, server.Port, "alice", "secret", FaultyTurnServer.Realm)
        {
            OtherUsers = [new ServerUser("bob", "hunter2")],
        };
        var results = await ServerCaseSuite.RunAsync(target, new ServerCaseOptions(CaseIds: Cases), null, CancellationToken.None);
        ServerCaseSuiteTests.PrintResults(output, results);
        return results;
    }

    [Fact]
    public async Task Without_a_fault_the_fake_passes_every_new_case()
    {
        var results = await RunAsync(TurnFaults.None);
        Assert.Equal(Cases.Length, results.Count);
        Assert.All(results, r => Assert.True(r.Outcome == Passed, $"{r.Case.Id}: {r.Outcome}: {r.Detail}"));
    }

    [Theory]
    [InlineData(TurnFaults.BindsUserOnFailedAuthentication, "rfc8656-7.2-15", "got Allocate error 437 \"Allocation mismatch: wrong credentials\"")]
    [InlineData(TurnFaults.NulPaddedReasonPhrases, "rfc8489-14.8-1", "ends with 2 NUL bytes")]
    [InlineData(TurnFaults.TcpHangsAfterMalformedFrame, "rfc8489-6.3-4", "the connection is stuck (neither answered nor closed)")]
    [InlineData(TurnFaults.TcpHangsAfterMalformedFrame, "rfc8656-12-1", "the connection is stuck (neither answered nor closed)")]
    [InlineData(TurnFaults.AcceptsIpv4AdditionalFamily, "rfc8656-7.2-13", "expected error 400, got Allocate success")]
    [InlineData(TurnFaults.OmitsAddressErrorCode, "rfc8656-7.2-14", "no ADDRESS-ERROR-CODE saying why there is no IPv6 one")]
    public async Task Each_fault_fails_the_case_that_checks_it_and_no_other(TurnFaults fault, string failing, string detail)
    {
        var results = await RunAsync(fault);
        var failed = fault == TurnFaults.TcpHangsAfterMalformedFrame ? new[] { "rfc8489-6.3-4", "rfc8656-12-1" } : [failing];
        foreach (var result in results)
        {
            var want = failed.Contains(result.Case.Id) ? Failed : Passed;
            Assert.True(result.Outcome == want, $"{result.Case.Id} against {fault}: expected {want}, got {result.Outcome}: {result.Detail}");
        }
        Assert.Contains(detail, results.Single(r => r.Case.Id == failing).Detail);
    }
}
