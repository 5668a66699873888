using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using IceSpec.Captures.Credentials;
using IceSpec.Captures.Diagnosis;
using IceSpec.Captures.Diagnosis.Rules;

namespace IceSpec.Captures.Tests;

/// <summary>
/// The credential and signalling findings (<see cref="CredentialFindings"/>, <see cref="SignallingFindings"/>): every
/// signalling and credentials case of pcaps/diagnose/ (sig-*, creds-*) gives exactly its expected findings — the clean
/// sessions of IceSpec, libnice, pion and aioice none of these; each finding fires on a real capture whose signalling was
/// doctored (a seeded defect: the same capture with its candidates withheld, delayed, its end-of-candidates removed, a
/// password taken away) and not on the same capture undoctored; and hand-built exchanges for what the corpus lacks.
/// </summary>
[Trait("Category", "unit")]
public sealed class DiagnosisCredentialTests : IDisposable
{
    private static readonly string Corpus = Path.Combine(Frames.Pcaps, "diagnose");
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-creds-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string> Cases() =>
        new(Directory.GetDirectories(Corpus).Select(Path.GetFileName).Where(n => n!.StartsWith("sig-", StringComparison.Ordinal) || n.StartsWith("creds-", StringComparison.Ordinal)).Order()!);

    private sealed record ExpectedFinding(string Kind, IReadOnlyList<string> Frames, string Section);

    private sealed record CaseFile(IReadOnlyList<string> Captures, string? Credentials, IReadOnlyList<string>? Signalling,
        IReadOnlyList<ExpectedFinding> Findings, string Reviewed, string MadeBy);

    private static (List<DiagnosisInput> Captures, CaptureCredentials Credentials, List<SignallingInput> Signalling) Inputs(string folder, CaseFile file)
    {
        var credentials = new CaptureCredentials();
        if (file.Credentials is { } path) Assert.True(credentials.TryLoad(Path.Combine(folder, path), out var error), error);
        var captures = file.Captures.Select(c => c.Split('=', 2) is [var label, var capture]
            ? new DiagnosisInput(label, Path.Combine(folder, capture)) : new DiagnosisInput(Path.GetFileName(c), Path.Combine(folder, c))).ToList();
        var signalling = (file.Signalling ?? []).Select(s => s.Split('=', 2) is [var label, var log]
            ? new SignallingInput(label, Path.Combine(folder, log)) : new SignallingInput(Path.GetFileName(s), Path.Combine(folder, s))).ToList();
        return (captures, credentials, signalling);
    }

    private static CaseFile Load(string folder) =>
        JsonSerializer.Deserialize<CaseFile>(File.ReadAllText(Path.Combine(folder, "expected.json")), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

    private static DiagnosisReport Diagnose(string folder)
    {
        var (captures, credentials, signalling) = Inputs(folder, Load(folder));
        return Diagnoser.Diagnose(captures, credentials, signalling);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Corpus_case_gives_its_expected_findings(string name)
    {
        var folder = Path.Combine(Corpus, name);
        var expected = Load(folder);
        Assert.False(string.IsNullOrWhiteSpace(expected.Reviewed), $"{name}: nothing said of what was reviewed in the frames");
        Assert.False(string.IsNullOrWhiteSpace(expected.MadeBy), $"{name}: no word of how the captures were made");
        var diagnosis = Diagnose(folder);
        var reported = diagnosis.Findings.Select(f => f.Kind).Distinct().Order(StringComparer.Ordinal).ToList();
        var wanted = expected.Findings.Select(f => f.Kind).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.True(wanted.SequenceEqual(reported), $"{name}: expected [{string.Join(", ", wanted)}], diagnosed [{string.Join(", ", reported)}]:\n{Render(diagnosis)}");
        foreach (var finding in expected.Findings)
        {
            var matches = diagnosis.Findings.Where(f => f.Kind == finding.Kind).ToList();
            Assert.Contains(matches, f => f.Section == finding.Section);
            var frames = matches.SelectMany(f => f.Frames).Select(f => f.ToString()).ToHashSet();
            Assert.All(finding.Frames, f => Assert.Contains(f, frames));
        }
    }

    // ---- Seeded defects: a clean real session (sig-clean-icespec-libnice) with its signalling doctored ----

    /// <summary>Copies the clean case into the temp folder with <paramref name="doctor"/> applied to each JSON line of the named log.</summary>
    private DiagnosisReport Doctored(string log, Func<JsonObject, IEnumerable<JsonObject>> doctor, string source = "sig-clean-icespec-libnice")
    {
        var from = Path.Combine(Corpus, source);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(_directory, Path.GetFileName(file)), overwrite: true);
        var path = Path.Combine(_directory, log);
        var lines = File.ReadAllLines(path).SelectMany(l => doctor(JsonNode.Parse(l)!.AsObject())).Select(o => o.ToJsonString());
        File.WriteAllLines(path, lines);
        return Diagnose(_directory);
    }

    private static IEnumerable<JsonObject> Same(JsonObject line) => [line];

    private static bool Is(JsonObject line, string command) => (string?)line["command"] == command;

    [Fact]
    public void The_clean_session_undoctored_has_no_signalling_finding() =>
        Assert.Empty(Doctored("controlled.jsonl", Same).Findings);

    [Fact]
    public void A_candidate_withheld_from_the_peer_is_not_signalled()
    {
        // libnice is told IceSpec's credentials without its candidate: IceSpec's checks come from an address libnice never got.
        var diagnosis = Doctored("controlled.jsonl", l => [Is(l, "remote-description") ? With(l, "candidates", new JsonArray()) : l]);
        var finding = Assert.Single(diagnosis.Findings, f => f.Kind == "candidate-not-signalled");
        Assert.Equal(FindingSeverity.Defect, finding.Severity); // IceSpec's own log shows it gathered the candidate; ICE still succeeded
        Assert.Contains("peer-reflexive", finding.Verdict);
        Assert.Equal(["lo#1", "lo#3"], finding.Frames.Select(f => f.ToString()));
    }

    [Fact]
    public void A_candidate_given_two_seconds_late_is_signalled_late()
    {
        // IceSpec gets libnice's description without candidates, and the candidate 2 s later: libnice's check (frame 3) came first.
        var diagnosis = Doctored("controlling.jsonl", l => !Is(l, "remote-description") ? [l] :
        [
            With(l, "candidates", new JsonArray()),
            new JsonObject { ["command"] = "remote-candidate", ["line"] = l["candidates"]![0]!.GetValue<string>(), ["sentAt"] = Later((string)l["sentAt"]!, 2) },
        ]);
        var finding = Assert.Single(diagnosis.Findings, f => f.Kind == "candidate-signalled-late");
        Assert.Equal(FindingSeverity.Delay, finding.Severity);
        Assert.Contains("peer-reflexive", finding.Verdict);
        Assert.Contains(new FrameRef("lo", 3), finding.Frames);
    }

    [Fact]
    public void A_half_second_within_the_threshold_is_not_late()
    {
        var diagnosis = Doctored("controlling.jsonl", l => [Is(l, "remote-description") ? With(l, "sentAt", Later((string)l["sentAt"]!, 0.2)) : l]);
        Assert.DoesNotContain(diagnosis.Findings, f => f.Kind == "candidate-signalled-late");
    }

    [Fact]
    public void A_description_without_end_of_candidates_is_found()
    {
        var diagnosis = Doctored("controlled.jsonl", l => [Is(l, "remote-description") ? With(l, "end-of-candidates", false) : l]);
        var finding = Assert.Single(diagnosis.Findings);
        Assert.Equal("end-of-candidates-missing", finding.Kind);
        Assert.Equal(FindingSeverity.Note, finding.Severity); // the session worked
        Assert.StartsWith("OJfBfw67's peer", finding.Verdict);
    }

    [Fact]
    public void A_check_to_an_address_never_signalled_is_found()
    {
        // IceSpec is told libnice is at port 9 (a discard port nobody listens on): its checks to libnice's real port are unexplained.
        var diagnosis = Doctored("controlling.jsonl", l => [Is(l, "remote-description")
            ? With(l, "candidates", new JsonArray("a=candidate:1 1 UDP 2015363327 127.0.0.1 9 typ host")) : l]);
        var finding = Assert.Single(diagnosis.Findings, f => f.Kind == "check-to-unsignalled-address");
        Assert.Equal([new FrameRef("lo", 1)], finding.Frames);
        Assert.Contains(diagnosis.Findings, f => f.Kind == "candidate-not-signalled" && f.Severity == FindingSeverity.Defect);
    }

    [Fact]
    public void A_check_to_the_address_behind_a_signalled_mDNS_name_is_not_unexplained()
    {
        // draft-ietf-mmusic-mdns-ice-candidates §3.2: libnice's candidates signalled under an mDNS name at their real
        // ports; IceSpec checks the address the name resolved to.
        var diagnosis = Doctored("controlling.jsonl", l => [Is(l, "remote-description")
            ? With(l, "candidates", new JsonArray([.. l["candidates"]!.AsArray().Select(c => (JsonNode?)((string)c!).Replace(" 127.0.0.1 ", " 1f0c6e36-4b5f-4b6f-9d77-3c9a2f1e8b10.local "))]))
            : l]);
        Assert.DoesNotContain(diagnosis.Findings, f => f.Kind == "check-to-unsignalled-address");
    }

    [Fact]
    public void A_log_with_a_remote_candidate_the_driver_dropped_is_read()
    {
        // conformance/ADAPTER.md: candidate-dropped (an mDNS name unanswered, draft-ietf-mmusic-mdns-ice-candidates
        // §3.2.1 step 4) is an event of the contract; a same-lan-mdns-ipv6 cell's log carries it.
        var diagnosis = Doctored("controlling.jsonl", l => Is(l, "remote-description")
            ? [l, new JsonObject { ["event"] = "candidate-dropped", ["line"] = "a=candidate:1 1 udp 2130706431 1f0c6e36-4b5f-4b6f-9d77-3c9a2f1e8b10.local 40000 typ host",
                ["reason"] = "no mDNS answer within 5 s", ["receivedAt"] = (string)l["sentAt"]! }]
            : [l]);
        Assert.Empty(diagnosis.Findings);
    }

    [Fact]
    public void The_wrong_password_finding_rests_on_the_signalled_password()
    {
        // Without the signalling, the password IceSpec was given is unknown: the failure is one no known password explains.
        var folder = Path.Combine(Corpus, "sig-wrong-password");
        var (captures, credentials, _) = Inputs(folder, Load(folder));
        var kinds = Diagnoser.Diagnose(captures, credentials, []).Findings.Select(f => f.Kind).ToList();
        Assert.Contains("integrity-failed", kinds);
        Assert.DoesNotContain("integrity-password-wrong", kinds);
        var with = Diagnose(folder).Findings.Single(f => f.Kind == "integrity-password-wrong");
        Assert.Contains(with.Details, d => d.Contains("controlling.jsonl:7", StringComparison.Ordinal));
    }

    [Fact]
    public void The_stale_password_finding_needs_the_earlier_generation()
    {
        // The credentials and the signalling without the first generation: nothing known verifies libnice's checks any more.
        var folder = Path.Combine(Corpus, "sig-restart-stale-password");
        var credentials = new CaptureCredentials();
        foreach (var line in File.ReadAllLines(Path.Combine(folder, "credentials")).SkipWhile(l => !l.StartsWith("# after", StringComparison.Ordinal)).Skip(1))
            Assert.True(credentials.TryAddIce(line.Split(' ')[1], out _));
        var kinds = Diagnoser.Diagnose([new DiagnosisInput("lo", Path.Combine(folder, "lo.pcapng"))], credentials, []).Findings.Select(f => f.Kind).ToList();
        Assert.Contains("integrity-failed", kinds);
        Assert.DoesNotContain("integrity-password-stale", kinds);
        var stale = Diagnose(folder).Findings.Single(f => f.Kind == "integrity-password-stale");
        Assert.Contains(stale.Details, d => d.Contains("the generation before 1/VmRZij", StringComparison.Ordinal));
    }

    // ---- Hand-built exchanges: agent lfrg at Left, rfrg at Right ----

    private static readonly IPEndPoint Left = IPEndPoint.Parse("10.0.0.1:5000");
    private static readonly IPEndPoint Right = IPEndPoint.Parse("10.0.0.2:6000");
    private const string LeftPassword = "lpassword+0123456789ab";
    private const string RightPassword = "rpassword+0123456789ab";

    private DiagnosisReport Exchange(IReadOnlyList<SignallingInput>? signalling, params (IPEndPoint From, IPEndPoint To, byte[] Stun)[] messages)
    {
        var path = Path.Combine(_directory, "exchange.pcap");
        Frames.WritePcap(path, [.. messages.Select(m => Frames.Udp(m.From, m.To, m.Stun))]);
        var credentials = new CaptureCredentials();
        Assert.True(credentials.TryAddIce($"lfrg:{LeftPassword},rfrg:{RightPassword}", out _));
        return Diagnoser.Diagnose([new DiagnosisInput("x", path)], credentials, signalling ?? []);
    }

    [Fact]
    public void Checks_signed_with_the_senders_own_password_are_swapped_credentials()
    {
        var swapped = Exchange(null,
            (Left, Right, IceMessages.Check(1, "rfrg:lfrg", LeftPassword, controlling: true)),
            (Right, Left, IceMessages.Error(1, 401, RightPassword)));
        var finding = Assert.Single(swapped.Findings, f => f.Kind == "integrity-password-swapped");
        Assert.Equal(FindingSeverity.Cause, finding.Severity);
        Assert.Contains("lfrg's password", finding.Verdict);
        Assert.Contains(swapped.Findings, f => f.Kind == "check-unauthorized");

        var right = Exchange(null,
            (Left, Right, IceMessages.Check(1, "rfrg:lfrg", RightPassword, controlling: true)),
            (Right, Left, IceMessages.Success(1, Left, RightPassword)));
        Assert.DoesNotContain(right.Findings, f => f.Category == FindingCategory.Credentials);
    }

    [Fact]
    public void An_answer_signed_with_no_known_password_fails_integrity()
    {
        var diagnosis = Exchange(null,
            (Left, Right, IceMessages.Check(1, "rfrg:lfrg", RightPassword, controlling: true)),
            (Right, Left, IceMessages.Success(1, Left, "nobody-knows-this-password")));
        var finding = Assert.Single(diagnosis.Findings, f => f.Kind == "integrity-failed");
        Assert.Equal([new FrameRef("x", 2)], finding.Frames);
    }

    [Fact]
    public void A_bad_request_answer_is_found()
    {
        var diagnosis = Exchange(null,
            (Left, Right, IceMessages.Check(1, "rfrg:lfrg", RightPassword, controlling: true)),
            (Right, Left, IceMessages.Error(1, 400, RightPassword)));
        var finding = Assert.Single(diagnosis.Findings, f => f.Kind == "check-bad-request");
        Assert.Equal(FindingSeverity.Cause, finding.Severity);
        Assert.Equal([new FrameRef("x", 1), new FrameRef("x", 2)], finding.Frames);
    }

    [Fact]
    public void A_username_with_the_senders_ufrag_first_is_named_when_the_answers_tell_who_is_who()
    {
        // Right writes lfrg:rfrg to Left (correct); Left writes lfrg:rfrg to Right too (its own ufrag first). Each answers with its own password.
        var diagnosis = Exchange(null,
            (Right, Left, IceMessages.Check(1, "lfrg:rfrg", LeftPassword, controlling: false)),
            (Left, Right, IceMessages.Success(1, Right, LeftPassword)),
            (Left, Right, IceMessages.Check(2, "lfrg:rfrg", LeftPassword, controlling: true)),
            (Right, Left, IceMessages.Success(2, Left, RightPassword)));
        var finding = Assert.Single(diagnosis.Findings, f => f.Kind == "username-not-rfrag-lfrag");
        Assert.Equal([new FrameRef("x", 3)], finding.Frames);
        Assert.Contains($"from {Left}", finding.Verdict);
    }

    [Fact]
    public void A_487_without_a_switch_is_an_unresolved_conflict()
    {
        var unresolved = Exchange(null,
            (Left, Right, IceMessages.Check(1, "rfrg:lfrg", RightPassword, controlling: true, tieBreaker: 1)),
            (Right, Left, IceMessages.Error(1, 487, RightPassword)),
            (Left, Right, IceMessages.Check(2, "rfrg:lfrg", RightPassword, controlling: true, tieBreaker: 1)),
            (Right, Left, IceMessages.Error(2, 487, RightPassword)));
        Assert.Contains(unresolved.Findings, f => f.Kind == "role-conflict-unresolved" && f.Severity == FindingSeverity.Defect);

        var resolved = Exchange(null,
            (Left, Right, IceMessages.Check(1, "rfrg:lfrg", RightPassword, controlling: true, tieBreaker: 1)),
            (Right, Left, IceMessages.Error(1, 487, RightPassword)),
            (Left, Right, IceMessages.Check(2, "rfrg:lfrg", RightPassword, controlling: false, tieBreaker: 1)),
            (Right, Left, IceMessages.Success(2, Left, RightPassword)));
        var finding = Assert.Single(resolved.Findings, f => f.Kind.StartsWith("role-conflict", StringComparison.Ordinal));
        Assert.Equal("role-conflict", finding.Kind);
        Assert.Equal(FindingSeverity.Note, finding.Severity);
    }

    [Fact]
    public void An_agent_that_switches_without_487_resolved_the_conflict()
    {
        // Right, controlling with the smaller tie-breaker, answers Left's controlling check and switches (RFC 8445 §7.3.1.1).
        var diagnosis = Exchange(null,
            (Right, Left, IceMessages.Check(1, "lfrg:rfrg", LeftPassword, controlling: true, tieBreaker: 1)),
            (Left, Right, IceMessages.Check(2, "rfrg:lfrg", RightPassword, controlling: true, tieBreaker: 5)),
            (Right, Left, IceMessages.Success(2, Left, RightPassword)),
            (Right, Left, IceMessages.Check(3, "lfrg:rfrg", LeftPassword, controlling: false, tieBreaker: 1)));
        var finding = Assert.Single(diagnosis.Findings, f => f.Category == FindingCategory.Signalling);
        Assert.Equal("role-conflict", finding.Kind);
        Assert.Equal([new FrameRef("x", 1), new FrameRef("x", 2), new FrameRef("x", 4)], finding.Frames);
    }

    [Fact]
    public void Two_controlled_agents_without_487_are_found()
    {
        var diagnosis = Exchange(null,
            (Left, Right, IceMessages.Check(1, "rfrg:lfrg", RightPassword, controlling: false, tieBreaker: 1)),
            (Right, Left, IceMessages.Check(2, "lfrg:rfrg", LeftPassword, controlling: false, tieBreaker: 2)),
            (Right, Left, IceMessages.Success(1, Left, RightPassword)),
            (Left, Right, IceMessages.Success(2, Right, LeftPassword)));
        var finding = Assert.Single(diagnosis.Findings, f => f.Kind == "same-role-without-487");
        Assert.Contains("both agents are controlled", finding.Verdict);
    }

    [Fact]
    public void An_sdp_password_verifies_and_its_candidates_are_compared()
    {
        // Right's SDP, given to Left, names 10.0.0.2:7000 only; Right checks from :6000 (an mDNS-hidden host would look so): a note.
        var sdp = Path.Combine(_directory, "right.sdp");
        File.WriteAllText(sdp, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=ice-ufrag:rfrg\r\na=ice-pwd:" + RightPassword +
            "\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=candidate:1 1 udp 2130706431 10.0.0.2 7000 typ host\r\n");
        var diagnosis = Exchange([new SignallingInput("sdp", sdp)],
            (Right, Left, IceMessages.Check(1, "lfrg:rfrg", LeftPassword, controlling: false)),
            (Left, Right, IceMessages.Success(1, Right, LeftPassword)));
        var finding = Assert.Single(diagnosis.Findings, f => f.Kind == "candidate-not-signalled");
        Assert.Equal(FindingSeverity.Note, finding.Severity);
        // Not trickled (no a=ice-options:trickle): a complete description, no end-of-candidates needed.
        Assert.DoesNotContain(diagnosis.Findings, f => f.Kind == "end-of-candidates-missing");
    }

    // ---- The signalling parser ----

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void An_adapter_log_gives_the_own_agent_and_the_told_peer_with_times()
    {
        var agents = SignallingReader.Read(new SignallingInput("a", Path.Combine(Corpus, "sig-trickled-late", "controlling.jsonl")));
        var own = Assert.Single(agents, a => a.View == SignalledView.Own);
        Assert.Equal(("PfXLmeCD", "controlling", true), (own.Ufrag, own.Role, own.EndOfCandidates));
        var told = Assert.Single(agents, a => a.View == SignalledView.Told);
        Assert.Equal(("c8AD", "controlled", true, true), (told.Ufrag, told.Role, told.Trickle, told.EndOfCandidates));
        var candidate = Assert.Single(told.Candidates);
        Assert.Equal(IPEndPoint.Parse("127.0.0.1:56564"), candidate.Address);
        Assert.Equal(new DateTime(2026, 12, 7, 3, 22, 12, 284, DateTimeKind.Utc), candidate.At!.Value.AddTicks(-(candidate.At.Value.Ticks % TimeSpan.TicksPerMillisecond)));
        Assert.EndsWith("controlling.jsonl:18", candidate.Origin, StringComparison.Ordinal);
    }

    [Fact]
    public void An_sdp_with_trickle_and_no_end_of_candidates_is_open()
    {
        var path = Write("t.sdp", "a=ice-options:trickle\na=ice-ufrag:abcd\na=ice-pwd:0123456789012345678901\na=candidate:1 1 udp 1 192.0.2.1 9 typ host\n");
        var agent = Assert.Single(SignallingReader.Read(new SignallingInput("t", path)));
        Assert.Equal((true, false, 1), (agent.Trickle, agent.EndOfCandidates, agent.Candidates.Count));
        Assert.Null(agent.Candidates[0].At);
    }

    [Theory]
    [InlineData("bad.jsonl", "{\"command\":\"gather\"}\nnot json\n", "bad.jsonl:2: not JSON")]
    [InlineData("bad.jsonl", "[1,2]\n", "bad.jsonl:1: not a JSON object")]
    [InlineData("bad.jsonl", "{\"command\":\"teleport\"}\n", "bad.jsonl:1: unknown command 'teleport'")]
    [InlineData("bad.jsonl", "{\"kind\":\"x\"}\n", "bad.jsonl:1: neither a \"command\" nor an \"event\"")]
    [InlineData("bad.jsonl", "{\"command\":\"remote-candidate\",\"line\":\"a=candidate:1 1 udp 1 192.0.2.1 9 typ host\"}\n", "bad.jsonl:1: a remote-candidate before any remote-description")]
    [InlineData("bad.jsonl", "{\"command\":\"remote-description\",\"ufrag\":\"abcd\",\"pwd\":\"0123456789012345678901\",\"candidates\":[\"a=candidate:x\"]}\n", "bad.jsonl:1: ")]
    [InlineData("bad.jsonl", "{\"command\":\"remote-description\",\"ufrag\":\"abcd\",\"pwd\":\"short\"}\n", "bad.jsonl:1: ")]
    [InlineData("bad.jsonl", "{\"command\":\"gather\",\"sentAt\":\"yesterday\"}\n", "bad.jsonl:1: \"sentAt\" is not an ISO 8601 time")]
    [InlineData("bad.jsonl", "{\"event\":\"local-description\",\"ufrag\":\"abcd\"}\n", "bad.jsonl:1: \"pwd\" missing")]
    [InlineData("bad.sdp", "v=0\na=ice-ufrag:abcd\nthis is not sdp\n", "bad.sdp:3: not an SDP line")]
    [InlineData("bad.sdp", "v=0\na=ice-ufrag:abcd\na=ice-pwd:0123456789012345678901\na=candidate:1 1 udp 1 192.0.2.1 99999 typ host\n", "bad.sdp:4: ")]
    [InlineData("bad.sdp", "v=0\na=candidate:1 1 udp 1 192.0.2.1 9 typ host\n", "bad.sdp: a=ice-ufrag missing")]
    [InlineData("bad.sdp", "v=0\ns=-\n", "bad.sdp: no a=ice-ufrag and a=ice-pwd")]
    public void A_bad_line_is_an_error_naming_the_file_and_line(string name, string text, string message)
    {
        var path = Write(name, text);
        var error = Assert.Throws<SignallingException>(() => SignallingReader.Read(new SignallingInput("x", path)));
        Assert.StartsWith(Path.Combine(_directory, message), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_cli_reads_signalling_and_rejects_a_bad_file()
    {
        var folder = Path.Combine(Corpus, "sig-wrong-password");
        var output = new StringWriter();
        var code = Cli.CliApp.Run(["diagnose", $"lo={Path.Combine(folder, "lo.pcapng")}", "--credentials", Path.Combine(folder, "credentials"),
            "--signalling", $"controlling={Path.Combine(folder, "controlling.jsonl")}", "--signalling", Path.Combine(folder, "controlled.jsonl")], new StringReader(""), output, TextWriter.Null);
        Assert.Equal(1, code);
        Assert.Contains("integrity-password-wrong", output.ToString());
        var bad = Write("bad.jsonl", "{nope\n");
        var error = new StringWriter();
        Assert.Equal(2, Cli.CliApp.Run(["diagnose", Path.Combine(folder, "lo.pcapng"), "--signalling", bad], new StringReader(""), TextWriter.Null, error));
        Assert.Contains($"{bad}:1: not JSON", error.ToString());
    }

    private static JsonObject With(JsonObject line, string field, JsonNode? value)
    {
        var copy = line.DeepClone().AsObject();
        copy[field] = value;
        return copy;
    }

    private static string Later(string time, double seconds) =>
        DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture).AddSeconds(seconds).UtcDateTime.ToString("O");

    private static string Render(DiagnosisReport diagnosis)
    {
        var text = new StringWriter();
        DiagnosisText.Write(text, diagnosis);
        return text.ToString();
    }
}
