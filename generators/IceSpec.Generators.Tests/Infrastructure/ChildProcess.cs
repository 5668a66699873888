using System.Diagnostics;

namespace IceSpec.Generators.Tests.Infrastructure;

/// <summary>
/// Runs the binder in a separate process (this test assembly's own <see cref="Program.Main"/>), for inputs that may end
/// the process outright: a stack overflow cannot be caught, and in-process it would abort the whole test run.
/// </summary>
public static class ChildProcess
{
    public sealed record Outcome(int ExitCode, string StandardOutput, string StandardError, bool TimedOut);

    public static Outcome Bind(IEnumerable<SpecInput> specs, int timeoutMilliseconds = 60_000)
    {
        var directory = Directory.CreateTempSubdirectory("icespec-bind-");
        try
        {
            foreach (var spec in specs)
                File.WriteAllText(Path.Combine(directory.FullName, Path.GetFileName(spec.Path)), spec.Text);

            var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
            var start = new ProcessStartInfo(dotnet)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
            start.ArgumentList.Add(Program.BindCommand);
            start.ArgumentList.Add(directory.FullName);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeoutMilliseconds))
            {
                process.Kill(entireProcessTree: true);
                return new Outcome(-1, stdout.Result, stderr.Result, TimedOut: true);
            }
            return new Outcome(process.ExitCode, stdout.Result, stderr.Result, TimedOut: false);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
