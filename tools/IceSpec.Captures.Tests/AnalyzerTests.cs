using System.Net;
using IceSpec.Captures.Analysis;
using IceSpec.Captures.Credentials;

namespace IceSpec.Captures.Tests;

/// <summary>The analyzer on hand-built exchanges: retransmissions, timeouts (RFC 8489 §6.2.1) driving the pair machine, RTT.</summary>
[Trait("Category", "unit")]
public class AnalyzerTests
{
    private static readonly IPEndPoint Left = IPEndPoint.Parse("10.0.0.1:5000");
    private static readonly IPEndPoint Right = IPEndPoint.Parse("10.0.0.2:6000");
    private const string RightPassword = "rpassword-0123456789ab";

    private static AnalysisReport Analyze(params (double Seconds, IPEndPoint From, IPEndPoint To, byte[] Stun)[] messages)
    {
        var analyzer = new CaptureAnalyzer(new CaptureCredentials());
        var frame = 0;
        foreach (var (seconds, from, to, stun) in messages)
            analyzer.Add(new CapturedMessage(++frame, DateTime.UnixEpoch.AddSeconds(seconds), "udp", from, to, CapturedKind.Stun, stun));
        return analyzer.Finish(frame);
    }

    [Fact]
    public void Retransmitted_check_without_response_times_out_after_39_point_5_seconds_and_fails_the_pair()
    {
        var check = IceMessages.Check(1, "rfrg:lfrg", RightPassword, controlling: true);
        // The last message only moves capture time on; sent to another port of Left, it retriggers none of lfrg's pairs.
        var report = Analyze(
            (0.0, Left, Right, check), (0.5, Left, Right, check), (1.5, Left, Right, check),
            (45.0, Right, IPEndPoint.Parse("10.0.0.1:5001"), IceMessages.Check(2, "lfrg:rfrg", "x", controlling: false)));

        Assert.Equal(2, report.Transactions.Count);
        Assert.Equal(1, report.Transactions.Retransmitted);
        Assert.Equal(2, report.Transactions.Unanswered); // one timed out, one still open at the end
        var listed = report.Transactions.Listed.Single(t => t.RequestFrame == 1);
        Assert.Equal(2, listed.Retransmissions);
        Assert.Equal("timed out", listed.Outcome);
        var pair = report.IceSessions.Single().Pairs.Single(p => p.Agent == "lfrg");
        Assert.Equal("Failed", pair.State);
        Assert.Equal(["Frozen -> InProgress on CheckSent (frame 1)", "InProgress -> Failed on Timeout (frame 1)"], pair.Transitions);
    }

    [Fact]
    public void Response_to_a_retransmission_measures_rtt_from_the_first_transmission()
    {
        var check = IceMessages.Check(3, "rfrg:lfrg", RightPassword, controlling: true, useCandidate: true);
        var report = Analyze((0.0, Left, Right, check), (0.5, Left, Right, check), (0.6, Right, Left, IceMessages.Success(3, Left, RightPassword)));

        var transaction = Assert.Single(report.Transactions.Listed);
        Assert.Equal(600, transaction.RttMs);
        Assert.Equal(1, transaction.Retransmissions);
        var session = Assert.Single(report.IceSessions);
        Assert.Equal("10.0.0.1:5000 -> 10.0.0.2:6000 (nominated by lfrg, frame 3)", session.SelectedPair);
        Assert.Empty(report.Violations);
    }

    [Fact]
    public void Duplicate_response_to_an_answered_check_is_not_matched_again()
    {
        var success = IceMessages.Success(5, Left, RightPassword);
        var report = Analyze((0.0, Left, Right, IceMessages.Check(5, "rfrg:lfrg", RightPassword, controlling: true)),
            (0.1, Right, Left, success), (0.2, Right, Left, success));

        Assert.Equal((1, 1, 0), (report.Transactions.Count, report.Transactions.Answered, report.Transactions.Unanswered));
        Assert.Equal(2, Assert.Single(report.Transactions.Listed).ResponseFrame);
        Assert.Empty(report.Violations);
    }

    [Fact]
    public void Transaction_id_used_again_after_the_answered_one_aged_out_is_a_new_transaction()
    {
        var check = IceMessages.Check(6, "rfrg:lfrg", RightPassword, controlling: true);
        var report = Analyze((0.0, Left, Right, check), (0.1, Right, Left, IceMessages.Success(6, Left, RightPassword)),
            (30.0, Left, Right, check), (50.0, Right, Left, IceMessages.Check(7, "lfrg:rfrg", "x", controlling: false)));

        // The request at 30 s is a new transaction (its predecessor was answered); the entry the first request left in
        // the age queue expires at 39.5 s without taking the new one with it: it stays open to the end.
        Assert.Equal((3, 1, 0), (report.Transactions.Count, report.Transactions.Answered, report.Transactions.Retransmitted));
        Assert.Equal(["success", "unanswered at end of capture", "unanswered at end of capture"],
            report.Transactions.Listed.OrderBy(t => t.RequestFrame).Select(t => t.Outcome));
    }

    [Fact]
    public void Username_without_colon_is_a_violation_citing_rfc8445()
    {
        var report = Analyze((0.0, Left, Right, IceMessages.Check(4, "nocolon", RightPassword, controlling: true)));
        var violation = Assert.Single(report.Violations);
        Assert.Equal("username-not-remote-local", violation.Name);
        Assert.Equal("RFC 8445 §7.2.2", violation.Section);
        Assert.Equal("the request MUST include a USERNAME attribute in the form RFRAG:LFRAG", violation.Text);
    }

    [Fact]
    public void Usernames_that_do_not_mirror_are_a_violation_unless_an_ice_restart_changed_both_ufrags()
    {
        static bool Mirrors(AnalysisReport report) => !report.Violations.Any(v => v.Name == "username-not-remote-local");
        // RFC 8445 §7.2.2: "RFRAG:LFRAG" one way, "LFRAG:RFRAG" the other.
        Assert.True(Mirrors(Analyze((0.0, Left, Right, IceMessages.Check(8, "rfrg:lfrg", "x", controlling: true)),
            (0.1, Right, Left, IceMessages.Check(9, "lfrg:rfrg", "x", controlling: false)))));
        Assert.False(Mirrors(Analyze((0.0, Left, Right, IceMessages.Check(8, "rfrg:lfrg", "x", controlling: true)),
            (0.1, Right, Left, IceMessages.Check(9, "rfrg:lfrg", "x", controlling: false)))));   // one side swapped them
        Assert.False(Mirrors(Analyze((0.0, Left, Right, IceMessages.Check(8, "rfrg:lfrg", "x", controlling: true)),
            (0.1, Right, Left, IceMessages.Check(9, "lfrg:other", "x", controlling: false)))));  // names another agent
        // RFC 8445 §9: after a restart both agents have new ufrags; the last check the other way is of the old generation.
        Assert.True(Mirrors(Analyze((0.0, Left, Right, IceMessages.Check(8, "rfrg:lfrg", "x", controlling: true)),
            (0.1, Right, Left, IceMessages.Check(9, "lfrg:rfrg", "x", controlling: false)),
            (5.0, Left, Right, IceMessages.Check(10, "rnew:lnew", "x", controlling: true)),
            (5.1, Right, Left, IceMessages.Check(11, "lnew:rnew", "x", controlling: false)))));
    }
}
