using System.Net;
using System.Net.Sockets;
using IceSpec.Tests.Observability;
using IceSpec.Turn.Client;
using IceSpec.Turn.Tests.Server;

namespace IceSpec.Turn.Tests.Observability;

/// <summary><c>prometheus=IP:PORT</c> on a running server: <c>/metrics</c> follows real traffic through the repository's TURN client; <c>/health</c> answers.</summary>
[Trait("Category", "unit")]
public sealed class PrometheusEndpointTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);

    // The OpenTelemetry → Prometheus names of the server README's instruments (IceSpec.Turn.Server.Hosting): no meter prefix, counters with _total.
    private const string Created = "icespec_turn_allocations_created_total";
    private const string Active = "icespec_turn_allocations_active";
    private const string BytesToPeer = "icespec_turn_relayed_bytes_total{direction=\"client-to-peer\"}";
    private const string BytesToClient = "icespec_turn_relayed_bytes_total{direction=\"peer-to-client\"}";

    /// <summary>The families a Prometheus server finds, by the instrument kinds in IceSpec.Turn.Server.Hosting/README.md ("Meters").</summary>
    private static readonly Dictionary<string, string> Families = new()
    {
        ["icespec_turn_allocations_active"] = "gauge",
        ["icespec_turn_allocations_created_total"] = "counter",
        ["icespec_turn_allocations_refused_total"] = "counter",
        ["icespec_turn_permissions_active"] = "gauge",
        ["icespec_turn_permissions_refused_total"] = "counter",
        ["icespec_turn_channels_active"] = "gauge",
        ["icespec_turn_relayed_packets_total"] = "counter",
        ["icespec_turn_relayed_bytes_total"] = "counter",
        ["icespec_turn_nonce_renewals_total"] = "counter",
        // icespec_turn_auth_failures_total appears with the first failure: none here.
    };

    [Fact]
    public async Task Scrapes_before_and_during_traffic_show_the_allocation_and_the_bytes_relayed_each_way()
    {
        var port = FreeTcpPort();
        await using var server = TestServer.Start($"prometheus=127.0.0.1:{port}", "allow-loopback-peers");
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, port), server.Host.PrometheusEndpoint);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = Limit };

        var health = await http.GetAsync("health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok\n", await health.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://localhost:{port}/health")).StatusCode); // Host: localhost
        var before = await Scrape(http);

        using var peer = new UdpTestClient();
        var clientLog = new ListLogger();
        await using var allocation = await TurnClient.AllocateAsync(
            new TurnClientOptions { Server = server.Udp.ToString(), Username = "alice", Password = "secret", Logger = clientLog }).WaitAsync(Limit);
        await allocation.CreatePermissionAsync(peer.LocalEndPoint).WaitAsync(Limit);
        await allocation.SendAsync(peer.LocalEndPoint, new byte[100]);
        var atPeer = peer.Receive(Limit) ?? throw new TimeoutException("nothing relayed to the peer");
        Assert.Equal(100, atPeer.Data.Length);
        peer.SendTo(atPeer.From, new byte[40]);
        Assert.Equal(40, (await allocation.ReceiveAsync().AsTask().WaitAsync(Limit)).Data.Length);

        var during = await Scrape(http);
        Assert.DoesNotContain(during.Types.Keys, name => name.StartsWith("icespec_turn_server_", StringComparison.OrdinalIgnoreCase)); // no meter prefix
        Assert.Empty(during.Problems);
        Assert.Equal(Families, during.Types);
        Assert.Equal(1, Moved(before, during, Created));
        Assert.Equal(1, during.Samples.GetValueOrDefault(Active));
        Assert.Equal(100, Moved(before, during, BytesToPeer));
        Assert.Equal(40, Moved(before, during, BytesToClient));
        Assert.Equal(0, Moved(during, await Scrape(http), BytesToPeer)); // a scrape reads the totals, it does not add them again
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("other")).StatusCode);
        Assert.Contains(clientLog.Lines, l => l.StartsWith($"Information client.allocation.created relay={allocation.RelayedAddress} ", StringComparison.Ordinal));
        Assert.Contains(clientLog.Lines, l => l.StartsWith("Debug client.permission.installed peers=1 first=127.0.0.1 ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_port_in_use_is_a_clear_error_naming_the_address()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var error = Assert.Throws<InvalidOperationException>(() => TestServer.Start($"prometheus=127.0.0.1:{port}"));
        Assert.Equal($"prometheus: cannot listen on 127.0.0.1:{port}: Address already in use", error.Message);
    }

    private static double Moved(PrometheusScrape before, PrometheusScrape after, string series) =>
        after.Samples.GetValueOrDefault(series) - before.Samples.GetValueOrDefault(series);

    private static async Task<PrometheusScrape> Scrape(HttpClient http)
    {
        var response = await http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString());
        return PrometheusScrape.Parse(await response.Content.ReadAsStringAsync());
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
