using IceSpec.Ice.Benchmarks;

namespace IceSpec.Ice.Tests.Session;

/// <summary>
/// Runs alone: the release check counts this process's sockets, which tests running beside it would change.
/// </summary>
[CollectionDefinition(nameof(WholeProcess), DisableParallelization = true)]
public sealed class WholeProcess;

/// <summary>
/// 1,000 sessions in this process (500 pairs on 127.0.0.1, host candidates) connect, stay connected past RFC 7675's
/// 30 s consent timeout, and leave no socket, task or timer behind once disposed. The soak benchmark runs the same for
/// minutes and measures it (runtime/IceSpec.Ice.Benchmarks, "soak"). About 45 s: one fleet carries the healthy
/// sessions and the seeded faults that show each check can fail.
/// </summary>
[Trait("Category", "unit")]
[Collection(nameof(WholeProcess))]
public sealed class IceSessionFleetTests
{
    private const int Pairs = 500;
    /// <summary>Pairs whose controlled side goes silent once connected: their controlling side must lose consent.</summary>
    private const int Silenced = 2;
    /// <summary>Past RFC 7675 §5.1's 30 s: a session whose consent checks went unanswered has lost consent by then.</summary>
    private static readonly TimeSpan PastConsentTimeout = TimeSpan.FromSeconds(36);

    [Fact]
    public async Task A_thousand_sessions_keep_consent_past_its_timeout_and_free_every_socket_task_and_timer()
    {
        var warmUp = await SessionFleet.ConnectAsync(1, TimeSpan.FromSeconds(10));
        await warmUp.DisposeAllAsync();
        var before = ProcessResources.Take(collect: true);

        var fleet = await SessionFleet.ConnectAsync(Pairs, TimeSpan.FromSeconds(20));
        Assert.Empty(fleet.NotConnected);
        Assert.Empty(await fleet.ExchangeDataAsync(TimeSpan.FromSeconds(10)));
        await fleet.SilenceControlledPeersAsync(Silenced);
        await Task.Delay(PastConsentTimeout);

        // Consent kept: no session whose peer answers lost it. The seeded fault shows losses are seen: the two sessions
        // whose peer went silent, and only they, report consent expiry (RFC 7675 §5.1: Disconnected).
        var silenced = Enumerable.Range(0, Silenced).Select(i => $"pair {i} controlling").ToList();
        var losses = fleet.Losses;
        Assert.Equal(silenced, losses.Select(l => l[..l.IndexOf(':')]).Order());
        Assert.All(losses, l => Assert.Contains("Disconnected", l));
        // Each session's consent checks were answered at its 4–6 s cadence (≥ 6 in 36 s; the last may be in flight).
        var refreshes = fleet.ConsentRefreshesBySession.Where(s => !Enumerable.Range(0, Silenced).Any(i => s.Key.StartsWith($"pair {i} ", StringComparison.Ordinal)));
        Assert.All(refreshes, s => Assert.True(s.Value >= 4, $"{s.Key}: {s.Value} consent checks answered in {PastConsentTimeout.TotalSeconds} s"));
        Assert.Empty(await fleet.ExchangeDataAsync(TimeSpan.FromSeconds(10)));

        // Seeded leak: one session not disposed. Its socket must make the check fail.
        var sessions = await fleet.DisposeAllAsync(leak: 1);
        var leaked = await ReleaseCheck.MeasureAsync(before, fleet.Ports, sessions);
        Assert.False(leaked.Freed, leaked.ToString());
        Assert.Equal(1, leaked.PortsStillOpen);
        Assert.Equal(1, leaked.SessionsAlive);
        Assert.Equal(before.Sockets + 1, leaked.After.Sockets);

        await fleet.DisposeLeakedAsync();
        var released = await ReleaseCheck.MeasureAsync(before, fleet.Ports, sessions);
        Assert.True(released.Freed, released.ToString());
        Assert.Equal(2 * Pairs - Silenced, released.SessionsDisposed);
    }
}
