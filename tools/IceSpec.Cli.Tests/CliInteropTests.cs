using System.Text.Json;
using IceSpec.Cli;
using IceSpec.Turn.Tests.Client;
using Xunit.Abstractions;

namespace IceSpec.Cli.Tests;

/// <summary><c>icespec stun</c> and <c>icespec turn-client</c> against coturn, run in-process with captured streams.</summary>
[Trait("Category", "interop")]
[Collection(CoturnCollection.Name)]
public sealed class CliInteropTests(CoturnFixture coturn, ITestOutputHelper output)
{
    private (int Exit, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var exit = CliApp.Run(args, new StringReader(""), stdout, stderr);
        output.WriteLine($"$ icespec {string.Join(' ', args)}  -> exit {exit}\n{stdout}{stderr}");
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("--udp")]
    [InlineData("--tcp")]
    public void Stun_prints_the_mapped_address_rtt_and_software(string transport)
    {
        var args = transport == "--udp" ? new[] { "stun", coturn.Server.ToString() } : ["stun", coturn.Server.ToString(), transport];
        var (exit, stdout, _) = Run(args);
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("mapped address   127.0.0.1:", stdout);
        Assert.Contains("rtt              ", stdout);
        Assert.Contains("Coturn", stdout);
        Assert.Contains(transport == "--udp" ? "(udp)" : "(tcp)", stdout);
    }

    [Fact]
    public void Stun_json_over_tls_with_the_test_ca()
    {
        var (exit, stdout, _) = Run("stun", coturn.TlsServer.ToString(), "--tls", "--ca", coturn.CertificatePath, "--json");
        Assert.Equal(ExitCodes.Ok, exit);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.True(root.GetProperty("ok").GetBoolean());
        Assert.Equal("tls", root.GetProperty("transport").GetString());
        Assert.Equal(root.GetProperty("local").GetString(), root.GetProperty("mapped").GetString());
        Assert.True(root.GetProperty("rttMs").GetDouble() > 0);
    }

    [Fact]
    public void Stun_to_a_silent_server_fails_with_exit_1()
    {
        var silent = $"127.0.0.1:{FreePorts.Find([System.Net.IPAddress.Loopback], 1, 0)[0]}";
        var (exit, _, stderr) = Run("stun", silent, "--rto", "10");
        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Contains("no Binding response", stderr);
    }

    [Theory]
    [InlineData("--channel", "")]
    [InlineData("--send-indication", "")]
    [InlineData("--channel", "--tcp")]
    [InlineData("--send-indication", "--tls")]
    public void Turn_client_relays_every_message_and_exits_0(string mode, string transport)
    {
        var server = transport == "--tls" ? coturn.TlsServer : coturn.Server;
        var args = new List<string>
        {
            "turn-client", "--server", server.ToString(), "--user", CoturnFixture.Username, "--password", CoturnFixture.Password,
            "--realm", CoturnFixture.Realm, "--peer", coturn.Peer.ToString(), mode, "--count", "20", "--size", "101", "--interval", "2",
        };
        if (transport.Length > 0) args.Add(transport);
        if (transport == "--tls") args.AddRange(["--ca", coturn.CertificatePath]);
        var (exit, stdout, _) = Run([.. args]);
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("sent          20 x 101 bytes", stdout);
        Assert.Contains("received      20", stdout);
        Assert.Contains("lost          0 (0%)", stdout);
        Assert.Contains("rtt           min ", stdout);
        Assert.Contains("Allocate error 401", stdout);
    }

    [Fact]
    public void Turn_client_json_reports_counts_and_rtt()
    {
        var (exit, stdout, _) = Run("turn-client", "--server", coturn.Server.ToString(), "--user", CoturnFixture.Username, "--password",
            CoturnFixture.Password, "--peer", coturn.Peer.ToString(), "--channel", "--count", "10", "--interval", "0", "--json");
        Assert.Equal(ExitCodes.Ok, exit);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.True(root.GetProperty("ok").GetBoolean());
        Assert.Equal(10, root.GetProperty("received").GetInt32());
        Assert.Equal(0, root.GetProperty("lost").GetInt32());
        Assert.True(root.GetProperty("rttMaxMs").GetDouble() >= root.GetProperty("rttMinMs").GetDouble());
    }

    [Fact]
    public void Turn_client_with_a_wrong_password_says_the_credentials_were_rejected()
    {
        var (exit, _, stderr) = Run("turn-client", "--server", coturn.Server.ToString(), "--user", CoturnFixture.Username, "--password", "wrong",
            "--peer", coturn.Peer.ToString());
        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Contains("rejected the credentials", stderr);
        Assert.Contains("401", stderr);
        Assert.Contains(CoturnFixture.Realm, stderr);
    }

    [Fact]
    public void Turn_client_to_a_peer_that_does_not_echo_reports_the_loss_and_exits_1()
    {
        var deaf = $"127.0.0.1:{FreePorts.Find([System.Net.IPAddress.Loopback], 1, 0)[0]}";
        var (exit, stdout, _) = Run("turn-client", "--server", coturn.Server.ToString(), "--user", CoturnFixture.Username, "--password",
            CoturnFixture.Password, "--peer", deaf, "--count", "3", "--interval", "0", "--wait", "300");
        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Contains("lost          3 (100%)", stdout);
    }
}
