using System.Diagnostics;
using System.Runtime.InteropServices;
using IceSpec.Conformance.Lab;

namespace IceSpec.Conformance.Tests.Lab;

/// <summary>Ctrl-C (SIGINT) during <c>icespec conformance run</c> tears the lab down: no namespace of that run is left.</summary>
[Trait("Category", "lab")]
[Collection("lab")]
public sealed class InterruptTests : IDisposable
{
    private const int SigInt = 2;
    private readonly string _out = Directory.CreateTempSubdirectory("icespec-interrupt-").FullName;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    public void Dispose() => Directory.Delete(_out, recursive: true);

    [Fact]
    public async Task Sigint_during_a_run_deletes_the_runs_namespaces()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])[Path.Combine(AppContext.BaseDirectory, "icespec.dll"), "conformance", "run", "--impl", "aioice",
                     "--scenario", "both-port-restricted,no-nat,one-nat,both-full-cone,same-nat,lossy-10", "--server-cases", "none", "--out", _out])
            info.ArgumentList.Add(arg);
        using var run = Process.Start(info)!;
        var mine = $"{LabSweep.NamePrefix}{run.Id}-";
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!LabSweep.ListLabNamespaces().Any(n => n.StartsWith(mine)))
            {
                if (run.HasExited)
                    Assert.Fail($"the run ended (exit {run.ExitCode}) before building its lab: {await run.StandardError.ReadToEndAsync()}");
                Assert.True(DateTime.UtcNow < deadline, "the run built no lab within 60 s");
                await Task.Delay(100);
            }
            await Task.Delay(500);

            // Six scenarios: the run is still busy when the signal comes (two finished once before a 500 ms signal).
            if (run.HasExited) Assert.Fail($"the run ended (exit {run.ExitCode}) before it could be interrupted");
            kill(run.Id, SigInt);
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await run.WaitForExitAsync(exit.Token);

            Assert.Equal(128 + SigInt, run.ExitCode);
            await Task.Delay(1000);
            var left = LabSweep.ListLabNamespaces().Where(n => n.StartsWith(mine)).ToList();
            Assert.True(left.Count == 0, $"left behind: {string.Join(", ", left)}; the run said: {await run.StandardError.ReadToEndAsync()}");
        }
        finally
        {
            if (!run.HasExited) run.Kill(entireProcessTree: true);
            LabSweep.RemoveLeftovers();
        }
    }
}
