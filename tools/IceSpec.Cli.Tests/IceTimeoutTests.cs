using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace IceSpec.Cli.Tests;

/// <summary>
/// <c>icespec ice offer|answer --timeout S</c> bounds every stage, and the error names it (stderr, and the JSON
/// <c>error</c> line's <c>stage</c>): gathering, the peer's description, the checks, the exchange.
/// </summary>
[Trait("Category", "unit")]
public sealed class IceTimeoutTests
{
    [Fact]
    public async Task An_offer_whose_answer_never_comes_times_out_waiting_for_the_answer_file()
    {
        using var signal = new TempDirectory();
        var run = await RunOfferAsync(["--signal", signal.Path, "--timeout", "3"]);

        run.AssertTimedOut("description", $"timed out after 3 s waiting for the answer in {System.IO.Path.Combine(signal.Path, "answer.sdp")}", TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task A_stun_server_that_never_answers_times_out_the_gathering()
    {
        using var silent = SilentUdpSocket(out var server);
        var run = await RunOfferAsync(["--stun", server.ToString(), "--timeout", "1"]);

        run.AssertTimedOut("gathering", "timed out after 1 s gathering candidates", TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task An_answer_whose_candidate_never_answers_times_out_the_checks()
    {
        using var signal = new TempDirectory();
        using var silent = SilentUdpSocket(out var peer);
        File.WriteAllText(System.IO.Path.Combine(signal.Path, "answer.sdp"),
            $"a=ice-ufrag:Sil1\r\na=ice-pwd:SilentPeerPassword000001\r\na=candidate:1 1 UDP 2130706431 127.0.0.1 {peer.Port} typ host\r\na=end-of-candidates\r\n");
        var run = await RunOfferAsync(["--signal", signal.Path, "--timeout", "3"]);

        run.AssertTimedOut("connectivity", "timed out after 3 s in the connectivity checks", TimeSpan.FromSeconds(3));
    }

    private static async Task<Run> RunOfferAsync(string[] options)
    {
        var terminal = new Terminal();
        var started = Stopwatch.GetTimestamp();
        var code = await Task.Run(() => CliApp.Run(["ice", "offer", "--json", "--address", "127.0.0.1", .. options], new SilentReader(), terminal.Output, terminal.Errors))
            .WaitAsync(TimeSpan.FromSeconds(30));
        return new Run(code, Stopwatch.GetElapsedTime(started), terminal.Output.ToString(), terminal.Errors.ToString());
    }

    private static Socket SilentUdpSocket(out IPEndPoint endPoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);   // bound: no ICMP, no answer
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        endPoint = (IPEndPoint)socket.LocalEndPoint!;
        return socket;
    }

    private sealed record Run(int Code, TimeSpan Took, string Output, string Errors)
    {
        private static readonly TimeSpan TimerSlack = TimeSpan.FromMilliseconds(50);

        /// <summary>Exit 1, the message on stderr, an error line naming the stage then the end line, within the timeout and a margin.</summary>
        public void AssertTimedOut(string stage, string message, TimeSpan timeout)
        {
            var transcript = $"took {Took}\n{Output}\n{Errors}";
            Assert.True(Code == 1, transcript);
            Assert.Contains($"icespec: ice offer: {message}", Errors);
            var lines = Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var error = Assert.Single(lines, l => l.Contains("\"type\":\"error\""));
            Assert.Contains($"\"stage\":\"{stage}\"", error);
            Assert.Contains("\"type\":\"end\"", lines[^1]);
            Assert.Contains("\"exitCode\":1", lines[^1]);
            // Timers tick on a coarse clock (4 ms steps here): one may fire a few ms before a Stopwatch says so (seen: 2.9994 s for 3 s).
            Assert.True(Took >= timeout - TimerSlack && Took < timeout + TimeSpan.FromSeconds(5), transcript);
        }
    }

    internal sealed class Terminal
    {
        public StringWriter Output { get; } = new IceTerminal("", _ => true).Output;
        public StringWriter Errors { get; } = new IceTerminal("", _ => true).Errors;
    }

    /// <summary>stdin that stays open and silent: nobody types.</summary>
    internal sealed class SilentReader : TextReader
    {
        public override async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return null;
        }

        public override Task<string?> ReadLineAsync() => ReadLineAsync(CancellationToken.None).AsTask();
    }

    internal sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("icespec-ice-timeout-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}

/// <summary>
/// The exchange stage, in a class of its own so that it runs beside the others: two connected sides with nothing to
/// say end after --timeout without a line sent or received. 10 s: under heavy load (two cores, load average 27) the
/// checks alone took 3 s.
/// </summary>
[Trait("Category", "unit")]
public sealed class IceExchangeTimeoutTests
{
    [Fact]
    public async Task Connected_sides_with_nothing_to_say_time_out_the_exchange()
    {
        using var signal = new IceTimeoutTests.TempDirectory();
        string[] Args(string side) => ["ice", side, "--json", "--signal", signal.Path, "--address", "127.0.0.1", "--timeout", "10"];
        var offer = new IceTimeoutTests.Terminal();
        var answer = new IceTimeoutTests.Terminal();
        var codes = await Task.WhenAll(
            Task.Run(() => CliApp.Run(Args("offer"), new IceTimeoutTests.SilentReader(), offer.Output, offer.Errors)),
            Task.Run(() => CliApp.Run(Args("answer"), new IceTimeoutTests.SilentReader(), answer.Output, answer.Errors))).WaitAsync(TimeSpan.FromSeconds(60));

        var transcript = $"{offer.Output}\n{offer.Errors}\n{answer.Output}\n{answer.Errors}";
        Assert.True(codes is [1, 1], transcript);
        foreach (var (side, terminal) in new[] { ("offer", offer), ("answer", answer) })
        {
            Assert.True(terminal.Output.ToString().Contains("\"type\":\"connected\""), transcript);
            Assert.Contains($"icespec: ice {side}: timed out after 10 s in the data exchange: no line sent or received", terminal.Errors.ToString());
            Assert.Contains("\"stage\":\"exchange\"", terminal.Output.ToString());
        }
    }
}
