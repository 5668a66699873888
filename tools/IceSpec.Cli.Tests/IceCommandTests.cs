using System.Text.RegularExpressions;

namespace IceSpec.Cli.Tests;

/// <summary><c>icespec ice offer|answer</c>: two instances connect on loopback through a signalling directory and swap lines.</summary>
[Trait("Category", "unit")]
public sealed class IceCommandTests
{
    [Theory]
    [InlineData("udp", @"connected: host 127\.0\.0\.1:")]
    // Over TCP either host pair may be nominated: the offer's active candidate to the answer's passive one (connection
    // from the offer) or the reverse (connection from the answer, the pair the answer's own check triggered). RFC 8445
    // §8.1.1 leaves the stopping criterion to the agent, and ours nominates once no higher-priority pair can still win
    // (a pair not yet checked is not waited for), so which comes first is a matter of timing.
    [InlineData("tcp", @"connected: host tcp-(?<offer>active|passive) 127\.0\.0\.1:\d+")]
    public async Task Offer_and_answer_connect_and_exchange_lines(string transports, string connected)
    {
        var signal = Directory.CreateTempSubdirectory("icespec-ice-").FullName;
        try
        {
            var offer = new IceTerminal("hello from offer", output => output.Contains("< "));
            var answer = new IceTerminal("hello from answer", output => output.Contains("< "));
            string[] Args(string side) => ["ice", side, "--signal", signal, "--address", "127.0.0.1", "--timeout", "20", "--transports", transports];
            var runs = new[]
            {
                Task.Run(() => CliApp.Run(Args("offer"), offer.Input, offer.Output, offer.Errors)),
                Task.Run(() => CliApp.Run(Args("answer"), answer.Input, answer.Output, answer.Errors)),
            };
            var codes = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(60));

            var transcript = $"--- offer out ---\n{offer.Output}\n--- offer err ---\n{offer.Errors}\n--- answer out ---\n{answer.Output}\n--- answer err ---\n{answer.Errors}";
            Assert.True(codes is [0, 0], transcript);
            Assert.True(offer.Output.ToString().Contains("< hello from answer") && answer.Output.ToString().Contains("< hello from offer"), transcript);
            var offerPair = Regex.Match(offer.Output.ToString(), connected);
            Assert.True(offerPair.Success, transcript);
            Assert.Contains("< hello from answer", offer.Output.ToString());
            Assert.Contains("< hello from offer", answer.Output.ToString());
            Assert.Contains("USE-CANDIDATE", offer.Errors.ToString());   // regular nomination, printed as it happens
            // The answer selected the same pair, seen from its end: the mirror TCP type.
            var answerSelected = transports != "tcp" ? "selected host 127.0.0.1:"
                : offerPair.Groups["offer"].Value == "active" ? "selected host tcp-passive 127.0.0.1:" : "selected host tcp-active 127.0.0.1:";
            Assert.Contains(answerSelected, answer.Errors.ToString());
            Assert.True(File.Exists(Path.Combine(signal, "offer.sdp")) && File.Exists(Path.Combine(signal, "answer.sdp")));
        }
        finally
        {
            Directory.Delete(signal, recursive: true);
        }
    }

    [Theory]
    [InlineData("offer", "answer")]
    [InlineData("answer", "offer")]
    public void The_help_says_what_each_side_prints_and_reads_in_the_order_it_does(string side, string peer)
    {
        var (code, output, _) = CliRunner.Run("ice", side, "--help");
        Assert.Equal(0, code);
        var text = System.Text.RegularExpressions.Regex.Replace(output, @"\s+", " ");
        int At(string phrase) => text.IndexOf(phrase, StringComparison.Ordinal);
        string[] order = ["gathers its candidates", "on stdout, or writes", $"DIR/{side}.sdp", $"reads the {peer}'s lines from stdin", $"DIR/{peer}.sdp once it appears",
            "prints 'connected: LOCAL <-> REMOTE'", "sends each stdin line", "--json"];
        for (var i = 0; i < order.Length; i++)
            Assert.True(At(order[i]) >= 0 && (i == 0 || At(order[i]) > At(order[i - 1])), $"'{order[i]}' missing or out of order in:\n{output}");
    }

    [Theory]
    [InlineData(new string[0], "a=ice-pacing:20")]          // the CLI proposes Ta 20 ms, announced (RFC 8839 §5.5)
    [InlineData(new[] { "--pacing", "35" }, "a=ice-pacing:35")]
    [InlineData(new[] { "--pacing", "50" }, null)]            // RFC 8445 §14.2's default is not announced
    public void The_offer_announces_its_Ta_as_ice_pacing(string[] pacing, string? line)
    {
        // No answer on stdin: the offer is printed, then the side stops with a usage error naming the missing answer.
        var (_, output, errors) = CliRunner.Run(["ice", "offer", "--address", "127.0.0.1", "--timeout", "5", .. pacing]);
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith("a=ice-pacing", StringComparison.Ordinal)).ToList();
        Assert.Contains("a=ice-ufrag:", output);
        Assert.Equal(line is null ? [] : [line], lines);
        Assert.Contains("no answer description in stdin", errors);
    }

    [Theory]
    [InlineData("--relay-only", "--relay-only needs --turn")]
    [InlineData("--pacing=2", "at least 5 ms")]
    [InlineData("--stun=nowhere", "is not HOST:PORT")]
    [InlineData("--transports=sctp", "is not udp, tcp or udp,tcp")]
    public void Bad_options_are_usage_errors(string option, string message)
    {
        var (code, _, errors) = CliRunner.Run("ice", "offer", option);
        Assert.Equal(2, code);
        Assert.Contains(message, errors);
    }

    /// <summary>RFC 6544 simultaneous-open and RFC 6062 relayed TCP candidates need TCP candidates, and the TCP allocation a TCP connection (RFC 6062 §4.1).</summary>
    [Theory]
    [InlineData("--tcp-so needs tcp in --transports", "--tcp-so")]
    [InlineData("--turn-tcp-relay needs tcp in --transports", "--turn-tcp-relay", "--turn=127.0.0.1:3478", "--turn-user=u:p", "--turn-tcp")]
    [InlineData("--turn-tcp-relay needs --turn with --turn-tcp", "--turn-tcp-relay", "--transports=tcp")]
    [InlineData("--turn-tcp-relay needs --turn with --turn-tcp", "--turn-tcp-relay", "--transports=tcp", "--turn=127.0.0.1:3478", "--turn-user=u:p")]
    public void Ice_tcp_options_beyond_host_candidates_are_checked(string message, params string[] options)
    {
        var (code, _, errors) = CliRunner.Run(["ice", "offer", .. options]);
        Assert.Equal(2, code);
        Assert.Contains(message, errors);
    }
}
