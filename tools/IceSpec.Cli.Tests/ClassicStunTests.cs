namespace IceSpec.Cli.Tests;

/// <summary>RFC 3489 ("classic STUN") messages are recognised and labelled, not just called malformed.</summary>
[Trait("Category", "unit")]
public class ClassicStunTests
{
    [Fact]
    public void Rfc3489_binding_request_is_labelled()
    {
        // RFC 3489 §11.1: type 0x0001, length 8, 128-bit transaction ID, then CHANGE-REQUEST (0x0003) with no flags.
        const string hex = "00010008" + "0123456789abcdef0123456789abcdef" + "0003000400000000";
        var result = CliRunner.Run("decode", hex);

        // Decoded as what it is (nothing of RFC 8489 to fail): header, 128-bit ID, RFC 3489's attribute names.
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("Binding request  classic STUN (RFC 3489)  type 0x0001  length 8  transaction 0123456789abcdef0123456789abcdef", result.Stdout);
        Assert.Contains("CHANGE-REQUEST", result.Stdout);
        Assert.Contains("change IP no, change port no", result.Stdout);
        result.AssertNoExceptionText();
    }

    [Fact]
    public void Wrong_cookie_with_fingerprint_is_a_damaged_rfc8489_message()
    {
        // FINGERPRINT (0x8028) belongs with the magic cookie (RFC 8489 §7): this is not a classic message.
        const string hex = "00010008" + "0123456789abcdef0123456789abcdef" + "8028000400000000";
        var result = CliRunner.Run("decode", hex);

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Contains("bad magic cookie", result.Stdout);
        Assert.DoesNotContain("classic", result.Stdout);
    }

    [Fact]
    public void Wrong_cookie_with_an_unknown_type_is_still_a_bad_cookie()
    {
        const string hex = "00170000" + "0123456789abcdef0123456789abcdef";
        var result = CliRunner.Run("decode", hex);

        Assert.Contains("bad magic cookie", result.Stdout);
        Assert.DoesNotContain("classic STUN", result.Stdout);
    }
}
