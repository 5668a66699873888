using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using IceSpec.Turn.Client;

namespace IceSpec.Turn.Benchmarks;

/// <summary>
/// Runs one load: ramps up <see cref="LoadSettings.Allocations"/> allocations (CreatePermission and ChannelBind to a
/// loopback peer each), holds them while the client cores refresh and every allocation relays a probe per
/// <see cref="LoadSettings.SendInterval"/>, deletes them all, then waits for the server to free its relay ports and
/// descriptors. One thread runs every client's timers; receives complete on .NET's socket engine (epoll on Linux).
/// </summary>
public sealed class LoadRun
{
    /// <summary>
    /// The memory bound asserted: RSS at the end of the hold at most 10 % + 16 MiB above RSS when every allocation was in
    /// place. Allocations are all made by then, so what grows after is per-refresh or per-packet state that is never
    /// freed: 1.2 M probes and 50 k refreshes of the default soak would add far more than that at even 100 bytes each.
    /// </summary>
    public const double HoldGrowthFactor = 1.10;
    public const long HoldGrowthSlackKiB = 16 * 1024;

    /// <summary>The share of relayed probes that may fail to come back (loopback, a probe per allocation every few seconds).</summary>
    public const double MaxProbeLoss = 0.01;

    private readonly LoadSettings _settings;
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly List<ServerSample> _samples = [];
    private LoadClient?[] _clients = [];
    private int _started;
    private long _sendErrors;
    private long _retransmitted;
    private int _socketFailures;
    private volatile bool _sending;
    private volatile bool _ticking;

    public LoadRun(LoadSettings settings) => _settings = settings;

    public TimeSpan Now => Stopwatch.GetElapsedTime(_start);

    public LatencyRecorder Latencies { get; } = new();

    public void CountSendError() => Interlocked.Increment(ref _sendErrors);

    public void CountRetransmitted() => Interlocked.Increment(ref _retransmitted);

    public async Task<LoadReport> RunAsync(CancellationToken cancellationToken = default)
    {
        var s = _settings;
        var startedAt = DateTimeOffset.UtcNow;
        var baseline = Sample();
        _clients = new LoadClient?[s.Allocations];
        using var stopSampling = new CancellationTokenSource();
        var sampler = Task.Run(() => SampleLoop(stopSampling.Token), CancellationToken.None);
        var peers = new EchoPeers(s.Peers, Latencies);
        _ticking = true;
        var ticker = new Thread(TickLoop) { IsBackground = true, Name = "load timers" };
        ticker.Start();
        ServerSample holdStart, holdEnd;
        int heldAtEnd;
        try
        {
            await Ramp(peers, cancellationToken);
            await WaitWhile(c => c.Phase is LoadClientPhase.Allocating or LoadClientPhase.Binding, TimeSpan.FromSeconds(60), cancellationToken);
            holdStart = Sample();
            Report($"{s.Name}: {Count(c => c.Phase == LoadClientPhase.Ready)} of {s.Allocations} allocations ready; holding {s.Hold.TotalSeconds:0} s");
            _sending = true;
            var holdUntil = Now + s.Hold;
            while (Now < holdUntil)
            {
                await Task.Delay(Min(holdUntil - Now, TimeSpan.FromSeconds(30)), cancellationToken);
                var last = Sample();
                Report($"{s.Name}: t={Now.TotalSeconds:0} s held {last.Held}, lost {Count(c => c.Lost)}, rss {last.RssKiB / 1024} MiB, fds {last.Descriptors}, relay ports {last.RelaySockets}");
            }
            _sending = false;
            await Task.Delay(s.Drain, cancellationToken); // answers still in flight
            holdEnd = Sample();
            heldAtEnd = holdEnd.Held;
            if (!s.SkipDelete) await DeleteAll(cancellationToken);
        }
        finally
        {
            _ticking = false;
            ticker.Join();
            foreach (var client in _clients) client?.Dispose();
            peers.Dispose();
        }

        var end = await Settle(baseline, cancellationToken);
        await stopSampling.CancelAsync();
        await sampler;
        return BuildReport(startedAt, baseline, holdStart, holdEnd, end, heldAtEnd, peers.Received);
    }

    private async Task Ramp(EchoPeers peers, CancellationToken cancellationToken)
    {
        var s = _settings;
        var rampStart = Now;
        var expiry = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds();
        for (var i = 0; i < s.Allocations; i++)
        {
            var due = rampStart + s.Ramp * i / s.Allocations;
            if (due - Now > TimeSpan.FromMilliseconds(5)) await Task.Delay(due - Now, cancellationToken);
            // A TURN REST API username per allocation (coturn's use-auth-secret): per-user quotas never meet.
            var username = $"{expiry}:load{i}";
            var password = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(s.Secret), Encoding.UTF8.GetBytes(username)));
            var options = new TurnClientOptions
            {
                Username = username,
                Password = password,
                Lifetime = s.Lifetime,
                RefreshMargin = s.RefreshMargin,
            };
            try
            {
                var client = new LoadClient(this, i, SourceAddress(i), s.Server, peers.Endpoints[i % peers.Endpoints.Count], options, s.SendInterval);
                _clients[i] = client;
                Volatile.Write(ref _started, i + 1);
                client.Start(Now);
            }
            catch (SocketException e)
            {
                if (Interlocked.Increment(ref _socketFailures) == 1) Report($"{s.Name}: allocation {i}: socket: {e.Message}");
                Volatile.Write(ref _started, i + 1);
            }
            if (i > 0 && i % 1000 == 0) Report($"{s.Name}: {i} allocations started");
        }
    }

    /// <summary>127.10.x.y: <see cref="LoadSettings.AllocationsPerSource"/> allocations per address.</summary>
    private IPAddress SourceAddress(int index)
    {
        var source = index / Math.Max(1, _settings.AllocationsPerSource);
        return new IPAddress([127, 10, (byte)(source / 250), (byte)(source % 250 + 1)]);
    }

    private async Task DeleteAll(CancellationToken cancellationToken)
    {
        // Spread the deletes over a few seconds: a burst of 10,000 requests would only measure socket buffers.
        var spread = Min(_settings.Ramp, TimeSpan.FromSeconds(5));
        var begin = Now;
        for (var i = 0; i < _clients.Length; i++)
        {
            var due = begin + spread * i / _clients.Length;
            if (due - Now > TimeSpan.FromMilliseconds(5)) await Task.Delay(due - Now, cancellationToken);
            _clients[i]?.Delete(Now);
        }
        // RFC 8489 §6.2.1: a request over UDP gives up after 39.5 s (Rc = 7, RTO 500 ms).
        await WaitWhile(c => c.Phase == LoadClientPhase.Deleting && c.Failure is null, TimeSpan.FromSeconds(45), cancellationToken);
        Report($"{_settings.Name}: deleted {Count(c => c.Phase == LoadClientPhase.Deleted)}");
    }

    /// <summary>Waits for the server to close the relay ports and descriptors the load made it open.</summary>
    private async Task<ServerSample> Settle(ServerSample baseline, CancellationToken cancellationToken)
    {
        var until = Now + _settings.Settle;
        var last = Sample();
        while (Now < until && !(last.RelaySockets <= 0 && last.SocketDescriptors <= baseline.SocketDescriptors))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            last = Sample();
        }
        return last;
    }

    private void TickLoop()
    {
        while (_ticking)
        {
            var now = Now;
            var sending = _sending;
            var count = Volatile.Read(ref _started);
            for (var i = 0; i < count; i++) _clients[i]?.Tick(now, sending);
            Thread.Sleep(5);
        }
    }

    private async Task SampleLoop(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_settings.SampleInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken)) Sample();
        }
        catch (OperationCanceledException) { }
    }

    private ServerSample Sample()
    {
        var s = _settings;
        var (descriptors, sockets) = s.ServerPid is { } pid ? ServerProbe.Descriptors(pid) : (-1, []);
        var (relaySockets, drops) = s.RelayIp is { } relay
            ? ServerProbe.UdpSockets(relay, s.RelayMinPort, s.RelayMaxPort, s.ServerPid is null ? null : sockets)
            : (-1, -1);
        var sample = new ServerSample(
            Math.Round(Now.TotalSeconds, 1),
            s.ServerPid is { } process ? ServerProbe.RssKiB(process) : -1,
            descriptors,
            s.ServerPid is null ? -1 : sockets.Count,
            relaySockets,
            drops,
            Count(c => c.Phase == LoadClientPhase.Ready && c.Failure is null));
        lock (_samples) _samples.Add(sample);
        return sample;
    }

    private int Count(Func<LoadClient, bool> predicate)
    {
        var count = 0;
        var started = Volatile.Read(ref _started);
        for (var i = 0; i < started; i++)
            if (_clients[i] is { } client && predicate(client)) count++;
        return count;
    }

    private async Task WaitWhile(Func<LoadClient, bool> predicate, TimeSpan limit, CancellationToken cancellationToken)
    {
        var until = Now + limit;
        while (Now < until && Count(predicate) > 0) await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
    }

    private void Report(string line) => _settings.Progress?.Invoke(line);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string F(FormattableString value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private LoadReport BuildReport(DateTimeOffset startedAt, ServerSample baseline, ServerSample holdStart, ServerSample holdEnd, ServerSample end,
        int heldAtEnd, long probesAtPeer)
    {
        var s = _settings;
        var clients = _clients.OfType<LoadClient>().ToList();
        List<ServerSample> samples;
        lock (_samples) samples = [.. _samples];
        var server = new ServerFigures(baseline.RssKiB, holdStart.RssKiB, holdEnd.RssKiB, samples.Max(x => x.RssKiB), end.RssKiB,
            baseline.Descriptors, samples.Max(x => x.Descriptors), end.Descriptors,
            baseline.SocketDescriptors, samples.Max(x => x.SocketDescriptors), end.SocketDescriptors, samples.Max(x => x.RelaySockets), end.RelaySockets,
            // Drops counted on the sockets open at each sample: the listener's count survives, a closed relay port's goes.
            samples.Max(x => x.UdpDrops) - Math.Max(0, baseline.UdpDrops));
        var (toPeer, fromPeer, roundTrip) = Latencies.RelaySummaries();
        var failures = clients.Where(c => c.Failure is not null).GroupBy(c => Shorten(c.Failure!)).OrderByDescending(g => g.Count())
            .Take(8).Select(g => $"{g.Count()} × {g.Key}").ToList();
        if (_socketFailures > 0) failures.Insert(0, $"{_socketFailures} × the client socket could not be opened");
        var lost = clients.Count(c => c.Lost);
        var notAllocated = s.Allocations - clients.Count(c => c.Phase is LoadClientPhase.Ready or LoadClientPhase.Deleting or LoadClientPhase.Deleted);
        var deleted = clients.Count(c => c.Phase == LoadClientPhase.Deleted);

        var checks = new List<LoadCheck>
        {
            new("all allocated", notAllocated == 0, $"{s.Allocations - notAllocated} of {s.Allocations}"),
            new("none lost", lost == 0, $"{lost} lost"),
        };
        if (!s.SkipDelete) checks.Add(new("all deleted", deleted == s.Allocations - notAllocated, $"{deleted} deleted"));
        var probesSent = clients.Sum(c => c.ProbesSent);
        var probesBack = clients.Sum(c => c.ProbesBack);
        // UDP may lose a datagram, but loopback under a low rate should not: more than 1 % lost is the server falling behind.
        checks.Add(new("probes relayed", probesSent > 0 && probesBack >= probesSent * (1 - MaxProbeLoss),
            F($"{probesBack} of {probesSent} probes came back ({(probesSent == 0 ? 0 : 100.0 * (probesSent - probesBack) / probesSent):0.0} % lost, bound {MaxProbeLoss:P0})")));
        if (s.RelayIp is not null)
            checks.Add(new("relay ports freed", end.RelaySockets == 0, $"{end.RelaySockets} relay ports in use after the deletes (peak {server.RelaySocketsPeak})"));
        if (s.ServerPid is not null)
        {
            // Sockets only: the runtime maps an assembly or two on first use (a descriptor each), which is not a leak.
            checks.Add(new("socket descriptors freed", end.SocketDescriptors <= baseline.SocketDescriptors,
                $"{end.SocketDescriptors} sockets open after, {baseline.SocketDescriptors} before the load (peak {server.SocketDescriptorsPeak}); all descriptors {baseline.Descriptors} before, {end.Descriptors} after"));
        }
        if (s.ServerPid is not null && s.CheckMemory)
        {
            var bound = (long)(holdStart.RssKiB * HoldGrowthFactor) + HoldGrowthSlackKiB;
            checks.Add(new("memory bounded", holdEnd.RssKiB <= bound,
                $"RSS {holdEnd.RssKiB / 1024} MiB at the end of the hold, {holdStart.RssKiB / 1024} MiB at its start (bound {bound / 1024} MiB = +10 % + 16 MiB)"));
        }

        return new LoadReport
        {
            Name = s.Name,
            Started = startedAt,
            Allocations = s.Allocations,
            RampSeconds = s.Ramp.TotalSeconds,
            HoldSeconds = s.Hold.TotalSeconds,
            LifetimeSeconds = s.Lifetime.TotalSeconds,
            SendIntervalSeconds = s.SendInterval.TotalSeconds,
            GrantedLifetimeSeconds = GrantedLifetime?.TotalSeconds ?? 0,
            RefreshGrantedLifetimeSeconds = RefreshGrantedLifetime?.TotalSeconds ?? 0,
            Allocated = s.Allocations - notAllocated,
            NotAllocated = notAllocated,
            HeldAtEnd = heldAtEnd,
            Lost = lost,
            Deleted = deleted,
            Failures = failures,
            Refreshes = clients.Sum(c => (long)c.Refreshes),
            PermissionRefreshes = clients.Sum(c => (long)c.PermissionRefreshes),
            ChannelRefreshes = clients.Sum(c => (long)c.ChannelRefreshes),
            Retransmitted = Interlocked.Read(ref _retransmitted),
            SendErrors = Interlocked.Read(ref _sendErrors),
            Requests = Latencies.RequestSummaries(),
            ProbesSent = probesSent,
            ProbesAtPeer = probesAtPeer,
            ProbesBack = probesBack,
            ProbesSkipped = clients.Sum(c => c.ProbesSkipped),
            ToPeer = toPeer,
            FromPeer = fromPeer,
            RoundTrip = roundTrip,
            Server = server,
            Samples = samples,
            Checks = checks,
        };
    }

    /// <summary>The lifetime the server granted to the first allocation (set by the clients).</summary>
    public TimeSpan? GrantedLifetime { get; set; }

    /// <summary>The lifetime the server granted to the first automatic Refresh.</summary>
    public TimeSpan? RefreshGrantedLifetime { get; set; }

    /// <summary>A failure reason without what differs per allocation (numbers), so equal causes group together.</summary>
    private static string Shorten(string reason) => System.Text.RegularExpressions.Regex.Replace(reason, @"\d+(\.\d+)? ms", "N ms");
}
