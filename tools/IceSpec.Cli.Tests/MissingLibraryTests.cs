using System.Diagnostics;

namespace IceSpec.Cli.Tests;

/// <summary>
/// Commands that need a system library or program name it with its Debian package (exit 3). libpcap is hidden for real:
/// the built tool runs in a private mount namespace where /dev/null is bind-mounted over every libpcap shared object
/// (needs root, as the tests run). The same commands outside the namespace still work, so the message cannot fire wrongly.
/// </summary>
[Trait("Category", "lab")]
public sealed class MissingLibraryTests
{
    private static readonly string Capture = Repository.File("pcaps", "coturn-uclient-udp.pcap");

    public static TheoryData<string[]> CaptureCommands => new()
    {
        new[] { "decode", Capture },
        new[] { "analyze", Capture },
        new[] { "replay", Capture, "--side", "127.0.0.1:1", "--target", "127.0.0.1:9" },
        new[] { "conformance", "run", "--impl", "icespec", "--scenario", "none", "--agent-cases", "none", "--server-cases", "none" },
    };

    [Theory]
    [MemberData(nameof(CaptureCommands))]
    public async Task Without_libpcap_a_command_names_the_library_and_its_package(string[] args)
    {
        var result = await CliProcess.RunAsync(args, WithoutLibpcap());

        Assert.True(result.ExitCode == 3, $"exit {result.ExitCode}\n{result.All}");
        Assert.Contains("libpcap", result.Stderr);
        Assert.Contains("apt-get install libpcap0.8", result.Stderr);
        result.AssertNoExceptionText();
    }

    [Fact]
    public async Task With_libpcap_the_same_capture_decodes()
    {
        var result = await CliProcess.RunAsync(["decode", Capture]);

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.All}");
        Assert.Contains("Allocate", result.Stdout);
        Assert.DoesNotContain("libpcap", result.All);
    }

    [Fact]
    public async Task Conformance_run_names_every_missing_program_with_its_package()
    {
        var empty = Directory.CreateTempSubdirectory("icespec-empty-path-");
        try
        {
            var result = await CliProcess.RunAsync(
                ["conformance", "run", "--impl", "icespec", "--scenario", "no-nat", "--agent-cases", "none", "--server-cases", "coturn"],
                environment: new Dictionary<string, string> { ["PATH"] = empty.FullName });

            Assert.True(result.ExitCode == 3, $"exit {result.ExitCode}\n{result.All}");
            foreach (var expected in new[] { "apt-get install iproute2", "apt-get install nftables", "apt-get install tcpdump", "apt-get install coturn" })
                Assert.Contains(expected, result.Stderr);
            Assert.DoesNotContain("libpcap", result.Stderr);
            result.AssertNoExceptionText();
        }
        finally
        {
            empty.Delete();
        }
    }

    /// <summary>
    /// <c>unshare --mount</c> then <c>mount --bind /dev/null</c> over each libpcap file <c>ldconfig -p</c> lists (their
    /// targets: a symbolic link is resolved by the mount), then exec the tool. Private propagation: nothing leaks out.
    /// </summary>
    private static string[] WithoutLibpcap()
    {
        Assert.True(Environment.IsPrivilegedProcess, "hiding libpcap needs root (unshare, mount): the tests run as root");
        var files = Ldconfig().Split('\n')
            .Where(l => l.Contains("libpcap.so") && l.Contains("=>"))
            .Select(l => new FileInfo(l[(l.IndexOf("=>", StringComparison.Ordinal) + 2)..].Trim()))
            .Select(f => f.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? f.FullName)
            .Distinct().ToList();
        Assert.True(files.Count > 0, "ldconfig -p lists no libpcap: install libpcap0.8 (scripts/install-deps.sh)");
        var mounts = string.Join(" && ", files.Select(f => $"mount --bind /dev/null '{f}'"));
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", mounts + " && exec \"$@\"", "sh"];
    }

    private static string Ldconfig()
    {
        using var process = Process.Start(new ProcessStartInfo("ldconfig", "-p") { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}
