namespace IceSpec.Ice.Benchmarks;

/// <summary>
/// Whether disposed sessions left anything behind, measured against a snapshot taken before they were created:
/// <list type="bullet">
/// <item>their UDP ports still held by a socket of this process (/proc/net/udp: a socket not closed);</item>
/// <item>more sockets among the process's file descriptors than before;</item>
/// <item>sessions still reachable after a full GC. A pending socket receive, a running loop task or an armed timer
/// roots its session (the socket engine, the timer queue), so a session that is collected had none left.</item>
/// </list>
/// The check first leaves the caller's stack: awaiting the disposals runs their continuations inline, so the caller may be
/// running inside the last session's DisposeAsync, whose frames still reference that session (seen with dotnet-dump
/// gcroot). A just-disposed session can also stay reachable for a moment from a thread that ran its last continuation,
/// so the check collects and looks again for up to <see cref="Settle"/>; a leak stays. All file
/// descriptors, threads, resident memory and the managed heap are reported but not judged: the runtime maps assemblies
/// on first use, the thread pool keeps idle threads for a while and the GC keeps heap segments.
/// </summary>
internal sealed record ReleaseCheck(int PortsStillOpen, int PortsChecked, int SessionsAlive, int SessionsDisposed, TimeSpan Settled, int Looks, int AliveAtFirstLook, ProcessResources Before, ProcessResources After)
{
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    public bool Freed => PortsStillOpen == 0 && After.Sockets <= Before.Sockets && SessionsAlive == 0;

    public static async Task<ReleaseCheck> MeasureAsync(ProcessResources before, IReadOnlyCollection<int> ports, IReadOnlyList<WeakReference<IceSession>> disposed)
    {
        await Task.Yield();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        int? aliveAtFirstLook = null;
        for (var looks = 1; ; looks++)
        {
            var after = ProcessResources.Take(collect: true);
            var open = ProcessResources.OpenUdpPorts();
            var alive = disposed.Count(r => r.TryGetTarget(out _));
            aliveAtFirstLook ??= alive;
            var check = new ReleaseCheck(ports.Count(open.Contains), ports.Count, alive, disposed.Count, watch.Elapsed, looks, aliveAtFirstLook.Value, before, after);
            if (check.Freed || watch.Elapsed >= Settle) return check;
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    public override string ToString() =>
        $"{PortsStillOpen} of the sessions' {PortsChecked} UDP ports still open; sockets {Before.Sockets} before, {After.Sockets} after " +
        $"(all file descriptors {Before.FileDescriptors}, {After.FileDescriptors}); {SessionsAlive} of {SessionsDisposed} disposed sessions reachable after GC " +
        $"(judged after {Settled.TotalSeconds:F2} s and {Looks} looks; {AliveAtFirstLook} at the first); threads {Before.Threads} before, {After.Threads} after; " +
        $"managed heap {Before.ManagedHeapBytes / 1048576.0:F1} MiB before, {After.ManagedHeapBytes / 1048576.0:F1} MiB after; " +
        $"RSS {Before.ResidentBytes / 1048576.0:F1} MiB before, {After.ResidentBytes / 1048576.0:F1} MiB after";
}
