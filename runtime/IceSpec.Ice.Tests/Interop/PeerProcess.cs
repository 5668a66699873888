using System.Diagnostics;

namespace IceSpec.Ice.Tests.Interop;

/// <summary>Runs a peer program with a timeout (killed with its process tree on timeout) and splits its report.</summary>
internal static class PeerProcess
{
    public static (int Exit, string Stdout, string Stderr) Run(string file, IEnumerable<string> arguments, int timeoutMs = 60_000)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"could not start {file}: {e.Message} (./test.sh installs the peers via scripts/install-deps.sh)", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeoutMs))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5_000);
                throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish in {timeoutMs / 1000} s and was killed");
            }
            process.WaitForExit();
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}

/// <summary>A peer's two-part report: the SDP text it generated and what its own API says (## sdp / ## api / ## end).</summary>
internal sealed record PeerReport(string Sdp, string[] SdpLines, string Ufrag, string Password, string[][] ApiCandidates)
{
    public static PeerReport Parse(string stdout)
    {
        var lines = stdout.Replace("\r", "").Split('\n');
        int sdp = Array.IndexOf(lines, "## sdp"), api = Array.IndexOf(lines, "## api"), end = Array.IndexOf(lines, "## end");
        Assert.True(sdp >= 0 && api > sdp && end > api, $"unexpected peer output:\n{stdout}");
        var sdpLines = lines[(sdp + 1)..api].Where(l => l.Length > 0).ToArray();
        var apiLines = lines[(api + 1)..end];
        string Value(string key) => apiLines.Single(l => l.StartsWith(key + " ", StringComparison.Ordinal))[(key.Length + 1)..];
        var candidates = apiLines.Where(l => l.StartsWith("candidate ", StringComparison.Ordinal)).Select(l => l.Split(' ')[1..]).ToArray();
        return new(string.Join("\n", sdpLines), sdpLines, Value("ufrag"), Value("pwd"), candidates);
    }
}
