using System.Net;
using IceSpec.Captures.Credentials;
using IceSpec.Captures.Diagnosis;

namespace IceSpec.Captures.Tests;

/// <summary>
/// The evidence and pair outcomes of <c>icespec diagnose</c> on small synthetic sessions written as pcap files: agent A
/// (ufrag AAAA at 10.0.0.1:1000) checks agent B (BBBB at 10.0.0.2:2000); each capture is A's host ("a", messages A sends
/// with TTL 64, those it receives lower), B's host ("b") or a router ("pub"). Each test changes one sighting from its
/// neighbour and the outcome changes with it.
/// </summary>
[Trait("Category", "unit")]
public sealed class DiagnosisPairTests : IDisposable
{
    private const string PasswordA = "AgentAPasswordAAAAAAAAAA", PasswordB = "AgentBPasswordBBBBBBBBBB";
    private static readonly IPEndPoint A = IPEndPoint.Parse("10.0.0.1:1000"), B = IPEndPoint.Parse("10.0.0.2:2000");
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-diagnose-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed record Seen(string Capture, double Seconds, IPEndPoint From, IPEndPoint To, byte[] Message, byte Ttl);

    private static byte[] CheckFromA(byte id, bool useCandidate = false) => IceMessages.Check(id, "BBBB:AAAA", PasswordB, controlling: true, useCandidate);
    private static byte[] CheckFromB(byte id) => IceMessages.Check(id, "AAAA:BBBB", PasswordA, controlling: false);

    private DiagnosisReport Diagnose(params Seen[] seen) => DiagnoseWith([], seen);

    private DiagnosisReport DiagnoseWith(IReadOnlyList<SignallingInput> signalling, params Seen[] seen)
    {
        var inputs = new List<DiagnosisInput>();
        foreach (var capture in seen.GroupBy(s => s.Capture))
        {
            var path = Path.Combine(_directory, capture.Key + ".pcap");
            Frames.WritePcap(path, capture.OrderBy(s => s.Seconds).Select(s => (s.Seconds, Frames.Udp(s.From, s.To, s.Message, s.Ttl))));
            inputs.Add(new DiagnosisInput(capture.Key, path));
        }
        var credentials = new CaptureCredentials();
        Assert.True(credentials.TryAddIce($"AAAA:{PasswordA},BBBB:{PasswordB}", out var error), error);
        return Diagnoser.Diagnose(inputs, credentials, signalling);
    }

    private static PairOutcome PairOf(DiagnosisReport diagnosis, string agent) => diagnosis.Pairs.Single(p => p.Agent == agent);

    // B's own check, captured on B's host: it makes "b" B's home capture.
    private static Seen BChecks(double at = 0.01) => new("b", at, B, A, CheckFromB(9), 64);

    [Fact]
    public void A_check_its_receivers_capture_never_saw_left_and_never_arrived()
    {
        var diagnosis = Diagnose(
            new("a", 0, A, B, CheckFromA(1), 64), new("a", 0.5, A, B, CheckFromA(1), 64), new("a", 1.5, A, B, CheckFromA(1), 64),
            BChecks());

        var pair = PairOf(diagnosis, "AAAA");
        Assert.Equal("left-never-arrived", pair.Outcome);
        Assert.Contains("sent 3 times", pair.Detail);
        Assert.Equal("failed: no pair succeeded", diagnosis.Summary);
        var finding = Assert.Single(diagnosis.Findings);
        Assert.Equal("no-pair-succeeded", finding.Kind);
        Assert.Equal(FindingSeverity.Cause, finding.Severity);
        Assert.Contains(new FrameRef("a", 1), finding.Frames);
    }

    [Fact]
    public void The_same_check_seen_on_the_receivers_host_arrived_and_was_not_answered()
    {
        var diagnosis = Diagnose(new("a", 0, A, B, CheckFromA(1), 64), new("b", 0.02, A, B, CheckFromA(1), 62), BChecks());
        Assert.Equal("arrived-no-answer", PairOf(diagnosis, "AAAA").Outcome);
    }

    [Fact]
    public void An_answer_that_left_the_receiver_and_never_reached_the_checking_agent_is_lost()
    {
        var diagnosis = Diagnose(new("a", 0, A, B, CheckFromA(1), 64), new("b", 0.02, A, B, CheckFromA(1), 62),
            new("b", 0.021, B, A, IceMessages.Success(1, A, PasswordB), 64), BChecks());
        Assert.Equal("answer-lost", PairOf(diagnosis, "AAAA").Outcome);
    }

    [Fact]
    public void From_the_senders_capture_alone_an_unanswered_check_cannot_be_placed()
    {
        var diagnosis = Diagnose(new Seen("a", 0, A, B, CheckFromA(1), 64));
        Assert.Equal("left-no-answer", PairOf(diagnosis, "AAAA").Outcome);
    }

    [Fact]
    public void Answered_checks_succeed_and_a_nominated_pair_is_connected()
    {
        var diagnosis = Diagnose(new("a", 0, A, B, CheckFromA(1, useCandidate: true), 64), new("a", 0.02, B, A, IceMessages.Success(1, A, PasswordB), 62));
        var pair = PairOf(diagnosis, "AAAA");
        Assert.Equal("succeeded", pair.Outcome);
        Assert.True(pair.Nominated);
        Assert.StartsWith("connected: AAAA nominated 10.0.0.1:1000 → 10.0.0.2:2000", diagnosis.Summary);
        Assert.Empty(diagnosis.Findings);
    }

    [Fact]
    public void An_answer_from_another_port_is_non_symmetric_and_an_error_answer_is_named()
    {
        var other = IPEndPoint.Parse("10.0.0.2:2001");
        var nonSymmetric = Diagnose(new("a", 0, A, B, CheckFromA(1), 64), new("a", 0.02, other, A, IceMessages.Success(1, A, PasswordB), 62));
        Assert.Equal("non-symmetric", PairOf(nonSymmetric, "AAAA").Outcome);
        var error = Diagnose(new("a", 0, A, B, CheckFromA(1), 64), new("a", 0.02, B, A, IceMessages.Error(1, 487, PasswordB), 62));
        Assert.Equal("error 487", PairOf(error, "AAAA").Outcome);
    }

    [Fact]
    public void A_router_capture_keeps_one_copy_of_a_forwarded_datagram_but_every_retransmission()
    {
        var diagnosis = Diagnose(new("pub", 0, A, B, CheckFromA(1), 63), new("pub", 0.000005, A, B, CheckFromA(1), 62),
            new("pub", 0.5, A, B, CheckFromA(1), 63), new("pub", 0.500005, A, B, CheckFromA(1), 62));
        Assert.Contains("sent 2 times", PairOf(diagnosis, "AAAA").Detail);
    }

    [Fact]
    public void Captures_with_clocks_5_s_apart_are_aligned_by_the_transactions_both_saw()
    {
        // b's clock runs 5 s ahead: A's check leaves at a=0 and arrives at b=5.020; B's check leaves at b=5.010, arrives at a=0.030.
        var diagnosis = Diagnose(new("a", 0, A, B, CheckFromA(1), 64), new("b", 5.020, A, B, CheckFromA(1), 62),
            new("b", 5.010, B, A, CheckFromB(9), 64), new("a", 0.030, B, A, CheckFromB(9), 62));
        var note = Assert.Single(diagnosis.Notes);
        Assert.Equal("b: clock 5000 ms ahead of a's (aligned by transaction IDs)", note);
    }

    [Fact]
    public void Captures_of_one_clock_are_left_as_they_are()
    {
        var diagnosis = Diagnose(new("a", 0, A, B, CheckFromA(1), 64), new("b", 0.020, A, B, CheckFromA(1), 62),
            new("b", 0.010, B, A, CheckFromB(9), 64), new("a", 0.030, B, A, CheckFromB(9), 62));
        Assert.Empty(diagnosis.Notes);
    }

    /// <summary>B's description as A was given it (an SDP): its host address and a second one A never checks.</summary>
    private SignallingInput BDescription()
    {
        var path = Path.Combine(_directory, "b.sdp");
        File.WriteAllText(path, $"a=ice-ufrag:BBBB\na=ice-pwd:{PasswordB}\na=candidate:1 1 UDP 2130706431 10.0.0.2 2000 typ host\na=candidate:2 1 UDP 2130706175 10.0.0.9 3000 typ host\n");
        return new SignallingInput("b", path);
    }

    [Fact]
    public void In_a_failed_session_a_signalled_candidate_never_checked_is_a_request_that_never_left()
    {
        var diagnosis = DiagnoseWith([BDescription()], new Seen("a", 0, A, B, CheckFromA(1), 64), BChecks());
        var never = Assert.Single(diagnosis.Pairs, p => p.Outcome == "never-sent");
        Assert.Equal(("AAAA", "10.0.0.9:3000"), (never.Agent, never.Remote));
        Assert.Contains("1 signalled and never checked", diagnosis.Findings.Single(f => f.Kind == "no-pair-succeeded").Verdict);
    }

    [Fact]
    public void Once_a_pair_succeeded_candidates_left_unchecked_are_not_listed()
    {
        var diagnosis = DiagnoseWith([BDescription()], new Seen("a", 0, A, B, CheckFromA(1, useCandidate: true), 64), new Seen("a", 0.02, B, A, IceMessages.Success(1, A, PasswordB), 62));
        Assert.DoesNotContain(diagnosis.Pairs, p => p.Outcome == "never-sent");
    }
}
