using System.Diagnostics;
using IceSpec.Captures.Analysis;
using IceSpec.Captures.Credentials;
using IceSpec.Captures.Diagnosis;

namespace IceSpec.Captures.Tests;

/// <summary>
/// pcaps/mdns/make-mdns.sh run for real (root: namespaces, a bridge, a router, nftables, tcpdump; two aioice agents, two
/// headless Chromium): the fresh captures read as the agents say the sessions went — with the names resolved, every name
/// the SDPs carry is answered and its candidate's pair succeeds; with the responses dropped, or the two browsers on two
/// routed LANs, the controlling agent's name is found unanswered (a cause). What is expected comes from the agents' SDPs
/// and their outcome (the script checks it), not from our reading.
/// </summary>
[Trait("Category", "lab")]
public sealed class MdnsLiveCaptureTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-mdns-live-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static IEnumerable<string> Names(string sdp) =>
        File.ReadAllLines(sdp).Where(l => l.StartsWith("a=candidate:", StringComparison.Ordinal)).Select(l => l.Split(' ')[4]);

    /// <summary>Runs make-mdns.sh WHICH into this test's folder; returns the script's PID (its namespaces are named after it).</summary>
    private async Task<int> MakeMdns(string which, int seconds)
    {
        var script = Path.Combine(Frames.Pcaps, "mdns", "make-mdns.sh");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { script, _directory, which }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(seconds)))
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
                Assert.Fail($"make-mdns.sh {which} did not finish in {seconds} s:\n{await stdout}\n{await stderr}");
            }
        }
        Assert.True(process.ExitCode == 0, $"make-mdns.sh {which} failed ({process.ExitCode}; needs root, python3-aioice, chromium, nftables, tcpdump: scripts/install-deps.sh):\n{await stdout}\n{await stderr}");
        return process.Id;
    }

    private string Made(string name) => Path.Combine(_directory, name);

    private static async Task AssertNamespacesDeleted(int script)
    {
        var namespaces = Process.Start(new ProcessStartInfo("ip", ["netns", "list"]) { RedirectStandardOutput = true })!;
        Assert.DoesNotContain($"mdnscap{script}-", await namespaces.StandardOutput.ReadToEndAsync());
        await namespaces.WaitForExitAsync();
    }

    [Fact]
    public async Task Fresh_aioice_captures_resolve_their_names_and_find_the_dropped_answers()
    {
        var script = await MakeMdns("aioice", 60);

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
        await AssertNamespacesDeleted(script);
    }

    [Fact]
    public async Task A_fresh_Chromium_capture_across_a_router_finds_the_offerers_name_asked_for_on_the_answerers_link_and_unanswered()
    {
        // Two Chromium with mDNS names on two routed LANs: the answerer's query (multicast, link-local) never reaches the
        // offerer. The script itself fails unless neither page connects.
        var script = await MakeMdns("chromium-unanswered", 60);
        var offered = Assert.Single(Names(Made("chromium-mdns-unanswered.controlling.sdp")));
        var answered = Assert.Single(Names(Made("chromium-mdns-unanswered.controlled.sdp")));
        Assert.True(offered.EndsWith(".local", StringComparison.Ordinal) && answered.EndsWith(".local", StringComparison.Ordinal), $"{offered}, {answered}: Chromium's default is mDNS names");

        var diagnosis = Diagnoser.Diagnose([new DiagnosisInput("controlled", Made("chromium-mdns-unanswered.pcapng"))], new CaptureCredentials(),
            [new SignallingInput("controlling", Made("chromium-mdns-unanswered.controlling.sdp")), new SignallingInput("controlled", Made("chromium-mdns-unanswered.controlled.sdp"))]);
        var finding = Assert.Single(diagnosis.Findings, f => f.Kind == "mdns-name-unanswered");
        Assert.Equal(FindingSeverity.Cause, finding.Severity);
        Assert.Contains(offered, finding.Verdict);
        // The capture is the answerer's: its own query, from 10.78.2.2, is all of the mDNS questions there.
        Assert.Contains("from 10.78.2.2:5353", string.Join("\n", finding.Details));
        await AssertNamespacesDeleted(script);
    }
}
