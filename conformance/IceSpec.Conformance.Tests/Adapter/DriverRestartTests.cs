using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Runner;
using IceSpec.Conformance.Tests.AgentCases;
using Xunit.Abstractions;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>
/// The kit's ICE restart after a mid-call phase (<see cref="IceRestartOptions"/>, judged by <see cref="RestartAfterFault"/>)
/// with real drivers on loopback, without a fault: IceSpec ↔ IceSpec comes back; an agent that keeps the peer's old
/// credentials after the restart (the seeded defect <c>OldCredentialsAfterRestart</c>) and a driver that declares restart
/// but answers <c>unsupported</c> make the case fail, naming the side.
/// </summary>
[Trait("Category", "interop")]
public sealed class DriverRestartTests(ITestOutputHelper output)
{
    /// <summary>On loopback the checks take milliseconds: a shorter bound than the lab's keeps the failing runs short.</summary>
    private static readonly TimeSpan LoopbackBound = TimeSpan.FromSeconds(5);

    /// <summary>A call that connects, sends one datagram each way and is restarted at once (no fault).</summary>
    internal static IcePairOptions RestartRightAway(TimeSpan bound) => new(Nomination: "regular",
        MidCall: new IceMidCallOptions(_ => Task.CompletedTask, TimeSpan.Zero, Idle: true, FinalDatagrams: 1, Restart: new IceRestartOptions(TimeSpan.Zero, bound)));

    /// <summary>Runs the call of <paramref name="options"/> and judges its restart as the lab's case rfc8445-9-10.</summary>
    internal static async Task<CaseResult> RunAndJudgeAsync(DriverSpec controlling, DriverSpec controlled, IcePairOptions options, ITestOutputHelper output)
    {
        var result = await IcePairRun.RunAsync(controlling, controlled, options, CancellationToken.None);
        Assert.True(result.Outcome == IcePairOutcome.Connected, result.Detail);
        var judged = RestartAfterFault.Judge(RestartAfterFault.NotApplicable(controlling, controlled), result.MidCall?.Restart, TimeSpan.Zero);
        output.WriteLine($"{judged.Outcome}: {judged.Detail}");
        if (judged.Outcome != CaseOutcome.Passed)  // the evidence: both generations' candidates and the drivers' logs
            output.WriteLine($"controlling candidates:\n{string.Join("\n", result.ControllingCandidates)}\ncontrolled candidates:\n{string.Join("\n", result.ControlledCandidates)}\n" +
                $"controlling log:\n{result.ControllingLog}\ncontrolled log:\n{result.ControlledLog}");
        return judged;
    }

    private Task<CaseResult> RunAsync(DriverSpec controlling, DriverSpec controlled, TimeSpan bound) =>
        RunAndJudgeAsync(controlling, controlled, RestartRightAway(bound), output);

    [Fact]
    public async Task IceSpec_restarts_and_the_call_comes_back()
    {
        var judged = await RunAsync(DriverRegistry.Get("icespec"), DriverRegistry.Get("icespec"), RestartAfterFault.Bound);
        Assert.Equal(CaseOutcome.Passed, judged.Outcome);
    }

    [Fact]
    public async Task An_agent_that_keeps_the_old_credentials_fails_the_restart_case()
    {
        var icespec = DriverRegistry.Get("icespec");
        var seeded = SeededDefectRun.SeededDriver(icespec, "OldCredentialsAfterRestart");
        var judged = await RunAsync(icespec, seeded, LoopbackBound);
        Assert.Equal(CaseOutcome.Failed, judged.Outcome);
        Assert.Contains($"{seeded.Name} (controlled) selected no new pair", judged.Detail);
    }

    [Fact]
    public async Task A_driver_that_declares_restart_but_answers_unsupported_fails_it()
    {
        // aioice 0.8.0 has no ICE restart: its driver answers unsupported to the peer's new credentials (drivers/aioice/README.md).
        var aioice = DriverRegistry.Get("aioice");
        var claiming = aioice with { Name = "aioice-claims-restart", Capabilities = [.. aioice.Capabilities, "restart"] };
        DriverRegistry.Register(claiming, ct => DriverRegistry.PrepareAsync(aioice, ct));
        var judged = await RunAsync(DriverRegistry.Get("icespec"), claiming, LoopbackBound);
        Assert.Equal(CaseOutcome.Failed, judged.Outcome);
        Assert.Contains("aioice-claims-restart answered unsupported", judged.Detail);
    }
}
