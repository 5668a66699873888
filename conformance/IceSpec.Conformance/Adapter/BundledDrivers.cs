namespace IceSpec.Conformance.Adapter;

/// <summary>How each driver in conformance/drivers is built and started (see each driver's README.md).</summary>
internal static class BundledDrivers
{
    private const string InstallDeps = "Run scripts/install-deps.sh.";
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(4);

    /// <summary>C on libnice + json-glib: <c>build.sh OUT</c> (gcc, pkg-config).</summary>
    public static async Task<DriverLaunch> PrepareLibniceAsync(CancellationToken ct)
    {
        var sources = DriverBuildCache.SourceDirectory("libnice");
        var output = await DriverBuildCache.GetOrBuildAsync("libnice", (dir, token) =>
            DriverBuildCache.RunToolAsync("libnice", "sh", [Path.Combine(sources, "build.sh"), dir], sources, BuildTimeout,
                "Needs gcc, pkg-config, libnice-dev, libjson-glib-dev. " + InstallDeps, token), ct);
        return new DriverLaunch(Path.Combine(output, "libnice-driver"), []);
    }

    /// <summary>Python: nothing to build; Debian's /usr/bin/python3 must import aioice.</summary>
    public static async Task<DriverLaunch> PrepareAioiceAsync(CancellationToken ct)
    {
        const string python = "/usr/bin/python3";
        var sources = DriverBuildCache.SourceDirectory("aioice");
        await DriverBuildCache.RunToolAsync("aioice", python, ["-c", "import aioice"], sources, TimeSpan.FromSeconds(30),
            "Needs Debian's python3-aioice for /usr/bin/python3. " + InstallDeps, ct);
        return new DriverLaunch(python, ["-u", "-B", Path.Combine(sources, "driver.py")]);
    }

    /// <summary>Node: the committed package.json + package-lock.json, installed with <c>npm ci</c> into the cache.</summary>
    public static async Task<DriverLaunch> PrepareWeriftAsync(CancellationToken ct)
    {
        var sources = DriverBuildCache.SourceDirectory("werift");
        var output = await DriverBuildCache.GetOrBuildAsync("werift", async (dir, token) =>
        {
            foreach (var file in Directory.EnumerateFiles(sources))
                File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
            await DriverBuildCache.RunToolAsync("werift", "npm", ["ci", "--no-audit", "--no-fund"], dir, BuildTimeout,
                "Needs node and npm with the npm registry reachable. " + InstallDeps, token);
        }, ct);
        return new DriverLaunch("node", [Path.Combine(output, "driver.js")]);
    }

    /// <summary>Go in GOPATH mode, offline, against Debian's /usr/share/gocode: <c>build.sh OUT</c>.</summary>
    public static async Task<DriverLaunch> PreparePionAsync(CancellationToken ct)
    {
        var sources = DriverBuildCache.SourceDirectory("pion");
        var output = await DriverBuildCache.GetOrBuildAsync("pion", (dir, token) =>
            DriverBuildCache.RunToolAsync("pion", "sh", [Path.Combine(sources, "build.sh"), dir], sources, BuildTimeout,
                "Needs golang-go and golang-github-pion-ice.v2-dev. " + InstallDeps, token), ct);
        return new DriverLaunch(Path.Combine(output, "pion-driver"), []);
    }
}
