using System.Text.Json;
using System.Text.RegularExpressions;
using IceSpec.Cli;

namespace IceSpec.Captures.Tests;

/// <summary>Runs <c>icespec replay</c> (in process) and reads what the corpus and the run say.</summary>
internal static partial class ReplayRun
{
    public static string Pcap(string name) => Path.Combine(Frames.Pcaps, name);

    public static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var code = await Task.Run(() => CliApp.Run(args, new StringReader(""), stdout, stderr));
        // A replay that diverged keeps the started implementation's log for its user; a test leaves nothing behind.
        foreach (Match kept in KeptLog().Matches(stderr.ToString())) Directory.Delete(kept.Groups[1].Value, recursive: true);
        Assert.DoesNotContain("Exception", stdout.ToString() + stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The client address of the capture's TURN allocation that binds channels (coturn-uclient's second one), from <c>icespec analyze --json</c>.</summary>
    public static async Task<string> ChannelClientAsync(string pcap)
    {
        var (_, analysis, _) = await RunAsync("analyze", Pcap(pcap), "--json");
        return JsonDocument.Parse(analysis).RootElement.GetProperty("turnAllocations")
            .EnumerateArray().Single(a => a.GetProperty("channels").GetArrayLength() > 0).GetProperty("client").GetString()!;
    }

    /// <summary>
    /// The PID of the implementation the replay said it started ("started NAME (PID n)"), after asserting that no
    /// process of that PID is left: the replay stops what it starts.
    /// </summary>
    public static int AssertStartedAndStopped(string output)
    {
        var match = StartedPid().Match(output);
        Assert.True(match.Success, output);
        var pid = int.Parse(match.Groups[1].Value);
        Assert.False(Directory.Exists($"/proc/{pid}"), $"process {pid} still runs after the replay: {output}");
        return pid;
    }

    [GeneratedRegex(@"log kept in (\S+)$", RegexOptions.Multiline)]
    private static partial Regex KeptLog();

    [GeneratedRegex(@"^started \S+ \(PID (\d+)\)", RegexOptions.Multiline)]
    private static partial Regex StartedPid();
}
