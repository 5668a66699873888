using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Cases;

namespace IceSpec.Conformance.Runner;

/// <summary>
/// The way back after a mid-call fault (<see cref="Scenarios.MidCallPhase.RestartAfter"/>): the kit drives an ICE restart
/// (RFC 8445 §9, <see cref="IceRestartOptions"/>) and judges <see cref="IceCases.RestartAfterFault"/> — both agents restart
/// with new credentials, select a new pair within <see cref="Bound"/> of having each other's new description, and
/// datagrams go both ways again.
/// </summary>
public static class RestartAfterFault
{
    /// <summary>RFC 8445 §14.2: Ta, the pacing of checks (default 50 ms).</summary>
    private static readonly TimeSpan Ta = TimeSpan.FromMilliseconds(50);

    /// <summary>RFC 8445 §6.1.2.5: the number of connectivity checks an agent performs is limited, by default to 100.</summary>
    private const int MaxChecks = 100;

    /// <summary>
    /// How long both agents may take, from the moment each has the other's new description, to select a new pair: every
    /// first check is sent within 100 × Ta = 5 s (§6.1.2.5, §14.2); the check that opens the working path may meet a NAT
    /// filter or a TURN permission the peer has not opened yet and is retransmitted after RTO = MAX(500 ms, Ta × (pairs
    /// Waiting + In-Progress)) ≤ 100 × Ta = 5 s (§14.3); then the nomination is one more check (§8.1.1: Ta plus a round
    /// trip, or one RTO of 500 ms when its first transmission is lost: 1 s); plus the 3 s the loss case allows for the
    /// drivers' clocks and the kit's reading of their events. 14 s.
    /// </summary>
    public static readonly TimeSpan Bound = MaxChecks * Ta + MaxChecks * Ta + TimeSpan.FromSeconds(1) + TimeSpan.FromSeconds(3);

    /// <summary>Why the restart case does not apply to a pair (a driver without the capability <c>restart</c>), or null.</summary>
    public static string? NotApplicable(DriverSpec controlling, DriverSpec controlled) =>
        new[] { (controlling, "controlling"), (controlled, "controlled") }.Where(d => !d.Item1.Supports("restart")).Select(d => $"{d.Item1.Name} ({d.Item2})")
            .ToList() is { Count: > 0 } lacking
            ? $"not applicable: {string.Join(" and ", lacking)} declare{(lacking.Count == 1 ? "s" : "")} no restart capability (conformance/ADAPTER.md), " +
              "and an ICE restart needs both agents (RFC 8445 §9: the peer restarts on the new credentials)"
            : null;

    public static CaseResult Judge(string? notApplicable, IceRestartResult? seen, TimeSpan duration)
    {
        CaseResult Make(CaseOutcome outcome, string detail) => new(IceCases.RestartAfterFault, "", "", outcome, detail, duration);

        if (notApplicable is not null) return Make(CaseOutcome.Unsupported, notApplicable);
        if (seen is null) return Make(CaseOutcome.Failed, "the call did not connect, so the kit did not restart it");
        var sides = new[] { (seen.Controlling, "controlling"), (seen.Controlled, "controlled") };
        var faults = new List<string>();
        if (seen.Problem is not null) faults.Add(seen.Problem);
        foreach (var (side, role) in sides)
        {
            if (side.NewCredentials is null) continue;  // the problem says which step stopped
            var (oldUfrag, oldPwd) = Split(side.OldCredentials);
            var (newUfrag, newPwd) = Split(side.NewCredentials);
            if (oldUfrag == newUfrag || oldPwd == newPwd)
                faults.Add($"{side.Name} ({role}) kept its {(oldUfrag == newUfrag ? "ufrag" : "password")} (RFC 8445 §9: an agent MUST change both)");
            if (seen.Problem is null && side.Selected is null)
                faults.Add($"{side.Name} ({role}) selected no new pair within {seen.Bound.TotalSeconds:0} s of having the peer's new description");
            else if (side.SelectedAfter > seen.Bound)
                faults.Add($"{side.Name} ({role}) selected a new pair only {side.SelectedAfter.Value.TotalSeconds:0.0} s after having the peer's new description (bound {seen.Bound.TotalSeconds:0} s)");
        }
        if (seen.Problem is null && seen.Controlling.Selected is not null && seen.Controlled.Selected is not null
            && (seen.ToControlled < seen.Sent || seen.ToControlling < seen.Sent))
            faults.Add($"datagrams after the restart: {seen.ToControlled}/{seen.Sent} to the controlled agent, {seen.ToControlling}/{seen.Sent} to the controlling agent");

        var evidence = string.Join("; ", sides.Select(s => Evidence(s.Item1, s.Item2)));
        if (faults.Count > 0) return Make(CaseOutcome.Failed, $"the ICE restart did not bring the call back: {string.Join("; ", faults)}. {evidence}");
        return Make(CaseOutcome.Passed,
            $"the ICE restart brought the call back: new pairs {seen.Controlling.Name} {seen.Controlling.Selected} after {seen.Controlling.SelectedAfter?.TotalSeconds:0.0} s, " +
            $"{seen.Controlled.Name} {seen.Controlled.Selected} after {seen.Controlled.SelectedAfter?.TotalSeconds:0.0} s (bound {seen.Bound.TotalSeconds:0} s); " +
            (seen.Sent == 0 ? "no datagrams (ICE only: no data channel between them)" : $"datagrams {seen.ToControlled}/{seen.Sent} and {seen.ToControlling}/{seen.Sent}") + $". {evidence}");
    }

    /// <summary>A side's generations and relayed candidates, then its events from the restart on.</summary>
    private static string Evidence(IceRestartSide side, string role)
    {
        var relay = side.NewRelayed switch
        {
            null => "",
            [] when side.OldRelayed.Count == 0 => "",
            [] => $", no relayed candidate any more (before: {string.Join(", ", side.OldRelayed)})",
            var now when now.All(side.OldRelayed.Contains) => $", relayed {string.Join(", ", now)}: the lost allocation's",
            var now => $", relayed {string.Join(", ", now)} (before: {(side.OldRelayed.Count == 0 ? "none" : string.Join(", ", side.OldRelayed))})",
        };
        var reallocated = side.Reallocated ? ", printed relay-reallocated" : "";
        var events = side.Events.Count == 0 ? "no events" : string.Join(", ", side.Events.Take(10)) + (side.Events.Count > 10 ? $", … ({side.Events.Count} events)" : "");
        return $"{side.Name} ({role}): {side.OldCredentials?.Split(':')[0] ?? "?"} → {side.NewCredentials?.Split(':')[0] ?? "no new description"}{relay}{reallocated}; {events}";
    }

    private static (string? Ufrag, string? Password) Split(string? credentials) =>
        credentials?.Split(':', 2) is [var ufrag, var pwd] ? (ufrag, pwd) : (null, null);
}
