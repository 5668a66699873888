using IceSpec.Conformance.Adapter;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>
/// A declared driver's preparation with a small shell-script driver: the build runs once into the cache (file lock,
/// <c>.complete</c>), placeholders and the environment reach the driver, and each step that fails says what failed with
/// the <c>requires</c> hint.
/// </summary>
[Trait("Category", "unit")]
public sealed class DeclaredDriverPreparationTests : IDisposable
{
    private const string Hint = "Needs the fake toolchain (apt-get install fake).";
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-prepare-").FullName;
    private readonly string _name = "prepare-test-" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
        var cache = Path.Combine(Path.GetTempPath(), "icespec-drivers");
        foreach (var built in Directory.EnumerateFileSystemEntries(cache, _name + "-*"))
        {
            if (Directory.Exists(built)) Directory.Delete(built, recursive: true);
            else File.Delete(built);
        }
    }

    /// <summary>Sources whose build.sh writes a driver that prints <c>ready</c> with $VERSION and waits for stdin; each build appends to builds.log.</summary>
    private string Sources()
    {
        var sources = Directory.CreateDirectory(Path.Combine(_directory, "src")).FullName;
        File.WriteAllText(Path.Combine(sources, "unique"), _name); // fresh sources: a fresh cache entry
        File.WriteAllText(Path.Combine(sources, "build.sh"), """
            echo built >> "$BUILDS"
            cat > "$1/driver" <<'DRIVER'
            #!/bin/sh
            printf '{"event":"ready","name":"fake","version":"%s"}\n' "$VERSION"
            read line
            DRIVER
            chmod +x "$1/driver"
            """);
        return sources;
    }

    private DriverDeclaration Declare(IReadOnlyList<string> command, IReadOnlyList<string>? build = null, IReadOnlyList<string>? check = null) =>
        new(_name, "a fake driver", ["stun"], command, Sources(), "test", build, check,
            new Dictionary<string, string> { ["BUILDS"] = Path.Combine(_directory, "builds.log"), ["VERSION"] = "from {sources}" }, Hint);

    private static async Task<DriverLaunch> PrepareAsync(DriverDeclaration declaration)
    {
        DriverRegistry.Register(declaration); // (re)registering forgets an earlier preparation in this process
        return await DriverRegistry.PrepareAsync(declaration.Spec, CancellationToken.None);
    }

    [Fact]
    public async Task The_build_runs_once_into_the_cache_and_the_driver_gets_its_placeholders_and_environment()
    {
        var declaration = Declare(["{build}/driver"], build: ["sh", "build.sh", "{build}"]);

        var first = await PrepareAsync(declaration);
        var second = await PrepareAsync(declaration);

        Assert.Equal(first.FileName, second.FileName);
        Assert.Empty(first.Arguments);
        Assert.Equal(first.Environment, second.Environment);
        var output = Path.GetDirectoryName(first.FileName)!;
        Assert.StartsWith(Path.Combine(Path.GetTempPath(), "icespec-drivers", _name + "-"), output);
        Assert.True(File.Exists(Path.Combine(output, ".complete")));
        Assert.Equal(["built"], File.ReadAllLines(Path.Combine(_directory, "builds.log")));
        Assert.Equal(declaration.SourceDirectory, first.WorkingDirectory);
        await using var driver = await DriverProcess.StartAsync(declaration.Spec, new DriverStartOptions(), CancellationToken.None);
        var ready = await driver.WaitForEventAsync("ready", TimeSpan.FromSeconds(10));
        Assert.Equal($"from {declaration.SourceDirectory}", (string?)ready["version"]);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task A_relative_program_is_found_in_the_sources_directory()
    {
        var declaration = Declare(["./driver"]);
        var script = Path.Combine(declaration.SourceDirectory, "driver");
        File.WriteAllText(script, "#!/bin/sh\necho '{\"event\":\"ready\",\"name\":\"fake\",\"version\":\"1\"}'\nread line\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var launch = await PrepareAsync(declaration);

        Assert.Equal(script, launch.FileName);
    }

    [Fact]
    public async Task A_failing_build_names_the_step_and_the_hint_and_leaves_nothing_marked_complete()
    {
        var declaration = Declare(["{build}/driver"], build: ["sh", "-c", "echo 'fake.h: No such file' >&2; exit 3"]);

        var e = await Assert.ThrowsAsync<DriverException>(() => PrepareAsync(declaration));

        Assert.Equal($"driver {_name}: build 'sh -c echo 'fake.h: No such file' >&2; exit 3' exited with 3. {Hint}", e.Message.Split('\n')[0]);
        Assert.Contains("fake.h: No such file", e.StandardErrorTail);
        Assert.DoesNotContain(Directory.EnumerateFiles(Path.Combine(Path.GetTempPath(), "icespec-drivers"), ".complete", SearchOption.AllDirectories),
            f => f.Contains(_name));
    }

    [Fact]
    public async Task A_failing_check_names_the_check_and_the_hint()
    {
        var declaration = Declare(["sh", "-c", "exit 0"], check: ["sh", "-c", "exit 1"]);

        var e = await Assert.ThrowsAsync<DriverException>(() => PrepareAsync(declaration));

        Assert.Equal($"driver {_name}: check 'sh -c exit 1' exited with 1. {Hint}", e.Message);
    }

    [Fact]
    public async Task A_program_that_does_not_exist_cannot_be_started_and_says_so_with_the_hint()
    {
        var declaration = Declare(["./no-such-driver", "--flag"]);

        var e = await Assert.ThrowsAsync<DriverException>(() => PrepareAsync(declaration));

        Assert.StartsWith($"driver {_name}: cannot start '{declaration.SourceDirectory}/no-such-driver': ", e.Message);
        Assert.EndsWith(Hint, e.Message);
    }

    [Fact]
    public async Task A_driver_that_exits_before_its_ready_event_is_reported_with_its_last_stderr_line_and_the_hint()
    {
        var declaration = Declare(["sh", "-c", "echo starting >&2; echo 'cannot load libfake.so' >&2; exit 4"]);

        var e = await Assert.ThrowsAsync<DriverException>(() => PrepareAsync(declaration));

        Assert.Equal($"driver {_name}: 'sh -c echo starting >&2; echo 'cannot load libfake.so' >&2; exit 4' exited with code 4 before its ready event " +
            $"(its last stderr line: cannot load libfake.so). {Hint}", e.Message.Split('\n')[0]);
        Assert.Equal(4, e.ExitCode);
    }

    [Fact]
    public async Task A_missing_sources_directory_is_reported_with_the_hint()
    {
        var declaration = Declare(["true"]) with { SourceDirectory = Path.Combine(_directory, "gone") };

        var e = await Assert.ThrowsAsync<DriverException>(() => PrepareAsync(declaration));

        Assert.Equal($"driver {_name}: its sources directory {declaration.SourceDirectory} does not exist. {Hint}", e.Message);
    }
}
