using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Runner;

namespace IceSpec.Conformance.Tests.Runner;

/// <summary>The machine-monitor case on the capture corpus: a real session passes, a rewritten one fails by name.</summary>
[Trait("Category", "unit")]
public sealed class MachineMonitorCaseTests
{
    private static string Pcaps => RepositoryFiles.Pcaps;

    private static readonly string[] AioiceCredentials = ["AioC:AioiceControllingPass01", "AioD:AioiceControlledPass002"];

    [Fact]
    public void A_real_aioice_session_passes()
    {
        var (outcome, detail) = MachineMonitorCase.Judge([Path.Combine(Pcaps, "aioice.pcapng")], AioiceCredentials, "nobody:none:none");
        Assert.True(outcome == CaseOutcome.Passed, detail);
    }

    [Fact]
    public void Data_sent_before_its_permission_is_noted_not_failed()
    {
        var (outcome, detail) = MachineMonitorCase.Judge([Path.Combine(Pcaps, "broken", "coturn-data-without-permission.pcapng")], [], "alice:example.org:secret");
        Assert.True(outcome == CaseOutcome.Passed, detail);
        Assert.Contains("datagram(s) the server discards, noted: ", detail);
        Assert.Contains("data-without-permission (RFC 8656 §9", detail);
    }

    /// <summary>
    /// aioice.pcapng rewritten (pcaps/make-broken.py) so that AioC's first check is answered 400 and no check of AioD
    /// arrives before AioC's next one: the pair moves Failed → In-Progress, which CandidatePair has no transition for
    /// (RFC 8445 §7.3.1.4: only a triggered check makes a Failed pair Waiting again).
    /// </summary>
    [Fact]
    public void A_check_on_a_failed_pair_that_nothing_retriggered_fails_the_case_with_the_refusal()
    {
        var (outcome, detail) = MachineMonitorCase.Judge([Path.Combine(Pcaps, "broken", "aioice-check-after-failure.pcapng")], AioiceCredentials, "nobody:none:none");
        Assert.Equal(CaseOutcome.Failed, outcome);
        Assert.Contains("aioice-check-after-failure.pcapng frame 9: machine-refused (RFC 8445 §6.1.2.6: ", detail);
        Assert.Contains("CandidatePair in state Failed refused CheckSent", detail);
    }

    [Theory]
    [InlineData("aioice-asymmetric-response", "non-symmetric-response")]
    [InlineData("aioice-attribute-after-fingerprint", "attribute-after-fingerprint")]
    public void A_rewritten_session_fails_with_the_broken_rule(string capture, string violation)
    {
        var (outcome, detail) = MachineMonitorCase.Judge([Path.Combine(Pcaps, "broken", capture + ".pcapng")], AioiceCredentials, "nobody:none:none");
        Assert.Equal(CaseOutcome.Failed, outcome);
        Assert.Contains(violation, detail);
        Assert.Contains("RFC ", detail);
    }
}
