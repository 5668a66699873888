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
}
