using System.Reflection;

namespace IceSpec.Packaging.Tests.Consumer;

/// <summary>
/// A temporary NuGet feed holding the packages a user needs for the tests here — IceSpec.Generators, IceSpec.Stun and the
/// tool <c>icespec</c> — packed from this build (<c>dotnet pack --no-build</c>) under a version
/// no earlier run used, so the NuGet cache cannot serve a stale copy. Dispose deletes the feed and those versions from
/// the global packages folder.
/// </summary>
public sealed class PackedFeed : IDisposable
{
    public static readonly string[] PackedProjects =
    [
        "generators/IceSpec.Generators/IceSpec.Generators.csproj",
        "runtime/IceSpec.Stun/IceSpec.Stun.csproj",
        "tools/IceSpec.Cli/IceSpec.Cli.csproj",
    ];

    private static readonly string[] PackageIds = ["icespec.generators", "icespec.stun", "icespec"];

    private readonly TemporaryDirectory _feed = new("icespec-feed-");

    public PackedFeed()
    {
        Version = $"0.0.0-packtest.t{Guid.NewGuid():N}";
        var configuration = typeof(PackedFeed).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var started = DateTime.UtcNow;
        foreach (var project in PackedProjects)
        {
            var pack = DotnetCommand.RunDotnetAsync(Repository.Root, TimeSpan.FromMinutes(3), "pack", Repository.PathOf(project), "--no-build",
                "-c", configuration, "-o", _feed.Path, $"-p:PackageVersion={Version}").GetAwaiter().GetResult();
            if (pack.ExitCode != 0) throw new InvalidOperationException($"packing {project} failed\n{pack}");
        }
        PackTime = DateTime.UtcNow - started;
    }

    /// <summary>The directory of the feed.</summary>
    public string Path => _feed.Path;

    /// <summary>The version every package of the feed has.</summary>
    public string Version { get; }

    public TimeSpan PackTime { get; }

    public void Dispose()
    {
        _feed.Dispose();
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in PackageIds)
        {
            var copy = System.IO.Path.Combine(cache, id, Version.ToLowerInvariant());
            if (Directory.Exists(copy)) Directory.Delete(copy, recursive: true);
            var versions = System.IO.Path.GetDirectoryName(copy)!;
            if (Directory.Exists(versions) && !Directory.EnumerateFileSystemEntries(versions).Any()) Directory.Delete(versions);
        }
    }
}
