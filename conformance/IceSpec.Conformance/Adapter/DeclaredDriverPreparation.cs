namespace IceSpec.Conformance.Adapter;

/// <summary>
/// Makes a <see cref="DriverDeclaration"/> ready to run: its <c>build</c> (once, cached by <see cref="DriverBuildCache"/>),
/// its <c>check</c>, then one start of the driver up to its <c>ready</c> event (conformance/ADAPTER.md), so that a command
/// that cannot run is reported once, with the <c>requires</c> hint, instead of failing every cell. Every step runs in the
/// driver's source directory with its environment.
/// </summary>
internal static class DeclaredDriverPreparation
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    public static async Task<DriverLaunch> PrepareAsync(DriverDeclaration driver, CancellationToken ct)
    {
        var hint = driver.Requires is null ? "" : " " + driver.Requires;
        if (!Directory.Exists(driver.SourceDirectory))
            throw new DriverException(driver.Name, $"its sources directory {driver.SourceDirectory} does not exist.{hint}");

        string? output = null;
        if (driver.Build is { } build)
        {
            output = await DriverBuildCache.GetOrBuildAsync(driver.Name, driver.SourceDirectory, string.Join('\0', build), (directory, token) =>
            {
                var placeholders = new DriverPlaceholders(driver.SourceDirectory, directory);
                return DriverBuildCache.RunStepAsync(driver.Name, "build", Resolve(placeholders.Expand(build), driver.SourceDirectory),
                    driver.SourceDirectory, ExpandedEnvironment(driver, placeholders), BuildTimeout, driver.Requires, token);
            }, ct);
        }
        var expand = new DriverPlaceholders(driver.SourceDirectory, output);
        var environment = ExpandedEnvironment(driver, expand);
        if (driver.Check is { } check)
            await DriverBuildCache.RunStepAsync(driver.Name, "check", Resolve(expand.Expand(check), driver.SourceDirectory),
                driver.SourceDirectory, environment, CheckTimeout, driver.Requires, ct);

        var command = PreferNative(Resolve(expand.Expand(driver.Command), driver.SourceDirectory));
        var launch = new DriverLaunch(command[0], command.Skip(1).ToArray(), environment, driver.SourceDirectory);
        await StartOnceAsync(driver, launch, hint, ct);
        return launch;
    }

    /// <summary>
    /// The kit's own .NET driver (<c>dotnet {kit}/NAME.dll</c>) runs as <c>{kit}/NAME-native</c> when a NativeAOT build of it
    /// lies there (<c>dotnet publish tools/IceSpec.Cli -p:NativeDriver=true</c>): ready in ~5 ms instead of 50–100 ms, and
    /// its first commands run compiled code (conformance/bench/RESULTS.md). <c>ICESPEC_NATIVE_DRIVER=0</c> keeps the dll.
    /// </summary>
    internal static IReadOnlyList<string> PreferNative(IReadOnlyList<string> argv)
    {
        if (argv is not ["dotnet", var dll] || !dll.EndsWith(".dll", StringComparison.Ordinal) || Environment.GetEnvironmentVariable("ICESPEC_NATIVE_DRIVER") == "0") return argv;
        if (Path.GetDirectoryName(dll) != DriverPlaceholders.Kit) return argv;
        var native = Path.ChangeExtension(dll, null) + "-native";
        return File.Exists(native) ? [native] : argv;
    }

    /// <summary>A program given as a relative path ("./driver", "bin/driver") is relative to the working directory; a bare name is looked up in PATH.</summary>
    private static IReadOnlyList<string> Resolve(IReadOnlyList<string> argv, string workingDirectory) =>
        argv[0].Contains('/') && !Path.IsPathRooted(argv[0]) ? [Path.GetFullPath(argv[0], workingDirectory), .. argv.Skip(1)] : argv;

    private static IReadOnlyDictionary<string, string>? ExpandedEnvironment(DriverDeclaration driver, DriverPlaceholders placeholders) =>
        driver.Environment?.ToDictionary(e => e.Key, e => placeholders.Expand(e.Value), StringComparer.Ordinal);

    private static async Task StartOnceAsync(DriverDeclaration driver, DriverLaunch launch, string hint, CancellationToken ct)
    {
        var shown = string.Join(' ', [launch.FileName, .. launch.Arguments]);
        await using var probe = DriverProcess.Start(driver.Spec, launch, new DriverStartOptions());
        try
        {
            await probe.WaitForEventAsync("ready", ReadyTimeout, ct);
        }
        catch (DriverException e)
        {
            var reason = probe.ExitCode is { } code ? $"exited with code {code} before its ready event" : $"printed no ready event within {ReadyTimeout.TotalSeconds:0} s";
            var last = e.StandardErrorTail.Split('\n').LastOrDefault(l => l.Trim().Length > 0);
            throw new DriverException(driver.Name, $"'{shown}' {reason}{(last is null ? "" : $" (its last stderr line: {last.Trim()})")}.{hint}",
                e.StandardErrorTail, probe.ExitCode, inner: e);
        }
    }
}
