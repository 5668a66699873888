namespace IceSpec.Cli.Tests;

/// <summary>
/// One terminal of <c>icespec ice offer|answer</c> run in-process: a line to send, then stdin stays open until
/// <paramref name="peerHeard"/> says the output shows the peer's line (at most 10 s).
/// </summary>
internal sealed class IceTerminal(string line, Func<string, bool> peerHeard)
{
    public StringWriter Output { get; } = new SynchronizedWriter();
    public StringWriter Errors { get; } = new SynchronizedWriter();
    public TextReader Input => new GatedReader(line, () => peerHeard(Output.ToString()));

    private sealed class SynchronizedWriter : StringWriter
    {
        private readonly Lock _gate = new();

        public SynchronizedWriter() => NewLine = "\n";

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
