using System.Text.Json.Nodes;
using IceSpec.Captures.Diagnosis;
using IceSpec.Conformance.Adapter;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>
/// Each driver's adapter transcript (the kit's cell artifacts controlling.jsonl, controlled.jsonl): every command sent and
/// event printed, timed, in the form <c>icespec diagnose --signalling</c> reads — each side's own agent from its events,
/// the peer as it was told from its commands, trickled candidates with the time each was given, end-of-candidates.
/// </summary>
[Trait("Category", "interop")]
public sealed class DriverTranscriptTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-transcript-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_trickled_session_transcript_reads_as_signalling()
    {
        var options = new IcePairOptions(Trickle: true)
        {
            ControllingTranscript = Path.Combine(_directory, "controlling.jsonl"),
            ControlledTranscript = Path.Combine(_directory, "controlled.jsonl"),
        };
        var driver = DriverRegistry.Get("icespec");
        var result = await IcePairRun.RunAsync(driver, driver, options, CancellationToken.None);
        Assert.Equal(IcePairOutcome.Connected, result.Outcome);

        var controlling = SignallingReader.Read(new SignallingInput("controlling", options.ControllingTranscript));
        var controlled = SignallingReader.Read(new SignallingInput("controlled", options.ControlledTranscript));
        var (own, told) = (Assert.Single(controlling, a => a.View == SignalledView.Own), Assert.Single(controlled, a => a.View == SignalledView.Told));
        Assert.Equal((own.Ufrag, own.Password), (told.Ufrag, told.Password));
        Assert.Equal(("controlling", "controlling"), (own.Role, told.Role));
        Assert.True(told.Trickle && told.EndOfCandidates);
        Assert.NotEmpty(told.Candidates);
        Assert.All(told.Candidates, c => Assert.True(c.At >= told.DescribedAt));
        Assert.Equal(own.Candidates.Select(c => c.Address), told.Candidates.Select(c => c.Address));
    }

    /// <summary>
    /// RFC 8445 §14.2 and RFC 8839 §5.5 through the adapter contract: the IceSpec driver announces Ta 20 ms (the
    /// <c>pacing</c> of its local-description) and the kit hands it to the peer in <c>remote-description</c>; libnice
    /// announces none, so the IceSpec driver is told none and keeps 50 ms (IceAgent.SetRemotePacing).
    /// </summary>
    [Theory]
    [InlineData("icespec", 20)]
    [InlineData("libnice", null)]
    public async Task The_kit_hands_each_driver_the_Ta_its_peer_announced(string controlled, int? toldControlling)
    {
        var options = new IcePairOptions
        {
            ControllingTranscript = Path.Combine(_directory, "controlling.jsonl"),
            ControlledTranscript = Path.Combine(_directory, "controlled.jsonl"),
        };
        var result = await IcePairRun.RunAsync(DriverRegistry.Get("icespec"), DriverRegistry.Get(controlled), options, CancellationToken.None);
        Assert.Equal(IcePairOutcome.Connected, result.Outcome);

        Assert.Equal(20, (int?)Line(options.ControllingTranscript, "event", "local-description")["pacing"]);
        Assert.Equal(toldControlling, (int?)Line(options.ControllingTranscript, "command", "remote-description")["pacing"]);
        Assert.Equal(20, (int?)Line(options.ControlledTranscript, "command", "remote-description")["pacing"]);

        static JsonObject Line(string transcript, string kind, string name) =>
            File.ReadLines(transcript).Select(l => JsonNode.Parse(l)!.AsObject()).First(o => (string?)o[kind] == name);
    }
}
