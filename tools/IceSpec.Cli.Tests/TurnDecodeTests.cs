using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Cli.Tests;

/// <summary>TURN messages in <c>icespec decode</c>: named, their attributes understood, turn.spec's rules applied.</summary>
[Trait("Category", "unit")]
public class TurnDecodeTests
{
    private static string Hex(bool withRequestedTransport)
    {
        var buffer = new byte[128];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(TurnMethods.Allocate, StunClass.Request), new byte[12]);
        if (withRequestedTransport) builder.AddRequestedTransport(new RequestedTransportValue(17, new byte[3]));
        builder.AddLifetime(600);
        builder.AddFingerprint();
        return Convert.ToHexString(builder.Written);
    }

    [Fact]
    public void Allocate_request_is_named_and_valid()
    {
        var result = CliRunner.Run("decode", Hex(withRequestedTransport: true));

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("Allocate request", result.Stdout);
        Assert.Contains("REQUESTED-TRANSPORT", result.Stdout);
        Assert.Contains("LIFETIME", result.Stdout);
        Assert.DoesNotContain("unknown 0x0019", result.Stdout);
    }

    [Fact]
    public void Allocate_without_requested_transport_breaks_turn_specs_rule()
    {
        var result = CliRunner.Run("decode", Hex(withRequestedTransport: false));

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Contains("AllocateRequest.Requires.RequestedTransport", result.Stdout);
        Assert.Contains("RFC 8656 §7.1", result.Stdout);
    }
}
