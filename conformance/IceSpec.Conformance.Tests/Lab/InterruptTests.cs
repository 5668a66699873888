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
        // Through env --default-signal=INT (coreutils), which execs dotnet in place (same PID): a test host started in the
        // background by a non-interactive shell has SIGINT ignored, and an ignored signal stays ignored across exec — the
        // run would never see the Ctrl-C this test sends (as a shell's background job does not).
        var info = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["--default-signal=INT", "dotnet", Path.Combine(AppContext.BaseDirectory, "icespec.dll"), "conformance", "run", "--impl", "aioice",
                     "--scenario", "both-port-restricted,no-nat,one-nat,both-full-cone,same-nat,lossy-10", "--server-cases", "none", "--out", _out])
            info.ArgumentList.Add(arg);
        using var run = Process.Start(info)!;
        // Read both pipes as the run writes them: a full pipe would block the run (and its exit) on a write.
        var output = new System.Text.StringBuilder();
        run.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        run.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        run.BeginOutputReadLine();
        run.BeginErrorReadLine();
        string Said() { lock (output) return output.ToString(); }
        var mine = $"{LabSweep.NamePrefix}{run.Id}-";
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!LabSweep.ListLabNamespaces().Any(n => n.StartsWith(mine)))
            {
                if (run.HasExited)
                    Assert.Fail($"the run ended (exit {run.ExitCode}) before building its lab: {Said()}");
                Assert.True(DateTime.UtcNow < deadline, "the run built no lab within 60 s");
                await Task.Delay(100);
            }
            await Task.Delay(500);

            // Six scenarios: the run is still busy when the signal comes (two finished once before a 500 ms signal).
            if (run.HasExited) Assert.Fail($"the run ended (exit {run.ExitCode}) before it could be interrupted");
            kill(run.Id, SigInt);
            // The process itself (not the EOF of its pipes, which WaitForExitAsync also waits for: an orphan could hold them).
            var signalled = DateTime.UtcNow;
            while (!run.HasExited)
            {
                if (DateTime.UtcNow - signalled > TimeSpan.FromSeconds(30)) Assert.Fail($"the run did not end within 30 s of SIGINT; it said: {Said()}");
                await Task.Delay(100);
            }

            Assert.Equal(128 + SigInt, run.ExitCode);
            await Task.Delay(1000);
            var left = LabSweep.ListLabNamespaces().Where(n => n.StartsWith(mine)).ToList();
            Assert.True(left.Count == 0, $"left behind: {string.Join(", ", left)}; the run said: {Said()}");
        }
        finally
        {
            if (!run.HasExited) run.Kill(entireProcessTree: true);
            LabSweep.RemoveLeftovers();
        }
    }
}
