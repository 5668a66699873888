using IceSpec.Conformance.Lab;

namespace IceSpec.Conformance.Runner;

/// <summary>
/// tcpdump running in one lab namespace on every interface (Linux cooked v1 headers, which the capture reader decodes),
/// handing over each packet at once (<c>--immediate-mode</c>: no ring-buffer block is lost at stop) and writing it at once
/// (<c>-U</c>), as root (<c>-Z root</c>: the output directory need not be writable by the tcpdump user). Stopped by its
/// PID (SIGTERM: tcpdump closes the file cleanly).
/// </summary>
public sealed class PacketCapture : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(10);
    private readonly LabProcess _tcpdump;

    private PacketCapture(LabProcess tcpdump, string path)
    {
        _tcpdump = tcpdump;
        PcapPath = path;
    }

    public string PcapPath { get; }

    /// <summary>Starts capturing on every interface of <paramref name="netns"/>; returns once tcpdump listens.</summary>
    public static async Task<PacketCapture> StartAsync(NatLab lab, string netns, string pcapPath, CancellationToken ct)
    {
        var log = pcapPath + ".tcpdump.log";
        var tcpdump = lab.Start(netns, "tcpdump", ["-i", "any", "-y", "LINUX_SLL", "-U", "--immediate-mode", "-Z", "root", "-n", "-s", "0", "-w", pcapPath], log);
        var capture = new PacketCapture(tcpdump, pcapPath);
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (!(File.Exists(log) && File.ReadAllText(log).Contains("listening on", StringComparison.Ordinal)))
        {
            if (tcpdump.HasExited || DateTime.UtcNow > deadline)
            {
                await capture.DisposeAsync();
                var said = File.Exists(log) ? File.ReadAllText(log).Trim() : "";
                throw new LabException($"tcpdump in {netns} did not start capturing: {said}");
            }
            await Task.Delay(50, ct);
        }
        return capture;
    }

    public async ValueTask DisposeAsync() => await _tcpdump.DisposeAsync();
}
