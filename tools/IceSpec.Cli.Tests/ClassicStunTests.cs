namespace IceSpec.Cli.Tests;

/// <summary>RFC 3489 ("classic STUN") messages are recognised and labelled, not just called malformed.</summary>
public class ClassicStunTests
{
    [Fact]
    public void Rfc3489BindingRequest_IsLabelled()
    {
        // RFC 3489 §11.1: type 0x0001, length 8, 128-bit transaction ID, then CHANGE-REQUEST (0x0003) with no flags.
        const string hex = "00010008" + "0123456789abcdef0123456789abcdef" + "0003000400000000";
        var result = CliRunner.Run("decode", hex);

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Contains("classic RFC 3489 Binding request", result.Stdout);
        Assert.Contains("0123456789abcdef0123456789abcdef", result.Stdout);
        result.AssertNoExceptionText();
    }

    [Fact]
    public void WrongCookieWithAnUnknownType_IsStillABadCookie()
    {
        const string hex = "00170000" + "0123456789abcdef0123456789abcdef";
        var result = CliRunner.Run("decode", hex);

        Assert.Contains("bad magic cookie", result.Stdout);
        Assert.DoesNotContain("classic RFC 3489", result.Stdout);
    }
}
