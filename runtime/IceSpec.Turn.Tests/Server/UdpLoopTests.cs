using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using IceSpec.Stun;
using IceSpec.Turn.Server;
using static IceSpec.Turn.Tests.Server.UdpTurnExchanges;

namespace IceSpec.Turn.Tests.Server;

/// <summary>
/// The Linux UDP engine across cores (<c>relay-threads</c>): N loops, one SO_REUSEPORT listener socket each, each relay
/// port on the loop of the allocation that opened it, one core behind one lock so quotas stay global and exact.
/// </summary>
[Trait("Category", "unit")]
public sealed class UdpLoopTests
{
    /// <summary>Sockets bound to a local UDP port, from /proc/net/udp (the kernel's view: the SO_REUSEPORT group).</summary>
    private static int KernelSocketsOn(int port)
    {
        var hex = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        return File.ReadLines("/proc/net/udp").Skip(1).Count(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1].EndsWith(hex, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Relay_threads_2_binds_two_reuseport_sockets_on_the_udp_listener_and_runs_two_loops()
    {
        if (!OperatingSystem.IsLinux()) return;
        await using var server = TestServer.Start("relay-threads=2");
        Assert.Equal(2, server.Host.UdpLoops.Count);
        var (endpoint, sockets) = Assert.Single(server.Host.UdpListenerSockets);
        Assert.Equal(2, sockets.Length);
        Assert.Equal(2, KernelSocketsOn(endpoint.Port));
        using var client = new UdpTestClient();
        Assert.True(client.Request(server.Udp, TestMessages.Binding())!.IsSuccess);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("relay-threads=0", 1)]
    [InlineData("relay-threads=3", 3)]
    public void Relay_threads_default_is_the_cpus_the_process_may_run_on_and_0_is_1(string? setting, int? expected)
    {
        var options = TurnServerConfig.Build(setting is null ? [] : [new TurnConfigSetting(setting[..setting.IndexOf('=')], setting[(setting.IndexOf('=') + 1)..], "test")]);
        Assert.Equal(expected ?? Environment.ProcessorCount, options.EffectiveRelayThreads());
    }

    [Fact]
    public async Task Relay_threads_1_binds_one_socket()
    {
        if (!OperatingSystem.IsLinux()) return;
        await using var server = TestServer.Start("relay-threads=1");
        Assert.Single(server.Host.UdpLoops);
        var (endpoint, _) = Assert.Single(server.Host.UdpListenerSockets);
        Assert.Equal(1, KernelSocketsOn(endpoint.Port));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Many_allocations_relay_both_ways_without_loss_each_relay_port_on_its_clients_loop(int loops)
    {
        if (!OperatingSystem.IsLinux()) return;
        const int allocations = 16;
        const int rounds = 20;
        await using var server = TestServer.Start($"relay-threads={loops}", "allow-loopback-peers");
        var engines = server.Host.UdpLoops;
        using var peer = new UdpTestClient();
        var peerAddress = new StunAddress(peer.LocalEndPoint);
        var clients = new List<(UdpTestClient Client, IPEndPoint Relay)>();
        try
        {
            for (var i = 0; i < allocations; i++)
            {
                var client = new UdpTestClient();
                clients.Add((client, null!));
                // Which loop's socket the kernel hands this client's datagrams to: the one whose count moves.
                var before = engines.Select(e => e.DatagramsReceived).ToArray();
                Assert.True(client.Request(server.Udp, TestMessages.Binding())!.IsSuccess);
                var loop = Enumerable.Range(0, engines.Count).Single(k => engines[k].DatagramsReceived > before[k]);
                var (credentials, relay) = Allocate(client, server.Udp);
                Assert.True(client.Request(server.Udp, TestMessages.CreatePermission(credentials, peerAddress))!.IsSuccess);
                Assert.True(engines[loop].ReadsRelayPort(relay.Port), $"relay port {relay.Port} is not on loop {loop}, the loop of its client");
                clients[i] = (client, relay.ToEndPoint());
            }
            if (loops == 2) Assert.All(engines, e => Assert.True(e.DatagramsReceived > 0, "a loop carried no client"));

            // Client -> peer (Send indications), at a low rate: every datagram arrives.
            var atPeer = new HashSet<(int, int)>();
            for (var round = 0; round < rounds; round++)
            {
                for (var i = 0; i < allocations; i++) clients[i].Client.SendTo(server.Udp, TestMessages.Send(peerAddress, [(byte)i, (byte)round]));
                for (var i = 0; i < allocations; i++)
                {
                    var datagram = peer.Receive(TimeSpan.FromSeconds(2)) ?? throw new Xunit.Sdk.XunitException($"peer lost datagrams in round {round}");
                    var from = clients.FindIndex(c => c.Relay.Equals(datagram.From));
                    Assert.Equal((int)datagram.Data[0], from); // relayed from the client's own relay address
                    atPeer.Add((datagram.Data[0], datagram.Data[1]));
                }
            }
            Assert.Equal(allocations * rounds, atPeer.Count);

            // Peer -> client (Data indications): every datagram arrives at its own client.
            for (var round = 0; round < rounds; round++)
            {
                for (var i = 0; i < allocations; i++) peer.SendTo(clients[i].Relay, [(byte)i, (byte)round]);
                for (var i = 0; i < allocations; i++)
                {
                    var datagram = clients[i].Client.Receive(TimeSpan.FromSeconds(2)) ?? throw new Xunit.Sdk.XunitException($"client {i} lost round {round}");
                    var data = TestResponse.TryParse(datagram.Data)!;
                    Assert.Equal(TurnMethods.Data, data.Method);
                    Assert.Equal(new byte[] { (byte)i, (byte)round }, data.Data);
                }
            }
        }
        finally
        {
            foreach (var (client, _) in clients) client.Dispose();
        }
    }

    [Fact]
    public async Task Quotas_per_user_486_and_total_508_are_exact_with_two_loops_and_concurrent_allocations()
    {
        if (!OperatingSystem.IsLinux()) return;
        const int perUser = 12;
        await using var server = TestServer.Start("relay-threads=2", "user-quota=3", "total-quota=5");
        var engines = server.Host.UdpLoops;
        var clients = new List<(UdpTestClient Client, string User, LongTermCredentials Credentials)>();
        try
        {
            for (var i = 0; i < 2 * perUser; i++)
            {
                var client = new UdpTestClient();
                var (user, password) = i % 2 == 0 ? ("alice", "secret") : ("bob", "hunter2");
                clients.Add((client, user, Authenticate(client, server.Udp, user, password)));
            }
            Assert.All(engines, e => Assert.True(e.DatagramsReceived > 0, "a loop carried no client"));

            // Every Allocate at once, from 24 sockets the kernel spreads over both loops.
            var results = new ConcurrentBag<(string User, int Code)>();
            // Threads, not thread-pool tasks: 24 blocked at the barrier would wait for the pool to grow.
            using var start = new Barrier(clients.Count);
            var threads = clients.Select(c => new Thread(() =>
            {
                start.SignalAndWait();
                var response = c.Client.Request(server.Udp, TestMessages.Allocate(c.Credentials));
                results.Add((c.User, response is null ? -1 : response.IsSuccess ? 200 : response.ErrorCode ?? 0));
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());

            var codes = results.ToList();
            Assert.Equal(5, codes.Count(r => r.Code == 200));
            Assert.True(codes.Count(r => r.User == "alice" && r.Code == 200) <= 3);
            Assert.True(codes.Count(r => r.User == "bob" && r.Code == 200) <= 3);
            Assert.All(codes, r => Assert.Contains(r.Code, new[] { 200, 486, 508 }));
            // A user refused 486 only once it holds its 3; 508 only once 5 are held in all.
            foreach (var user in new[] { "alice", "bob" })
                if (codes.Any(r => r.User == user && r.Code == 486)) Assert.Equal(3, codes.Count(r => r.User == user && r.Code == 200));
            Assert.Equal(5, server.Host.AllocationCount);
            Assert.Equal(5, server.Host.OpenRelayPorts);
        }
        finally
        {
            foreach (var (client, _, _) in clients) client.Dispose();
        }
    }
}
