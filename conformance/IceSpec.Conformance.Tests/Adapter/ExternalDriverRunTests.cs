using System.Diagnostics;
using System.Text.Json.Nodes;
using IceSpec.Conformance.Lab;
using Xunit.Abstractions;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>
/// <c>icespec conformance run --implementations FILE</c> end to end (a child process, root, the NAT lab): an implementation
/// declared in a file outside the repository gets its cells in the report next to libnice's; one whose command is wrong is
/// reported as not prepared while the run goes on; one without a nomination capability gets unsupported cells.
/// </summary>
[Trait("Category", "lab")]
[Collection("lab")]
public sealed class ExternalDriverRunTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _outside = Directory.CreateTempSubdirectory("icespec-external-run-").FullName;

    public void Dispose()
    {
        Directory.Delete(_outside, recursive: true);
        LabSweep.RemoveLeftovers();
    }

    /// <summary>aioice's driver copied outside the repository, declared three ways: as it is, with a typo in its command, with too few capabilities.</summary>
    private string WriteImplementations()
    {
        foreach (var file in new[] { "driver.py", "commands.py", "events.py" })
            File.Copy(Path.Combine(AppContext.BaseDirectory, "drivers", "aioice", file), Path.Combine(_outside, file));
        var path = Path.Combine(_outside, "implementations.json");
        File.WriteAllText(path, """
            { "implementations": [
              { "name": "external", "description": "aioice's driver outside the repository",
                "capabilities": ["aggressive", "trickle", "stun"], "command": ["/usr/bin/python3", "-u", "-B", "driver.py"],
                "check": ["/usr/bin/python3", "-c", "import aioice"], "requires": "Needs python3-aioice." },
              { "name": "external-broken", "description": "the same with a typo in its command",
                "capabilities": ["aggressive", "trickle", "stun"], "command": ["/usr/bin/python3", "-u", "-B", "drvier.py"],
                "requires": "Needs python3-aioice." },
              { "name": "external-limited", "description": "the same declaring no nomination",
                "capabilities": ["trickle", "stun"], "command": ["/usr/bin/python3", "-u", "-B", "driver.py"] }
            ] }
            """);
        return path;
    }

    [Fact]
    public async Task A_run_with_an_implementations_file_reports_the_external_implementations_cells()
    {
        var file = WriteImplementations();
        var report = Path.Combine(_outside, "report");
        // The external driver is aioice's: its known intermittent monitor finding (conformance/known-failures.txt) applies to it too.
        var expected = Path.Combine(_outside, "expected-failures.txt");
        await File.WriteAllTextAsync(expected, string.Join('\n', File.ReadAllLines(RepositoryFiles.KnownFailures)
            .Where(l => l.StartsWith("rfc8445-6.1.2.6-1 ", StringComparison.Ordinal) && l.Contains("aioice", StringComparison.Ordinal))
            .Select(l => l.Replace("aioice", "external"))));

        var (exit, stdout) = await RunAsync("conformance", "run", "--implementations", file, "--impl", "external,libnice",
            "--scenario", "no-nat", "--server-cases", "none", "--agent-cases", "none", "--expected-fail", expected, "--out", report);

        var json = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(report, "report.json")))!;
        Assert.Equal(["external", "libnice"], json["implementations"]!.AsArray().Select(n => (string)n!));
        Assert.Empty(json["errors"]!.AsArray());
        var cells = json["cells"]!.AsArray().Select(c => ((string)c!["controlling"]!, (string)c["controlled"]!, (string)c["outcome"]!)).ToList();
        Assert.Equal([("external", "external"), ("external", "libnice"), ("libnice", "external"), ("libnice", "libnice")],
            cells.Select(c => (c.Item1, c.Item2)).Order());
        Assert.All(cells, c => Assert.True(c.Item3 is "passed" or "expectedFailure", $"{c.Item1}>{c.Item2}: {c.Item3}\n{stdout}"));
        Assert.Equal(0, exit);
    }

    [Fact]
    public async Task A_wrong_command_is_reported_as_not_prepared_and_a_missing_capability_as_unsupported()
    {
        var file = WriteImplementations();
        var report = Path.Combine(_outside, "report");

        var (exit, stdout) = await RunAsync("conformance", "run", "--implementations", file, "--impl", "external-broken,external-limited,libnice",
            "--pair", "external-limited>libnice,external-broken>libnice", "--scenario", "no-nat", "--server-cases", "none", "--agent-cases", "none", "--out", report);

        var json = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(report, "report.json")))!;
        var error = (string)Assert.Single(json["errors"]!.AsArray())!;
        Assert.StartsWith("driver external-broken could not be prepared: driver external-broken: '/usr/bin/python3 -u -B drvier.py' exited with code 2 before its ready event", error);
        Assert.Contains("can't open file", error);
        Assert.EndsWith("Needs python3-aioice.", error);
        Assert.Contains("error: " + error, stdout);
        var cell = Assert.Single(json["cells"]!.AsArray())!;
        Assert.Equal("external-limited>libnice", $"{cell["controlling"]}>{cell["controlled"]}");
        Assert.Equal("unsupported", (string?)cell["outcome"]);
        Assert.Contains("external-limited does not support aggressive", (string?)cell["detail"]);
        Assert.Equal(1, exit);
    }

    /// <summary>The built CLI as a child process; killed by PID if it outlives the test.</summary>
    private async Task<(int Exit, string Stdout)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "icespec.dll"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var run = Process.Start(info)!;
        try
        {
            var stdout = run.StandardOutput.ReadToEndAsync();
            var stderr = run.StandardError.ReadToEndAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await run.WaitForExitAsync(limit.Token);
            output.WriteLine(await stdout);
            output.WriteLine(await stderr);
            return (run.ExitCode, await stdout);
        }
        finally
        {
            if (!run.HasExited) run.Kill(entireProcessTree: true);
        }
    }
}
