using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Cases.Agent;
using IceSpec.Conformance.Cases.Server;
using Xunit.Abstractions;

namespace IceSpec.Conformance.Tests.AgentCases;

/// <summary>
/// Proof that the agent cases can fail: IceSpec's agent with one defect planted (<c>ICESPEC_SEEDED_DEFECT</c>, see
/// runtime/IceSpec.Ice/Agent/IceSeededDefect.cs) must fail each case named for it, and the same case must pass against
/// the agent without the defect. Every row is judged on one shared run (<see cref="SeededDefectRun"/>). The kill rate
/// (defects caught / defects planted) is printed, with the agent cases nothing shows failing: none may be left.
/// </summary>
[Trait("Category", "interop")]
public sealed class SeededDefectTests(SeededDefectRun run, ITestOutputHelper output) : IClassFixture<SeededDefectRun>
{
    /// <summary>
    /// Each planted defect and a case that must catch it. The IUT nominates as the case asks (<see cref="AgentCase.Nomination"/>;
    /// regular when it does not say).
    /// </summary>
    public static TheoryData<string, string> Defects() => new()
    {
        { "NoFingerprint", "rfc8445-7.2.4-1" },
        { "NoFingerprint", "rfc8445-7.2.4-2" },
        { "HostTypePriority", "rfc8445-7.1.1-1" },
        { "UseCandidateWhenControlled", "rfc8445-7.1.2-2" },
        { "NoTriggeredCheck", "rfc8445-7.3.1.4-3" },
        { "UnpacedChecks", "rfc8445-14.2-1" },
        { "NonSymmetricAccepted", "rfc8445-7.2.5.2.1-1" },
        { "NonSymmetricAccepted", "rfc8445-7.2.5.2.1-2" },
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
        { "OldCredentialsAfterRestart", "rfc8445-9-3" },
        { "OldCredentialsAfterRestart", "rfc8445-9-6" },
        { "WrongMappedAddress", "rfc8489-6.3.1.1-3" },
        { "WrongMappedAddress", "rfc8489-6.3.1.1-4" },
        { "NoIntegrityCheck", "rfc8489-9.1.3-5" },
        { "AcceptBadFingerprint", "rfc8489-6.3-5" },
        { "SwitchOnEveryRoleConflict", "rfc8445-7.3.1.1-1" },
        { "IgnoreRoleConflictResponse", "rfc8445-7.2.5.1-1" },
        { "KeepTieBreakerAfterRoleConflict", "rfc8445-7.2.5.1-3" },
        { "SwappedUsername", "rfc8445-7.2.2-1" },
        { "SwappedUsername", "rfc8445-7.2.2-2" },
        { "IntegrityWithOwnPassword", "rfc8445-7.2.2-3" },
        { "IntegrityWithOwnPassword", "rfc8445-7.2.2-4" },
        { "NoRoleAttribute", "rfc8445-7.1.3-1" },
        { "NoRoleAttribute", "rfc8445-7.1.3-2" },
        { "NoPairForUnknownSource", "rfc8445-7.3.1.4-1" },
        { "NoPairForUnknownSource", "rfc8445-7.3.1.4-2" },
        { "PeerReflexiveRemoteAsHost", "rfc8445-7.3.1.3-1" },
        { "PeerReflexiveRemoteAsHost", "rfc8445-7.3.1.3-2" },
        { "NominateEveryValidPair", "rfc8445-8.1.1-1" },
        { "SelectOtherPair", "rfc8445-8.1.1-3" },
        { "AggressiveNominatesLikeRegular", "rfc5245-8.1.1.2-1" },
        { "AggressiveSelectionWaitsForHigherPairs", "rfc5245-8.1.1.2-2" },
        { "IgnoreNominationOfValidPair", "rfc8445-7.3.1.5-1" },
        { "SelectOnUseCandidateBeforeSuccess", "rfc8445-7.3.1.5-2" },
        { "LatestNominationWins", "rfc8445-8.1.1-4" },
        { "NoAnswerAfterSelection", "rfc8445-11-1" },
        { "NoAnswerAfterSelection", "rfc8445-11-2" },
        { "IdleSelectedPairSilent", "rfc8445-11-3" },
        { "RestartKeepsPassword", "rfc8445-9-1" },
        { "RoleSwappedOnRestart", "rfc8445-9-4" },
        { "RoleSwappedOnRestart", "rfc8445-9-5" },
        { "RetransmitOverTcp", "rfc8489-6.2.2-1" },
        { "NoChecksOnPassiveTcp", "rfc8445-7.3-10" },
        { "ActiveTcpPortNotNine", "rfc6544-4.5-1" },
        { "ActivePairsWithActive", "rfc6544-6.2-1" },
        { "SimultaneousOpenFromAnyPort", "rfc6544-7.2-1" },
        { "UnframedTcpMessages", "rfc6544-3-1" },
        { "ShortPassword", "rfc8839-5.4-1" },
        { "LongUfrag", "rfc8839-5.4-2" },
        { "LongFoundation", "rfc8839-5.1-1" },
        { "ResponseToSignalledCandidate", "rfc8489-6.3.1.2-1" },
        { "ResponseSignedWithPeerPassword", "rfc8445-7.3-1" },
        { "ResponsesWithoutFingerprint", "rfc8445-7.3-2" },
        { "ResponsesWithoutFingerprint", "rfc8445-7.3-4" },
        { "RetransmittedCheckIgnored", "rfc8489-6.3.1-4" },
        { "IndicationAnswered", "rfc8489-6.3.2-2" },
        { "UnsignedErrorsAfterAuthentication", "rfc8489-9.1.3-7" },
        { "RefuseUnknownOptionalAttribute", "rfc8489-6.3-6" },
        { "EveryRoleAttributeConflicts", "rfc8445-7.3.1.1-5" },
        { "EveryRoleAttributeConflicts", "rfc8445-7.3.1.1-6" },
    };

    /// <summary>The third-party targets of a full agent-case run, whose known failures prove a case can fail too.</summary>
    private static readonly string[] ThirdParties =
        ["libnice/regular", "libnice/aggressive", "aioice/aggressive", "werift/regular", "werift/aggressive", "pion/regular"];

    [Theory]
    [MemberData(nameof(Defects))]
    public async Task The_seeded_agent_fails_the_case_and_the_correct_agent_passes_it(string defect, string caseId)
    {
        var (seeded, correct) = await run.ResultsFor(defect, caseId);
        output.WriteLine($"{seeded.Implementation}: {seeded.Outcome} ({seeded.Duration.TotalSeconds:0.0} s): {seeded.Detail}");
        output.WriteLine($"{correct.Implementation}: {correct.Outcome} ({correct.Duration.TotalSeconds:0.0} s): {correct.Detail}");
        Assert.Equal(CaseOutcome.Failed, seeded.Outcome);
        Assert.Equal(CaseOutcome.Passed, correct.Outcome);
    }

    [Fact]
    public void Every_defect_the_agent_knows_is_in_the_table()
    {
        var planted = SeededDefectRun.Rows.Select(row => row.Defect).ToHashSet();
        Assert.Empty(PlantedDefects().Except(planted));
        Assert.True(planted.Count >= 12, $"the issue asks for at least 12 seeded defects; {planted.Count} so far");
    }

    [Fact]
    public async Task Every_agent_case_is_shown_failing_by_a_seeded_defect_or_a_known_failure()
    {
        var killed = new List<(string Defect, string CaseId)>();
        foreach (var (defect, caseId) in SeededDefectRun.Rows)
        {
            var (seeded, correct) = await run.ResultsFor(defect, caseId);
            if (seeded.Outcome == CaseOutcome.Failed && correct.Outcome == CaseOutcome.Passed) killed.Add((defect, caseId));
        }
        var planted = PlantedDefects();
        var caught = planted.Count(d => killed.Any(k => k.Defect == d));
        output.WriteLine($"kill rate: {caught}/{planted.Count} defects caught ({100.0 * caught / planted.Count:0} %), {killed.Count}/{SeededDefectRun.Rows.Count} rows");
        foreach (var missed in planted.Where(d => killed.All(k => k.Defect != d))) output.WriteLine($"  not caught: {missed}");

        var known = ExpectedFailures.Load(RepositoryFiles.KnownFailures);
        var unproven = AgentCaseSuite.Cases
            .Where(info => killed.All(k => k.CaseId != info.Id) && ThirdParties.All(t => known.ReasonFor(info.Id, $"loopback/{t}") is null))
            .Select(info => info.Id).ToList();
        output.WriteLine($"agent cases no seeded defect and no known third-party failure shows failing: {unproven.Count} of {AgentCaseSuite.Cases.Count}");
        foreach (var id in unproven) output.WriteLine("  " + id);
        Assert.Empty(unproven);
    }

    private static IReadOnlyList<string> PlantedDefects() =>
        [.. Enum.GetNames(typeof(Ice.IceAgent).Assembly.GetType("IceSpec.Ice.IceSeededDefect")!).Where(n => n != "None")];
}

/// <summary>
/// One run for all of <see cref="SeededDefectTests"/>: a driver per planted defect (<c>icespec-&lt;Defect&gt;</c>, IceSpec's
/// driver with <c>ICESPEC_SEEDED_DEFECT</c> set) running the cases of its rows, and IceSpec's correct agent
/// (<c>icespec/regular</c>, <c>icespec/aggressive</c>) running every case of the table in the nomination it needs, all
/// side by side as the kit runs them.
/// </summary>
public sealed class SeededDefectRun : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-seeded-").FullName;
    private readonly Task<IReadOnlyList<CaseResult>> _results;

    public SeededDefectRun() => _results = RunAsync();

    public static IReadOnlyList<(string Defect, string CaseId)> Rows { get; } =
        [.. SeededDefectTests.Defects().Select(row => ((string)row[0], (string)row[1]))];

    /// <summary>The seeded agent's result for the case and the correct agent's, in the nomination the case needs.</summary>
    public async Task<(CaseResult Seeded, CaseResult Correct)> ResultsFor(string defect, string caseId)
    {
        var results = await _results;
        var nomination = NominationOf(caseId);
        return (Assert.Single(results, r => r.Case.Id == caseId && r.Implementation == $"icespec-{defect}/{nomination}"),
                Assert.Single(results, r => r.Case.Id == caseId && r.Implementation == $"icespec/{nomination}"));
    }

    private static string NominationOf(string caseId) => AgentCaseSuite.All.Single(c => c.Info.Id == caseId).Nomination ?? "regular";

    private async Task<IReadOnlyList<CaseResult>> RunAsync()
    {
        var icespec = DriverRegistry.Get("icespec");
        var seeded = Rows.Select(r => (r.Defect, Nomination: NominationOf(r.CaseId))).Distinct()
            .Select(s => new AgentCaseTarget(SeededDriver(icespec, s.Defect), s.Nomination));
        var targets = new[] { new AgentCaseTarget(icespec, "regular"), new AgentCaseTarget(icespec, "aggressive") }.Concat(seeded).ToList();
        bool Runs(AgentCaseTarget target, CaseInfo info) => Rows.Any(r => r.CaseId == info.Id && NominationOf(r.CaseId) == target.Nomination
            && (target.Driver.Name == icespec.Name || target.Driver.Name == $"{icespec.Name}-{r.Defect}"));
        var options = new AgentCaseOptions(_directory, info => Rows.Any(r => r.CaseId == info.Id), InShard: Runs);
        return await AgentCaseSuite.RunAsync(targets, options, null, CancellationToken.None);
    }

    /// <summary>IceSpec's driver registered as <c>icespec-&lt;defect&gt;</c>, started with <c>ICESPEC_SEEDED_DEFECT=&lt;defect&gt;</c>.</summary>
    internal static DriverSpec SeededDriver(DriverSpec icespec, string defect)
    {
        var spec = icespec with { Name = $"{icespec.Name}-{defect}" };
        DriverRegistry.Register(spec, async ct =>
        {
            var launch = await DriverRegistry.PrepareAsync(icespec, ct);
            return launch with { Environment = new Dictionary<string, string>(launch.Environment ?? new Dictionary<string, string>()) { ["ICESPEC_SEEDED_DEFECT"] = defect } };
        });
        return spec;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
