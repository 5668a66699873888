namespace IceSpec.Cli.Tests;

/// <summary>Verifying MESSAGE-INTEGRITY(-SHA256) with short-term and long-term keys given on the command line.</summary>
[Trait("Category", "unit")]
public class DecodeIntegrityTests
{
    [Theory]
    [InlineData(RfcText.SampleRequest)]
    [InlineData(RfcText.SampleIPv4Response)]
    [InlineData(RfcText.SampleIPv6Response)]
    public void Short_term_password_verifies_the_rfc5769_vectors(string hex)
    {
        var result = CliRunner.Run("decode", hex, "--password", RfcText.ShortTermPassword);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("integrity: verified", result.Stdout);
    }

    [Fact]
    public void Wrong_password_fails()
    {
        var result = CliRunner.Run("decode", RfcText.SampleRequest, "--password", "not-the-password");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Contains("integrity: failed", result.Stdout);
        Assert.Contains("MESSAGE-INTEGRITY mismatch", result.Stdout);
    }

    [Fact]
    public void Long_term_with_SaslPrep_verifies_section_24()
    {
        var result = CliRunner.Run("decode", RfcText.SampleLongTermRequest,
            "--username", RfcText.LongTermUsername, "--realm", "example.org", "--password", RfcText.LongTermPassword, "--saslprep");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("integrity: verified", result.Stdout);
        Assert.Contains("long-term MD5 key, SASLprep", result.Stdout);
    }

    [Fact]
    public void Long_term_without_SaslPrep_is_a_usage_error_because_opaque_string_rejects_the_soft_hyphen()
    {
        var result = CliRunner.Run("decode", RfcText.SampleLongTermRequest,
            "--username", RfcText.LongTermUsername, "--realm", "example.org", "--password", RfcText.LongTermPassword);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("U+00AD", result.Stderr);
        result.AssertNoExceptionText();
    }

    [Fact]
    public void Long_term_sha256_verifies_rfc8489_appendix_b_1_corrected()
    {
        var b1 = IceSpec.TestVectors.Rfc8489.AppendixB1Corrected;
        var result = CliRunner.Run("decode", b1.Hex, "--username", b1.Username!, "--realm", b1.Realm!,
            "--password", IceSpec.TestVectors.Rfc8489.PreparedPassword, "--password-algorithm", "sha256");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("integrity: verified (MESSAGE-INTEGRITY-SHA256 valid", result.Stdout);
    }

    [Fact]
    public void Key_given_but_no_integrity_attribute_fails()
    {
        // §2.2 cut before MESSAGE-INTEGRITY: SOFTWARE and XOR-MAPPED-ADDRESS only (length 0x1c).
        var hex = "0101001c" + RfcText.Compact(RfcText.SampleIPv4Response)[8..(40 + 56)];
        var result = CliRunner.Run("decode", hex, "--password", RfcText.ShortTermPassword);

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Contains("integrity: missing", result.Stdout);
    }

    [Theory]
    [InlineData("--username", "u", "--password", "p")]
    [InlineData("--realm", "r", "--password", "p")]
    [InlineData("--username", "u", "--realm", "r")]
    [InlineData("--password", "p", "--password-algorithm", "sha256")]
    [InlineData("--password", "p", "--password-algorithm", "sha1")]
    public void Credential_options_that_do_not_fit_are_usage_errors(params string[] options)
    {
        var result = CliRunner.Run(["decode", RfcText.SampleRequest, .. options]);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.NotEmpty(result.Stderr);
        result.AssertNoExceptionText();
    }
}
