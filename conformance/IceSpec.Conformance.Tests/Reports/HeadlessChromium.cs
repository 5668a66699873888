using System.Diagnostics;

namespace IceSpec.Conformance.Tests.Reports;

/// <summary>Debian's chromium, headless: the DOM after rendering, or a screenshot. Killed by PID if it outlives its timeout.</summary>
internal static class HeadlessChromium
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static Task<string> DumpDomAsync(string htmlPath, string profile) => RunAsync(profile, "--dump-dom", new Uri(htmlPath).AbsoluteUri);

    public static Task<string> ScreenshotAsync(string htmlPath, string pngPath, string profile) =>
        RunAsync(profile, $"--screenshot={pngPath}", "--window-size=1400,1600", new Uri(htmlPath).AbsoluteUri);

    private static async Task<string> RunAsync(string profile, params string[] args)
    {
        var info = new ProcessStartInfo("chromium")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // As root chromium needs --no-sandbox; a fresh profile directory per test keeps runs independent.
        foreach (var arg in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", $"--user-data-dir={profile}", .. args])
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("chromium did not start (install it: scripts/install-deps.sh)");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium did not finish within {Timeout.TotalSeconds:0} s");
        }
        if (process.ExitCode != 0) throw new InvalidOperationException($"chromium exited {process.ExitCode}: {await stderr}");
        return await stdout;
    }
}
