using System.Diagnostics;
using System.Text;

namespace IceSpec.Conformance.Lab;

/// <summary>A lab command (<c>ip</c>, <c>nft</c>, <c>sysctl</c>) failed or did not finish in time.</summary>
public sealed class LabException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Runs the short administrative commands that build the lab, each with a timeout.</summary>
public static class LabShell
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/>; returns stdout or throws <see cref="LabException"/> with stderr.</summary>
    public static string Run(string file, IReadOnlyList<string> args, string? stdin = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        var commandLine = file + " " + string.Join(' ', args);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new LabException($"could not start '{commandLine}'");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new LabException($"'{file}' is not installed or not runnable ({e.Message}); the lab needs iproute2 and nftables (scripts/install-deps.sh)", e);
        }
        using (process)
        {
            var stdout = new StringBuilder();
            var stderr = new StringBuilder();
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (stdin is not null)
            {
                process.StandardInput.Write(stdin);
                process.StandardInput.Close();
            }
            if (!process.WaitForExit(timeout ?? DefaultTimeout))
            {
                process.Kill();
                throw new LabException($"'{commandLine}' did not finish within {(timeout ?? DefaultTimeout).TotalSeconds:0} s");
            }
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new LabException($"'{commandLine}' failed (exit {process.ExitCode}): {stderr.ToString().Trim()}");
            return stdout.ToString();
        }
    }

    /// <summary><c>ip …</c>.</summary>
    public static string Ip(params string[] args) => Run("ip", args);

    /// <summary>Loads an nftables script into <paramref name="netns"/> (<c>ip netns exec NS nft -f -</c>).</summary>
    public static void Nft(string netns, string script) => Run("ip", ["netns", "exec", netns, "nft", "-f", "-"], script);

    /// <summary>Sets a sysctl inside <paramref name="netns"/>.</summary>
    public static void Sysctl(string netns, string key, string value) =>
        Run("ip", ["netns", "exec", netns, "sysctl", "-qw", $"{key}={value}"]);
}
