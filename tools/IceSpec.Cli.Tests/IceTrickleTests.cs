using System.Text;
using System.Threading.Channels;

namespace IceSpec.Cli.Tests;

/// <summary>
/// <c>icespec ice offer|answer --trickle</c> (RFC 8838): each side's stdout piped into the other's stdin, as a signalling
/// channel would. A STUN server that never answers keeps server-reflexive gathering going for 3.5 s (three sends,
/// IceAgentOptions.GatherRequestCount): the host pair connects long before either side can print a=end-of-candidates.
/// </summary>
[Trait("Category", "unit")]
public sealed class IceTrickleTests
{
    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]   // a peer that prints its whole description once gathering is done still connects
    public async Task Host_candidates_connect_while_reflexive_gathering_goes_on(bool offerTrickles, bool answerTrickles)
    {
        var toAnswer = new LinePipe();
        var toOffer = new LinePipe();
        var (offerErrors, answerErrors) = (new StringWriter(), new StringWriter());
        string[] Args(string side, bool trickle) =>
            ["ice", side, "--address", "127.0.0.1", "--stun", "127.0.0.1:9", "--timeout", "20", .. trickle ? (string[])["--trickle"] : []];
        var runs = new[]
        {
            Task.Run(() => CliApp.Run(Args("offer", offerTrickles), toOffer.Reader, toAnswer.Writer, offerErrors)),
            Task.Run(() => CliApp.Run(Args("answer", answerTrickles), toAnswer.Reader, toOffer.Writer, answerErrors)),
        };
        var codes = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(60));

        var offerOut = toAnswer.Transcript;
        var transcript = $"--- offer out ---\n{offerOut}\n--- offer err ---\n{offerErrors}\n--- answer out ---\n{toOffer.Transcript}\n--- answer err ---\n{answerErrors}";
        Assert.True(codes is [0, 0], $"exit codes {string.Join(",", codes)}\n{transcript}");
        Assert.Contains("connected: host 127.0.0.1:", offerOut);
        Assert.Contains("connected: host 127.0.0.1:", toOffer.Transcript);
        if (answerTrickles)
        {
            // The host candidate went out at once, and the call connected before the offer's own gathering ended: the
            // checks did not wait for the STUN server (a side that waits prints its candidates and end together, 3.5 s in).
            var candidate = offerOut.IndexOf("\na=candidate:", StringComparison.Ordinal);
            var connected = offerOut.IndexOf("\nconnected:", StringComparison.Ordinal);
            var end = offerOut.IndexOf("\na=end-of-candidates", StringComparison.Ordinal);
            Assert.True(candidate >= 0 && connected > candidate && end > connected, transcript);
        }
    }

    /// <summary>Lines written on one side, read on the other; end of input after the first a=end-of-candidates line.</summary>
    private sealed class LinePipe
    {
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
        private readonly StringBuilder _transcript = new();

        public LinePipe()
        {
            Writer = new PipeWriter(this);
            Reader = new PipeReader(this);
        }

        public TextWriter Writer { get; }
        public TextReader Reader { get; }
        public string Transcript { get { lock (_transcript) return _transcript.ToString(); } }

        private sealed class PipeWriter(LinePipe pipe) : TextWriter
        {
            private readonly StringBuilder _partial = new();
            public override Encoding Encoding => Encoding.UTF8;

            public override void Write(char value)
            {
                lock (pipe._transcript)
                {
                    pipe._transcript.Append(value);
                    if (value == '\n')
                    {
                        pipe._lines.Writer.TryWrite(_partial.ToString().TrimEnd('\r'));
                        _partial.Clear();
                    }
                    else _partial.Append(value);
                }
            }
        }

        private sealed class PipeReader(LinePipe pipe) : TextReader
        {
            private bool _ended;

            public override async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
            {
                if (_ended) return null;
                var line = await pipe._lines.Reader.ReadAsync(cancellationToken);
                if (line.Trim() == "a=end-of-candidates") _ended = true;
                return line;
            }

            public override Task<string?> ReadLineAsync() => ReadLineAsync(CancellationToken.None).AsTask();

            public override string? ReadLine() => ReadLineAsync().GetAwaiter().GetResult();
        }
    }
}
