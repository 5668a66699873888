using System.Net;
using IceSpec.Captures.Analysis;
using IceSpec.Captures.Credentials;
using IceSpec.Captures.Diagnosis;
using IceSpec.Captures.Mdns;
using IceSpec.Cli;

namespace IceSpec.Captures.Tests;

/// <summary>
/// <c>analyze</c> ties mDNS names to candidates, <c>diagnose</c> finds the names that failed them. On the real capture
/// of pcaps/mdns/ (expected values read with tshark: pcaps/mdns/README.md) and on hand-built sessions: two names answered
/// in turn, a unicast reply to a one-shot querier, an answer after the querier gave up.
/// </summary>
[Trait("Category", "unit")]
public sealed class MdnsAnalysisTests : IDisposable
{
    private static readonly string Mdns = Path.Combine(Frames.Pcaps, "mdns");
    private const string ControllingName = "aeb8c09a-0e91-4133-bc33-6a72a69d02f6.local", ControlledName = "dcc4ba82-0e22-436c-a263-db96acdefb96.local";
    private const string NameA = "11111111-1111-4111-8111-111111111111.local", NameB = "22222222-2222-4222-8222-222222222222.local";
    private static readonly IPEndPoint Group = IPEndPoint.Parse("224.0.0.251:5353");
    private static readonly IPEndPoint HostA = IPEndPoint.Parse("10.0.1.1:5353"), HostB = IPEndPoint.Parse("10.0.1.2:5353");
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-mdns-analysis-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static IReadOnlyList<SignalledAgent> Signalling(string capture) =>
        SignallingReader.Read([new SignallingInput("controlling", Path.Combine(Mdns, capture + ".controlling.sdp")),
            new SignallingInput("controlled", Path.Combine(Mdns, capture + ".controlled.sdp"))]);

    private string Pcap(params (double Seconds, byte[] Frame)[] frames)
    {
        var path = Path.Combine(_directory, $"{Guid.NewGuid():N}.pcap");
        Frames.WritePcap(path, frames);
        return path;
    }

    [Fact]
    public void The_resolved_capture_ties_each_name_to_its_query_answer_and_signalled_candidate()
    {
        var (report, error) = CaptureAnalyzer.AnalyzeFile(Path.Combine(Mdns, "aioice-mdns-resolved.pcapng"), new CaptureCredentials(),
            signalled: Signalling("aioice-mdns-resolved"));
        Assert.Null(error);
        Assert.Equal((4, 0), (report.Mdns.Messages, report.Mdns.Malformed));
        var name = Assert.Single(report.Mdns.Names, n => n.Name == ControllingName);
        // tshark: frame 2 query from 10.77.0.2 at .678758, frame 3 answer A 10.77.0.1 TTL 120 at .679088 (0.330 ms later).
        Assert.Equal((2, "10.77.0.2:5353"), (Assert.Single(name.Queries).Frame, name.Queries[0].From));
        var answer = Assert.Single(name.Answers);
        Assert.Equal((3, "10.77.0.1", 120u, 2, 0.33), (answer.Frame, answer.Address, answer.Ttl, answer.QueryFrame!.Value, answer.DelayMs!.Value));
        // controlling.sdp: host aeb8c09a-….local 42761; MdnD's check to 10.77.0.1:42761 (frame 6) answered (7).
        var signalled = Assert.Single(name.Candidates, c => c.Use == "signalled");
        Assert.Equal(("10.77.0.1:42761", "MdnC", 3, "Succeeded"), (signalled.Candidate, signalled.Agent, signalled.ResolvedByFrame!.Value, signalled.PairState));
        var remote = Assert.Single(name.Candidates, c => c.Use == "remote");
        Assert.Equal(("10.77.0.1:42761", "MdnD", "10.77.0.2:43941 → 10.77.0.1:42761"), (remote.Candidate, remote.Agent, remote.Pair));
        var other = Assert.Single(report.Mdns.Names, n => n.Name == ControlledName);
        Assert.Equal((10, 11, "10.77.0.2"), (other.Queries[0].Frame, other.Answers[0].Frame, other.Answers[0].Address));
    }

    [Fact]
    public void Analyze_text_says_which_frame_resolved_the_remote_candidate_and_how_fast()
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var code = CliApp.Run(["analyze", Path.Combine(Mdns, "aioice-mdns-unanswered.pcapng"),
            "--signalling", Path.Combine(Mdns, "aioice-mdns-unanswered.controlling.sdp"), "--signalling", Path.Combine(Mdns, "aioice-mdns-unanswered.controlled.sdp")],
            new StringReader(""), stdout, new StringWriter());
        var output = stdout.ToString();
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("mDNS: 3 messages, 2 names (1 answered)", output);
        Assert.Contains("  44d1a337-164d-4f7a-a144-f7c2aaba2616.local: never answered\n    frame     8  query A from 10.77.0.2:5353 to 224.0.0.251:5353\n", output);
        Assert.Contains("signalled candidate host 44d1a337-164d-4f7a-a144-f7c2aaba2616.local 41969 of MdnC", output);
        Assert.Contains("never resolved, dropped (draft-ietf-mmusic-mdns-ice-candidates §3.2.1)", output);
        Assert.Contains("= 10.77.0.2:39813, resolved by frame #6 in 0.639 ms; no pair checked it", output);
        Assert.Contains("mdns-name-unanswered", output);
    }

    [Fact]
    public void Each_answer_is_tied_to_the_name_it_carries_and_to_that_names_query()
    {
        var path = Pcap(
            (0.000, Frames.Udp(HostA, Group, MdnsWire.Query(NameB))),
            (0.001, Frames.Udp(HostB, Group, MdnsWire.Query(NameA))),
            (0.003, Frames.Udp(HostA, Group, MdnsWire.Response(NameA, 120, "10.0.1.1"))),
            (0.010, Frames.Udp(HostB, Group, MdnsWire.Response(NameB, 120, "10.0.1.2"))));
        var names = CaptureAnalyzer.AnalyzeFile(path, new CaptureCredentials()).Report.Mdns.Names;
        var a = Assert.Single(names, n => n.Name == NameA);
        var b = Assert.Single(names, n => n.Name == NameB);
        Assert.Equal(("10.0.1.1", 3, 2, 2.0), (a.Answers[0].Address, a.Answers[0].Frame, a.Answers[0].QueryFrame!.Value, a.Answers[0].DelayMs!.Value));
        Assert.Equal(("10.0.1.2", 4, 1, 10.0), (b.Answers[0].Address, b.Answers[0].Frame, b.Answers[0].QueryFrame!.Value, b.Answers[0].DelayMs!.Value));
    }

    [Fact]
    public void A_unicast_reply_answers_the_query_of_the_host_it_is_sent_to()
    {
        var oneShot = IPEndPoint.Parse("10.0.1.3:40000");
        var path = Pcap(
            (0.000, Frames.Udp(oneShot, Group, MdnsWire.Query(NameB, unicastResponse: true))),
            (0.002, Frames.Udp(HostA, Group, MdnsWire.Query(NameB))),
            (0.004, Frames.Udp(HostB, oneShot, MdnsWire.Response(NameB, 10, "10.0.1.2"))));
        var name = Assert.Single(CaptureAnalyzer.AnalyzeFile(path, new CaptureCredentials()).Report.Mdns.Names);
        Assert.True(name.Queries[0].UnicastResponse);
        Assert.Equal((1, 4.0), (name.Answers[0].QueryFrame!.Value, name.Answers[0].DelayMs!.Value));
    }

    [Fact]
    public void An_answer_after_the_querier_gave_up_with_no_check_to_its_address_is_found_late()
    {
        var late = Pcap(
            (0.000, Frames.Udp(HostA, Group, MdnsWire.Query(NameB))),
            (1.500, Frames.Udp(HostB, Group, MdnsWire.Response(NameB, 120, "10.0.1.2"))));
        var finding = Assert.Single(Diagnoser.Diagnose([new DiagnosisInput("a", late)], new CaptureCredentials()).Findings);
        Assert.Equal(("mdns-answered-late", FindingSeverity.Cause, "RFC 6762 §6"), (finding.Kind, finding.Severity, finding.Section));
        Assert.Equal([new FrameRef("a", 1), new FrameRef("a", 2)], finding.Frames);

        // Answered in time: no finding, though no check followed either (the capture may be the responder's side).
        var inTime = Pcap(
            (0.000, Frames.Udp(HostA, Group, MdnsWire.Query(NameB))),
            (0.005, Frames.Udp(HostB, Group, MdnsWire.Response(NameB, 120, "10.0.1.2"))));
        Assert.Empty(Diagnoser.Diagnose([new DiagnosisInput("a", inTime)], new CaptureCredentials()).Findings);
    }

    [Fact]
    public void A_name_answered_only_by_a_goodbye_is_unanswered()
    {
        var path = Pcap(
            (0.000, Frames.Udp(HostA, Group, MdnsWire.Query(NameB))),
            (0.002, Frames.Udp(HostB, Group, MdnsWire.Response(NameB, 0, "10.0.1.2"))));
        var finding = Assert.Single(Diagnoser.Diagnose([new DiagnosisInput("a", path)], new CaptureCredentials()).Findings);
        Assert.Equal(("mdns-name-unanswered", FindingSeverity.Cause), (finding.Kind, finding.Severity));
        Assert.True(Assert.Single(CaptureAnalyzer.AnalyzeFile(path, new CaptureCredentials()).Report.Mdns.Names).Answers[0].Goodbye);
    }

    [Fact]
    public void Analyze_json_and_html_carry_the_names_and_the_mdns_arrows()
    {
        var html = Path.Combine(_directory, "report.html");
        var stdout = new StringWriter { NewLine = "\n" };
        var code = CliApp.Run(["analyze", Path.Combine(Mdns, "aioice-mdns-unanswered.pcapng"), "--json", "--html", html], new StringReader(""), stdout, new StringWriter());
        Assert.Equal(ExitCodes.Ok, code);
        var mdns = System.Text.Json.JsonDocument.Parse(stdout.ToString()).RootElement.GetProperty("mdns");
        var names = mdns.GetProperty("names").EnumerateArray().ToDictionary(n => n.GetProperty("name").GetString()!, n => n.GetProperty("answered").GetBoolean());
        Assert.Equal(new Dictionary<string, bool> { ["342bc56f-f088-430a-b585-90f11e51fee3.local"] = true, ["44d1a337-164d-4f7a-a144-f7c2aaba2616.local"] = false }, names);
        var page = File.ReadAllText(html);
        Assert.Contains("<h2>mDNS names</h2>", page);
        Assert.Contains("<li><b>44d1a337-164d-4f7a-a144-f7c2aaba2616.local</b>: never answered<ul><li>#8: query A from 10.77.0.2:5353</li>", page);
        Assert.Contains(">mDNS query A 44d1a337-164d-4f7a-a144-f7c2aaba2616.local</text>", page);
    }
}
