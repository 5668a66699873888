using System.Diagnostics;

namespace IceSpec.Captures.Tests;

/// <summary>A real peer started for a test; disposing kills it (by its PID, with its children) and waits for it to exit.</summary>
internal sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private PeerProcess(Process process) => _process = process;

    public static PeerProcess Start(string file, params string[] args) => StartWithEnvironment(file, [], args);

    /// <summary>Like <see cref="Start"/>, with these environment variables set (or replaced) for the process.</summary>
    public static PeerProcess StartWithEnvironment(string file, Dictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{file} could not be started ({e.Message}): scripts/install-deps.sh installs the test peers", e);
        }
        var peer = new PeerProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (peer._output) peer._output.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (peer._output) peer._output.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>Waits (at most <paramref name="timeout"/>) for an output line starting with <paramref name="prefix"/>; returns the rest.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            lock (_output)
                if (_output.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } line) return line[prefix.Length..];
            if (_process.HasExited) break;
            await Task.Delay(50);
        }
        throw new TimeoutException($"no line '{prefix}…' from {_process.StartInfo.FileName} within {timeout}: {Output}");
    }

    public string Output { get { lock (_output) return string.Join("\n", _output); } }

    public int Pid => _process.Id;

    /// <summary>Waits for the process to exit (at most <paramref name="timeout"/>) and returns its exit code, once its output is read.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(limit.Token);
        return _process.ExitCode;
    }

    /// <summary>The dotnet host this test runs on (to start .NET programs with a PATH that does not lead to it).</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "dotnet")).FirstOrDefault(File.Exists)
          ?? throw new InvalidOperationException("no dotnet on PATH");

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(wait.Token);
        }
        finally
        {
            _process.Dispose();
        }
    }
}
