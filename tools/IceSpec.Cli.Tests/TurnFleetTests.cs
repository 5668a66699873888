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
    private const int HeartbeatMs = 500;
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

        // s3 killed (SIGKILL: no goodbye): gone from the welcome within its key's TTL (2 heartbeats) and one read.
        await fleet[2].Process.DisposeAsync();
        var killedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        await EventuallyAsync("the killed server no longer handed out", async () => (await HandedOut()).Contains(fleet[2].Address) ? null : "");
        var dropped = System.Diagnostics.Stopwatch.GetElapsedTime(killedAt);
        output.WriteLine($"the killed server left the signal server's list {dropped.TotalMilliseconds:0} ms after SIGKILL (heartbeat {HeartbeatMs} ms, key TTL {2 * HeartbeatMs} ms, list read every 1000 ms)");
        Assert.True(dropped < TimeSpan.FromMilliseconds(HeartbeatMs * 2 + 1000 + 1500), $"dropped after {dropped.TotalMilliseconds:0} ms");
        // Its clients fail over by allocating again at the server the signal server hands out first.
        var first = (await HandedOut())[0];
        await using var failedOver = await AllocateAsync(fleet.Single(s => s.Address == first), "s3-client");
        Assert.False(fleet[2].OwnsRelay(failedOver.RelayedAddress));

        // Drain s1 (its Redis flag): a new Allocate goes to s2 (300), dave's allocation on s1 still refreshes, and the
        // Prometheus metric says it drains.
        var db = (await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port}")).GetDatabase();
        await db.StringSetAsync(TurnFleetStore.Drain(Realm, fleet[0].Address), "1");
        await EventuallyAsync("icespec_turn_fleet_draining 1", async () => Regex.IsMatch(await fleet[0].MetricsAsync(), "^icespec_turn_fleet_draining 1$", RegexOptions.Multiline) ? "" : null);
        await using var moved = await AllocateAsync(fleet[0], "erin");
        Assert.True(fleet[1].OwnsRelay(moved.RelayedAddress), $"relayed {moved.RelayedAddress}, expected s2's ports {fleet[1].RelayPorts}");
        Assert.True(await kept.RefreshAsync() > TimeSpan.Zero);
        await EventuallyAsync("the drained server no longer handed out", async () => (await HandedOut()).Contains(fleet[0].Address) ? null : "");   // no longer handed out
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
