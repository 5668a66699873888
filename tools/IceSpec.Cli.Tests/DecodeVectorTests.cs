namespace IceSpec.Cli.Tests;

/// <summary><c>icespec decode</c> on the RFC 5769 vectors prints the values RFC 5769 says each one carries.</summary>
[Trait("Category", "unit")]
public class DecodeVectorTests
{
    [Fact]
    public void Sample_request_prints_the_rfc5769_section_21_values()
    {
        var result = CliRunner.Run("decode", RfcText.SampleRequest);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("Binding request", result.Stdout);
        Assert.Contains("type 0x0001", result.Stdout);
        Assert.Contains("length 88", result.Stdout);                      // 0x0058
        Assert.Contains("transaction b7e7a701bc34d686fa87dfae", result.Stdout);
        Assert.Contains("\"STUN test client\"", Line(result, "SOFTWARE"));
        Assert.Contains("1845494271", Line(result, "PRIORITY"));          // 0x6e0001ff
        Assert.Contains("0x932FF9B151263B36", Line(result, "ICE-CONTROLLED"), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"evtj:h6vY\"", Line(result, "USERNAME"));
        Assert.Contains("e57a3bcf", Line(result, "FINGERPRINT"));
        Assert.Contains("validation: valid", result.Stdout);
        Assert.Contains("fingerprint: valid", result.Stdout);
        Assert.Contains("integrity: no key", result.Stdout);
    }

    [Fact]
    public void Sample_IPv4_response_un_xors_the_mapped_address()
    {
        var result = CliRunner.Run("decode", RfcText.SampleIPv4Response);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("Binding success response", result.Stdout);
        Assert.Contains("\"test vector\"", Line(result, "SOFTWARE"));
        Assert.Contains("192.0.2.1:32853", Line(result, "XOR-MAPPED-ADDRESS"));
    }

    [Fact]
    public void Sample_IPv6_response_un_xors_the_mapped_address_with_the_transaction_id()
    {
        var result = CliRunner.Run("decode", RfcText.SampleIPv6Response);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("[2001:db8:1234:5678:11:2233:4455:6677]:32853", Line(result, "XOR-MAPPED-ADDRESS"));
    }

    [Fact]
    public void Sample_long_term_request_prints_username_nonce_and_realm()
    {
        var result = CliRunner.Run("decode", RfcText.SampleLongTermRequest);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains($"\"{RfcText.LongTermUsername}\"", Line(result, "USERNAME"));
        Assert.Contains("\"f//499k954d6OL34oL9FSTvy64sA\"", Line(result, "NONCE"));
        Assert.Contains("\"example.org\"", Line(result, "REALM"));
        Assert.Contains("fingerprint: missing", result.Stdout);
    }

    [Fact]
    public void Each_attribute_line_shows_type_length_and_validity()
    {
        var line = Line(CliRunner.Run("decode", RfcText.SampleRequest), "USERNAME");

        Assert.Matches(@"^\s*0x0006\s+USERNAME\s+9\s+ok\s+""evtj:h6vY""$", line);
    }

    [Fact]
    public void Ice_check_profile_accepts_the_sample_request_and_names_the_missing_priority_otherwise()
    {
        var ok = CliRunner.Run("decode", RfcText.SampleRequest, "--profile", "ice-check");
        Assert.Equal(ExitCodes.Ok, ok.ExitCode);
        Assert.Contains("validation (ice-check): valid", ok.Stdout);

        // §2.4 is a Binding request without PRIORITY: fine for STUN, not for an ICE check (RFC 8445 §7.1.1).
        var missing = CliRunner.Run("decode", RfcText.SampleLongTermRequest, "--profile", "ice-check");
        Assert.Equal(ExitCodes.Failed, missing.ExitCode);
        Assert.Contains("BindingRequestIceCheck.Requires.Priority", missing.Stdout);
        Assert.Contains("RFC 8445 §7.1.1", missing.Stdout);
    }

    [Fact]
    public void Control_characters_in_a_string_are_escaped_on_one_line()
    {
        // SOFTWARE "a\nb" (61 0a 62, one byte of padding).
        var result = CliRunner.Run("decode", "00010008 2112a442 b7e7a701bc34d686fa87dfae 80220003 610a6200");

        Assert.Contains("\"a\\nb\"", Line(result, "SOFTWARE"));
    }

    /// <summary>The attribute line of <paramref name="name"/> (the name stands alone between the type and the length).</summary>
    private static string Line(CliResult result, string name) =>
        result.Stdout.Split('\n').Single(l => l.TrimStart().StartsWith("0x", StringComparison.Ordinal) && l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] == name);
}
