using System.Diagnostics;

namespace IceSpec.Captures.Tests;

/// <summary>
/// tshark (Debian tshark, Wireshark 4.0) as the differential tests' oracle: the fields of every frame a display filter
/// keeps, one row per frame, every occurrence of a field joined by commas.
/// </summary>
internal static class TsharkFields
{
    /// <summary>Rows of <paramref name="fields"/> for the frames of <paramref name="path"/> that <paramref name="filter"/> keeps; <paramref name="options"/> go first (-o preferences).</summary>
    public static List<string[]> Read(string path, string filter, IEnumerable<string> fields, params string[] options)
    {
        var start = new ProcessStartInfo("tshark") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in options.Concat(["-n", "-r", path, "-Y", filter, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]))
            start.ArgumentList.Add(arg);
        foreach (var field in fields)
        {
            start.ArgumentList.Add("-e");
            start.ArgumentList.Add(field);
        }
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"tshark is needed for the differential test and could not be started ({e.Message}): apt-get install tshark (scripts/install-deps.sh does)");
            throw;
        }
        var stderr = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"tshark failed ({process.ExitCode}): {stderr.Result}");
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t'))];
    }
}
