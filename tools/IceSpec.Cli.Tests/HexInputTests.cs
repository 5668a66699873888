namespace IceSpec.Cli.Tests;

/// <summary>Hex from the argument or standard input: spaces, newlines and 0x ignored; bad hex is a usage error.</summary>
[Trait("Category", "unit")]
public class HexInputTests
{
    [Fact]
    public void StdinWithoutArgument_IsDecoded()
    {
        var result = CliRunner.RunWithStdin(RfcText.SampleIPv4Response + "\n", "decode");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("192.0.2.1:32853", result.Stdout);
    }

    [Fact]
    public void RfcStyleDumpOnStdin_FourBytesALineWithPrefixes_IsOneMessage()
    {
        var compact = RfcText.Compact(RfcText.SampleIPv6Response);
        var lines = Enumerable.Range(0, compact.Length / 8).Select(i => "0x" + compact.Substring(i * 8, 8));
        var result = CliRunner.RunWithStdin(string.Join("\n", lines) + "\n", "decode");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.DoesNotContain("message 1 of", result.Stdout);
        Assert.Contains("[2001:db8:1234:5678:11:2233:4455:6677]:32853", result.Stdout);
    }

    [Fact]
    public void SeveralMessagesOnSeveralLines_AreEachDecoded()
    {
        var stdin = string.Join("\n", RfcText.SampleRequest, RfcText.SampleIPv4Response, "", RfcText.SampleIPv6Response);
        var result = CliRunner.RunWithStdin(stdin, "decode", "--password", RfcText.ShortTermPassword);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("message 1 of 3", result.Stdout);
        Assert.Contains("message 3 of 3", result.Stdout);
        Assert.Equal(3, CountOf(result.Stdout, "integrity: verified"));
    }

    [Fact]
    public void ZeroXPrefixesInTheArgument_AreIgnored()
    {
        var prefixed = "0x" + RfcText.SampleIPv4Response.Replace("  ", " 0x");
        var result = CliRunner.Run("decode", prefixed);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("192.0.2.1:32853", result.Stdout);
    }

    [Fact]
    public void NotHex_IsAUsageErrorNamingTheCharactersAndOffset()
    {
        var result = CliRunner.Run("decode", "0001zz58");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("not hex: 'zz' at offset 4", result.Stderr);
        Assert.Empty(result.Stdout);
        result.AssertNoExceptionText();
    }

    [Fact]
    public void NotHexOnStdin_NamesTheLine()
    {
        var result = CliRunner.RunWithStdin(RfcText.SampleRequest + "\n00 01 g0\n", "decode");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("not hex: 'g' at offset 6 on line 2", result.Stderr);
    }

    [Fact]
    public void OddNumberOfDigits_IsAUsageError()
    {
        var result = CliRunner.Run("decode", "000100582");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("odd number of hex digits (9)", result.Stderr);
    }

    [Fact]
    public void EmptyStdin_IsAUsageError()
    {
        var result = CliRunner.RunWithStdin("\n  \n", "decode");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("no hex on standard input", result.Stderr);
    }

    private static int CountOf(string text, string value) => (text.Length - text.Replace(value, "").Length) / value.Length;
}
