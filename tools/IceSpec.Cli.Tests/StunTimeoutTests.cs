using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace IceSpec.Cli.Tests;

/// <summary><c>icespec stun --timeout S</c> bounds the whole request, whatever stage it is in, and names the stage.</summary>
[Trait("Category", "unit")]
public sealed class StunTimeoutTests
{
    [Fact]
    public async Task A_udp_server_that_never_answers_times_out_waiting_for_the_response()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);   // bound: no ICMP, no answer
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var server = (IPEndPoint)silent.LocalEndPoint!;

        var (code, took, errors) = await RunAsync("stun", server.ToString(), "--timeout", "1");

        Assert.Equal(1, code);
        Assert.Contains($"icespec: stun {server} (udp): timed out after 1 s waiting for the Binding response from {server} over udp (", errors);
        Assert.True(took >= TimeSpan.FromSeconds(1) - TimerSlack && took < TimeSpan.FromSeconds(1 + 3), $"took {took}: {errors}");
    }

    [Fact]
    public async Task A_tcp_server_that_accepts_but_never_answers_times_out_waiting_for_the_response()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var server = (IPEndPoint)listener.LocalEndpoint;
        var accepted = listener.AcceptSocketAsync();   // accepted and kept open, never read

        // 2 s, not 1: --timeout bounds connect + request, and a loopback connect under a load of 20+ once took most of 1 s.
        var (code, took, errors) = await RunAsync("stun", server.ToString(), "--tcp", "--timeout", "2");

        Assert.Equal(1, code);
        Assert.Contains($"icespec: stun {server} (tcp): timed out after 2 s waiting for the Binding response from {server} over tcp (1 request sent)", errors);
        Assert.True(took >= TimeSpan.FromSeconds(2) - TimerSlack && took < TimeSpan.FromSeconds(2 + 3), $"took {took}: {errors}");
        (await accepted).Dispose();
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("NaN")]
    public void A_timeout_that_is_not_a_positive_number_is_a_usage_error(string timeout)
    {
        var (code, _, errors) = CliRunner.Run("stun", "127.0.0.1:3478", "--timeout", timeout);
        Assert.Equal(2, code);
        Assert.Contains("--timeout", errors);
    }

    /// <summary>Timers tick on a coarse clock (4 ms steps here): one may fire a few ms before a Stopwatch says so.</summary>
    private static readonly TimeSpan TimerSlack = TimeSpan.FromMilliseconds(50);

    private static async Task<(int Code, TimeSpan Took, string Errors)> RunAsync(params string[] args)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await Task.Run(() => CliRunner.Run(args)).WaitAsync(TimeSpan.FromSeconds(30));
        return (result.ExitCode, Stopwatch.GetElapsedTime(started), result.Stderr);
    }
}
