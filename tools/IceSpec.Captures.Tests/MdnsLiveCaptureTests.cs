using System.Diagnostics;
using IceSpec.Captures.Analysis;
using IceSpec.Captures.Credentials;
using IceSpec.Captures.Diagnosis;

namespace IceSpec.Captures.Tests;

/// <summary>
/// pcaps/mdns/make-mdns.sh run for real (root: namespaces, a bridge, nftables, tcpdump; two aioice agents): the fresh
/// captures read as the agents say the sessions went — with the names resolved, every name the SDPs carry is answered
/// and its candidate's pair succeeds; with the responses dropped, the controlling agent's name is found unanswered (a
/// cause). What is expected comes from the agents' SDPs and their printed outcome, not from our reading.
/// </summary>
[Trait("Category", "lab")]
public sealed class MdnsLiveCaptureTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-mdns-live-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static IEnumerable<string> Names(string sdp) =>
        File.ReadAllLines(sdp).Where(l => l.StartsWith("a=candidate:", StringComparison.Ordinal)).Select(l => l.Split(' ')[4]);

    [Fact]
    public async Task Fresh_aioice_captures_resolve_their_names_and_find_the_dropped_answers()
    {
        var script = Path.Combine(Frames.Pcaps, "mdns", "make-mdns.sh");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { script, _directory, "aioice" }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                // SIGTERM: the script's EXIT trap stops its processes and deletes its namespaces (mdnscap<PID>-*).
                Process.Start("kill", ["-TERM", $"{process.Id}"])!.WaitForExit();
                await process.WaitForExitAsync();
                Assert.Fail($"make-mdns.sh did not finish in 60 s:\n{await stdout}\n{await stderr}");
            }
        }
        Assert.True(process.ExitCode == 0, $"make-mdns.sh failed ({process.ExitCode}; needs root, python3-aioice, nftables, tcpdump: scripts/install-deps.sh):\n{await stdout}\n{await stderr}");

        string Made(string name) => Path.Combine(_directory, name);
        var resolved = SignallingReader.Read([new SignallingInput("controlling", Made("aioice-mdns-resolved.controlling.sdp")),
            new SignallingInput("controlled", Made("aioice-mdns-resolved.controlled.sdp"))]);
        var report = CaptureAnalyzer.AnalyzeFile(Made("aioice-mdns-resolved.pcapng"), new CaptureCredentials(), signalled: resolved).Report;
        // The capture is the controlled host's: its own query for the controlling agent's name, and the other way round.
        foreach (var name in Names(Made("aioice-mdns-resolved.controlling.sdp")).Concat(Names(Made("aioice-mdns-resolved.controlled.sdp"))))
        {
            var seen = Assert.Single(report.Mdns.Names, n => n.Name == name);
            Assert.True(seen.Answered, $"{name} not answered");
            Assert.Contains(seen.Candidates, c => c.Use == "signalled" && c.PairState == "Succeeded");
        }

        var unanswered = Diagnoser.Diagnose([new DiagnosisInput("controlled", Made("aioice-mdns-unanswered.pcapng"))], new CaptureCredentials(),
            [new SignallingInput("controlling", Made("aioice-mdns-unanswered.controlling.sdp"))]);
        var finding = Assert.Single(unanswered.Findings, f => f.Kind == "mdns-name-unanswered");
        Assert.Equal(FindingSeverity.Cause, finding.Severity);
        Assert.Contains(Assert.Single(Names(Made("aioice-mdns-unanswered.controlling.sdp"))), finding.Verdict);
        // The script deleted its namespaces.
        var namespaces = Process.Start(new ProcessStartInfo("ip", ["netns", "list"]) { RedirectStandardOutput = true })!;
        Assert.DoesNotContain($"mdnscap{process.Id}-", await namespaces.StandardOutput.ReadToEndAsync());
        await namespaces.WaitForExitAsync();
    }
}
