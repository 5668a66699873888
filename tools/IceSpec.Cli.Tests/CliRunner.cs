namespace IceSpec.Cli.Tests;

/// <summary>What one in-process run of the tool produced.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public string All => Stdout + Stderr;

    /// <summary>Nothing that looks like an exception or a stack trace reached the user.</summary>
    public void AssertNoExceptionText()
    {
        Assert.DoesNotContain("Exception", All);
        Assert.DoesNotContain("   at ", All);
    }
}

/// <summary>Runs <see cref="CliApp.Run"/> with captured streams: no subprocess.</summary>
public static class CliRunner
{
    public static CliResult Run(params string[] args) => RunWithStdin("", args);

    public static CliResult RunWithStdin(string stdin, params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var exitCode = CliApp.Run(args, new StringReader(stdin), stdout, stderr);
        return new CliResult(exitCode, stdout.ToString(), stderr.ToString());
    }
}
