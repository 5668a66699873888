namespace IceSpec.Cli.Tests;

/// <summary>Hex from the argument or standard input: spaces, newlines and 0x ignored; bad hex is a usage error.</summary>
[Trait("Category", "unit")]
public class HexInputTests
{
    [Fact]
    public void Stdin_without_argument_is_decoded()
    {
        var result = CliRunner.RunWithStdin(RfcText.SampleIPv4Response + "\n", "decode");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("192.0.2.1:32853", result.Stdout);
    }

    [Fact]
    public void Rfc_style_dump_on_stdin_four_bytes_a_line_with_prefixes_is_one_message()
    {
        var compact = RfcText.Compact(RfcText.SampleIPv6Response);
        var lines = Enumerable.Range(0, compact.Length / 8).Select(i => "0x" + compact.Substring(i * 8, 8));
        var result = CliRunner.RunWithStdin(string.Join("\n", lines) + "\n", "decode");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.DoesNotContain("message 1 of", result.Stdout);
        Assert.Contains("[2001:db8:1234:5678:11:2233:4455:6677]:32853", result.Stdout);
    }

    [Fact]
    public void Several_messages_on_several_lines_are_each_decoded()
    {
        var stdin = string.Join("\n", RfcText.SampleRequest, RfcText.SampleIPv4Response, "", RfcText.SampleIPv6Response);
        var result = CliRunner.RunWithStdin(stdin, "decode", "--password", RfcText.ShortTermPassword);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("message 1 of 3", result.Stdout);
        Assert.Contains("message 3 of 3", result.Stdout);
        Assert.Equal(3, CountOf(result.Stdout, "integrity: verified"));
    }

    [Fact]
    public void Zero_x_prefixes_in_the_argument_are_ignored()
    {
        var prefixed = "0x" + RfcText.SampleIPv4Response.Replace("  ", " 0x");
        var result = CliRunner.Run("decode", prefixed);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("192.0.2.1:32853", result.Stdout);
    }

    [Fact]
    public void Not_hex_is_a_usage_error_naming_the_characters_and_offset()
    {
        var result = CliRunner.Run("decode", "0001zz58");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("not hex: 'zz' at offset 4", result.Stderr);
        Assert.Empty(result.Stdout);
        result.AssertNoExceptionText();
    }

    [Fact]
    public void Not_hex_on_stdin_names_the_line()
    {
        var result = CliRunner.RunWithStdin(RfcText.SampleRequest + "\n00 01 g0\n", "decode");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("not hex: 'g' at offset 6 on line 2", result.Stderr);
    }

    [Fact]
    public void Odd_number_of_digits_is_a_usage_error()
    {
        var result = CliRunner.Run("decode", "000100582");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("odd number of hex digits (9)", result.Stderr);
    }

    [Fact]
    public void Empty_stdin_is_a_usage_error()
    {
        var result = CliRunner.RunWithStdin("\n  \n", "decode");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("no hex on standard input", result.Stderr);
    }

    private static int CountOf(string text, string value) => (text.Length - text.Replace(value, "").Length) / value.Length;
}
