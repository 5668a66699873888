using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace IceSpec.Conformance.Lab;

/// <summary>
/// Names and cleans up lab namespaces. A namespace is named <c>isl-PID-RANDOM-role</c>: the PID of the run that made it
/// (a dead PID marks leftovers of a crashed or killed run) and a random part (two labs of one process never collide).
/// Live labs are torn down on process exit, SIGINT and SIGTERM.
/// </summary>
public static partial class LabSweep
{
    public const string NamePrefix = "isl-";
    private const int SigKill = 9;
    private static readonly HashSet<NatLab> Live = [];
    private static readonly List<PosixSignalRegistration> Signals = [];
    private static readonly ManualResetEventSlim TeardownAfterInterrupt = new();

    /// <summary>128 + the signal once SIGINT or SIGTERM arrived (the labs are being torn down), else null.</summary>
    public static int? InterruptedExitCode { get; private set; }

    /// <summary>After an interruption: waits (bounded) until the signal handler has torn the labs down.</summary>
    public static void WaitForInterruptTeardown() => TeardownAfterInterrupt.Wait(TimeSpan.FromSeconds(30));

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [GeneratedRegex(@"^isl-(\d+)-[0-9a-f]+-")]
    private static partial Regex LabName();

    internal static string NewPrefix() =>
        $"{NamePrefix}{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2))}-";

    /// <summary>Every lab namespace present on the machine (any run's).</summary>
    public static IReadOnlyList<string> ListLabNamespaces() =>
        [.. LabShell.Ip("netns", "list").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')[0])
            .Where(name => LabName().IsMatch(name))];

    /// <summary>Deletes the namespaces of runs whose process is gone (with whatever they left running); returns their names.</summary>
    public static IReadOnlyList<string> RemoveLeftovers()
    {
        var removed = new List<string>();
        foreach (var netns in ListLabNamespaces())
        {
            var pid = int.Parse(LabName().Match(netns).Groups[1].Value);
            if (Directory.Exists($"/proc/{pid}")) continue;
            Delete(netns);
            removed.Add(netns);
        }
        return removed;
    }

    /// <summary>Kills the processes inside <paramref name="netns"/> by PID, then deletes it. Never throws.</summary>
    internal static void Delete(string netns)
    {
        try
        {
            foreach (var pid in LabShell.Ip("netns", "pids", netns).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                if (int.TryParse(pid, out var id) && id != Environment.ProcessId) kill(id, SigKill);
            LabShell.Ip("netns", "del", netns);
        }
        catch (LabException e)
        {
            Console.Error.WriteLine($"lab: could not delete namespace {netns}: {e.Message}");
        }
    }

    internal static void Register(NatLab lab)
    {
        lock (Live)
        {
            if (Signals.Count == 0)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => TeardownAll();
                foreach (var signal in (PosixSignal[])[PosixSignal.SIGINT, PosixSignal.SIGTERM])
                    Signals.Add(PosixSignalRegistration.Create(signal, context =>
                    {
                        // Tear down first, then end the process ourselves (128 + signal, as a shell reports it). The
                        // exit code is known before the teardown: the run, failing on its vanished namespaces, may
                        // reach its own end first and must report the interruption, not its result (InterruptedExitCode).
                        context.Cancel = true;
                        // Under Live's lock: a lab registering from now on is refused (Register), one registered before
                        // is in TeardownAll's snapshot — none is built unseen while the process exits.
                        lock (Live) InterruptedExitCode = 128 + (context.Signal == PosixSignal.SIGINT ? 2 : 15);
                        TeardownAll();
                        TeardownAfterInterrupt.Set();
                        Environment.Exit(InterruptedExitCode.Value);
                    }));
            }
            if (InterruptedExitCode is not null) throw new LabException("interrupted (SIGINT/SIGTERM): no new lab is built");
            Live.Add(lab);
        }
    }

    internal static void Unregister(NatLab lab)
    {
        lock (Live) Live.Remove(lab);
    }

    private static void TeardownAll()
    {
        NatLab[] labs;
        lock (Live) labs = [.. Live];
        foreach (var lab in labs) lab.Teardown();
    }
}
