using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Lab;
using IceSpec.Conformance.Scenarios;

namespace IceSpec.Conformance.Runner;

/// <summary>The mid-call faults applied to a running lab, and the judgement of <see cref="IceCases.MidCall"/>.</summary>
public static class MidCallFaults
{
    /// <summary>RFC 7675 §5.1: consent expires 30 s after the last response; a check may have been answered up to ~6 s before the fault.</summary>
    public static readonly TimeSpan ConsentDeadline = TimeSpan.FromSeconds(30);

    /// <summary>Slack for the driver's own clock and the kit's reading of its events.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(3);

    public static async Task ApplyAsync(NatLab lab, LabServer server, MidCallFault fault, string logDirectory, CancellationToken ct)
    {
        switch (fault)
        {
            case MidCallFault.NatMappingsDeleted:
                // conntrack (Debian package conntrack): delete every entry of the site's NAT, as an expiry would.
                foreach (var site in lab.Sites.Where(s => s.Spec.Nat != NatType.None))
                    LabShell.Run("ip", ["netns", "exec", site.RouterNamespace, "conntrack", "-F"]);
                break;
            case MidCallFault.TurnServerRestarted:
                await LabServers.RestartAsync(lab, server, logDirectory, ct);
                break;
        }
    }

    public static CaseResult Judge(MidCallPhase phase, IceMidCallResult? seen, TimeSpan duration)
    {
        CaseResult Make(CaseOutcome outcome, string detail) =>
            new(IceCases.MidCall, "", "", outcome, $"{detail} ({phase.Section}: {phase.Reason})", duration);

        if (seen is null) return Make(CaseOutcome.Failed, "the call did not connect, so the mid-call phase did not run");
        var broke = Earliest(seen.ControllingBrokeAfter, seen.ControlledBrokeAfter);
        var notes = seen.Notes.Count == 0 ? "no state events after the fault" : string.Join("; ", seen.Notes);
        var data = $"final datagrams {seen.FinalToControlled}/{seen.FinalSent} to the controlled agent, {seen.FinalToControlling}/{seen.FinalSent} to the controlling agent";
        if (seen.DataNotExchanged is { } why) data = $"ICE only ({why}): judged on the agents' states";
        return phase.Expect switch
        {
            // ICE only: the call survived when neither agent reported disconnected or failed through the observation
            // (consent freshness, RFC 7675 §5.1, is what would make them report it).
            MidCallExpectation.DataFlows when seen.DataNotExchanged is not null && broke is null =>
                Make(CaseOutcome.Passed, $"the call survived {phase.Fault} ({phase.Observe.TotalSeconds:0} s): {data}; {notes}"),
            MidCallExpectation.DataFlows when broke is null && seen.FinalToControlled > 0 && seen.FinalToControlling > 0 =>
                Make(CaseOutcome.Passed, $"the call survived {phase.Fault} ({phase.Observe.TotalSeconds:0} s): {data}; {notes}"),
            MidCallExpectation.DataFlows =>
                Make(CaseOutcome.Failed, $"predicted the call to survive {phase.Fault}: {data}; {notes}"),
            _ when broke is { } after && after <= ConsentDeadline + Slack =>
                Make(CaseOutcome.Passed, $"the loss was reported {after.TotalSeconds:0.0} s after {phase.Fault}; {data}; {notes}"),
            // The agents found a working path again (consent is fresh on it): nothing was lost to report.
            _ when broke is null && seen.FinalToControlled > 0 && seen.FinalToControlling > 0 =>
                Make(CaseOutcome.Passed, $"the call recovered by itself after {phase.Fault}: {data}; {notes}"),
            // The same without a data path: each agent's consent checks answered again after the fault (MidCallConsent).
            _ when broke is null && seen.DataNotExchanged is not null && seen.ConsentAfterFault is { } consent =>
                Make(CaseOutcome.Passed, $"the call recovered by itself after {phase.Fault}: {data}; {consent}; {notes}"),
            _ => Make(CaseOutcome.Failed,
                $"predicted disconnected/failed within {ConsentDeadline.TotalSeconds:0} s of {phase.Fault}: " +
                (broke is { } late ? $"reported after {late.TotalSeconds:0.0} s" : "neither agent reported it") + $"; {data}; {notes}"),
        };
    }

    private static TimeSpan? Earliest(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;
}
