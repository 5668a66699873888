namespace IceSpec.Cli.Tests;

/// <summary>Command-line mistakes exit 2 with a message, never a stack trace.</summary>
[Trait("Category", "unit")]
public class UsageTests
{
    [Fact]
    public void No_command_is_a_usage_error()
    {
        var result = CliRunner.Run();

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("icespec --help", result.Stderr);
    }

    [Fact]
    public void Unknown_profile_is_a_usage_error()
    {
        var result = CliRunner.Run("decode", RfcText.SampleRequest, "--profile", "turn");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("ice-check", result.Stderr);
    }

    [Fact]
    public void Help_exits_zero_and_lists_the_commands()
    {
        var result = CliRunner.Run("--help");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        foreach (var command in new[] { "decode", "demo", "machine", "catalog" }) Assert.Contains(command, result.Stdout);
    }
}
