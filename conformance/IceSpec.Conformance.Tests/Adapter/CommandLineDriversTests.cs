using IceSpec.Conformance.Adapter;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>
/// <c>--driver NAME=COMMAND</c> with its <c>--capabilities</c> and <c>--description</c> after it: commands split like a
/// shell (quotes, escapes, variables; no command substitution or operators), and each misuse named.
/// </summary>
[Trait("Category", "unit")]
public sealed class CommandLineDriversTests
{
    private static IReadOnlyList<DriverDeclaration> Parse(params string[] optionsAndValues) =>
        CommandLineDrivers.Parse(optionsAndValues.Chunk(2).Select(p => (p[0], p[1])), "/work/here");

    [Fact]
    public void Each_capabilities_and_description_belong_to_the_driver_before_them()
    {
        var drivers = Parse("--driver", "one=./one --fast", "--capabilities", "regular, stun", "--description", "the first",
            "--driver", "two=/usr/bin/two", "--capabilities", "aggressive");

        Assert.Equal(["one", "two"], drivers.Select(d => d.Name));
        Assert.Equal(["regular", "stun"], drivers[0].Capabilities);
        Assert.Equal("the first", drivers[0].Description);
        Assert.Equal(["./one", "--fast"], drivers[0].Command);
        Assert.Equal("/work/here", drivers[0].SourceDirectory);
        Assert.Equal("command line", drivers[0].Origin);
        Assert.Equal(["aggressive"], drivers[1].Capabilities);
        Assert.Equal("/usr/bin/two", drivers[1].Description); // no --description: its command
    }

    [Theory]
    [InlineData("python3 -u 'my driver.py'", new[] { "python3", "-u", "my driver.py" })]
    [InlineData("node \"dir with space/driver.js\" --name=\"a b\"", new[] { "node", "dir with space/driver.js", "--name=a b" })]
    [InlineData(@"run a\ b 'it''s' ""q\""uote""", new[] { "run", "a b", "its", "q\"uote" })]
    [InlineData("python3 -c 'import json; print({})'", new[] { "python3", "-c", "import json; print({})" })]
    [InlineData("  spaced    out  ", new[] { "spaced", "out" })]
    public void Commands_are_split_like_a_shell_would(string command, string[] words) =>
        Assert.Equal(words, ShellWords.Split(command));

    [Fact]
    public void Variables_are_expanded_like_a_shell_would() =>
        Assert.Equal([Environment.GetEnvironmentVariable("HOME") + "/driver", "$HOME"], ShellWords.Split("$HOME/driver '$HOME'"));

    [Theory]
    [InlineData("--capabilities", "stun", "--capabilities 'stun' comes before any --driver: it describes the --driver written before it")]
    [InlineData("--driver", "ext", "--driver 'ext': expected NAME=COMMAND")]
    [InlineData("--driver", "=python3 d.py", "--driver '=python3 d.py': expected NAME=COMMAND")]
    [InlineData("--driver", "a,b=python3 d.py", "--driver 'a,b=python3 d.py': bad name 'a,b'")]
    [InlineData("--driver", "ext=python3 'd.py", "--driver ext: cannot split its command: unbalanced quotes")]
    [InlineData("--driver", "ext=python3 d.py | tee log", "--driver ext: cannot split its command: it holds one of | & ; < > ( ) { }")]
    [InlineData("--driver", "ext=python3 $(which d.py)", "--driver ext: cannot split its command: command substitution ($(…) or `…`) is not allowed")]
    [InlineData("--driver", "ext=python3 $ICESPEC_NOT_SET_ANYWHERE", "--driver ext: cannot split its command: it uses a shell variable that is not set")]
    [InlineData("--driver", "ext=python3 d.py", "--driver ext needs --capabilities after it (comma-separated: regular, aggressive,")]
    public void A_misused_option_is_an_error_that_says_how(string option, string value, string message)
    {
        var e = Assert.Throws<DriverDeclarationException>(() => Parse(option, value));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void Capabilities_are_checked_against_the_known_words()
    {
        var e = Assert.Throws<DriverDeclarationException>(() => Parse("--driver", "ext=d", "--capabilities", "stun,agressive"));
        Assert.Equal("--driver ext: unknown capability 'agressive'; known: regular, aggressive, trickle, stun, turn-udp, turn-tcp, relay-policy, ice-tcp, ice-tcp-passive, ice-tcp-active, ice-tcp-so, turn-tcp-relay, restart, mdns, answerer", e.Message);
    }

    [Fact]
    public void A_second_capabilities_for_one_driver_is_an_error()
    {
        var e = Assert.Throws<DriverDeclarationException>(() => Parse("--driver", "ext=d", "--capabilities", "stun", "--capabilities", "trickle"));
        Assert.Equal("--driver ext: --capabilities given twice", e.Message);
    }

    [Fact]
    public void A_name_given_twice_is_an_error()
    {
        var e = Assert.Throws<DriverDeclarationException>(() => Parse("--driver", "ext=a", "--capabilities", "stun", "--driver", "ext=b", "--capabilities", "stun"));
        Assert.Equal("--driver ext is given twice", e.Message);
    }

    [Fact]
    public void The_build_placeholder_needs_a_build_step_which_the_command_line_has_not()
    {
        var e = Assert.Throws<DriverDeclarationException>(() => Parse("--driver", "ext=python3 '{build}/d.py'", "--capabilities", "stun"));
        Assert.StartsWith("--driver ext: {build} in \"command\" needs a \"build\" step", e.Message);
    }
}
