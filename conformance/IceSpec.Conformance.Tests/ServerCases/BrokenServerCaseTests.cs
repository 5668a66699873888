using System.Net;
using System.Net.Sockets;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Cases.Server;
using Xunit.Abstractions;
using static IceSpec.Conformance.Cases.CaseOutcome;

namespace IceSpec.Conformance.Tests.ServerCases;

/// <summary>
/// The cases against servers that are wrong on purpose — one answering success to everything, a lenient TURN server, a
/// silent one, a real server behind a proxy that breaks TCP framing — and against bad input: each must fail or report
/// clearly, within its time limits.
/// </summary>
[Trait("Category", "unit")]
public sealed class BrokenServerCaseTests(ITestOutputHelper output)
{
    /// <summary>The cases a server answering success to everything passes: Binding over UDP and ignoring an optional attribute.</summary>
    private static readonly HashSet<string> PassedByAlwaysSuccess = ["rfc8489-6.3.1.1-1", "rfc8489-6.3-3"];

    /// <summary>
    /// What the lenient TURN server (401 first, then success to everything, no relaying) passes: what a yes-server gets right
    /// by accident. It must fail every other check that is not inconclusive.
    /// </summary>
    private static readonly HashSet<string> PassedByLenientTurn =
    [
        "rfc8489-6.3.1.1-1", "rfc8489-6.3-3", "rfc8489-9.2.4-1", "rfc8489-9-1", "rfc8656-7.2-5", "rfc8656-8.2-1", "rfc8656-8.2-2", "rfc8656-12.2-1",
        "rfc8489-14.8-1", // its only error responses, the 401s, have a proper reason phrase
    ];

    /// <summary>
    /// Inconclusive against the lenient TURN server: no TCP port, every peer address allowed, no limit reached, no failed
    /// authentication to follow up (it accepts a wrong password).
    /// </summary>
    private static readonly HashSet<string> InconclusiveOnLenientTurn =
    [
        "rfc8489-6.3.1.1-2", "rfc8656-12.5-2", "rfc8489-6.3-4", "rfc8656-12-1", "rfc8656-10.2-2", "rfc8656-7.2-9", "rfc8656-7.2-10", "rfc8656-7.2-15",
        .. TcpAllocationCaseIds,
    ];

    /// <summary>The RFC 6062 cases: TCP allocations need a TCP port, which the fake servers do not have.</summary>
    private static IEnumerable<string> TcpAllocationCaseIds => ServerCaseSuite.Cases.Where(c => c.Rfc == 6062).Select(c => c.Id);

    /// <summary>Inconclusive against the server answering success to everything: the cases that need a TCP port.</summary>
    private static readonly HashSet<string> InconclusiveOnAlwaysSuccess = ["rfc8489-6.3.1.1-2", "rfc8656-12.5-2", "rfc8489-6.3-4", "rfc8656-12-1", .. TcpAllocationCaseIds];

    /// <summary>
    /// One answered Binding before the cases: the fake's first answer pays its JIT, which on a loaded machine can exceed
    /// the 400 ms a silence case waits — and an answer that late reads as the silence the case wants.
    /// </summary>
    private static async Task WarmUp(System.Net.IPEndPoint server)
    {
        using var client = new System.Net.Sockets.UdpClient(0, System.Net.Sockets.AddressFamily.InterNetwork);
        var binding = Convert.FromHexString("000100002112A442" + "0102030405060708090A0B0C");
        for (var attempt = 0; attempt < 20; attempt++)
        {
            await client.SendAsync(binding, server);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try { await client.ReceiveAsync(wait.Token); return; }
            catch (OperationCanceledException) { }
        }
        Assert.Fail("the fake server never answered");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_server_that_answers_success_to_everything_fails_the_cases(bool challengeFirst)
    {
        await using var broken = new AlwaysSuccessServer(challengeFirst);
        await WarmUp(broken.EndPoint);
        var target = new ServerTarget(challengeFirst ? "lenient-turn" : "always-success", "127.0.0.1", broken.EndPoint.Port, null, "alice", "secret")
        {
            OtherUsers = [new ServerUser("bob", "hunter2")],
        };
        var results = await ServerCaseSuite.RunAsync(target, new ServerCaseOptions(Strict: true), null, CancellationToken.None);
        Print(results);
        var passes = challengeFirst ? PassedByLenientTurn : PassedByAlwaysSuccess;
        var inconclusive = challengeFirst ? InconclusiveOnLenientTurn : InconclusiveOnAlwaysSuccess;
        foreach (var result in results)
        {
            var want = passes.Contains(result.Case.Id) ? Passed : inconclusive.Contains(result.Case.Id) ? Inconclusive : Failed;
            Assert.True(result.Outcome == want, $"{result.Case.Id} against {target.Name}: expected {want}, got {result.Outcome}: {result.Detail}");
        }
        if (challengeFirst) Assert.DoesNotContain(results, r => r.Outcome == Failed && r.Detail.StartsWith("could not set up"));
    }

    [Fact]
    public async Task A_server_that_answers_malformed_requests_late_still_fails_the_silence_cases()
    {
        await using var slow = new AlwaysSuccessServer(slowToMalformed: TimeSpan.FromMilliseconds(700));
        await WarmUp(slow.EndPoint);
        var target = new ServerTarget("slow-success", "127.0.0.1", slow.EndPoint.Port, null, "alice", "secret");
        var results = await ServerCaseSuite.RunAsync(target, new ServerCaseOptions(CaseIds: ["rfc8489-6.3-1"]), null, CancellationToken.None);
        Print(results);
        Assert.Equal(Failed, results[0].Outcome);
        Assert.Contains("expected silence, got (after 400 ms) Binding success", results[0].Detail);
    }

    [Fact]
    public async Task Unpadded_channel_data_over_tcp_fails_the_padding_case()
    {
        await using var running = await ServerCaseSuiteTests.StartAsync("icespec", new ServerLimits(UserQuota: 0, RelayPorts: 20));
        await using var proxy = new UnpaddingTcpProxy(new IPEndPoint(IPAddress.Loopback, running.Target.TcpPort!.Value));
        var target = running.Target with { Name = "icespec-unpadded", TcpPort = proxy.Port };
        var results = await ServerCaseSuite.RunAsync(target, new ServerCaseOptions(CaseIds: ["rfc8489-6.3.1.1-2", "rfc8656-12.5-2"]), null, CancellationToken.None);
        Print(results);
        Assert.Equal(Failed, results[0].Outcome); // the proxy's own address comes back in XOR-MAPPED-ADDRESS: caught too
        Assert.Contains("not the request's source", results[0].Detail);
        Assert.Equal(Failed, results[1].Outcome);
        Assert.Contains("read as padded frames", results[1].Detail);
    }

    [Fact]
    public async Task A_silent_server_fails_within_the_response_timeout()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var target = new ServerTarget("silent", "127.0.0.1", ((IPEndPoint)silent.LocalEndPoint!).Port, null, "alice", "secret");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var results = await ServerCaseSuite.RunAsync(target, new ServerCaseOptions(CaseIds: ["rfc8489-6.3.1.1-1", "rfc8656-7.2-4"]), null, CancellationToken.None);
        Print(results);
        Assert.All(results, r => Assert.Equal(Failed, r.Outcome));
        Assert.Contains("no response", results[0].Detail);
        Assert.Contains("no response to an Allocate without credentials", results[1].Detail);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task An_unknown_case_id_is_a_clear_error()
    {
        var target = new ServerTarget("any", "127.0.0.1", 3478, null, "alice", "secret");
        var error = await Assert.ThrowsAsync<ArgumentException>(() => ServerCaseSuite.RunAsync(target, new ServerCaseOptions(CaseIds: ["rfc8656-99-1"]), null, CancellationToken.None));
        Assert.Contains("unknown server case ID(s): rfc8656-99-1", error.Message);
    }

    [Theory]
    [InlineData("no-such-host.invalid", 3478, "cannot resolve host 'no-such-host.invalid'")]
    [InlineData("127.0.0.1", 0, "UDP port 0 is not 1..65535")]
    [InlineData("", 3478, "has no host")]
    public async Task A_bad_target_is_a_clear_error(string host, int port, string message)
    {
        var target = new ServerTarget("bad", host, port, null, "alice", "secret");
        var error = await Assert.ThrowsAsync<ArgumentException>(() => ServerCaseSuite.RunAsync(target, new ServerCaseOptions(), null, CancellationToken.None));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public async Task Progress_reports_each_result_as_it_comes()
    {
        await using var broken = new AlwaysSuccessServer();
        var target = new ServerTarget("always-success", "127.0.0.1", broken.EndPoint.Port, null, "alice", "secret");
        var reported = new List<CaseResult>();
        var results = await ServerCaseSuite.RunAsync(target, new ServerCaseOptions(CaseIds: ["rfc8489-6.3.1.1-1", "rfc8489-6.3.1-1"]), new SynchronousProgress(reported.Add), CancellationToken.None);
        Assert.Equal(results, reported);
        Assert.Equal([Passed, Failed], results.Select(r => r.Outcome));
    }

    private void Print(IEnumerable<CaseResult> results) => ServerCaseSuiteTests.PrintResults(output, results);

    private sealed class SynchronousProgress(Action<CaseResult> report) : IProgress<CaseResult>
    {
        public void Report(CaseResult value) => report(value);
    }
}
