using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace IceSpec.Conformance.Adapter;

/// <summary>
/// Build outputs of the bundled drivers under <c>$TMPDIR/icespec-drivers/&lt;name&gt;-&lt;hash of sources&gt;</c>: built once,
/// under a file lock so parallel test runs do not race, and marked complete only when the build succeeded.
/// </summary>
internal static class DriverBuildCache
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The driver sources copied beside the conformance assembly (<c>drivers/&lt;name&gt;</c>).</summary>
    public static string SourceDirectory(string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "drivers", name);
        if (!Directory.Exists(dir))
            throw new DriverException(name, $"driver sources not found at {dir} (the conformance csproj copies conformance/drivers there)");
        return dir;
    }

    /// <summary>Runs <paramref name="build"/> into an empty output directory unless a complete one exists; returns it.</summary>
    public static async Task<string> GetOrBuildAsync(string name, Func<string, CancellationToken, Task> build, CancellationToken ct)
    {
        var sources = SourceDirectory(name);
        var root = Path.Combine(Path.GetTempPath(), "icespec-drivers");
        Directory.CreateDirectory(root);
        var output = Path.Combine(root, $"{name}-{HashSources(sources)}");
        var marker = Path.Combine(output, ".complete");
        if (File.Exists(marker)) return output;

        await using var held = await AcquireLockAsync(output + ".lock", name, ct);
        if (File.Exists(marker)) return output;            // built by another process while we waited
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        Directory.CreateDirectory(output);
        await build(output, ct);
        await File.WriteAllTextAsync(marker, DateTimeOffset.UtcNow.ToString("O"), ct);
        return output;
    }

    private static string HashSources(string directory)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}node_modules{Path.DirectorySeparatorChar}"))
                     .OrderBy(f => f, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(directory, file) + "\0"));
            hash.AppendData(File.ReadAllBytes(file));
        }
        return Convert.ToHexString(hash.GetHashAndReset())[..16].ToLowerInvariant();
    }

    private static async Task<FileStream> AcquireLockAsync(string path, string name, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (deadline.Elapsed < LockTimeout)
            {
                await Task.Delay(200, ct);
            }
            catch (IOException e)
            {
                throw new DriverException(name, $"another process holds the build lock {path} for over {LockTimeout.TotalMinutes} min", inner: e);
            }
        }
    }

    /// <summary>Runs a build tool; a missing tool or a non-zero exit becomes a <see cref="DriverException"/> with its output.</summary>
    public static async Task RunToolAsync(string driver, string fileName, IEnumerable<string> arguments, string workingDirectory,
        TimeSpan timeout, string installHint, CancellationToken ct)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("Process.Start returned null");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new DriverException(driver, $"cannot run '{fileName}' to build the driver: {e.Message}. {installHint}", inner: e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                ct.ThrowIfCancellationRequested();
                throw new DriverException(driver, $"build step '{fileName} {string.Join(' ', info.ArgumentList)}' took over {timeout.TotalSeconds:0} s");
            }
            var output = (await stdout + await stderr).Trim();
            if (process.ExitCode != 0)
                throw new DriverException(driver, $"build step '{fileName} {string.Join(' ', info.ArgumentList)}' exited with {process.ExitCode}. {installHint}",
                    Tail(output, 30), process.ExitCode);
        }
    }

    public static string Tail(string text, int lines)
    {
        var all = text.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines))).TrimEnd();
    }
}
