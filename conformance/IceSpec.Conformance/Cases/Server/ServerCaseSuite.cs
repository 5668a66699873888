using System.Diagnostics;
using System.Net.Sockets;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>
/// The black-box STUN/TURN server cases (RFC 8489, RFC 8656), run one after another against any server: each sends
/// hand-made requests with the codec and judges the responses; each ends by deleting what it allocated.
/// </summary>
public static class ServerCaseSuite
{
    public const string Scenario = "server";

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Every case with its coverage of the requirement catalogs, in run order: quota cases last (they fill the server), the
    /// 486 case before the 508 case (the 508 case takes every relay port, which coturn holds about a second after deletion).
    /// </summary>
    public static IReadOnlyList<ServerCase> All { get; } =
    [
        .. BindingCases.All, .. FormatCases.All, .. AuthenticationCases.All, .. AllocateCases.All, .. AddressFamilyCases.All, .. LifetimeCases.All,
        .. PermissionCases.All, .. ChannelCases.All, .. TcpAllocationCases.All, .. QuotaCases.All,
    ];

    public static IReadOnlyList<CaseInfo> Cases { get; } = [.. All.Select(c => c.Info)];

    /// <summary>
    /// Runs the selected cases against <paramref name="target"/>: those in <see cref="ServerCaseOptions.CaseIds"/> (all when
    /// null), SHOULD cases only with <see cref="ServerCaseOptions.Strict"/> or when selected by ID.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown case ID, or a target (or its quota target) without host, ports or credential, or whose host does not resolve.</exception>
    public static async Task<IReadOnlyList<CaseResult>> RunAsync(ServerTarget target, ServerCaseOptions options, IProgress<CaseResult>? progress, CancellationToken ct)
    {
        Validate(target);
        if (target.QuotaTarget is { } quotaTarget) Validate(quotaTarget);
        var selected = Select(options);
        var timeout = options.Timeout ?? DefaultTimeout;
        if (timeout <= TimeSpan.Zero) throw new ArgumentException($"the case timeout must be positive, not {timeout}", nameof(options));
        var (udp, tcp) = await ServerCaseContext.ResolveAsync(target, ct);
        var main = new ServerCaseContextFactory(target, udp, tcp);
        var quota = main;
        if (target.QuotaTarget is { } limited && selected.Any(c => c.OnQuotaTarget))
        {
            var (quotaUdp, quotaTcp) = await ServerCaseContext.ResolveAsync(limited, ct);
            quota = new ServerCaseContextFactory(limited, quotaUdp, quotaTcp);
        }
        var results = new List<CaseResult>();
        foreach (var serverCase in selected)
        {
            var watch = Stopwatch.StartNew();
            var verdict = await RunOneAsync(serverCase, serverCase.OnQuotaTarget ? quota : main, timeout, ct);
            var result = Judge(serverCase.Info, target.Name, verdict, options.Expected, watch.Elapsed);
            results.Add(result);
            progress?.Report(result);
        }
        return results;
    }

    private static IReadOnlyList<ServerCase> Select(ServerCaseOptions options)
    {
        if (options.CaseIds is null) return [.. All.Where(c => c.Info.Level == RequirementLevel.Must || options.Strict)];
        var unknown = options.CaseIds.Where(id => All.All(c => c.Info.Id != id)).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException($"unknown server case ID(s): {string.Join(", ", unknown)} (known: {string.Join(", ", All.Select(c => c.Info.Id))})", nameof(options));
        return [.. All.Where(c => options.CaseIds.Contains(c.Info.Id))];
    }

    private static void Validate(ServerTarget target)
    {
        if (string.IsNullOrWhiteSpace(target.Name)) throw new ArgumentException("the target needs a name", nameof(target));
        if (string.IsNullOrWhiteSpace(target.Host)) throw new ArgumentException($"target '{target.Name}' has no host", nameof(target));
        if (target.UdpPort is < 1 or > 65535) throw new ArgumentException($"target '{target.Name}': UDP port {target.UdpPort} is not 1..65535", nameof(target));
        if (target.TcpPort is < 1 or > 65535) throw new ArgumentException($"target '{target.Name}': TCP port {target.TcpPort} is not 1..65535", nameof(target));
        if (string.IsNullOrEmpty(target.Username) || target.Password is null)
            throw new ArgumentException($"target '{target.Name}' needs a username and password (the TURN cases authenticate)", nameof(target));
        if (target.OtherUsers.Any(u => string.IsNullOrEmpty(u.Username) || u.Password is null))
            throw new ArgumentException($"target '{target.Name}': every other user needs a username and password", nameof(target));
    }

    private static async Task<CaseVerdict> RunOneAsync(ServerCase serverCase, ServerCaseContextFactory factory, TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        await using var context = factory.Create(limit.Token);
        try
        {
            return await serverCase.Run(context).WaitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return CaseVerdict.Fail($"the case did not finish within {timeout.TotalSeconds:0.#} s");
        }
        catch (CaseSetupException e)
        {
            return CaseVerdict.Fail("could not set up the check: " + e.Message);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return CaseVerdict.Fail($"network error talking to {factory.Udp} ({factory.Target.Name}): {e.Message}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A fault in the case itself: reported on the case, with its stack, rather than ending the run.
            return CaseVerdict.Fail($"the case itself failed ({e.GetType().Name}): {e}");
        }
    }

    private static CaseResult Judge(CaseInfo info, string target, CaseVerdict verdict, ExpectedFailures? expected, TimeSpan duration)
    {
        var reason = expected?.ReasonFor(info.Id, target);
        var (outcome, detail) = (verdict.Outcome, reason) switch
        {
            (CaseOutcome.Failed, not null) => (CaseOutcome.ExpectedFailure, $"expected to fail: {reason}. {verdict.Detail}"),
            (CaseOutcome.Passed, not null) => (CaseOutcome.UnexpectedPass, $"listed as expected to fail ({reason}) but passed: {verdict.Detail}"),
            _ => (verdict.Outcome, verdict.Detail),
        };
        return new CaseResult(info, target, Scenario, outcome, detail, duration);
    }

    private sealed record ServerCaseContextFactory(ServerTarget Target, System.Net.IPEndPoint Udp, System.Net.IPEndPoint? Tcp)
    {
        public ServerCaseContext Create(CancellationToken cancel) => new(Target, Udp, Tcp, cancel);
    }
}
