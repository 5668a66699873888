using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace IceSpec.Conformance.Adapter;

/// <summary>
/// Build outputs of declared drivers under <c>$TMPDIR/icespec-drivers/&lt;name&gt;-&lt;hash of sources and build command&gt;</c>:
/// built once, under a file lock so parallel test runs do not race, and marked complete (<c>.complete</c>) only when the
/// build succeeded.
/// </summary>
internal static class DriverBuildCache
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Runs <paramref name="build"/> into an empty output directory unless a complete one exists for these sources and
    /// this <paramref name="recipe"/> (the build command); returns it.
    /// </summary>
    public static async Task<string> GetOrBuildAsync(string name, string sources, string recipe, Func<string, CancellationToken, Task> build,
        CancellationToken ct)
    {
        var root = Path.Combine(Path.GetTempPath(), "icespec-drivers");
        Directory.CreateDirectory(root);
        var output = Path.Combine(root, $"{name}-{Hash(sources, recipe)}");
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

    private static string Hash(string directory, string recipe)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(recipe + "\0"));
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

    /// <summary>
    /// Runs a build or check step (<paramref name="argv"/>, stdin empty); a missing program, a non-zero exit or a timeout
    /// becomes a <see cref="DriverException"/> with its output and <paramref name="requires"/>.
    /// </summary>
    public static async Task RunStepAsync(string driver, string step, IReadOnlyList<string> argv, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment, TimeSpan timeout, string? requires, CancellationToken ct)
    {
        var info = new ProcessStartInfo(argv[0])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in argv.Skip(1)) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        var hint = requires is null ? "" : " " + requires;
        var shown = string.Join(' ', argv);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("Process.Start returned null");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new DriverException(driver, $"cannot run '{argv[0]}' for its {step}: {e.Message}.{hint}", inner: e);
        }
        using (process)
        {
            process.StandardInput.Close();
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
                throw new DriverException(driver, $"{step} '{shown}' took over {timeout.TotalSeconds:0} s.{hint}");
            }
            var output = (await stdout + await stderr).Trim();
            if (process.ExitCode != 0)
                throw new DriverException(driver, $"{step} '{shown}' exited with {process.ExitCode}.{hint}", Tail(output, 30), process.ExitCode);
        }
    }

    public static string Tail(string text, int lines)
    {
        var all = text.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines))).TrimEnd();
    }
}
