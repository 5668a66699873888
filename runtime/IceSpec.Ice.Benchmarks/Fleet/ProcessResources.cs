using System.Diagnostics;
using System.Globalization;

namespace IceSpec.Ice.Benchmarks;

/// <summary>
/// What this process holds at one moment, read from Linux's /proc and the .NET runtime: open file descriptors
/// (/proc/self/fd: sockets, epoll, pipes, files) and how many of them are sockets (their link reads socket:[inode]), threads and resident memory (/proc/self/status), the managed heap,
/// CPU time, bytes allocated and GC counts.
/// </summary>
internal readonly record struct ProcessResources(
    int FileDescriptors, int Sockets, int Threads, long ResidentBytes, long ManagedHeapBytes, TimeSpan CpuTime,
    long AllocatedBytes, int Gen0Collections, int Gen2Collections, DateTime Taken)
{
    /// <summary>A snapshot; with <paramref name="collect"/> the heap is measured after a full blocking GC.</summary>
    public static ProcessResources Take(bool collect)
    {
        if (collect)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }
        using var self = Process.GetCurrentProcess();
        var descriptors = Directory.GetFileSystemEntries("/proc/self/fd");
        return new ProcessResources(
            descriptors.Length,
            descriptors.Count(IsSocket),
            (int)StatusField("Threads:"),
            StatusField("VmRSS:") * 1024,
            GC.GetTotalMemory(forceFullCollection: false),
            self.TotalProcessorTime,
            GC.GetTotalAllocatedBytes(precise: true),
            GC.CollectionCount(0),
            GC.CollectionCount(2),
            DateTime.UtcNow);
    }

    /// <summary>
    /// The local UDP ports of this process's sockets: rows of /proc/net/udp and udp6 ("sl local_address rem_address …
    /// inode", the address as hex IP:PORT) whose inode is one of the sockets in /proc/self/fd. The tables list the whole
    /// network namespace, and another process may bind a port the moment ours closed it.
    /// </summary>
    public static HashSet<int> OpenUdpPorts()
    {
        var inodes = new HashSet<string>();
        foreach (var descriptor in Directory.GetFileSystemEntries("/proc/self/fd"))
            if (LinkOf(descriptor) is { } target && target.StartsWith("socket:[", StringComparison.Ordinal)) inodes.Add(target[8..^1]);
        var ports = new HashSet<int>();
        foreach (var table in new[] { "/proc/net/udp", "/proc/net/udp6" })
        {
            if (!File.Exists(table)) continue;
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (!inodes.Contains(fields[9])) continue;
                var local = fields[1];
                ports.Add(int.Parse(local[(local.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }
        return ports;
    }

    /// <summary>The load average over the last minute (/proc/loadavg), to print beside timings on a shared machine.</summary>
    public static string LoadAverage() => File.ReadAllText("/proc/loadavg").Trim();

    private static bool IsSocket(string descriptor) => LinkOf(descriptor)?.StartsWith("socket:", StringComparison.Ordinal) == true;

    private static string? LinkOf(string descriptor)
    {
        try { return new FileInfo(descriptor).LinkTarget; }
        catch (IOException) { return null; } // closed between the listing and the read
    }

    private static long StatusField(string name)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(name, StringComparison.Ordinal))
                return long.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        throw new InvalidOperationException($"/proc/self/status has no {name} line");
    }
}
