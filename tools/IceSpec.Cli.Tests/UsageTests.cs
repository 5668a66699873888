namespace IceSpec.Cli.Tests;

/// <summary>Command-line mistakes exit 2 with a message, never a stack trace.</summary>
[Trait("Category", "unit")]
public class UsageTests
{
    [Fact]
    public void NoCommand_IsAUsageError()
    {
        var result = CliRunner.Run();

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("icespec --help", result.Stderr);
    }

    [Fact]
    public void UnknownProfile_IsAUsageError()
    {
        var result = CliRunner.Run("decode", RfcText.SampleRequest, "--profile", "turn");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("ice-check", result.Stderr);
    }

    [Fact]
    public void Help_ExitsZeroAndListsTheCommands()
    {
        var result = CliRunner.Run("--help");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        foreach (var command in new[] { "decode", "demo", "machine", "catalog" }) Assert.Contains(command, result.Stdout);
    }
}
