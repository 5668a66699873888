using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IceSpec.Conformance.Adapter;
using IceSpec.Ice.Sdp;
using Xunit.Abstractions;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>
/// The Chromium driver on its own (conformance/drivers/chromium): what it prints, what it refuses and that the browser
/// it starts dies with it. The adapter tests over every bundled driver leave it out: they gather on loopback, where
/// Chromium gathers nothing.
/// </summary>
[Trait("Category", "interop")]
public sealed partial class ChromiumDriverTests(ITestOutputHelper output)
{
    internal static readonly TimeSpan Step = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Gathers_host_candidates_on_the_configured_address_and_describes_its_DTLS()
    {
        var address = ChromiumHost.Address();
        await using var driver = await StartAsync();
        var ready = driver.Events.Single(e => (string?)e["event"] == "ready");
        Assert.Matches(@"^\d+\.\d+\.\d+\.\d+$", (string?)ready["version"]);

        await driver.SendAsync(new JsonObject { ["command"] = "configure", ["role"] = "controlling", ["addresses"] = new JsonArray(address) });
        await driver.SendAsync(new JsonObject { ["command"] = "gather" });
        var description = await driver.WaitForEventAsync("local-description", Step);
        output.WriteLine(description.ToJsonString());

        var lines = ((JsonArray)description["candidates"]!).Select(c => (string)c!).ToList();
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            Assert.True(IceCandidate.TryParse(line, out var candidate, out var error), $"{line}: {error}");
            Assert.Equal(address, candidate!.Address.Text);
            Assert.Equal(IceCandidateType.Host, candidate.Type);
            Assert.Equal(IceTransport.Udp, candidate.Transport);
        }
        var trickled = driver.Events.Where(e => (string?)e["event"] == "candidate").Select(e => (string)e["line"]!).ToList();
        Assert.Equal(lines.Order(), trickled.Order());
        var credentials = await driver.WaitForEventAsync("local-credentials", Step);
        Assert.Equal((string?)description["ufrag"], (string?)credentials["ufrag"]);
        Assert.Matches(Sha256Fingerprint(), (string?)description["dtls"]?["fingerprint"]);
        Assert.Equal("actpass", (string?)description["dtls"]?["setup"]);  // the offerer's (RFC 8842 §5.3)

        await driver.SendAsync(new JsonObject { ["command"] = "close" });
        await driver.WaitForEventAsync("closed", Step);
        await WaitForExitAsync(driver);
        Assert.Equal(0, driver.ExitCode);
    }

    /// <summary>
    /// `mdns: true` (the browser's own default): host candidates are offered as `&lt;uuid-v4&gt;.local` names
    /// (draft-ietf-mmusic-mdns-ice-candidates §3.1.1), never as the address; configured addresses let them through.
    /// </summary>
    [Fact]
    public async Task With_mdns_the_host_candidates_are_offered_as_uuid_local_names()
    {
        var address = ChromiumHost.Address();
        await using var driver = await StartAsync();
        await driver.SendAsync(new JsonObject { ["command"] = "configure", ["role"] = "controlling", ["addresses"] = new JsonArray(address), ["mdns"] = true });
        await driver.SendAsync(new JsonObject { ["command"] = "gather" });
        var description = await driver.WaitForEventAsync("local-description", Step);
        output.WriteLine(description.ToJsonString());

        var lines = ((JsonArray)description["candidates"]!).Select(c => (string)c!).ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.Matches(MdnsHostCandidate(), line));
        Assert.DoesNotContain(lines, line => line.Contains($" {address} ", StringComparison.Ordinal));
        await driver.SendAsync(new JsonObject { ["command"] = "close" });
        await driver.WaitForEventAsync("closed", Step);
    }

    [Fact]
    public async Task Bad_commands_get_an_error_event_and_the_driver_keeps_running()
    {
        await using var driver = await StartAsync();
        await Expect(driver, new JsonObject { ["command"] = "frobnicate" }, "frobnicate");
        await Expect(driver, new JsonObject { ["command"] = "configure", ["role"] = "boss" }, "role");
        await Expect(driver, new JsonObject { ["command"] = "gather" }, "configure first");
        await Expect(driver, new JsonObject { ["command"] = "configure", ["role"] = "controlled", ["stun"] = "nowhere" }, "stun must be \"host:port\"");
        await Expect(driver, new JsonObject { ["command"] = "configure", ["role"] = "controlled", ["mdns"] = "yes" }, "mdns must be true or false");
        await driver.SendAsync(new JsonObject { ["command"] = "configure", ["role"] = "controlled", ["addresses"] = new JsonArray(ChromiumHost.Address()) });
        await Expect(driver, new JsonObject { ["command"] = "remote-candidate", ["line"] = "a=candidate:1 1 udp 1 192.0.2.9 9 typ host" }, "remote-description first");
        await Expect(driver, new JsonObject { ["command"] = "remote-description", ["ufrag"] = "peer" }, "ufrag and pwd");
        // RFC 8839 §5.4: a password has 22 to 256 characters; the browser refuses the description and the driver says so.
        await Expect(driver, new JsonObject { ["command"] = "remote-description", ["ufrag"] = "peer", ["pwd"] = "short", ["candidates"] = new JsonArray() }, "the browser refused it");
        await driver.SendAsync(new JsonObject { ["command"] = "remote-description", ["ufrag"] = "peer", ["pwd"] = "peerpasswordpeerpassword", ["candidates"] = new JsonArray() });
        await Expect(driver, new JsonObject { ["command"] = "remote-candidate", ["line"] = "a=candidate:garbage" }, "refused remote candidate 'a=candidate:garbage'");

        Assert.Null(driver.ExitCode);
        await driver.SendAsync(new JsonObject { ["command"] = "close" });
        await driver.WaitForEventAsync("closed", Step);
        await WaitForExitAsync(driver);
        Assert.Equal(0, driver.ExitCode);
    }

    public static TheoryData<string, JsonObject[]> UnsupportedSteps() => new()
    {
        { "configure", [Configure("controlling", new JsonArray("127.0.0.1"))] },
        { "configure", [Configure("controlling", null, ("nomination", "aggressive"))] },
        { "configure", [WithTcpSimultaneousOpen(Configure("controlling", null, ("transports", "tcp")))] },
        { "restart", [Configure("controlled", null), new JsonObject { ["command"] = "restart" }] },
        { "send", [Configure("controlling", null), new JsonObject { ["command"] = "send", ["data"] = "aGk=" }] },
    };

    /// <summary>
    /// Loopback, aggressive nomination, simultaneous-open TCP candidates, a restart of the answering browser (it restarts
    /// on the offerer's new credentials only) and raw datagrams: unsupported, exit 127 (ADAPTER.md).
    /// </summary>
    [Theory]
    [MemberData(nameof(UnsupportedSteps))]
    public async Task A_step_the_browser_cannot_do_is_unsupported_with_exit_code_127(string step, JsonObject[] commands)
    {
        await using var driver = await StartAsync();
        foreach (var command in commands) await driver.SendAsync(command.DeepClone().AsObject());
        var e = await Assert.ThrowsAsync<DriverException>(() => driver.WaitForEventAsync("closed", Step));
        Assert.True(e.IsUnsupported, e.Message);
        Assert.Equal(step, (string?)driver.Events.Single(x => (string?)x["event"] == "unsupported")["command"]);
        await WaitForExitAsync(driver);
        Assert.Equal(127, driver.ExitCode);
        output.WriteLine(driver.StandardError);
    }

    /// <summary>
    /// Killed by PID (the node process alone, not its tree) the driver leaves no browser behind: puppeteer's pipe transport
    /// ties Chromium to the driver's life.
    /// </summary>
    [Fact]
    public async Task Killed_by_its_PID_the_driver_leaves_no_browser_running()
    {
        var driver = await StartAsync();
        var browsers = Browsers(driver.ProcessId);
        var profile = Profile(browsers);
        Process.GetProcessById(driver.ProcessId).Kill(entireProcessTree: false);
        var left = await SurvivorsAsync(browsers);
        await driver.DisposeAsync();
        Directory.Delete(profile, recursive: true);  // a killed driver cannot remove it
        Assert.True(left.Count == 0, $"left running after the driver was killed: {string.Join("; ", left.Select(CommandLine))}");
    }

    /// <summary>A line that is not JSON is named and the driver keeps running; stdin closed, it exits 0 and its browser with it.</summary>
    [Fact]
    public async Task A_line_that_is_not_JSON_is_named_and_closing_stdin_ends_the_driver_and_its_browser()
    {
        var launch = await DriverRegistry.PrepareAsync(DriverRegistry.Get("chromium"), CancellationToken.None);
        var info = new ProcessStartInfo(launch.FileName) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in launch.Arguments) info.ArgumentList.Add(argument);
        if (launch.WorkingDirectory is not null) info.WorkingDirectory = launch.WorkingDirectory;
        using var driver = Process.Start(info)!;
        _ = driver.StandardError.ReadToEndAsync();
        Assert.Contains("\"event\":\"ready\"", await driver.StandardOutput.ReadLineAsync().WaitAsync(Step));
        var browsers = Browsers(driver.Id);
        var profile = Profile(browsers);
        await driver.StandardInput.WriteLineAsync("this is not json");
        await driver.StandardInput.FlushAsync();
        var error = JsonNode.Parse((await driver.StandardOutput.ReadLineAsync().WaitAsync(Step))!)!;
        Assert.Equal("error", (string?)error["event"]);
        Assert.StartsWith("not JSON", (string?)error["message"]);
        Assert.False(driver.HasExited);

        driver.StandardInput.Close();
        await driver.WaitForExitAsync().WaitAsync(Step);
        Assert.Equal(0, driver.ExitCode);
        var left = await SurvivorsAsync(browsers);
        Assert.True(left.Count == 0, $"left running after stdin closed: {string.Join("; ", left.Select(CommandLine))}");
        Assert.False(Directory.Exists(profile), $"the browser's profile {profile} is still there");
    }

    /// <summary>The browser's profile directory, the driver's own <c>$TMPDIR/icespec-chromium-*</c>, from its command line.</summary>
    private static string Profile(List<int> browsers)
    {
        var profile = browsers.Select(CommandLine).Select(c => ProfileArgument().Match(c)).First(m => m.Success).Groups[1].Value;
        Assert.StartsWith(Path.Combine(Path.GetTempPath(), "icespec-chromium-"), profile);
        Assert.True(Directory.Exists(profile), profile);
        return profile;
    }

    private List<int> Browsers(int driver)
    {
        var browsers = Descendants(driver);
        output.WriteLine($"driver {driver}, descendants {string.Join(", ", browsers)}");
        Assert.Contains(browsers, pid => CommandLine(pid).Contains("chromium", StringComparison.Ordinal));
        return browsers;
    }

    private static async Task<List<int>> SurvivorsAsync(List<int> pids)
    {
        var left = pids;
        for (var i = 0; i < 200 && left.Count > 0; i++)
        {
            await Task.Delay(50);
            left = [.. left.Where(pid => File.Exists($"/proc/{pid}/stat") && !Zombie(pid))];
        }
        return left;
    }

    internal static JsonObject Configure(string role, JsonArray? addresses, params (string Name, string Value)[] more)
    {
        var command = new JsonObject { ["command"] = "configure", ["role"] = role, ["addresses"] = addresses ?? new JsonArray(ChromiumHost.Address()) };
        foreach (var (name, value) in more) command[name] = value;
        return command;
    }

    private static JsonObject WithTcpSimultaneousOpen(JsonObject configure)
    {
        configure["tcp-so"] = true;
        return configure;
    }

    internal static async Task<DriverProcess> StartAsync()
    {
        var driver = await DriverProcess.StartAsync(DriverRegistry.Get("chromium"), new DriverStartOptions(), CancellationToken.None);
        await driver.WaitForEventAsync("ready", Step);
        return driver;
    }

    private static async Task Expect(DriverProcess driver, JsonObject command, string inMessage)
    {
        var seen = driver.Events.Count(e => (string?)e["event"] == "error");
        await driver.SendAsync(command);
        for (var index = 0; ; index++)
        {
            var e = await driver.WaitForEventAtAsync(index, Step);
            if ((string?)e["event"] != "error" || seen-- > 0) continue;
            Assert.Contains(inMessage, (string?)e["message"]);
            return;
        }
    }

    private static List<int> Descendants(int root)
    {
        var parents = Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsDigit)).Select(int.Parse!)
            .Select(pid => (Pid: pid, Parent: Parent(pid))).Where(p => p.Parent > 0).ToList();
        var found = new List<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.TryDequeue(out var pid))
            foreach (var child in parents.Where(p => p.Parent == pid).Select(p => p.Pid))
            {
                found.Add(child);
                frontier.Enqueue(child);
            }
        return found;
    }

    // /proc/PID/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses, so read after the last ')'.
    private static int Parent(int pid) => Stat(pid) is { } stat ? int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]) : 0;

    private static bool Zombie(int pid) => Stat(pid) is { } stat && stat[(stat.LastIndexOf(')') + 2)] == 'Z';

    private static string? Stat(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static string CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); }
        catch (IOException) { return $"{pid} (gone)"; }
    }

    private static async Task WaitForExitAsync(DriverProcess driver)
    {
        for (var i = 0; i < 200 && driver.ExitCode is null; i++) await Task.Delay(50);
    }

    [GeneratedRegex(@"^a=candidate:\S+ 1 udp \d+ [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.local \d+ typ host( |$)")]
    private static partial Regex MdnsHostCandidate();

    [GeneratedRegex(@"--user-data-dir=(\S+)")]
    private static partial Regex ProfileArgument();

    [GeneratedRegex("^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$")]
    private static partial Regex Sha256Fingerprint();
}
