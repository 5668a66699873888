using System.Net;
using System.Net.Sockets;
using IceSpec.Cli;
using IceSpec.Turn.Server;

namespace IceSpec.Cli.Tests;

/// <summary>The <c>prometheus</c> setting: ours (<c>IP:PORT</c>) and coturn's bare switch with <c>prometheus-port</c>, loopback unless an address is given.</summary>
[Trait("Category", "unit")]
public sealed class PrometheusSettingTests
{
    [Theory]
    [InlineData(null, null, "127.0.0.1:9641")] // coturn's spelling; coturn would listen on every interface
    [InlineData(null, "9000", "127.0.0.1:9000")]
    [InlineData("192.0.2.5:9100", null, "192.0.2.5:9100")]
    [InlineData("192.0.2.5:9100", "9000", "192.0.2.5:9100")]
    [InlineData("0.0.0.0", null, "0.0.0.0:9641")]
    [InlineData("[::1]:9100", null, "[::1]:9100")]
    [InlineData("::1", "9000", "[::1]:9000")]
    public void Prometheus_endpoint(string? value, string? port, string expected)
    {
        var settings = new List<TurnConfigSetting> { new("prometheus", value, "test") };
        if (port is not null) settings.Add(new("prometheus-port", port, "test"));
        Assert.Equal(IPEndPoint.Parse(expected), TurnServerConfig.Build(settings).Prometheus);
    }

    [Fact]
    public void Off_by_default_even_with_a_port()
    {
        Assert.Null(TurnServerConfig.Build([]).Prometheus);
        Assert.Null(TurnServerConfig.Build([new("prometheus-port", "9000", "test")]).Prometheus);
    }

    [Theory]
    [InlineData("prometheus", "metrics.example", "test: 'metrics.example' is not IP:PORT or IP (prometheus)")]
    [InlineData("prometheus-port", "0", "test: '0' is not a number from 1 to 65535")]
    public void Bad_values_are_named(string key, string value, string message) =>
        Assert.Equal(message, Assert.Throws<TurnConfigException>(() => TurnServerConfig.Build([new(key, value, "test")])).Message);

    [Fact]
    public void The_bare_coturn_flag_on_the_command_line_listens_on_loopback_at_prometheus_port()
    {
        // The port is taken, so the server stops at once, naming where it tried to listen.
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = CliApp.Run(["turn-server", "--prometheus", "--prometheus-port", $"{port}", "--listening-ip", "127.0.0.1", "--listening-port", "0", "--no-tcp",
            "--log-level", "error"], new StringReader(""), stdout, stderr);
        Assert.Equal(1, exit);
        Assert.Contains($"icespec turn-server: prometheus: cannot listen on 127.0.0.1:{port}:", stderr.ToString());
    }
}
