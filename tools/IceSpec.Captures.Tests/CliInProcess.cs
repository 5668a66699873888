using System.Text.Json;
using IceSpec.Cli;

namespace IceSpec.Captures.Tests;

/// <summary>The <c>icespec</c> CLI run in this process (CliApp.Run) with its output captured; no run may print an exception.</summary>
internal static class CliInProcess
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var code = CliApp.Run(args, new StringReader(""), stdout, stderr);
        Assert.DoesNotContain("Exception", stdout.ToString() + stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Each line of --json output as a JSON value.</summary>
    public static List<JsonElement> JsonLines(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
}
