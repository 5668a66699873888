using System.Diagnostics;

namespace IceSpec.Cli.Tests;

/// <summary>
/// The built tool (icespec.dll next to the tests) run as a child process, optionally under a wrapper (e.g. unshare);
/// output is collected as it comes. Disposing kills it by its PID (with its children) and waits for it.
/// </summary>
internal sealed class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];

    private CliProcess(Process process) => _process = process;

    /// <summary>Starts <c>dotnet icespec.dll ARGS</c>, after <paramref name="wrapper"/> (a program and its arguments that exec the rest).</summary>
    /// <paramref name="input"/>: lines written to its stdin, which then stays open until <see cref="CloseInput"/> (else it is closed at once).
    public static CliProcess Start(IReadOnlyList<string> args, IReadOnlyList<string>? wrapper = null, IReadOnlyDictionary<string, string>? environment = null,
        IReadOnlyList<string>? input = null)
    {
        var command = new List<string>(wrapper ?? []) { DotnetHost, typeof(CliApp).Assembly.Location };
        command.AddRange(args);
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in command.Skip(1)) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var child = new CliProcess(Process.Start(start)!);
        child._process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (child._stdout) child._stdout.Add(e.Data); };
        child._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (child._stderr) child._stderr.Add(e.Data); };
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        if (input is null) child._process.StandardInput.Close();
        else
        {
            foreach (var line in input) child._process.StandardInput.WriteLine(line);
            child._process.StandardInput.Flush();
        }
        return child;
    }

    /// <summary>Runs to the end (at most <paramref name="timeout"/>, else it is killed and the test fails).</summary>
    public static async Task<CliResult> RunAsync(IReadOnlyList<string> args, IReadOnlyList<string>? wrapper = null,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        await using var child = Start(args, wrapper, environment);
        var code = await child.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(60));
        return new CliResult(code, child.Stdout, child.Stderr);
    }

    public int Id => _process.Id;

    public void CloseInput() => _process.StandardInput.Close();

    public string Stdout { get { lock (_stdout) return string.Join("\n", _stdout); } }

    public string Stderr { get { lock (_stderr) return string.Join("\n", _stderr); } }

    /// <summary>Waits (at most <paramref name="timeout"/>) for a stdout line starting with <paramref name="prefix"/>; returns the rest.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(deadline) < timeout && !_process.HasExited)
        {
            lock (_stdout)
                if (_stdout.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } line) return line[prefix.Length..];
            await Task.Delay(50);
        }
        throw new TimeoutException($"no line '{prefix}…' within {timeout}:\n{Stdout}\n{Stderr}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(limit.Token);
        return _process.ExitCode;
    }

    /// <summary>The dotnet host running these tests (the tool is started with it, whatever PATH the child gets).</summary>
    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "dotnet")).FirstOrDefault(File.Exists)
          ?? throw new InvalidOperationException("no dotnet on PATH");

    private bool _disposed;

    /// <summary>Kills it (once: disposing again does nothing, e.g. a test that killed a server its fixture also stops).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
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

/// <summary>Paths in the repository the tests read (pcaps, the README that documents the JSON schema).</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "IceSpec.sln"))) return dir.FullName;
        throw new InvalidOperationException("IceSpec.sln not found above " + AppContext.BaseDirectory);
    }
}
