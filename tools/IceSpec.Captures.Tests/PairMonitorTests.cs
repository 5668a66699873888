using System.Net;
using System.Text.RegularExpressions;
using IceSpec.Captures.Analysis;
using IceSpec.Captures.Credentials;

namespace IceSpec.Captures.Tests;

/// <summary>
/// The CandidatePair monitor can fail: hand-built exchanges between agent lfrg (Left) and agent rfrg (Right) where a pair
/// moves as RFC 8445 forbids are reported as refused by the machine, with the citation spec/ice.spec gives the state;
/// the same exchanges with what the RFC asks for in between are not.
/// </summary>
[Trait("Category", "unit")]
public class PairMonitorTests
{
    private static readonly IPEndPoint Left = IPEndPoint.Parse("10.0.0.1:5000");
    private static readonly IPEndPoint Right = IPEndPoint.Parse("10.0.0.2:6000");
    private const string LeftPassword = "lpassword-0123456789ab";
    private const string RightPassword = "rpassword-0123456789ab";
    private const int BadRequest = 400;

    private static readonly string IceSpecText = File.ReadAllText(Path.Combine(Frames.RepositoryRoot(), "spec", "ice.spec"));

    /// <summary>What spec/ice.spec cites for a state of CandidatePair: ("RFC 8445 §6.1.2.6", "a check has been sent …").</summary>
    private static (string Section, string Text) StateCitation(string state)
    {
        var machine = IceSpecText[IceSpecText.IndexOf("machine CandidatePair ", StringComparison.Ordinal)..];
        var citation = Regex.Match(machine, $@"state {state}\b[^""]*""([^""]*)""").Groups[1].Value;
        return SpecCitations.Split(citation);
    }

    private static AnalysisReport Analyze(params (double Seconds, IPEndPoint From, IPEndPoint To, byte[] Stun)[] messages)
    {
        var credentials = new CaptureCredentials();
        Assert.True(credentials.TryAddIce($"lfrg:{LeftPassword},rfrg:{RightPassword}", out _));
        var analyzer = new CaptureAnalyzer(credentials);
        var frame = 0;
        foreach (var (seconds, from, to, stun) in messages)
            analyzer.Add(new CapturedMessage(++frame, DateTime.UnixEpoch.AddSeconds(seconds), "udp", from, to, CapturedKind.Stun, stun));
        return analyzer.Finish(frame);
    }

    private static byte[] LeftCheck(byte id, bool useCandidate = false) => IceMessages.Check(id, "rfrg:lfrg", RightPassword, controlling: true, useCandidate);
    private static byte[] RightCheck(byte id) => IceMessages.Check(id, "lfrg:rfrg", LeftPassword, controlling: false);
    private static byte[] RightAnswers(byte id) => IceMessages.Success(id, Left, RightPassword);
    private static byte[] LeftAnswers(byte id) => IceMessages.Success(id, Right, LeftPassword);

    private static IcePairReport LeftPair(AnalysisReport report) => report.IceSessions.Single().Pairs.Single(p => p.Agent == "lfrg");

    [Fact]
    public void A_pair_that_failed_on_a_400_checked_again_without_a_check_from_the_peer_is_refused()
    {
        // RFC 8445 §7.2.5.2.4: the unrecoverable error fails the pair; only a check from the peer (§7.3.1.4) makes it Waiting again.
        var report = Analyze(
            (0.0, Left, Right, LeftCheck(1)), (0.1, Right, Left, IceMessages.Error(1, BadRequest, RightPassword)),
            (1.0, Left, Right, LeftCheck(2)));

        var violation = Assert.Single(report.Violations);
        Assert.Equal(("machine-refused", 3), (violation.Name, violation.Frame));
        Assert.Equal(StateCitation("Failed"), (violation.Section, violation.Text));
        Assert.Contains("CandidatePair", violation.Source);
        Assert.Contains("in state Failed refused CheckSent", violation.Detail);
        Assert.Contains("Failed accepts Retrigger", violation.Detail);   // ice.spec: Failed -> Waiting on Retrigger, nothing else
        Assert.Contains(StateCitation("Failed").Text, violation.Detail);
    }

    [Fact]
    public void A_pair_that_failed_on_a_400_checked_again_after_the_peers_check_is_not_refused()
    {
        var report = Analyze(
            (0.0, Left, Right, LeftCheck(1)), (0.1, Right, Left, IceMessages.Error(1, BadRequest, RightPassword)),
            (0.5, Right, Left, RightCheck(7)), (0.6, Left, Right, LeftAnswers(7)),
            (1.0, Left, Right, LeftCheck(2)), (1.1, Right, Left, RightAnswers(2)));

        Assert.Empty(report.Violations);
        Assert.Equal(["Frozen -> InProgress on CheckSent (frame 1)", "InProgress -> Failed on ErrorResponse (frame 2)",
            "Failed -> Waiting on Retrigger (frame 3)", "Waiting -> InProgress on CheckSent (frame 5)", "InProgress -> Succeeded on SuccessResponse (frame 6)"],
            LeftPair(report).Transitions);
    }

    [Fact]
    public void A_new_check_on_another_succeeded_pair_after_selection_is_refused_naming_the_guards()
    {
        // lfrg validates two pairs, nominates the first (RFC 8445 §8.1.1), then checks the second again: no triggered check
        // was queued, it does not nominate, and after selection data (and consent) go on the selected pair only (§12.1).
        var right2 = IPEndPoint.Parse("10.0.0.2:6001");
        var report = Analyze(
            (0.0, Left, Right, LeftCheck(1)), (0.1, Right, Left, RightAnswers(1)),
            (0.2, Left, right2, LeftCheck(2)), (0.3, right2, Left, RightAnswers(2)),
            (0.4, Left, Right, LeftCheck(3, useCandidate: true)), (0.5, Right, Left, RightAnswers(3)),
            (1.0, Left, right2, LeftCheck(4)));

        var violation = Assert.Single(report.Violations);
        Assert.Equal(7, violation.Frame);
        Assert.Equal(StateCitation("Succeeded"), (violation.Section, violation.Text));
        // The guards of ice.spec's CheckSent transitions from Succeeded, each named in the refusal.
        var guards = Regex.Matches(IceSpecText, @"Succeeded -> Succeeded on CheckSent when (\S+(?: > \d+)?)").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(3, guards.Count);
        Assert.All(guards, guard => Assert.Contains(guard, violation.Detail));
    }

    [Fact]
    public void Consent_checks_before_selection_a_nomination_and_consent_checks_after_are_not_refused()
    {
        // RFC 7675 §5.1 consent checks on a valid pair data may use before selection (RFC 8445 §12.1), the nomination
        // (§8.1.1: the check repeated with USE-CANDIDATE), then consent checks on the selected pair.
        var report = Analyze(
            (0.0, Left, Right, LeftCheck(1)), (0.1, Right, Left, RightAnswers(1)),
            (0.2, Left, Right, LeftCheck(2)), (0.3, Right, Left, RightAnswers(2)),
            (0.5, Left, Right, LeftCheck(3, useCandidate: true)), (0.6, Right, Left, RightAnswers(3)),
            (5.0, Left, Right, LeftCheck(4)), (5.1, Right, Left, RightAnswers(4)));

        Assert.Empty(report.Violations);
        Assert.Equal(6, LeftPair(report).NominatedFrame);
    }

    [Fact]
    public void A_check_cancelled_by_the_peers_check_that_is_never_answered_does_not_fail_the_pair()
    {
        // RFC 8445 §7.3.1.4: the In-Progress transaction is cancelled; the agent "will not treat the lack of response to be a failure".
        var report = Analyze(
            (0.0, Left, Right, LeftCheck(1)), (0.1, Right, Left, RightCheck(7)), (0.2, Left, Right, LeftAnswers(7)),
            (0.3, Left, Right, LeftCheck(2)), (0.4, Right, Left, RightAnswers(2)),
            (45.0, Right, IPEndPoint.Parse("10.0.0.1:5001"), RightCheck(8)));   // moves capture time past check 1's 39.5 s

        Assert.Equal("timed out", report.Transactions.Listed.Single(t => t.RequestFrame == 1).Outcome);
        Assert.Empty(report.Violations);
        Assert.Equal("Succeeded", LeftPair(report).State);
        Assert.Equal(0, LeftPair(report).Failures);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_consent_check_on_the_selected_pair_that_is_never_answered_is_no_pair_transition(bool repeatsUseCandidate)
    {
        // RFC 7675 §5.1: after a mid-call fault consent checks go unanswered and consent expires; the pair stays Succeeded.
        // libnice's consent checks repeat USE-CANDIDATE.
        var report = Analyze(
            (0.0, Left, Right, LeftCheck(1)), (0.1, Right, Left, RightAnswers(1)),
            (0.5, Left, Right, LeftCheck(2, useCandidate: true)), (0.6, Right, Left, RightAnswers(2)),
            (5.0, Left, Right, LeftCheck(3, useCandidate: repeatsUseCandidate)),
            (45.0, Right, IPEndPoint.Parse("10.0.0.1:5001"), RightCheck(8)));   // moves capture time past check 3's 39.5 s

        Assert.Equal("timed out", report.Transactions.Listed.Single(t => t.RequestFrame == 5).Outcome);
        Assert.Empty(report.Violations);
        Assert.Equal("Succeeded", LeftPair(report).State);
    }

    [Fact]
    public void An_unanswered_check_on_a_pair_that_was_never_valid_still_fails_it()
    {
        var report = Analyze((0.0, Left, Right, LeftCheck(1)), (45.0, Right, IPEndPoint.Parse("10.0.0.1:5001"), RightCheck(8)));
        Assert.Empty(report.Violations);
        Assert.Equal("Failed", LeftPair(report).State);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_peers_check_the_agent_answers_only_after_its_own_check_retriggers_that_check(bool answeredAfterTheCheck)
    {
        // The peer's check 8 arrives while the pair is Waiting (check 7 retriggered it). When the agent answers it only after
        // sending its triggered check 2, it processed it then: In-Progress, so it cancels 2 and checks again (RFC 8445
        // §7.3.1.4) — check 3 is that retrigger's. When it answered 8 before sending 2, nothing retriggered 2: 3 is refused.
        (double, IPEndPoint, IPEndPoint, byte[])[] early = [(0.21, Left, Right, LeftAnswers(8)), (0.22, Left, Right, LeftCheck(2))];
        (double, IPEndPoint, IPEndPoint, byte[])[] late = [(0.21, Left, Right, LeftCheck(2)), (0.22, Left, Right, LeftAnswers(8))];
        var report = Analyze([
            (0.0, Left, Right, LeftCheck(1)), (0.1, Right, Left, RightCheck(7)), (0.15, Left, Right, LeftAnswers(7)),
            (0.2, Right, Left, RightCheck(8)), .. answeredAfterTheCheck ? late : early,
            (0.3, Left, Right, LeftCheck(3)), (0.4, Right, Left, RightAnswers(3))]);

        if (answeredAfterTheCheck) Assert.Empty(report.Violations);
        else Assert.Equal(("machine-refused", 7), (Assert.Single(report.Violations).Name, report.Violations[0].Frame));
    }
}
