using System.Net;
using System.Text.RegularExpressions;
using IceSpec.Signalling;
using IceSpec.Stun;
using IceSpec.Turn;
using IceSpec.Turn.Client;
using IceSpec.Turn.Server;
using IceSpec.Turn.Tests.Client;
using StackExchange.Redis;

namespace IceSpec.Cli.Tests;

/// <summary>
/// <c>icespec turn-server fleet=redis://…</c>: three server processes and a real <c>redis-server</c> on loopback (free
/// ports; every process stopped by its PID). Only the first server is given the REST secret: the others take it from
/// the realm in Redis. Per-user quota 2 and total quota 3 per server.
/// </summary>
[Trait("Category", "interop")]
public sealed class TurnFleetTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Realm = "fleet-test";
    private const string Secret = "fleet-rest-secret";
    private const int HeartbeatMs = 500;   // the servers' fleet-heartbeat (H)
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Servers_share_the_secret_and_the_user_quota_and_a_full_one_redirects_to_the_least_loaded()
    {
        await using var redis = await RedisProcess.StartAsync();
        await using var fleet = await Fleet.StartAsync(redis, 3);
        var (s1, s2, _) = (fleet[0], fleet[1], fleet[2]);

        Assert.Matches("(?m)^icespec_turn_fleet_draining 0$", await s1.MetricsAsync());
        await using var a1 = await AllocateAsync(s1, "alice");
        await using var a2 = await AllocateAsync(s2, "alice");   // s2 knows the secret from Redis only
        // alice holds 2 = her quota: a third Allocate on the third server is 486 once its view has her two.
        var refused = await EventuallyAsync("alice refused on the third server", async () =>
        {
            try { await (await AllocateAsync(fleet[2], "alice")).DisposeAsync(); return null; }
            catch (TurnClientException e) { return e; }
        });
        Assert.Equal(TurnErrorCodes.AllocationQuotaReached, refused.ErrorCode);

        // s1 holds 1 allocation; two of bob's make it full (total quota 3); the next goes to the least-loaded live
        // server (300 + ALTERNATE-SERVER, followed by the client): s3, which holds none (s2 holds alice's).
        await using var b1 = await AllocateAsync(s1, "bob");
        await using var b2 = await AllocateAsync(s1, "bob-2");
        var db = (await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port}")).GetDatabase();
        await EventuallyAsync("s3's probe allocation gone from Redis", async () =>
            (await TurnFleetStore.ReadServersAsync(db, Realm)).Single(s => s.Id == fleet[2].Address).Allocations == 0 ? "" : null);
        await Task.Delay(2 * HeartbeatMs);   // s1 reads it
        await using var redirected = await AllocateAsync(s1, "carol");
        Assert.True(fleet[2].OwnsRelay(redirected.RelayedAddress), $"relayed {redirected.RelayedAddress}, expected s3's ports {fleet[2].RelayPorts}");
    }

    [Fact]
    public async Task A_killed_server_drops_out_of_the_signal_server_and_a_drained_one_redirects_but_keeps_its_allocations()
    {
        await using var redis = await RedisProcess.StartAsync();
        await using var fleet = await Fleet.StartAsync(redis, 3);
        await using var signal = CliProcess.Start(["signal-server", "--listen", "127.0.0.1:0", "--secret", "s", "--turn-secret", Secret, "--fleet", redis.Url, "--fleet-realm", Realm]);
        var url = "ws://" + await signal.WaitForLineAsync("listening ws://", Startup);
        async Task<IReadOnlyList<string>> HandedOut()
        {
            await using var client = await SignalClient.ConnectAsync(new Uri($"{url}/r?token={SignalToken.Mint("s", "r", DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds())}"));
            return [.. client.Welcome.IceServers!.Select(s => s.Urls["turn:".Length..])];
        }
        await EventuallyAsync("three servers handed out", async () => (await HandedOut()).Count == 3 ? "" : null);

        // Least loaded first: an allocation on s1 puts it last.
        await using var kept = await AllocateAsync(fleet[0], "dave");
        Assert.Equal(fleet[0].Address, (await EventuallyAsync("the loaded server handed out last", async () => (await HandedOut()) is [_, _, var last] && last == fleet[0].Address ? last : null)));

        // s3 killed (SIGKILL: no goodbye): left out once its beat is overdue. Its key's expiry is lifted right after the
        // kill, so only the beat rule (TurnFleetLiveness) can leave it out, not the key's TTL (4 H, the garbage collector).
        // The time is printed: the rule's bound (README, "A fleet on Redis": 1.75·H + 50 ms after the kill, plus this
        // probe's 100 ms steps) holds on time; TurnFleetLivenessTests check the rule on a virtual clock. Beside a busy
        // loop the wall clock here measured 1476 ms once, so this test does not time it.
        await fleet[2].Process.DisposeAsync();
        var killedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        using var redisClient = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port}");
        Assert.True(await redisClient.GetDatabase().KeyPersistAsync(TurnFleetStore.Server(Realm, fleet[2].Address)), "s3's key had already expired");
        await EventuallyAsync("the killed server no longer handed out", async () => (await HandedOut()).Contains(fleet[2].Address) ? null : "");
        var dropped = System.Diagnostics.Stopwatch.GetElapsedTime(killedAt);
        output.WriteLine($"the killed server left the signal server's list {dropped.TotalMilliseconds:0} ms after SIGKILL (heartbeat {HeartbeatMs} ms, " +
            $"bound on time {1.75 * HeartbeatMs + 50:0} ms + probing; its key no longer expires)");
        // Its clients fail over by allocating again at the server the signal server hands out first.
        var first = (await HandedOut())[0];
        await using var failedOver = await AllocateAsync(fleet.Single(s => s.Address == first), "s3-client");
        Assert.False(fleet[2].OwnsRelay(failedOver.RelayedAddress));

        // Drain s1 with the CLI: a new Allocate goes to s2 (300), dave's allocation on s1 still refreshes, and the
        // Prometheus metric says it drains; --undo: s1 takes allocations again.
        var drain = CliRunner.Run("turn-server", "drain", "--fleet", redis.Url, "--realm", Realm, "--id", fleet[0].Address);
        Assert.True(drain.ExitCode == 0, drain.All);
        Assert.Equal($"draining {fleet[0].Address} (realm {Realm})\n", drain.Stdout);
        await EventuallyAsync("icespec_turn_fleet_draining 1", async () => Regex.IsMatch(await fleet[0].MetricsAsync(), "^icespec_turn_fleet_draining 1$", RegexOptions.Multiline) ? "" : null);
        await using var moved = await AllocateAsync(fleet[0], "erin");
        Assert.True(fleet[1].OwnsRelay(moved.RelayedAddress), $"relayed {moved.RelayedAddress}, expected s2's ports {fleet[1].RelayPorts}");
        Assert.True(await kept.RefreshAsync() > TimeSpan.Zero);
        await EventuallyAsync("the drained server no longer handed out", async () => (await HandedOut()).Contains(fleet[0].Address) ? null : "");
        Assert.Equal(0, CliRunner.Run("turn-server", "drain", "--fleet", redis.Url, "--realm", Realm, "--id", fleet[0].Address, "--undo").ExitCode);
        await EventuallyAsync("icespec_turn_fleet_draining 0", async () => Regex.IsMatch(await fleet[0].MetricsAsync(), "^icespec_turn_fleet_draining 0$", RegexOptions.Multiline) ? "" : null);
        await using var back = await AllocateAsync(fleet[0], "fred");
        Assert.True(fleet[0].OwnsRelay(back.RelayedAddress), $"relayed {back.RelayedAddress}, expected s1's ports {fleet[0].RelayPorts}");
    }

    [Fact]
    public void The_drain_command_names_a_bad_fleet_url_and_an_unreachable_Redis()
    {
        var bad = CliRunner.Run("turn-server", "drain", "--fleet", "http://127.0.0.1:1", "--id", "x");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--fleet: 'http://127.0.0.1:1' is not redis://HOST:PORT", bad.Stderr);
        var closed = FreePorts.Find([IPAddress.Loopback], 1, 1)[0];
        var down = CliRunner.Run("turn-server", "drain", "--fleet", $"redis://127.0.0.1:{closed}", "--id", "x");
        Assert.NotEqual(0, down.ExitCode);
        Assert.Contains($"fleet Redis 127.0.0.1:{closed} unreachable", down.Stderr);
        down.AssertNoExceptionText();
    }

    [Fact]
    public async Task Users_and_secrets_changed_in_Redis_reach_a_running_server()
    {
        await using var redis = await RedisProcess.StartAsync();
        await using var fleet = await Fleet.StartAsync(redis, 1);
        var db = (await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port}")).GetDatabase();
        Task<TurnAllocation> AllocateZoe() => TurnClient.AllocateAsync(new TurnClientOptions { Server = fleet[0].Address, Username = "zoe", Password = "zoe-pw", ReallocateOnLoss = false });

        await db.HashSetAsync(TurnFleetStore.Accounts(Realm), "zoe", "zoe-pw");
        await (await EventuallyAsync("zoe, added in Redis, allocates", async () =>
        {
            try { return await AllocateZoe(); }
            catch (TurnClientException e) when (e.ErrorCode == StunErrorCodes.Unauthenticated) { return null; }
        })).DisposeAsync();
        await db.HashDeleteAsync(TurnFleetStore.Accounts(Realm), "zoe");
        var refused = await EventuallyAsync("zoe, removed from Redis, refused", async () =>
        {
            try { await (await AllocateZoe()).DisposeAsync(); return null; }
            catch (TurnClientException e) { return e; }
        });
        Assert.Equal(StunErrorCodes.Unauthenticated, refused.ErrorCode);

        // A REST secret added in Redis (rotation): credentials minted with it allocate.
        await db.SetAddAsync(TurnFleetStore.Secrets(Realm), "rotated-secret");
        var username = $"{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}:yann";
        await (await EventuallyAsync("the rotated secret accepted", async () =>
        {
            try { return await TurnClient.AllocateAsync(new TurnClientOptions { Server = fleet[0].Address, Username = username, Password = TurnCredentials.RestPassword("rotated-secret", username), ReallocateOnLoss = false }); }
            catch (TurnClientException e) when (e.ErrorCode == StunErrorCodes.Unauthenticated) { return null; }
        })).DisposeAsync();
    }

    [Fact]
    public async Task When_every_live_server_is_at_its_total_quota_an_Allocate_gets_508_not_a_redirect()
    {
        await using var redis = await RedisProcess.StartAsync();
        await using var fleet = await Fleet.StartAsync(redis, 2);
        var held = new List<TurnAllocation>();
        try
        {
            for (var i = 0; i < 6; i++) held.Add(await AllocateAsync(fleet[i / 3], $"full-{i}"));   // 3 each: both at --total-quota 3
            var db = (await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port}")).GetDatabase();
            await EventuallyAsync("both servers full in Redis", async () => (await TurnFleetStore.ReadServersAsync(db, Realm)).All(s => s.Allocations == 3) ? "" : null);
            await Task.Delay(HeartbeatMs);   // each server's view reads it (every quarter heartbeat)
            foreach (var server in new[] { fleet[0], fleet[1] })
            {
                var refused = await Assert.ThrowsAsync<TurnClientException>(() => AllocateAsync(server, "one-too-many"));
                Assert.True(refused.ErrorCode == TurnErrorCodes.InsufficientCapacity, $"{server.Address}: {refused.Message}");
            }
        }
        finally
        {
            foreach (var allocation in held) await allocation.DisposeAsync();
        }
    }

    [Fact]
    public async Task Servers_keep_serving_while_Redis_is_down_and_resynchronise_when_it_is_back()
    {
        await using var redis = await RedisProcess.StartAsync();
        await using var fleet = await Fleet.StartAsync(redis, 2);
        await redis.StopAsync();
        await using var during = await AllocateAsync(fleet[1], "frank");   // the secret it took from Redis at start still works
        await EventuallyAsync("Redis unreachable logged", () => Task.FromResult(fleet[1].Process.Stderr.Contains("Redis unreachable") ? "" : null));

        await redis.StartAgainAsync();   // empty: no persistence
        var db = (await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port},abortConnect=false")).GetDatabase();
        await EventuallyAsync("both servers back in the restarted Redis", async () => (await TurnFleetStore.ReadServersAsync(db, Realm)).Count == 2 ? "" : null);
        var s2 = (await TurnFleetStore.ReadServersAsync(db, Realm)).Single(s => s.Id == fleet[1].Address);
        Assert.Equal(1, s2.Allocations);   // republished with the allocation made while Redis was down
        Assert.Contains("resynchronised", fleet[1].Process.Stderr);
    }

    [Fact]
    public async Task The_bit_rates_a_server_publishes_add_up_to_the_bytes_sent_through_its_relay()
    {
        await using var redis = await RedisProcess.StartAsync();
        await using var fleet = await Fleet.StartAsync(redis, 1);
        var db = (await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port}")).GetDatabase();
        await using var allocation = await AllocateAsync(fleet[0], "gina");
        using var peer = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var peerAddress = (IPEndPoint)peer.Client.LocalEndPoint!;
        await allocation.CreatePermissionAsync(peerAddress.Address);
        const int Datagrams = 50, Size = 1000;
        // A sample that misses a beat (the reader stalled on a loaded machine) cannot add up: measured again, 3 times at most.
        for (var attempt = 1; ; attempt++)
        {
            var rates = await SampleBitRatesAsync(db, TurnFleetStore.Server(Realm, fleet[0].Address), async () =>
            {
                for (var i = 0; i < Datagrams; i++) await allocation.SendAsync(peerAddress, new byte[Size]);
                for (var i = 0; i < Datagrams; i++) Assert.Equal(Size, (await peer.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(5))).Buffer.Length);
            });
            var beats = rates.Keys.ToArray();
            // bitrate = bytes relayed since the last beat · 8 / H: summed over the beats, times H / 8, the bytes relayed.
            var relayed = rates.Values.Sum(bitRate => bitRate * HeartbeatMs / 8000);
            output.WriteLine($"attempt {attempt}: published bit rates (bit/s) by beat: {string.Join(", ", rates.Select(r => $"{r.Key}:{r.Value}"))}; {relayed} bytes relayed");
            if (beats[^1] - beats[0] + 1 != beats.Length && attempt < 3) continue;
            Assert.True(beats[^1] - beats[0] + 1 == beats.Length, $"a beat was missed: {string.Join(",", beats)}");
            Assert.Equal(Datagrams * Size, relayed);
            return;
        }
    }

    /// <summary>Every beat's published bit rate from before <paramref name="traffic"/> to two beats after it (read every 50 ms, a tenth of a heartbeat).</summary>
    private static async Task<SortedDictionary<long, long>> SampleBitRatesAsync(IDatabase db, string key, Func<Task> traffic)
    {
        var rates = new SortedDictionary<long, long>();
        long LastBeat() { lock (rates) return rates.Keys.LastOrDefault(); }
        using var stop = new CancellationTokenSource();
        var sampling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var fields = (await db.HashGetAsync(key, ["beat", "bitrate"])).Select(v => (long)v).ToArray();
                lock (rates) rates[fields[0]] = fields[1];
                await Task.Delay(50);
            }
        });
        await EventuallyAsync("a first sample", () => Task.FromResult(LastBeat() > 0 ? "" : null));
        await traffic();
        var afterTraffic = LastBeat();
        await EventuallyAsync("two beats after the traffic", () => Task.FromResult(LastBeat() >= afterTraffic + 2 ? "" : null));
        await stop.CancelAsync();
        await sampling;
        return rates;
    }

    private static Task<TurnAllocation> AllocateAsync(FleetServer server, string user)
    {
        var username = $"{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds() / 3600 * 3600}:{user}";   // one username per user in the test
        return TurnClient.AllocateAsync(new TurnClientOptions
        {
            Server = server.Address, Username = username, Password = TurnCredentials.RestPassword(Secret, username), ReallocateOnLoss = false,
        });
    }

    /// <summary>Probes every 100 ms until it answers non-null (10 s at most; the fleet's views are a heartbeat old).</summary>
    private static async Task<T> EventuallyAsync<T>(string what, Func<Task<T?>> probe) where T : class
    {
        for (var i = 0; i < 100; i++)
        {
            if (await probe() is { } done) return done;
            await Task.Delay(100);
        }
        throw new TimeoutException($"not within 10 s: {what}");
    }

    private sealed record FleetServer(CliProcess Process, string Address, int RelayPorts, int Prometheus)
    {
        public bool OwnsRelay(IPEndPoint relay) => relay.Port >= RelayPorts && relay.Port < RelayPorts + 20;

        public async Task<string> MetricsAsync()
        {
            using var http = new HttpClient();
            return await http.GetStringAsync($"http://127.0.0.1:{Prometheus}/metrics");
        }
    }

    private sealed class Fleet(List<FleetServer> servers) : IAsyncDisposable
    {
        public FleetServer this[int i] => servers[i];

        public FleetServer Single(Func<FleetServer, bool> which) => servers.Single(which);

        public static async Task<Fleet> StartAsync(RedisProcess redis, int count)
        {
            var started = new List<FleetServer>();
            var fleet = new Fleet(started);
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var ports = FreePorts.Find([IPAddress.Loopback], 2, 1);
                    var relays = FreePorts.FindRange([IPAddress.Loopback], 20);
                    string[] secret = i == 0 ? ["--static-auth-secret", Secret] : [];
                    var process = CliProcess.Start(["turn-server", "--listening-ip", "127.0.0.1", "--listening-port", $"{ports[0]}", "--min-port", $"{relays}",
                        "--max-port", $"{relays + 19}", "--realm", Realm, "--user-quota", "2", "--total-quota", "3", "--allow-loopback-peers",
                        "--prometheus", $"127.0.0.1:{ports[1]}", "--fleet", redis.Url, "--fleet-heartbeat", $"{HeartbeatMs}", .. secret]);
                    started.Add(new FleetServer(process, $"127.0.0.1:{ports[0]}", relays, ports[1]));
                    await process.WaitForLineAsync("fleet ", Startup);
                }
                return fleet;
            }
            catch
            {
                await fleet.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var server in servers) await server.Process.DisposeAsync();
        }
    }
}
