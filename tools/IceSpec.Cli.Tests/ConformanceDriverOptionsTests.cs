namespace IceSpec.Cli.Tests;

/// <summary>
/// <c>icespec conformance list</c> with <c>--implementations FILE</c> and <c>--driver NAME=COMMAND --capabilities …</c>:
/// every implementation is listed with where it was declared, later files replace earlier ones by name, and a bad
/// declaration is a usage error (exit 2) naming the file and entry, never a stack trace. (Names are padded to the longest
/// registered one, and other tests register drivers in the same process: the listing is matched with that in mind.)
/// </summary>
[Trait("Category", "unit")]
public sealed class ConformanceDriverOptionsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-cli-implementations-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string json)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, json.Replace('\'', '"'));
        return path;
    }

    private static string Entry(string name, string description, string capabilities) =>
        $"{{ 'implementations': [ {{ 'name': '{name}', 'description': '{description}', 'capabilities': [{capabilities}], 'command': ['./driver'] }} ] }}";

    [Fact]
    public void List_shows_each_implementation_with_its_capabilities_and_where_it_was_declared()
    {
        var file = Write("stacks.json", Entry("cli-file-stack", "a stack from a file", "'regular', 'stun'"));

        var result = CliRunner.Run("conformance", "list", "--implementations", file,
            "--driver", "cli-line-stack=python3 'my driver.py'", "--capabilities", "aggressive");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.Stderr);
        var lines = result.Stdout.Split('\n');
        string Declared(string name) => lines[Array.FindIndex(lines, l => l.StartsWith($"  {name} ")) + 1].Trim();
        Assert.Equal("capabilities: regular, aggressive, trickle, stun, turn-udp, turn-tcp, relay-policy, ice-tcp, restart; declared: bundled", Declared("libnice"));
        Assert.Equal($"capabilities: regular, stun; declared: {file}", Declared("cli-file-stack"));
        Assert.Equal("capabilities: aggressive; declared: command line", Declared("cli-line-stack"));
        Assert.Matches(@"\n  cli-line-stack +python3 'my driver.py'\n", result.Stdout); // no --description: the command
    }

    [Fact]
    public void A_later_file_replaces_an_implementation_of_the_same_name()
    {
        var first = Write("first.json", Entry("cli-replaced", "the first", "'stun'"));
        var second = Write("second.json", Entry("cli-replaced", "the second", "'trickle'"));

        var result = CliRunner.Run("conformance", "list", "--implementations", first, "--implementations", second);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.Stderr);
        Assert.Single(result.Stdout.Split('\n'), l => l.StartsWith("  cli-replaced "));
        Assert.Matches(@"\n  cli-replaced +the second\n", result.Stdout);
        Assert.Contains($"capabilities: trickle; declared: {second}", result.Stdout);
    }

    [Fact]
    public void A_bad_file_is_a_usage_error_naming_the_file_and_the_entry()
    {
        var file = Write("bad.json", Entry("cli-bad", "bad", "'stun', 'agressive'"));

        var result = CliRunner.Run("conformance", "run", "--implementations", file, "--impl", "cli-bad");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains($"icespec: {file}: implementation #1 \"cli-bad\": unknown capability 'agressive'; known: regular, aggressive,", result.Stderr);
        result.AssertNoExceptionText();
    }

    [Theory]
    [InlineData("{ 'implementations': [ ", "not valid JSON")]
    [InlineData("{ 'implementations': [ { 'name': 'x' } ] }", "implementation #1 \"x\": missing \"description\"")]
    public void Broken_files_are_usage_errors_for_list_too(string json, string message)
    {
        var file = Write("broken.json", json);

        var result = CliRunner.Run("conformance", "list", "--implementations", file);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(file, result.Stderr);
        Assert.Contains(message, result.Stderr);
        result.AssertNoExceptionText();
    }

    [Fact]
    public void A_missing_file_is_a_usage_error()
    {
        var result = CliRunner.Run("conformance", "list", "--implementations", Path.Combine(_directory, "absent.json"));

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("absent.json: cannot read the implementations file", result.Stderr);
        result.AssertNoExceptionText();
    }

    [Theory]
    [InlineData(new[] { "--capabilities", "stun", "--driver", "cli-x=prog" }, "--capabilities 'stun' comes before any --driver")]
    [InlineData(new[] { "--driver", "cli-x=prog" }, "--driver cli-x needs --capabilities after it")]
    [InlineData(new[] { "--driver", "cli-x=prog 'unclosed", "--capabilities", "stun" }, "--driver cli-x: cannot split its command: unbalanced quotes")]
    [InlineData(new[] { "--driver", "cli-x=prog", "--capabilities", "stun,nat-traversal" }, "--driver cli-x: unknown capability 'nat-traversal'")]
    public void Driver_options_used_wrongly_are_usage_errors(string[] options, string message)
    {
        var result = CliRunner.Run(["conformance", "list", .. options]);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("icespec: " + message, result.Stderr);
        result.AssertNoExceptionText();
    }
}
