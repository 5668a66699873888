namespace IceSpec.Cli.Tests;

/// <summary><c>icespec machine NAME --format mermaid|dot</c>.</summary>
[Trait("Category", "unit")]
public class MachineCommandTests
{
    [Fact]
    public void Dot_starts_with_digraph()
    {
        var result = CliRunner.Run("machine", "StunClientTransaction", "--format", "dot");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.StartsWith("digraph", result.Stdout);
        Assert.Contains("\"Retransmitting\" -> \"AwaitingLastResponse\"", result.Stdout);
    }

    [Fact]
    public void Mermaid_is_the_default()
    {
        var result = CliRunner.Run("machine", "StunClientTransaction");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.StartsWith("stateDiagram-v2", result.Stdout);
    }

    [Theory]
    [InlineData("TurnAllocation", "Active --> Deleted : RefreshToZero")]
    [InlineData("TurnChannelBinding", "Bound --> Quarantined : Expiry")]
    [InlineData("TurnClientAuthentication", "Authenticating --> Rejected : Unauthorized")]
    [InlineData("CandidatePair", "InProgress --> Waiting : RoleConflict")]
    [InlineData("CandidatePair", "Succeeded --> Succeeded : CheckSent [CheckNominates]")]
    [InlineData("ConsentFreshness", "Granted --> Expired : Expiry")]
    public void Machines_of_the_turn_and_ice_specs_are_printable(string machine, string edge)
    {
        var result = CliRunner.Run("machine", machine);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains(edge, result.Stdout);
    }

    [Fact]
    public void Unknown_machine_is_a_usage_error_listing_the_known_ones()
    {
        var result = CliRunner.Run("machine", "IceAgent");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("unknown machine 'IceAgent'", result.Stderr);
        Assert.Contains("StunClientTransaction", result.Stderr);
    }

    [Fact]
    public void Unknown_format_is_a_usage_error()
    {
        var result = CliRunner.Run("machine", "StunClientTransaction", "--format", "svg");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        result.AssertNoExceptionText();
    }
}
