namespace IceSpec.Ice.Tests.Interop;

/// <summary>
/// Runs conformance/peers/aioice-sdp/print_candidates.py with Debian's /usr/bin/python3 (the only interpreter that has
/// aioice 0.8.0, package python3-aioice). Missing python or aioice fails the test with a clear message.
/// </summary>
internal static class AioiceDriver
{
    public const string Python = "/usr/bin/python3";

    public static PeerReport Run(params string[] arguments) => PeerReport.Parse(RunRaw(arguments));

    /// <summary>Runs the driver and returns its stdout.</summary>
    public static string RunRaw(params string[] arguments)
    {
        Assert.True(File.Exists(Python), $"{Python} not found; install python3 and python3-aioice (./test.sh does via scripts/install-deps.sh)");
        var script = Path.Combine(AppContext.BaseDirectory, "peers", "aioice-sdp", "print_candidates.py");
        var (exit, stdout, stderr) = PeerProcess.Run(Python, [script, .. arguments], 60_000);
        if (exit != 0 && stderr.Contains("No module named 'aioice'"))
            Assert.Fail($"aioice is not installed for {Python}; apt-get install python3-aioice (./test.sh does).\n{stderr}");
        Assert.True(exit == 0, $"print_candidates.py {string.Join(' ', arguments)} exited {exit}\n{stdout}{stderr}");
        return stdout;
    }
}
