using System.Diagnostics;
using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Cases.Server;
using IceSpec.Conformance.Tester;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>A family of agent cases: one area of the RFCs.</summary>
public sealed record AgentCaseFamily(string Name, string Sections, IReadOnlyList<AgentCase> Cases);

/// <summary>What an agent-case run covers and where it writes.</summary>
/// <param name="OutputDirectory">Where the cases' pcaps and logs go.</param>
/// <param name="Selects">Which cases run (by ID and level); null: every MUST case.</param>
/// <param name="Expected">Known failures; null: none.</param>
/// <param name="Placement">Where the IUT and the tester run; null: loopback.</param>
/// <param name="Parallelism">Cases run side by side (each with its own IUT process and tester); exclusive cases run alone.</param>
/// <param name="InShard">Which (target, case) units this run owns (<c>--shard</c>); null: all.</param>
public sealed record AgentCaseOptions(
    string OutputDirectory,
    Func<CaseInfo, bool>? Selects = null,
    ExpectedFailures? Expected = null,
    AgentCasePlacement? Placement = null,
    int Parallelism = 8,
    Func<AgentCaseTarget, CaseInfo, bool>? InShard = null);

/// <summary>One implementation under test with one nomination mode (<c>libnice/aggressive</c>).</summary>
public sealed record AgentCaseTarget(DriverSpec Driver, string Nomination)
{
    public string Label => AgentCaseSuite.Label(Driver, Nomination);
}

/// <summary>
/// The ICE agent cases (RFC 8445, RFC 7675, RFC 8838, RFC 8839, RFC 6544 and the RFC 8489 rules ICE relies on), run
/// against one implementation with one nomination mode: per case a fresh IUT started through its driver, a fresh
/// tester, <c>tester.pcap</c> and the IUT's log in <c>agent/&lt;impl&gt;-&lt;nomination&gt;/&lt;case&gt;/</c>.
/// </summary>
public static class AgentCaseSuite
{
    /// <summary>The families of cases (one file each, one area of the RFCs), in run order.</summary>
    public static IReadOnlyList<AgentCaseFamily> Families { get; } =
    [
        new("check contents", "RFC 8445 §7.1, §7.2.2, §7.2.4", [.. CheckContentCases.All]),
        new("checking and nomination", "RFC 8445 §6.1.2.6, §6.1.4.2, §7.2.5, §7.3.1.3–§7.3.1.5, §8.1.1, §14; RFC 8489 §6.2.1; RFC 5245 §8.1.1.2", [.. CheckingCases.All]),
        new("after selection, restarts, trickle, lite peers, ICE-TCP, descriptions", "RFC 7675 §5.1; RFC 8445 §6.1.1, §9, §11; RFC 8838 §8, §14; RFC 6544 §4.5, §6.2; RFC 8489 §6.2.2; RFC 8839 §5.1, §5.4",
            [.. ConsentCases.All, .. KeepaliveCases.All, .. RestartCases.All, .. TrickleCases.All, .. LiteCases.All, .. IceTcpCases.All, .. DescriptionCases.All]),
        new("the IUT as STUN server of checks", "RFC 8445 §7.3; RFC 8489 §6.3, §6.3.1, §6.3.1.1, §6.3.1.2, §6.3.2, §9.1.3",
            [.. ResponseCases.All, .. CheckAuthenticationCases.All, .. CheckProcessingCases.All]),
        new("role conflicts", "RFC 8445 §7.3.1.1, §7.2.5.1", [.. RoleConflictCases.All, .. RoleConflictResponseCases.All]),
    ];

    /// <summary>Every case, in run order.</summary>
    public static IReadOnlyList<AgentCase> All { get; } = [.. Families.SelectMany(f => f.Cases)];

    public static IReadOnlyList<CaseInfo> Cases { get; } = [.. All.Select(c => c.Info)];

    /// <summary>The implementation label of a run: <c>driver/nomination</c> (e.g. <c>libnice/aggressive</c>).</summary>
    public static string Label(DriverSpec driver, string nomination) => $"{driver.Name}/{nomination}";

    public static Task<IReadOnlyList<CaseResult>> RunAsync(DriverSpec driver, string nomination, AgentCaseOptions options,
        IProgress<CaseResult>? progress, CancellationToken ct) => RunAsync([new AgentCaseTarget(driver, nomination)], options, progress, ct);

    /// <summary>
    /// Runs the selected cases against every target: first every case that does not judge milliseconds, side by side
    /// across all targets (<see cref="AgentCaseOptions.Parallelism"/> at a time: most of a case is waiting for the IUT),
    /// then the <see cref="AgentCase.Exclusive"/> ones one at a time. Results in target order, then the suite's order.
    /// </summary>
    public static async Task<IReadOnlyList<CaseResult>> RunAsync(IReadOnlyList<AgentCaseTarget> targets, AgentCaseOptions options,
        IProgress<CaseResult>? progress, CancellationToken ct)
    {
        var placement = options.Placement ?? AgentCasePlacement.Loopback;
        var units = (from t in targets.Select((target, index) => (target, index))
                     from c in All.Select((agentCase, index) => (agentCase, index))
                     where (options.Selects?.Invoke(c.agentCase.Info) ?? c.agentCase.Info.Level == RequirementLevel.Must)
                           && (options.InShard?.Invoke(t.target, c.agentCase.Info) ?? true)
                     select (Target: t.target, Case: c.agentCase, Order: (t.index, c.index))).ToList();
        var results = new List<((int, int) Order, CaseResult Result)>();
        async Task RunUnitAsync((AgentCaseTarget Target, AgentCase Case, (int, int) Order) unit)
        {
            var result = await RunOneAsync(unit.Case, unit.Target.Driver, unit.Target.Nomination, placement, options, ct);
            lock (results) results.Add((unit.Order, result));
            progress?.Report(result);
        }
        await Parallel.ForEachAsync(units.Where(u => !u.Case.Exclusive),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallelism), CancellationToken = ct },
            async (unit, _) => await RunUnitAsync(unit));
        foreach (var unit in units.Where(u => u.Case.Exclusive)) await RunUnitAsync(unit);
        return [.. results.OrderBy(r => r.Order).Select(r => r.Result)];
    }

    private static async Task<CaseResult> RunOneAsync(AgentCase agentCase, DriverSpec driver, string nomination, AgentCasePlacement placement,
        AgentCaseOptions options, CancellationToken ct)
    {
        var label = Label(driver, nomination);
        var directory = Path.Combine(options.OutputDirectory, "agent", $"{driver.Name}-{nomination}", agentCase.Info.Id);
        Directory.CreateDirectory(directory);
        var pcap = Path.Combine(directory, "tester.pcap");
        var log = Path.Combine(directory, "iut.log");
        var watch = Stopwatch.StartNew();
        var verdict = Applicable(agentCase, driver, nomination) ?? await RunIsolatedAsync(agentCase, driver, nomination, placement, pcap, log, ct);
        var target = $"{placement.Name}/{label}";
        var reason = options.Expected?.ReasonFor(agentCase.Info.Id, target);
        var intermittent = options.Expected?.IsIntermittent(agentCase.Info.Id, target) ?? false;
        var (outcome, detail) = (verdict.Outcome, reason) switch
        {
            (CaseOutcome.Failed, not null) => (CaseOutcome.ExpectedFailure, $"expected to fail: {reason}. {verdict.Detail}"),
            (CaseOutcome.Passed, not null) when !intermittent => (CaseOutcome.UnexpectedPass, $"listed as expected to fail ({reason}) but passed: {verdict.Detail}"),
            _ => (verdict.Outcome, verdict.Detail),
        };
        var relative = (string path) => File.Exists(path) ? Path.GetRelativePath(options.OutputDirectory, path) : null;
        return new CaseResult(agentCase.Info, label, placement.Name, outcome, detail, watch.Elapsed, relative(pcap), relative(log));
    }

    /// <summary>How the detail of a case begins when the tester had to describe itself before an answering IUT.</summary>
    public const string AnswererNote = "(answerer: the tester gave its credentials first, its candidates trickled.)";

    /// <summary>Unsupported before anything starts: a capability the driver lacks, or a rule for the other nomination mode.</summary>
    private static CaseVerdict? Applicable(AgentCase agentCase, DriverSpec driver, string nomination)
    {
        var missing = agentCase.Requires.Where(c => !driver.Supports(c)).ToList();
        if (missing.Count > 0) return CaseVerdict.Unsupported($"{driver.Name} does not declare {string.Join(", ", missing)}");
        if (agentCase.Nomination is { } mode && agentCase.IutRole == Ice.IceRole.Controlling && mode != nomination)
            return CaseVerdict.Unsupported($"the case checks {mode} nomination; this run nominates {nomination}");
        return null;
    }

    private static async Task<CaseVerdict> RunIsolatedAsync(AgentCase agentCase, DriverSpec driver, string nomination, AgentCasePlacement placement,
        string pcap, string log, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(agentCase.Timeout);
        IutDriver? iut = null;
        try
        {
            using var capture = new TesterCapture(pcap);
            using var tester = new TesterPeer(capture, placement.TesterAddress, placement.TesterNamespace);
            iut = await IutDriver.StartAsync(driver, new DriverStartOptions(placement.IutNamespace, log), limit.Token);
            var context = new AgentCaseContext(agentCase, iut, tester, placement, nomination, limit.Token, driver.Supports(DriverCapabilities.Answerer));
            var verdict = await agentCase.Run(context).WaitAsync(limit.Token);
            if (context.TesterDescribedFirst) verdict = verdict with { Detail = $"{AnswererNote} {verdict.Detail}" };
            return tester.Faults.Count == 0 ? verdict
                : CaseVerdict.Fail($"the case itself failed (its answering policy threw {tester.Faults[0].GetType().Name}): {tester.Faults[0]}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return CaseVerdict.Fail($"the case did not finish within {agentCase.Timeout.TotalSeconds:0} s");
        }
        catch (DriverException e) when (e.IsUnsupported)
        {
            return CaseVerdict.Unsupported($"the driver answered unsupported: {e.Message.Split('\n')[0]}");
        }
        catch (DriverException e)
        {
            return CaseVerdict.Fail($"the IUT's driver failed: {e.Message.Split('\n')[0]}");
        }
        catch (IutException e)
        {
            return CaseVerdict.Fail(e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A fault in the case itself: reported on the case, with its stack, rather than ending the run.
            return CaseVerdict.Fail($"the case itself failed ({e.GetType().Name}): {e}");
        }
        finally
        {
            if (iut is not null) await iut.DisposeAsync();
        }
    }
}
