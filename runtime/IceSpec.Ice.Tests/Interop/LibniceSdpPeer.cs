namespace IceSpec.Ice.Tests.Interop;

/// <summary>
/// Builds conformance/peers/libnice-sdp/sdp_peer.c against the system libnice (pkg-config nice) once per test run.
/// A missing compiler or libnice fails the tests with a clear message; it never skips them.
/// </summary>
public sealed class LibniceSdpPeer : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-libnice-sdp-").FullName;
    private readonly string? _buildError;

    public LibniceSdpPeer()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "peers", "libnice-sdp", "build.sh");
        try
        {
            var (exit, stdout, stderr) = PeerProcess.Run("sh", [script, _directory], 120_000);
            if (exit != 0)
                _buildError = $"Building the libnice SDP peer failed (exit {exit}); install gcc, pkg-config and libnice-dev (./test.sh does).\n{stdout}{stderr}";
        }
        catch (Exception e)
        {
            _buildError = $"Building the libnice SDP peer failed: {e.Message}";
        }
        Executable = Path.Combine(_directory, "sdp_peer");
    }

    public string Executable { get; }

    internal PeerReport Run(params string[] arguments)
    {
        if (_buildError is not null) Assert.Fail(_buildError);
        var (exit, stdout, stderr) = PeerProcess.Run(Executable, arguments, 30_000);
        Assert.True(exit == 0, $"sdp_peer {string.Join(' ', arguments)} exited {exit}\n{stdout}{stderr}");
        return PeerReport.Parse(stdout);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
