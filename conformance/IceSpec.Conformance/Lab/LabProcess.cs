using System.Diagnostics;
using System.Runtime.InteropServices;

namespace IceSpec.Conformance.Lab;

/// <summary>
/// A process the kit started, inside a namespace (<c>ip netns exec NS …</c>, which execs: the PID is the program's) or,
/// with no namespace, in this one; its output appended to a log file. Stopped by its PID: SIGTERM, then SIGKILL after a grace period.
/// </summary>
public sealed class LabProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Task _pumps;
    private int _disposed;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private LabProcess(Process process, StreamWriter log, string? netns, string description)
    {
        _process = process;
        _log = log;
        Namespace = netns;
        Description = description;
        _pumps = Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError));
    }

    public int Pid => _process.Id;
    public string? Namespace { get; }
    public string Description { get; }
    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="file"/> in <paramref name="netns"/> (null: this namespace); stdout and stderr go to <paramref name="logPath"/>.</summary>
    public static LabProcess Start(string? netns, string file, IReadOnlyList<string> args, string logPath)
    {
        var info = new ProcessStartInfo(netns is null ? file : "ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in netns is null ? args : ["netns", "exec", netns, file, .. args]) info.ArgumentList.Add(arg);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var description = $"{file} {string.Join(' ', args)}" + (netns is null ? "" : $" (in {netns})");
        try
        {
            var process = Process.Start(info) ?? throw new LabException($"could not start {description}");
            return new LabProcess(process, log, netns, description);
        }
        catch (Exception e) when (e is not LabException)
        {
            log.Dispose();
            throw new LabException($"could not start {description}: {e.Message}", e);
        }
    }

    /// <summary>Sends SIGTERM, waits up to <paramref name="grace"/>, then SIGKILL. Idempotent.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (!_process.HasExited)
        {
            kill(_process.Id, SigTerm);
            using var cts = new CancellationTokenSource(grace);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }
        await _pumps.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await StopAsync(TimeSpan.FromSeconds(5));
        _process.Dispose();
        lock (_log) _log.Dispose();
    }

    private async Task Pump(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
            lock (_log)
                if (_log.BaseStream.CanWrite) _log.WriteLine(line);
    }
}
