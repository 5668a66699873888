using System.Text.RegularExpressions;

namespace IceSpec.Cli.Tests;

/// <summary><c>icespec demo</c>: every vector verified, a request built and read back, the retransmission schedule.</summary>
[Trait("Category", "unit")]
public class DemoCommandTests
{
    private static readonly Lazy<CliResult> Demo = new(() => CliRunner.Run("demo"));

    [Fact]
    public void Demo_exits_zero_with_every_vector_verified()
    {
        Assert.Equal(ExitCodes.Ok, Demo.Value.ExitCode);
        Assert.Contains("vectors verified: 5 of 5; built request verified", Demo.Value.Stdout);
        Assert.Equal(6, Regex.Matches(Demo.Value.Stdout, "integrity: verified").Count);
        Demo.Value.AssertNoExceptionText();
    }

    [Fact]
    public void Demo_prints_the_rfc8489_retransmission_schedule()
    {
        // RFC 8489 §6.2.1: RTO 500 ms doubling, Rc = 7 requests, then Rm·RTO = 8 s after the last one.
        var sends = Regex.Matches(Demo.Value.Stdout, @"request \d+ sent at (\d+) ms").Select(m => int.Parse(m.Groups[1].Value));
        Assert.Equal([0, 500, 1500, 3500, 7500, 15500, 31500], sends);
        Assert.Contains("timed out at 39500 ms", Demo.Value.Stdout);
    }

    [Fact]
    public void Demo_builds_an_ice_check_and_prints_its_hex_and_the_machine()
    {
        var stdout = Demo.Value.Stdout;
        Assert.Matches(@"hex: 0001[0-9a-f]{4}2112a442", stdout);
        Assert.Contains("validation (ice-check): valid", stdout);
        Assert.Contains("\"IceSpec\"", stdout);
        Assert.Contains("stateDiagram-v2", stdout);
    }
}
