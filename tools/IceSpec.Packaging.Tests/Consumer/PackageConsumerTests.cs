using Xunit.Abstractions;

namespace IceSpec.Packaging.Tests.Consumer;

/// <summary>
/// Issue 12, "Packages": a console project outside the repository that references only the packages gets code generated
/// from its own spec (importing stun from the package's base specs), and the tool installs from the feed and decodes.
/// </summary>
[Trait("Category", "interop")]
public sealed class PackageConsumerTests(PackedFeed feed, ITestOutputHelper output) : IClassFixture<PackedFeed>
{
    private static readonly TimeSpan BuildLimit = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(1);

    // RFC 8489 §5 header (Binding request 0x0001, length, magic cookie 0x2112A442, transaction ID), then the vendor
    // attribute ACME-FLAGS (type 0xC0DF, length 4, value 0x12345678) as RFC 8489 §14 lays out an attribute.
    private const string TransactionId = "0102030405060708090a0b0c";
    private const string WithFlags = "0001" + "0008" + "2112a442" + TransactionId + "c0df" + "0004" + "12345678";
    private const string WithoutFlags = "0001" + "0000" + "2112a442" + TransactionId;

    // RFC 5769 §2.1 sample request and the attributes RFC 5769 says it carries.
    private const string Rfc5769SampleRequest =
        "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74002400046e0001ff" +
        "80290008932ff9b151263b36000600096576746a3a68367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf";
    private static readonly string[] Rfc5769SampleAttributes = ["SOFTWARE", "PRIORITY", "ICE-CONTROLLED", "USERNAME", "MESSAGE-INTEGRITY", "FINGERPRINT"];

    [Fact]
    public async Task A_vendor_spec_importing_stun_is_generated_from_the_packages_alone()
    {
        output.WriteLine($"packed {string.Join(", ", PackedFeed.PackedProjects)} as {feed.Version} in {feed.PackTime.TotalSeconds:0.0} s");
        using var project = NewConsumerDirectory();
        File.WriteAllText(project.Combine("consumer.csproj"), ConsumerProject.ProjectFile(feed.Version));
        File.WriteAllText(project.Combine("acme.spec"), ConsumerProject.VendorSpec);
        Directory.CreateDirectory(project.Combine("vendor"));
        File.WriteAllText(project.Combine("vendor", "beta.spec"), ConsumerProject.SecondVendorSpec);
        File.WriteAllText(project.Combine("vendor", "gamma.spec"), ConsumerProject.NamesOnlySpec);
        File.WriteAllText(project.Combine("Program.cs"), ConsumerProject.Program);

        var started = DateTime.UtcNow;
        var run = await DotnetCommand.RunDotnetAsync(project.Path, BuildLimit, "run", "--", WithFlags, WithoutFlags);
        output.WriteLine($"restore + build + run of the consumer: {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        output.WriteLine(run.ToString());

        Assert.Equal(0, run.ExitCode);
        // The program's lines (dotnet run may print build messages before them).
        var lines = run.Stdout.Split('\n', StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith("GAMMA ", StringComparison.Ordinal) || line.StartsWith("BETA-PORT ", StringComparison.Ordinal) || line.StartsWith("ACME-FLAGS ", StringComparison.Ordinal) || line.StartsWith("acme rules: ", StringComparison.Ordinal)
                           || line.StartsWith("rebuilt ", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(7, lines.Count);
        Assert.Equal(new[] { "GAMMA generated: False", "BETA-PORT type 0xC0E5", "ACME-FLAGS 0x12345678", "acme rules: kept", "rebuilt " + WithFlags, "ACME-FLAGS absent" }, lines.Take(6));
        Assert.StartsWith("acme rules: broken", lines[6]);
        Assert.Contains("AcmeFlags", lines[6]);
    }

    [Fact]
    public async Task The_tool_installs_from_the_feed_decodes_and_carries_its_drivers()
    {
        // As a user types it: the feed given on the command line (--add-source cannot be combined with the consumer's
        // source mapping), the machine's NuGet configuration for the rest.
        using var directory = new TemporaryDirectory("icespec-tool-");
        var tools = directory.Combine("tools");
        var started = DateTime.UtcNow;
        var install = await DotnetCommand.RunDotnetAsync(directory.Path, BuildLimit,
            "tool", "install", "--tool-path", tools, "--add-source", feed.Path, "icespec", "--version", feed.Version);
        output.WriteLine($"tool install: {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        Assert.True(install.ExitCode == 0, install.ToString());
        var icespec = Path.Combine(tools, "icespec");

        var decode = await DotnetCommand.RunAsync(icespec, directory.Path, RunLimit, "decode", Rfc5769SampleRequest);
        output.WriteLine(decode.ToString());
        Assert.Equal(0, decode.ExitCode);
        Assert.Contains("Binding request", decode.Stdout);
        foreach (var attribute in Rfc5769SampleAttributes) Assert.Contains(attribute, decode.Stdout);

        var list = await DotnetCommand.RunAsync(icespec, directory.Path, RunLimit, "conformance", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        foreach (var driver in new[] { "icespec", "libnice", "aioice", "werift", "pion" })
            Assert.Contains($"\n  {driver} ", list.Stdout);
        Assert.Contains("declared: bundled", list.Stdout);
        var installed = Directory.GetFiles(Path.Combine(tools, ".store"), "implementations.json", SearchOption.AllDirectories).Single();
        var kit = Path.GetDirectoryName(Path.GetDirectoryName(installed))!;
        Assert.True(File.Exists(Path.Combine(kit, "icespec-driver.dll")), $"icespec-driver.dll is not beside the installed tool in {kit}");
        foreach (var sources in new[] { "libnice/build.sh", "aioice/driver.py", "werift/driver.js", "pion/main.go" })
            Assert.True(File.Exists(Path.Combine(kit, "drivers", sources)), $"drivers/{sources} is not in the installed tool");

        // Without its drivers the kit says which file is missing and how to get it back: a setup error, no stack trace.
        File.Delete(installed);
        var broken = await DotnetCommand.RunAsync(icespec, directory.Path, RunLimit, "conformance", "list");
        output.WriteLine(broken.ToString());
        Assert.Equal(3, broken.ExitCode);
        Assert.Contains(installed, broken.Stderr);
        Assert.Contains("reinstall the tool", broken.Stderr);
        Assert.DoesNotContain("   at ", broken.Stderr + broken.Stdout);
    }

    /// <summary>A directory outside the repository with an empty Directory.Build.props/.targets and the feed's nuget.config.</summary>
    private TemporaryDirectory NewConsumerDirectory()
    {
        var directory = new TemporaryDirectory("icespec-consumer-");
        Assert.False(directory.Path.StartsWith(Repository.Root, StringComparison.Ordinal), "the consumer must live outside the repository");
        File.WriteAllText(directory.Combine("Directory.Build.props"), ConsumerProject.EmptyDirectoryBuildFile);
        File.WriteAllText(directory.Combine("Directory.Build.targets"), ConsumerProject.EmptyDirectoryBuildFile);
        File.WriteAllText(directory.Combine("nuget.config"), ConsumerProject.NuGetConfig(feed.Path));
        return directory;
    }
}
