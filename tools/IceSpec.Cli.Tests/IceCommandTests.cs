using System.Text;

namespace IceSpec.Cli.Tests;

/// <summary><c>icespec ice offer|answer</c>: two instances connect on loopback through a signalling directory and swap lines.</summary>
public sealed class IceCommandTests
{
    [Theory]
    [InlineData("udp", "connected: host 127.0.0.1:")]
    [InlineData("tcp", "connected: host tcp-active 127.0.0.1:9 (connection from 127.0.0.1:")]
    public async Task Offer_and_answer_connect_and_exchange_lines(string transports, string connected)
    {
        var signal = Directory.CreateTempSubdirectory("icespec-ice-").FullName;
        try
        {
            var offer = new Side("hello from offer");
            var answer = new Side("hello from answer");
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
            Assert.Contains(connected, offer.Output.ToString());
            Assert.Contains("< hello from answer", offer.Output.ToString());
            Assert.Contains("< hello from offer", answer.Output.ToString());
            Assert.Contains("USE-CANDIDATE", offer.Errors.ToString());   // regular nomination, printed as it happens
            Assert.Contains(transports == "tcp" ? "selected host tcp-passive 127.0.0.1:" : "selected host 127.0.0.1:", answer.Errors.ToString());
            Assert.True(File.Exists(Path.Combine(signal, "offer.sdp")) && File.Exists(Path.Combine(signal, "answer.sdp")));
        }
        finally
        {
            Directory.Delete(signal, recursive: true);
        }
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

    /// <summary>One terminal: a line to send, then stdin stays open until the peer's line has been printed.</summary>
    private sealed class Side(string line)
    {
        public StringWriter Output { get; } = new SynchronizedWriter();
        public StringWriter Errors { get; } = new SynchronizedWriter();
        public TextReader Input => new GatedReader(line, () => Output.ToString().Contains("< "));
    }

    private sealed class SynchronizedWriter : StringWriter
    {
        private readonly Lock _gate = new();
        public override void Write(char value) { lock (_gate) base.Write(value); }
        public override void Write(string? value) { lock (_gate) base.Write(value); }
        public override void WriteLine(string? value) { lock (_gate) base.WriteLine(value); }
        public override string ToString() { lock (_gate) return base.ToString(); }
    }

    private sealed class GatedReader(string line, Func<bool> peerHeard) : TextReader
    {
        private bool _sent;

        public override async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            if (!_sent) { _sent = true; return line; }
            for (var i = 0; i < 200 && !peerHeard(); i++) await Task.Delay(50, cancellationToken);
            return null;
        }

        public override Task<string?> ReadLineAsync() => ReadLineAsync(CancellationToken.None).AsTask();
    }
}
