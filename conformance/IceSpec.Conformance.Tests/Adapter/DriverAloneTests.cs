using System.Text.Json.Nodes;
using IceSpec.Conformance.Adapter;
using IceSpec.Ice.Sdp;
using Xunit.Abstractions;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>Each bundled driver on its own: the start, gathering on loopback and bad commands (conformance/ADAPTER.md).</summary>
[Trait("Category", "interop")]
public sealed class DriverAloneTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(15);

    public static TheoryData<string> Drivers => new(BundledDriverNames.All);

    [Theory]
    [MemberData(nameof(Drivers))]
    public async Task Gathers_host_candidates_on_the_configured_address_as_RFC8839_lines(string name)
    {
        await using var driver = await DriverProcess.StartAsync(DriverRegistry.Get(name), new DriverStartOptions(), CancellationToken.None);
        var ready = await driver.WaitForEventAsync("ready", Step);
        Assert.Equal(name, (string?)ready["name"]);
        Assert.False(string.IsNullOrEmpty((string?)ready["version"]));

        await driver.SendAsync(new JsonObject { ["command"] = "configure", ["role"] = "controlling", ["addresses"] = new JsonArray("127.0.0.1") });
        await driver.SendAsync(new JsonObject { ["command"] = "gather" });
        var description = await driver.WaitForEventAsync("local-description", Step);
        output.WriteLine(description.ToJsonString());

        Assert.False(string.IsNullOrEmpty((string?)description["ufrag"]));
        Assert.False(string.IsNullOrEmpty((string?)description["pwd"]));
        var lines = ((JsonArray)description["candidates"]!).Select(c => (string)c!).ToList();
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            Assert.StartsWith("a=candidate:", line);
            Assert.True(IceCandidate.TryParse(line, out var candidate, out var error), $"{line}: {error}");
            Assert.Equal("127.0.0.1", candidate!.Address.Text);
            Assert.Equal(IceCandidateType.Host, candidate.Type);
            Assert.Equal(IceTransport.Udp, candidate.Transport);
            Assert.Equal(1, candidate.ComponentId);
            Assert.InRange(candidate.Port, 1, 65535);
        }
        // Trickle (RFC 8838): every candidate of the description was also announced on its own, before it.
        var trickled = driver.Events.Where(e => (string?)e["event"] == "candidate").Select(e => (string)e["line"]!).ToList();
        Assert.Equal(lines.Order(), trickled.Order());
        var credentials = await driver.WaitForEventAsync("local-credentials", Step);
        Assert.Equal((string?)description["ufrag"], (string?)credentials["ufrag"]);
        Assert.Equal((string?)description["pwd"], (string?)credentials["pwd"]);

        await driver.SendAsync(new JsonObject { ["command"] = "close" });
        await driver.WaitForEventAsync("closed", Step);
        await WaitForExitAsync(driver);
        Assert.Equal(0, driver.ExitCode);
    }

    [Theory]
    [MemberData(nameof(Drivers))]
    public async Task Bad_commands_get_an_error_event_and_the_driver_keeps_running(string name)
    {
        await using var driver = await DriverProcess.StartAsync(DriverRegistry.Get(name), new DriverStartOptions(), CancellationToken.None);
        await driver.WaitForEventAsync("ready", Step);

        await driver.SendAsync(new JsonObject { ["command"] = "frobnicate" });
        var unknown = await driver.WaitForEventAsync("error", Step);
        Assert.Contains("frobnicate", (string?)unknown["message"]);

        await driver.SendAsync(new JsonObject { ["command"] = "configure", ["role"] = "boss" });
        var badRole = await driver.WaitForEventAsync("error", Step);
        Assert.Contains("role", (string?)badRole["message"]);

        await driver.SendAsync(new JsonObject { ["command"] = "gather" });
        var early = await driver.WaitForEventAsync("error", Step);
        Assert.Contains("configure", (string?)early["message"]);

        Assert.Null(driver.ExitCode);
        await driver.SendAsync(new JsonObject { ["command"] = "close" });
        await driver.WaitForEventAsync("closed", Step);
        await WaitForExitAsync(driver);
        Assert.Equal(0, driver.ExitCode);
    }

    /// <summary>The contract does not order `remote-description` after `gather`: a trickling peer's credentials may come first.</summary>
    [Theory]
    [MemberData(nameof(Drivers))]
    public async Task Takes_the_remote_description_before_gathering(string name)
    {
        await using var driver = await DriverProcess.StartAsync(DriverRegistry.Get(name), new DriverStartOptions(), CancellationToken.None);
        await driver.WaitForEventAsync("ready", Step);
        await driver.SendAsync(new JsonObject { ["command"] = "configure", ["role"] = "controlled", ["addresses"] = new JsonArray("127.0.0.1") });
        await driver.SendAsync(new JsonObject
        {
            ["command"] = "remote-description", ["ufrag"] = "peer", ["pwd"] = "peerpasswordpeerpassword",
            ["candidates"] = new JsonArray("a=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host"),
        });
        await driver.SendAsync(new JsonObject { ["command"] = "gather" });
        var description = await driver.WaitForEventAsync("local-description", Step);
        Assert.NotEmpty((JsonArray)description["candidates"]!);
        Assert.DoesNotContain(driver.Events, e => (string?)e["event"] is "error" or "invalid-output");
        await driver.SendAsync(new JsonObject { ["command"] = "close" });
        await driver.WaitForEventAsync("closed", Step);
    }

    /// <summary>The IceSpec driver reads `pacing` (the peer's announced Ta, ADAPTER.md): a value that is not a whole number of ms is named.</summary>
    [Fact]
    public async Task The_icespec_driver_names_a_pacing_that_is_not_a_number_and_keeps_running()
    {
        await using var driver = await DriverProcess.StartAsync(DriverRegistry.Get("icespec"), new DriverStartOptions(), CancellationToken.None);
        await driver.WaitForEventAsync("ready", Step);
        await driver.SendAsync(new JsonObject { ["command"] = "configure", ["role"] = "controlled", ["addresses"] = new JsonArray("127.0.0.1") });
        await driver.SendAsync(new JsonObject
        {
            ["command"] = "remote-description", ["ufrag"] = "peer", ["pwd"] = "peerpasswordpeerpassword", ["candidates"] = new JsonArray(), ["pacing"] = "fast",
        });
        var error = await driver.WaitForEventAsync("error", Step);
        Assert.Contains("pacing must be a whole number of milliseconds, got \"fast\"", (string?)error["message"]);
        await driver.SendAsync(new JsonObject { ["command"] = "close" });
        await driver.WaitForEventAsync("closed", Step);
    }

    /// <summary>The IceSpec driver reads `tcp-so` (ADAPTER.md): a value that is not a boolean, or S-O without TCP, is named.</summary>
    [Theory]
    [InlineData("\"yes\"", "tcp", "tcp-so must be true or false, got \"yes\"")]
    [InlineData("true", "udp", "tcp-so needs tcp in transports")]
    public async Task The_icespec_driver_names_a_bad_tcp_so_and_keeps_running(string value, string transports, string message)
    {
        await using var driver = await DriverProcess.StartAsync(DriverRegistry.Get("icespec"), new DriverStartOptions(), CancellationToken.None);
        await driver.WaitForEventAsync("ready", Step);
        await driver.SendAsync(new JsonObject
        {
            ["command"] = "configure", ["role"] = "controlled", ["addresses"] = new JsonArray("127.0.0.1"), ["transports"] = transports,
            ["tcp-so"] = JsonNode.Parse(value),
        });
        var error = await driver.WaitForEventAsync("error", Step);
        Assert.Contains(message, (string?)error["message"]);
        await driver.SendAsync(new JsonObject { ["command"] = "close" });
        await driver.WaitForEventAsync("closed", Step);
    }

    /// <summary>
    /// ADAPTER.md: <c>local-credentials</c> comes at <c>gather</c>, before any <c>candidate</c> — also when the agent found its
    /// candidates while the kit was still between <c>configure</c> and <c>gather</c> (a trickling kit sends the credentials
    /// first, RFC 8838 §4.1; diagnose --signalling refuses a candidate before them).
    /// </summary>
    [Theory]
    [MemberData(nameof(Drivers))]
    public async Task Prints_its_credentials_before_any_candidate_even_when_gather_comes_late(string name)
    {
        await using var driver = await DriverProcess.StartAsync(DriverRegistry.Get(name), new DriverStartOptions(), CancellationToken.None);
        await driver.WaitForEventAsync("ready", Step);

        await driver.SendAsync(new JsonObject { ["command"] = "configure", ["role"] = "controlling", ["addresses"] = new JsonArray("127.0.0.1") });
        await Task.Delay(TimeSpan.FromSeconds(1));
        await driver.SendAsync(new JsonObject { ["command"] = "gather" });
        await driver.WaitForEventAsync("local-description", Step);

        var events = driver.Events.Select(e => (string?)e["event"]).ToList();
        var credentials = events.IndexOf("local-credentials");
        var firstCandidate = events.IndexOf("candidate");
        if (credentials >= 0 && firstCandidate >= 0)
            Assert.True(credentials < firstCandidate, $"{name}: {string.Join(", ", events)}");
        await driver.SendAsync(new JsonObject { ["command"] = "close" });
        await driver.WaitForEventAsync("closed", Step);
        await WaitForExitAsync(driver);
    }

    private static async Task WaitForExitAsync(DriverProcess driver)
    {
        for (var i = 0; i < 100 && driver.ExitCode is null; i++) await Task.Delay(50);
    }
}
