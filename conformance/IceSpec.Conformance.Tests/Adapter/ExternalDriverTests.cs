using IceSpec.Cli;
using IceSpec.Conformance.Adapter;
using Xunit.Abstractions;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>
/// A driver that lives outside the repository: aioice's driver copied into a fresh temporary directory, declared in an
/// implementations file there (registered as <c>--implementations</c> registers it) or with <c>--driver NAME=COMMAND
/// --capabilities …</c> through the CLI, runs a real ICE pair against a bundled driver over loopback.
/// </summary>
[Trait("Category", "interop")]
public sealed class ExternalDriverTests(ITestOutputHelper output) : IDisposable
{
    private const string Requires = "Needs Debian's python3-aioice for /usr/bin/python3.";
    private static readonly string[] DriverFiles = ["driver.py", "commands.py", "events.py"];
    private readonly string _outside = Directory.CreateTempSubdirectory("icespec-external-driver-").FullName;

    public void Dispose() => Directory.Delete(_outside, recursive: true);

    /// <summary>aioice's driver (the kit's copy of conformance/drivers/aioice) copied to <paramref name="folder"/> under the temporary directory.</summary>
    private string CopyAioiceDriver(string folder)
    {
        var target = Directory.CreateDirectory(Path.Combine(_outside, folder)).FullName;
        foreach (var file in DriverFiles)
            File.Copy(Path.Combine(AppContext.BaseDirectory, "drivers", "aioice", file), Path.Combine(target, file));
        Assert.False(target.StartsWith(Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."))),
            "the copy must live outside the repository");
        return target;
    }

    private static string WriteFile(string directory, string name, string script) =>
        WriteImplementations(directory, $$"""
            { "implementations": [ {
                "name": "{{name}}",
                "description": "aioice's driver, copied outside the repository",
                "capabilities": ["aggressive", "trickle", "stun"],
                "check": ["/usr/bin/python3", "-c", "import aioice"],
                "command": ["/usr/bin/python3", "-u", "-B", "{{script}}"],
                "requires": "{{Requires}}"
            } ] }
            """);

    private static string WriteImplementations(string directory, string json)
    {
        var path = Path.Combine(directory, "implementations.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public async Task A_driver_declared_in_a_file_outside_the_repository_connects_to_libnice()
    {
        var directory = CopyAioiceDriver("stack");
        var file = WriteFile(directory, "outside-file", "driver.py"); // relative: the driver runs in the file's directory

        var declared = Assert.Single(DriverRegistry.RegisterFile(file));

        Assert.Equal(file, declared.Origin);
        var driver = DriverRegistry.Get("outside-file");
        Assert.Equal(file, driver.Origin);
        var launch = await DriverRegistry.PrepareAsync(driver, CancellationToken.None);
        Assert.Equal(directory, launch.WorkingDirectory);
        AssertConnected(await RunAsync(driver, DriverRegistry.Get("libnice"), "aggressive"));
    }

    [Fact]
    public async Task A_driver_given_on_the_command_line_connects_to_libnice()
    {
        var directory = CopyAioiceDriver("driver copy"); // a space in the path: the command's quotes must hold
        var (exit, stdout, stderr) = Cli("conformance", "list",
            "--driver", $"outside-cli=/usr/bin/python3 -u -B '{directory}/driver.py'", "--capabilities", "aggressive,trickle,stun",
            "--description", "aioice's driver, given with --driver");

        Assert.True(exit == ExitCodes.Ok, stderr);
        Assert.Matches(@"\n  outside-cli +aioice's driver, given with --driver\n", stdout); // names are padded to the longest registered one
        Assert.Contains("capabilities: aggressive, trickle, stun; declared: command line", stdout);
        var driver = DriverRegistry.Get("outside-cli");
        AssertConnected(await RunAsync(DriverRegistry.Get("libnice"), driver, "regular"));
    }

    [Fact]
    public async Task A_wrong_command_leaves_the_driver_unprepared_with_what_failed_and_the_hint()
    {
        var directory = CopyAioiceDriver("typo");
        DriverRegistry.RegisterFile(WriteFile(directory, "outside-typo", "drvier.py"));

        var e = await Assert.ThrowsAsync<DriverException>(() => DriverRegistry.PrepareAsync(DriverRegistry.Get("outside-typo"), CancellationToken.None));

        var first = e.Message.Split('\n')[0];
        Assert.StartsWith("driver outside-typo: '/usr/bin/python3 -u -B drvier.py' exited with code 2 before its ready event", first);
        Assert.Contains("can't open file", first);
        Assert.EndsWith(Requires, first);
    }

    private async Task<IcePairResult> RunAsync(DriverSpec controlling, DriverSpec controlled, string nomination)
    {
        var result = await IcePairRun.RunAsync(controlling, controlled, new IcePairOptions(Nomination: nomination), CancellationToken.None);
        output.WriteLine($"{controlling.Name} -> {controlled.Name}: {result.Outcome}: {result.Detail}");
        return result;
    }

    private static void AssertConnected(IcePairResult result)
    {
        Assert.True(result.Outcome == IcePairOutcome.Connected,
            $"{result.Outcome}: {result.Detail}\n--- controlling log ---\n{result.ControllingLog}\n--- controlled log ---\n{result.ControlledLog}");
        Assert.Equal(result.ControllingPair!.Local, result.ControlledPair!.Remote);
        Assert.Equal(result.ControlledPair.Local, result.ControllingPair.Remote);
        Assert.Equal(3, result.DatagramsControllingToControlled);
        Assert.Equal(3, result.DatagramsControlledToControlling);
    }

    private static (int Exit, string Out, string Error) Cli(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var exit = CliApp.Run(args, new StringReader(""), stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
