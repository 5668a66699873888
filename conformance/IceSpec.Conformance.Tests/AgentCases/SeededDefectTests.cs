using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Cases.Agent;
using Xunit.Abstractions;

namespace IceSpec.Conformance.Tests.AgentCases;

/// <summary>
/// Proof that the agent cases can fail: IceSpec's agent with one defect planted (<c>ICESPEC_SEEDED_DEFECT</c>, see
/// runtime/IceSpec.Ice/Agent/IceSeededDefect.cs) must fail the case named for it, and the same case must pass against
/// the agent without the defect. The kill rate (defects caught / defects planted) is printed and recorded in
/// conformance/README.md.
/// </summary>
public sealed class SeededDefectTests(ITestOutputHelper output)
{
    /// <summary>Each planted defect, the case that must catch it, and the nomination mode the IUT runs with.</summary>
    public static TheoryData<string, string> Defects() => new()
    {
        { "NoFingerprint", "rfc8445-7.2.4-1" },
        { "HostTypePriority", "rfc8445-7.1.1-1" },
        { "UseCandidateWhenControlled", "rfc8445-7.1.2-2" },
        { "NoTriggeredCheck", "rfc8445-7.3.1.4-3" },
        { "UnpacedChecks", "rfc8445-14.2-1" },
        { "NonSymmetricAccepted", "rfc8445-7.2.5.2.1-1" },
        { "SelectBeforeNomination", "rfc8445-6.1.4.2-2" },
        { "RetransmitCancelled", "rfc8445-7.3.1.4-5" },
        { "NominateBeforeSuccess", "rfc8445-8.1.1-2" },
        { "ConsentFixedPeriod", "rfc7675-5.1-3" },
        { "ConsentEveryTwoSeconds", "rfc7675-5.1-2" },
        { "DataAfterConsentExpired", "rfc7675-5.1-1" },
        { "StayControlledWithLitePeer", "rfc8445-6.1.1-1" },
        { "FailBeforeEndOfCandidates", "rfc8838-8-1" },
        { "CandidatesAfterEndOfCandidates", "rfc8838-14-1" },
        { "OldCredentialsAfterRestart", "rfc8445-9-2" },
        { "WrongMappedAddress", "rfc8489-6.3.1.1-3" },
        { "NoIntegrityCheck", "rfc8489-9.1.3-5" },
        { "AcceptBadFingerprint", "rfc8489-6.3-5" },
        { "SwitchOnEveryRoleConflict", "rfc8445-7.3.1.1-1" },
        { "IgnoreRoleConflictResponse", "rfc8445-7.2.5.1-1" },
        { "KeepTieBreakerAfterRoleConflict", "rfc8445-7.2.5.1-3" },
    };

    [Theory]
    [MemberData(nameof(Defects))]
    public async Task The_seeded_agent_fails_the_case_and_the_correct_agent_passes_it(string defect, string caseId)
    {
        var seeded = await RunAsync(SeededDriver(defect), caseId);
        var correct = await RunAsync(DriverRegistry.Get("icespec"), caseId);
        output.WriteLine($"{defect}: seeded {seeded.Outcome}: {seeded.Detail}");
        output.WriteLine($"correct {correct.Outcome}: {correct.Detail}");
        Assert.Equal(CaseOutcome.Failed, seeded.Outcome);
        Assert.Equal(CaseOutcome.Passed, correct.Outcome);
    }

    [Fact]
    public void Every_defect_the_agent_knows_is_in_the_table()
    {
        var planted = Defects().Select(row => (string)row[0]).ToHashSet();
        var known = Enum.GetNames(typeof(Ice.IceAgent).Assembly.GetType("IceSpec.Ice.IceSeededDefect")!).Where(n => n != "None");
        Assert.Empty(known.Except(planted));
        Assert.True(planted.Count >= 12, $"the issue asks for at least 12 seeded defects; {planted.Count} so far");
    }

    private static DriverSpec SeededDriver(string defect)
    {
        var icespec = DriverRegistry.Get("icespec");
        var spec = icespec with { Name = "icespec-" + defect };
        DriverRegistry.Register(spec, async ct =>
        {
            var launch = await DriverRegistry.PrepareAsync(icespec, ct);
            return launch with { Environment = new Dictionary<string, string>(launch.Environment ?? new Dictionary<string, string>()) { ["ICESPEC_SEEDED_DEFECT"] = defect } };
        });
        return spec;
    }

    private static async Task<CaseResult> RunAsync(DriverSpec driver, string caseId)
    {
        var directory = Path.Combine(Path.GetTempPath(), "icespec-seeded-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var results = await AgentCaseSuite.RunAsync(driver, "regular", new AgentCaseOptions(directory, Selects: c => c.Id == caseId), null, CancellationToken.None);
            return Assert.Single(results);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
