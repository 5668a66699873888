using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Runner;

namespace IceSpec.Conformance.Tests.Runner;

/// <summary>The machine-monitor case on the capture corpus: a real session passes, a rewritten one fails by name.</summary>
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
