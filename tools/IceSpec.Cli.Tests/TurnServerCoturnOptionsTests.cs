using System.Net;
using System.Net.Sockets;
using IceSpec.Turn.Client;

namespace IceSpec.Cli.Tests;

/// <summary>
/// <c>icespec turn-server</c> takes a coturn command line: the built tool started with coturn's short options serves an
/// allocation with what they say (port, realm, user, relay range); coturn options it lacks are refused naming the equivalent.
/// </summary>
[Trait("Category", "unit")]
public sealed class TurnServerCoturnOptionsTests
{
    [Fact]
    public async Task A_coturn_command_line_starts_the_server_and_an_allocation_succeeds()
    {
        var port = FreePort();
        var minPort = 62000 + Random.Shared.Next(0, 30) * 100;   // above Linux's ephemeral range; a slice of its own
        await using var server = CliProcess.Start(["turn-server", "-n", "-L", "127.0.0.1", "-p", port.ToString(), "-a", "-f", "-r", "example.org",
            "-u", "alice:secret", "--no-tls", "--no-dtls", "--min-port", minPort.ToString(), "--max-port", (minPort + 99).ToString(), "-m", "2", "-v"]);
        var listening = await server.WaitForLineAsync("listening ", TimeSpan.FromSeconds(20));
        Assert.Contains($"127.0.0.1:{port}", listening);

        await using var allocation = await TurnClient.AllocateAsync(new TurnClientOptions
        {
            Server = $"127.0.0.1:{port}", Username = "alice", Password = "secret",
        }).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal("example.org", allocation.Realm);
        Assert.Equal(IPAddress.Loopback, allocation.RelayedAddress.Address);
        Assert.InRange(allocation.RelayedAddress.Port, minPort, minPort + 99);
    }

    [Theory]
    [InlineData("--userdb", "x", "give users-file FILE")]
    [InlineData("-b", "x", "give users-file FILE")]
    [InlineData("--redis-userdb", "host=127.0.0.1", "static-auth-secret")]
    [InlineData("--psql-userdb", "host=127.0.0.1", "give users-file FILE")]
    [InlineData("-o", null, "runs in the foreground")]
    [InlineData("-z", null, "always authenticated")]
    public async Task A_coturn_option_we_lack_is_refused_naming_the_equivalent(string option, string? value, string equivalent)
    {
        string[] args = value is null ? ["turn-server", option] : ["turn-server", option, value];
        // Bounded: were the option accepted, the server would start and run until a signal.
        var (code, _, errors) = await Task.Run(() => CliRunner.Run(args)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, code);
        Assert.Contains(equivalent, errors);
        Assert.Contains("not supported", errors);
    }

    [Fact]
    public void No_config_file_and_a_config_file_exclude_each_other()
    {
        var (code, _, errors) = CliRunner.Run("turn-server", "-n", "-c", "/etc/turnserver.conf");
        Assert.Equal(2, code);
        Assert.Contains("-n (no configuration file) and --config exclude each other", errors);
    }

    /// <summary>A port free for both UDP and TCP on loopback right now (the server binds both).</summary>
    private static int FreePort()
    {
        for (var attempt = 0; ; attempt++)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException) when (attempt < 10)
            {
            }
        }
    }
}
