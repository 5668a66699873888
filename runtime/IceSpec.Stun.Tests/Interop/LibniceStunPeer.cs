using System.Diagnostics;

namespace IceSpec.Stun.Tests.Interop;

/// <summary>
/// Builds conformance/peers/libnice-stun/stun_peer.c against the system libnice (pkg-config nice) once per test run
/// and runs it. A missing compiler or libnice is a broken setup: the build fails the tests, it never skips them.
/// </summary>
public sealed class LibniceStunPeer : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-libnice-").FullName;

    public LibniceStunPeer()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "peers", "libnice-stun", "build.sh");
        var (exit, stdout, stderr) = Run("sh", [script, _directory]);
        if (exit != 0)
            throw new InvalidOperationException($"Building the libnice STUN peer failed (exit {exit}); install libnice-dev, pkg-config and gcc (./test.sh does).\n{stdout}{stderr}");
        Executable = Path.Combine(_directory, "stun_peer");
    }

    public string Executable { get; }

    /// <summary>Runs stun_peer with the arguments; returns its exit code and stdout lines.</summary>
    public (int Exit, string[] Lines) Invoke(params string[] arguments)
    {
        var (exit, stdout, _) = Run(Executable, arguments);
        return (exit, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static (int Exit, string Stdout, string Stderr) Run(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish in 60 s");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
