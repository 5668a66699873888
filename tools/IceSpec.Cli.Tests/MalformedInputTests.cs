namespace IceSpec.Cli.Tests;

/// <summary>
/// Each kind of broken message gets its own sentence, exit code 1 and no exception text. The inputs are the RFC 5769
/// §2.2 response with one thing changed.
/// </summary>
[Trait("Category", "unit")]
public class MalformedInputTests
{
    private static readonly string Good = RfcText.Compact(RfcText.SampleIPv4Response);

    /// <summary>A Binding request whose only attribute is 0x7F00: comprehension-required and defined by no spec.</summary>
    public const string UnknownComprehensionRequired = "00010008 2112a442 b7e7a701bc34d686fa87dfae 7f000004 01020304";

    /// <summary>Case name → (hex, the sentence that must be printed for it).</summary>
    public static readonly Dictionary<string, (string Hex, string Expected)> Cases = new()
    {
        ["truncated header"] = (Good[..20], "truncated header: 10 bytes, but the STUN header alone is 20 bytes"),
        ["bad cookie"] = (Good[..8] + "2112a443" + Good[16..], "bad magic cookie: 0x2112A443 where STUN has 0x2112A442"),
        ["length not multiple of 4"] = ("0101003e" + Good[8..], "bad message length: 62 is not a multiple of 4"),
        ["length mismatch"] = (Good + "00000000", "length mismatch: the header declares 60 bytes of attributes but 64 follow the header"),
        ["attribute overrun"] = (Good[..^16] + "80280008" + Good[^8..], "attribute overrun: attribute 0x8028 at offset 72 declares 8 value bytes"),
        ["attribute after FINGERPRINT"] = ("01010044" + Good[8..] + "8022000474657374", "FingerprintLast: an attribute follows FINGERPRINT"),
        // The RFC gives the CRC-32 as 0xc07d4c96; the last byte is flipped to 0x97.
        ["corrupted FINGERPRINT"] = (Good[..^2] + "97", "fingerprint: mismatch: received 0xc07d4c97, computed 0xc07d4c96"),
        ["unknown comprehension-required 0x7F00"] = (UnknownComprehensionRequired, "UnknownComprehensionRequired: an unknown comprehension-required attribute"),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Each_malformation_prints_its_own_sentence_and_exits_1(string name)
    {
        var (hex, expected) = Cases[name];
        var result = CliRunner.Run("decode", hex);

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Contains(expected, result.Stdout);
        Assert.Empty(result.Stderr);
        result.AssertNoExceptionText();
    }

    [Fact]
    public void No_two_malformations_share_a_sentence()
    {
        var outputs = Cases.ToDictionary(c => c.Key, c => CliRunner.Run("decode", c.Value.Hex).Stdout);
        foreach (var (name, (_, expected)) in Cases)
            foreach (var (other, output) in outputs)
                if (other != name) Assert.DoesNotContain(expected, output);
    }

    [Fact]
    public void Attribute_after_fingerprint_also_reports_the_fingerprint_not_last()
    {
        var result = CliRunner.Run("decode", Cases["attribute after FINGERPRINT"].Hex);

        Assert.Contains("fingerprint: not last", result.Stdout);
        Assert.Contains("RFC 8489 §14.7", result.Stdout);
    }

    [Fact]
    public void Unknown_attribute_is_named_with_its_comprehension_range()
    {
        var result = CliRunner.Run("decode", UnknownComprehensionRequired);

        Assert.Contains("unknown 0x7F00 (comprehension-required)", result.Stdout);
        Assert.Contains("[attribute 0x7F00]", result.Stdout);
    }

    [Fact]
    public void Unknown_optional_attribute_is_named_but_accepted()
    {
        var result = CliRunner.Run("decode", "00010008 2112a442 b7e7a701bc34d686fa87dfae ff000004 01020304");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("unknown 0xFF00 (comprehension-optional)", result.Stdout);
    }

    [Fact]
    public void Not_stun_says_what_it_may_be()
    {
        var result = CliRunner.Run("decode", "c1" + Good[2..]);

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Contains("not STUN: the first byte is 0xC1", result.Stdout);
    }
}
