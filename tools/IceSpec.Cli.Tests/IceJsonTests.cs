using System.Text.RegularExpressions;

namespace IceSpec.Cli.Tests;

/// <summary>Two <c>icespec ice … --json --signal DIR</c> runs (in-process) on loopback, once for the class: their JSON lines.</summary>
public sealed class IceJsonRun : IAsyncLifetime
{
    public string[] Offer { get; private set; } = [];
    public string[] Answer { get; private set; } = [];
    public int[] ExitCodes { get; private set; } = [];
    public string Transcript { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var signal = Directory.CreateTempSubdirectory("icespec-ice-json-").FullName;
        try
        {
            static bool Heard(string output) => output.Contains("\"direction\":\"received\"");
            var offer = new IceTerminal("hello from offer", Heard);
            var answer = new IceTerminal("hello from answer", Heard);
            string[] Args(string side) => ["ice", side, "--json", "--signal", signal, "--address", "127.0.0.1", "--timeout", "20"];
            ExitCodes = await Task.WhenAll(
                Task.Run(() => CliApp.Run(Args("offer"), offer.Input, offer.Output, offer.Errors)),
                Task.Run(() => CliApp.Run(Args("answer"), answer.Input, answer.Output, answer.Errors))).WaitAsync(TimeSpan.FromSeconds(60));
            Offer = Lines(offer.Output.ToString());
            Answer = Lines(answer.Output.ToString());
            Transcript = $"--- offer out ---\n{offer.Output}\n--- offer err ---\n{offer.Errors}\n--- answer out ---\n{answer.Output}\n--- answer err ---\n{answer.Errors}";
        }
        finally
        {
            Directory.Delete(signal, recursive: true);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>
/// <c>icespec ice offer|answer --json</c>: every line is JSON with the fields docs/ice-json.md documents, in
/// the documented order; and the same validator refuses broken streams made from the real ones.
/// </summary>
[Trait("Category", "unit")]
public sealed class IceJsonTests(IceJsonRun run) : IClassFixture<IceJsonRun>
{
    private static readonly IceJsonSchema Schema = IceJsonSchema.FromMarkdown(Repository.File("docs", "ice-json.md"));

    [Fact]
    public void Both_sides_print_valid_event_streams_and_exchange_lines()
    {
        Assert.True(run.ExitCodes is [0, 0], run.Transcript);
        foreach (var stream in new[] { run.Offer, run.Answer })
        {
            var problems = IceEventStream.Problems(stream, Schema);
            Assert.True(problems.Count == 0, string.Join("\n", problems) + "\n" + run.Transcript);
        }
        Assert.Contains(run.Offer, l => l.Contains("\"direction\":\"received\"") && l.Contains("\"text\":\"hello from answer\""));
        Assert.Contains(run.Answer, l => l.Contains("\"direction\":\"sent\"") && l.Contains("\"text\":\"hello from answer\""));
        Assert.Contains(run.Offer, l => l.Contains("\"type\":\"check\"") && l.Contains("\"useCandidate\":true"));   // regular nomination
        Assert.Contains(run.Offer, l => l.Contains("\"type\":\"selected-pair\"") && l.Contains("\"nominated\":true"));
    }

    public static TheoryData<string, string> Breakages => new()
    {
        { "not-json", "is not JSON" },
        { "no-selected-pair", "no selected-pair line" },
        { "bad-candidate-type", "is not host, srflx, prflx or relay" },
        { "check-before-candidates", "a check comes before the first local-candidate" },
        { "zero-time-to-connected", "timeToConnectedMs is not above 0" },
        { "late-connected", "does not match" },
        { "undocumented-field", "undocumented field 'extra'" },
        { "missing-field", "documented field 'role' is missing" },
        { "time-off", "time and ms disagree" },
        { "no-end", "the last line is not 'end'" },
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public void The_validator_refuses_a_broken_stream(string breakage, string problem)
    {
        Assert.True(run.ExitCodes is [0, 0], run.Transcript);
        var lines = run.Offer.ToList();
        int Index(string type) => lines.FindIndex(l => l.Contains($"\"type\":\"{type}\""));
        switch (breakage)
        {
            case "not-json": lines.Insert(3, "connected: 127.0.0.1:1 <-> 127.0.0.1:2"); break;
            case "no-selected-pair": lines.RemoveAll(l => l.Contains("\"type\":\"selected-pair\"")); break;
            case "bad-candidate-type": lines[Index("local-candidate")] = lines[Index("local-candidate")].Replace("\"type\":\"host\"", "\"type\":\"local\""); break;
            case "check-before-candidates":
                var check = lines[Index("check")];
                lines.Remove(check);
                lines.Insert(1, check);
                break;
            case "zero-time-to-connected": lines[Index("connected")] = Regex.Replace(lines[Index("connected")], "\"timeToConnectedMs\":[0-9.]+", "\"timeToConnectedMs\":0"); break;
            case "late-connected": lines[Index("connected")] = Regex.Replace(lines[Index("connected")], "\"timeToConnectedMs\":[0-9.]+", "\"timeToConnectedMs\":5000"); break;
            case "undocumented-field": lines[Index("start")] = lines[Index("start")].Replace("{\"type\"", "{\"extra\":1,\"type\""); break;
            case "missing-field": lines[Index("start")] = Regex.Replace(lines[Index("start")], "\"role\":\"[a-z]+\",", ""); break;
            case "time-off": lines[Index("connected")] = Regex.Replace(lines[Index("connected")], "\"time\":\"([^\"]+)\"",
                m => $"\"time\":\"{DateTime.Parse(m.Groups[1].Value, null, System.Globalization.DateTimeStyles.AdjustToUniversal).AddSeconds(1):yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\""); break;
            case "no-end": lines.RemoveAt(lines.Count - 1); break;
        }
        Assert.NotEqual(run.Offer.ToList(), lines);
        Assert.Contains(IceEventStream.Problems(lines, Schema), p => p.Contains(problem));
    }
}
