using System.Diagnostics;
using System.Net;
using IceSpec.Turn.Tests.Client;

namespace IceSpec.Cli.Tests;

/// <summary>
/// A <c>redis-server</c> (Debian package redis-server, installed by scripts/install-deps.sh) on a free loopback port,
/// without persistence (<c>--save "" --appendonly no</c>); stopped by its PID on disposal. <see cref="StopAsync"/> and
/// <see cref="StartAgainAsync"/> restart it on the same port (an outage).
/// </summary>
internal sealed class RedisProcess : IAsyncDisposable
{
    private Process? _process;

    private RedisProcess(int port) => Port = port;

    public int Port { get; }

    public string Url => $"redis://127.0.0.1:{Port}";

    public static async Task<RedisProcess> StartAsync()
    {
        var redis = new RedisProcess(FreePorts.Find([IPAddress.Loopback], 1, 1)[0]);
        await redis.StartAgainAsync();
        return redis;
    }

    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--port", $"{Port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" }) start.ArgumentList.Add(arg);
        try
        {
            _process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("redis-server is missing: install the Debian package redis-server (scripts/install-deps.sh)", e);
        }
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        for (var i = 0; i < 100; i++)
        {
            if (!FreePorts.IsTcpFree(new IPEndPoint(IPAddress.Loopback, Port))) return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"redis-server did not listen on {Port} within 5 s");
    }

    public async Task StopAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
