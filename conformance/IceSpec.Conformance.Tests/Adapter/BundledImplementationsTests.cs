using IceSpec.Conformance.Adapter;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>
/// The kit's own drivers are declared in conformance/drivers/implementations.json like any other: exactly the six — the
/// five with the capabilities, commands and environment they had when they were C# (no environment, sources beside the
/// assembly, builds in the cache), and the browser, built like werift.
/// </summary>
[Trait("Category", "interop")]
public sealed class BundledImplementationsTests
{
    private static readonly string Kit = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory);
    private static readonly string Cache = Path.Combine(Path.GetTempPath(), "icespec-drivers");

    private static IReadOnlyList<DriverDeclaration> Bundled => ImplementationsFile.Load(DriverRegistry.BundledImplementationsFile, DriverRegistry.BundledOrigin);

    [Fact]
    public void The_bundled_file_declares_exactly_the_six_drivers_with_their_capabilities()
    {
        string[] full = ["regular", "aggressive", "trickle", "stun", "turn-udp", "turn-tcp", "relay-policy"];
        var expected = new Dictionary<string, string[]>
        {
            ["icespec"] = ["regular", "aggressive", "trickle", "stun", "turn-udp", "turn-tcp", "turn-tcp-relay", "relay-policy", "ice-tcp", "ice-tcp-so", "restart", "mdns"],
            ["libnice"] = [.. full, "ice-tcp", "restart"],
            ["aioice"] = ["aggressive", "trickle", "stun", "turn-udp", "turn-tcp", "relay-policy"],
            ["werift"] = [.. full, "restart"],
            ["pion"] = ["regular", "trickle", "stun", "turn-udp", "turn-tcp", "relay-policy", "ice-tcp-passive", "restart", "mdns"],
            ["chromium"] = ["regular", "trickle", "stun", "turn-udp", "turn-tcp", "relay-policy", "ice-tcp-active", "restart", "mdns", "answerer"],
        };

        Assert.Equal(BundledDriverNames.Declared, Bundled.Select(d => d.Name));
        foreach (var driver in Bundled)
        {
            Assert.Equal(expected[driver.Name], driver.Capabilities);
            Assert.Null(driver.Environment);
            Assert.Equal("bundled", driver.Origin);
            Assert.False(string.IsNullOrWhiteSpace(driver.Requires), driver.Name);
        }
        Assert.All(BundledDriverNames.Declared, name => Assert.Equal(expected[name], DriverRegistry.Get(name).Capabilities));
        Assert.All(BundledDriverNames.Declared, name => Assert.Equal("bundled", DriverRegistry.Get(name).Origin));
    }

    public static TheoryData<string, string, string[]> Launches() => new()
    {
        { "icespec", "dotnet", ["{kit}/icespec-driver.dll"] },
        { "libnice", "{cache}/libnice-*/libnice-driver", [] },
        { "aioice", "/usr/bin/python3", ["-u", "-B", "{kit}/drivers/aioice/driver.py"] },
        { "werift", "node", ["{cache}/werift-*/driver.js"] },
        { "pion", "{cache}/pion-*/pion-driver", [] },
        { "chromium", "node", ["{cache}/chromium-*/driver.js"] },
    };

    /// <summary>What each driver is started as once prepared: the programs and arguments the C# preparers used to return.</summary>
    [Theory]
    [MemberData(nameof(Launches))]
    public async Task Each_bundled_driver_starts_as_before(string name, string program, string[] arguments)
    {
        var launch = await DriverRegistry.PrepareAsync(DriverRegistry.Get(name), CancellationToken.None);

        Assert.Matches(Pattern(program), launch.FileName);
        Assert.Equal(arguments.Length, launch.Arguments.Count);
        for (var i = 0; i < arguments.Length; i++) Assert.Matches(Pattern(arguments[i]), launch.Arguments[i]);
        Assert.Null(launch.Environment);
        var built = Path.GetDirectoryName(launch.Arguments.Append(launch.FileName).First(a => a.StartsWith(Cache) || a.StartsWith(Kit)))!;
        if (built.StartsWith(Cache)) Assert.True(File.Exists(Path.Combine(built, ".complete")), $"{built} has no .complete marker");
    }

    private static string Pattern(string template) =>
        "^" + System.Text.RegularExpressions.Regex.Escape(template.Replace("{kit}", Kit).Replace("{cache}", Cache)).Replace(@"\*", "[0-9a-f]{16}") + "$";
}
