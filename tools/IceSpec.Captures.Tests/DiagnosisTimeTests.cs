using System.Net;
using IceSpec.Captures.Credentials;
using IceSpec.Captures.Diagnosis;
using IceSpec.Captures.Diagnosis.Rules;
using SharpPcap;
using SharpPcap.LibPcap;

namespace IceSpec.Captures.Tests;

/// <summary>
/// Where the time went and liveness afterwards (issue 19): the phase breakdown, <see cref="TimeFindings"/> and
/// <see cref="LivenessFindings"/>. Each finding is shown firing on a synthetic session that has the stall and not firing
/// on the same session without it (the doctored evidence that a rule without its key condition would get wrong); the
/// corpus cases (pcaps/diagnose/time-*, live-*, run by <see cref="DiagnosisCorpusTests"/>) show them on real captures.
/// </summary>
[Trait("Category", "unit")]
public sealed class DiagnosisTimeTests : IDisposable
{
    private sealed record Agent(string Ufrag, string Password, IPEndPoint Address, bool Controlling);

    private static readonly IPEndPoint Server = new(IPAddress.Parse("203.0.113.1"), 3478);
    private static readonly Agent L = new("LLLL", "LeftPassword0123456789ab", new(IPAddress.Parse("10.0.0.1"), 1000), true);
    private static readonly Agent R = new("RRRR", "RightPassword0123456789a", new(IPAddress.Parse("10.0.0.2"), 2000), false);
    private static readonly Agent L2 = L with { Ufrag = "LNEW", Password = "LeftPasswordNew012345678" };
    private static readonly Agent R2 = R with { Ufrag = "RNEW", Password = "RightPasswordNew01234567" };

    private readonly List<string> _files = [];

    public void Dispose()
    {
        foreach (var file in _files) File.Delete(file);
    }

    /// <summary>
    /// A session captured on both hosts: each frame in its sender's capture ("l" for L's address, "r" for R's; IP TTL 64)
    /// and, unless lost, in its receiver's (TTL 63, one hop on); the STUN server's frames only where they arrive or leave.
    /// </summary>
    private sealed class Session
    {
        private readonly List<(double Ms, IPEndPoint From, IPEndPoint To, byte[] Frame, bool Lost)> _frames = [];
        private byte _id = 1;

        public byte NextId => _id++;

        public Session Udp(double ms, IPEndPoint from, IPEndPoint to, byte[] payload, bool lost = false)
        {
            _frames.Add((ms, from, to, Frames.Udp(from, to, payload), lost));
            return this;
        }

        /// <summary>A check from <paramref name="from"/> to <paramref name="to"/> (USERNAME "TO:FROM", RFC 8445 §7.2.2), from the given addresses; <paramref name="lost"/>: it never arrives.</summary>
        public Session Check(double ms, byte id, Agent from, Agent to, bool useCandidate = false, IPEndPoint? source = null, IPEndPoint? destination = null, bool lost = false) =>
            Udp(ms, source ?? from.Address, destination ?? to.Address, IceMessages.Check(id, $"{to.Ufrag}:{from.Ufrag}", to.Password, from.Controlling, useCandidate), lost);

        public Session Success(double ms, byte id, Agent responder, Agent requester, IPEndPoint? source = null, IPEndPoint? destination = null) =>
            Udp(ms, source ?? responder.Address, destination ?? requester.Address, IceMessages.Success(id, destination ?? requester.Address, responder.Password));

        public Session Error(double ms, byte id, Agent responder, Agent requester, int code) =>
            Udp(ms, responder.Address, requester.Address, IceMessages.Error(id, code, responder.Password));

        /// <summary>A check and its success answer one ms later.</summary>
        public Session Exchange(double ms, Agent from, Agent to, bool useCandidate = false)
        {
            var id = NextId;
            return Check(ms, id, from, to, useCandidate).Success(ms + 1, id, to, from);
        }

        /// <summary>Application data (first byte 0x80: neither STUN nor ChannelData, RFC 7983).</summary>
        public Session Data(double ms, Agent from, Agent to) => Udp(ms, from.Address, to.Address, [0x80, 0x60, 0, 1, 2, 3, 4, 5]);

        /// <summary>
        /// The clean start: R's check answered, L's check answered (the first valid pair at 3 ms), L nominates
        /// <paramref name="nominateAfter"/> ms later (regular nomination), data both ways 10 ms after.
        /// </summary>
        public static Session Connected(double nominateAfter = 20) =>
            new Session().Exchange(0, R, L).Exchange(2, L, R).Exchange(3 + nominateAfter, L, R, useCandidate: true)
                .Data(14 + nominateAfter, L, R).Data(15 + nominateAfter, R, L);

        private static string? Side(IPEndPoint address) =>
            address.Equals(Server) ? null : address.Address.Equals(L.Address.Address) ? "l" : "r";

        /// <summary>Writes the two captures; returns them as diagnosis inputs.</summary>
        public IReadOnlyList<DiagnosisInput> Write(List<string> files) =>
        [
            .. new[] { "l", "r" }.Select(side =>
            {
                var path = Path.Combine(Path.GetTempPath(), $"diagnosis-time-{side}-{Guid.NewGuid():N}.pcap");
                files.Add(path);
                using var writer = new CaptureFileWriterDevice(path);
                writer.Open(new DeviceConfiguration { LinkLayerType = PacketDotNet.LinkLayers.Ethernet });
                foreach (var (ms, from, to, frame, lost) in _frames.OrderBy(f => f.Ms))
                {
                    var sent = Side(from) == side;
                    if (!sent && (lost || Side(to) != side)) continue;
                    var copy = (byte[])frame.Clone();
                    if (!sent) copy[14 + 8] = 63; // the IPv4 TTL one hop on: captured at the receiver
                    var micros = 1_700_000_000_000_000L + (long)Math.Round(ms * 1000);
                    writer.Write(new RawCapture(PacketDotNet.LinkLayers.Ethernet, new PosixTimeval((ulong)(micros / 1_000_000), (ulong)(micros % 1_000_000)), copy));
                }
                return new DiagnosisInput(side, path);
            }),
        ];
    }

    private DiagnosisReport Diagnose(Session session)
    {
        var credentials = new CaptureCredentials();
        foreach (var agent in new[] { L, R, L2, R2 }) Assert.True(credentials.TryAddIce($"{agent.Ufrag}:{agent.Password}", out var error), error);
        return Diagnoser.Diagnose(session.Write(_files), credentials);
    }

    private static IReadOnlyList<Finding> Kind(DiagnosisReport diagnosis, string kind) => [.. diagnosis.Findings.Where(f => f.Kind == kind)];

    private static readonly string[] Mine =
    [
        "checks-held-back-by-gathering", "nomination-delayed", "check-retransmissions", "checks-retransmitted-early", "checks-paced-too-fast", "checks-paced-slowly",
        "slow-first-answer", "consent-lost", "sent-after-consent-expired", "consent-interval", "keepalive-gap", "ice-restart", "ice-restart-failed",
    ];

    private static void NoneOfMine(DiagnosisReport diagnosis) =>
        Assert.True(!diagnosis.Findings.Any(f => Mine.Contains(f.Kind)), string.Join("\n", diagnosis.Findings.Select(f => $"{f.Kind}: {f.Verdict}")));

    [Fact]
    public void Clean_session_has_phases_and_no_time_or_liveness_finding()
    {
        var session = Session.Connected();
        for (var s = 5; s <= 40; s += 5) session.Exchange(25 + s * 1000, L, R).Exchange(26 + s * 1000 + 500, R, L);
        var diagnosis = Diagnose(session);
        NoneOfMine(diagnosis);
        var left = Assert.Single(diagnosis.Phases, p => p.Agent == "LLLL");
        Assert.Equal("controlling", left.Role);
        Assert.Equal(["first check", "first success", "nomination", "first data", "consent"], left.Phases.Select(p => p.Name));
        var nomination = left.Phases.Single(p => p.Name == "nomination");
        Assert.Equal(23, nomination.StartMs);
        Assert.Equal(24, nomination.EndMs);
        Assert.Equal(5025, left.Phases.Single(p => p.Name == "consent").StartMs);
        var data = left.Phases.Single(p => p.Name == "first data");
        Assert.Equal((34, 35), (data.StartMs, data.EndMs)); // L's first datagram, then R's back
        var text = new StringWriter();
        DiagnosisText.Write(text, diagnosis);
        Assert.Contains("phases of LLLL (controlling)", text.ToString());
    }

    [Fact]
    public void Nomination_delayed_fires_beyond_three_ta_only()
    {
        var late = Assert.Single(Kind(Diagnose(Session.Connected(nominateAfter: 600)), "nomination-delayed"));
        Assert.Equal("RFC 8445 §8.1.1", late.Section);
        Assert.Equal(FindingSeverity.Delay, late.Severity);
        Assert.Contains("nominated 600 ms after its first valid pair", late.Verdict);
        Assert.Equal([new FrameRef("l", 4), new FrameRef("l", 5)], late.Frames);
        Assert.Empty(Kind(Diagnose(Session.Connected(nominateAfter: 100)), "nomination-delayed"));
    }

    [Fact]
    public void Retransmissions_fire_when_a_success_came_only_after_one()
    {
        // L's check lost once: sent at 2 and 502 ms, answered at 503 ms.
        var lossy = new Session().Exchange(0, R, L).Check(2, 50, L, R, lost: true).Check(502, 50, L, R).Success(503, 50, R, L).Exchange(600, L, R, useCandidate: true);
        var finding = Assert.Single(Kind(Diagnose(lossy), "check-retransmissions"));
        Assert.Equal("RFC 8445 §14.3, RFC 8489 §6.2.1", finding.Section);
        Assert.Contains("1 retransmission", finding.Verdict);
        Assert.Equal([new FrameRef("l", 3), new FrameRef("l", 4), new FrameRef("l", 5)], finding.Frames); // first transmission, last, the answer
        // Not lost but held: every transmission arrived (R's capture) and R answered only the second — a slow answer.
        var held = Diagnose(new Session().Exchange(0, R, L).Check(2, 50, L, R).Check(502, 50, L, R).Success(503, 50, R, L).Exchange(600, L, R, useCandidate: true));
        Assert.Empty(Kind(held, "check-retransmissions"));
        Assert.Single(Kind(held, "slow-first-answer"));
        // The doctored counterpart: the same check answered before any retransmission.
        Assert.Empty(Kind(Diagnose(new Session().Exchange(0, R, L).Check(2, 50, L, R).Success(3, 50, R, L).Exchange(600, L, R, useCandidate: true)), "check-retransmissions"));
        // Retransmitted and answered with an error every time: the credentials' problem, not loss.
        var unauthorized = new Session().Exchange(0, R, L).Check(2, 50, L, R).Error(3, 50, R, L, 401).Check(502, 50, L, R).Error(503, 50, R, L, 401);
        Assert.Empty(Kind(Diagnose(unauthorized), "check-retransmissions"));
    }

    [Fact]
    public void A_check_sent_again_before_the_500_ms_rto_floor_is_retransmitted_early()
    {
        // L's check sent at 2 ms and again at 60 ms (as werift does), answered at 61 ms.
        var hasty = new Session().Exchange(0, R, L).Check(2, 50, L, R).Check(60, 50, L, R).Success(61, 50, R, L).Exchange(100, L, R, useCandidate: true);
        var finding = Assert.Single(Kind(Diagnose(hasty), "checks-retransmitted-early"));
        Assert.Equal(("RFC 8445 §14.3", FindingSeverity.Defect), (finding.Section, finding.Severity));
        Assert.Equal([new FrameRef("l", 3), new FrameRef("l", 4)], finding.Frames);
        Assert.Contains("LLLL (controlling) retransmitted 1 check after 58–58 ms, below the 500 ms RTO floor", finding.Verdict);
        // The same retransmission at the floor (500 ms later) is no finding.
        var paced = new Session().Exchange(0, R, L).Check(2, 50, L, R).Check(502, 50, L, R).Success(503, 50, R, L).Exchange(600, L, R, useCandidate: true);
        Assert.Empty(Kind(Diagnose(paced), "checks-retransmitted-early"));
    }

    /// <summary>L checks four of R's addresses, the first checks <paramref name="gap"/> ms apart.</summary>
    private static Session FourPairs(double gap)
    {
        var session = new Session();
        for (var i = 0; i < 4; i++)
        {
            var id = session.NextId;
            var to = new IPEndPoint(IPAddress.Parse($"10.0.0.{2 + i}"), 2000);
            session.Check(i * gap, id, L, R, destination: to).Success(i * gap + 1, id, R, L, source: to);
        }
        return session.Exchange(4 * gap + 100, L, R, useCandidate: true);
    }

    [Fact]
    public void Pacing_findings_fire_outside_ta()
    {
        var fast = Assert.Single(Kind(Diagnose(FourPairs(0.2)), "checks-paced-too-fast"));
        Assert.Equal("RFC 8445 §14.2", fast.Section);
        Assert.Equal(FindingSeverity.Defect, fast.Severity);
        var slow = Assert.Single(Kind(Diagnose(FourPairs(250)), "checks-paced-slowly"));
        Assert.Contains("250 ms apart", slow.Verdict);
        var paced = Diagnose(FourPairs(TimeFindings.TaMs));
        Assert.Empty(Kind(paced, "checks-paced-too-fast"));
        Assert.Empty(Kind(paced, "checks-paced-slowly"));
    }

    [Fact]
    public void Slow_first_answer_fires_when_the_receiver_held_the_check()
    {
        Session Held(double answerAfter) => new Session().Check(0, 60, R, L).Success(answerAfter, 60, L, R).Exchange(answerAfter + 2, L, R, useCandidate: true);
        var slow = Assert.Single(Kind(Diagnose(Held(300)), "slow-first-answer"));
        Assert.Equal("RFC 8445 §7.3", slow.Section);
        Assert.Contains("LLLL (controlling) answered the check from 10.0.0.2:2000 300 ms after it arrived", slow.Verdict);
        Assert.Empty(Kind(Diagnose(Held(20)), "slow-first-answer"));
    }

    [Fact]
    public void Checks_held_back_by_gathering_fires_when_checks_follow_a_slow_gathering()
    {
        // L's STUN server never answers: 0, 500, 1500 ms, given up ~3.5 s; the checks start right after.
        Session Gathering(bool answered, double checksAt)
        {
            var session = new Session().Udp(0, L.Address, Server, Frames.Stun(0x0001, 200));
            if (answered) session.Udp(5, Server, L.Address, Frames.Stun(0x0101, 200));
            else session.Udp(500, L.Address, Server, Frames.Stun(0x0001, 200)).Udp(1500, L.Address, Server, Frames.Stun(0x0001, 200));
            return session.Exchange(checksAt, L, R, useCandidate: true).Exchange(checksAt + 3, R, L);
        }
        var held = Assert.Single(Kind(Diagnose(Gathering(false, 3550)), "checks-held-back-by-gathering"));
        Assert.Equal("RFC 8445 §5.1.1, RFC 8838 §2", held.Section);
        Assert.Equal([new FrameRef("l", 1), new FrameRef("l", 3), new FrameRef("l", 4)], held.Frames);
        Assert.Empty(Kind(Diagnose(Gathering(true, 50)), "checks-held-back-by-gathering"));
        // Checks long after gathering ended waited for something else (the peer's description, a restart).
        Assert.Empty(Kind(Diagnose(Gathering(false, 9000)), "checks-held-back-by-gathering"));
    }

    /// <summary>Connected at 24 ms; L's consent checks every <paramref name="every"/> ms until <paramref name="until"/>, answered until <paramref name="answeredUntil"/>; data from L every second until <paramref name="dataUntil"/>.</summary>
    private static Session Consent(double every = 5000, double until = 45_000, double answeredUntil = double.MaxValue, double dataUntil = 0)
    {
        var session = Session.Connected();
        for (var t = 24 + every; t <= until; t += every)
        {
            var id = session.NextId;
            session.Check(t, id, L, R);
            if (t <= answeredUntil) session.Success(t + 1, id, R, L);
        }
        for (var t = 1000.0; t <= dataUntil; t += 1000) session.Data(t, L, R);
        return session;
    }

    [Fact]
    public void Consent_lost_fires_when_checks_go_unanswered_to_the_end()
    {
        var lost = Assert.Single(Kind(Diagnose(Consent(answeredUntil: 6000, dataUntil: 35_000)), "consent-lost"));
        Assert.Equal(FindingSeverity.Cause, lost.Severity);
        Assert.Equal("RFC 7675 §5.1", lost.Section);
        Assert.Contains("consent expired at 35.0 s", lost.Verdict);
        var late = Assert.Single(Kind(Diagnose(Consent(answeredUntil: 6000, dataUntil: 39_000)), "sent-after-consent-expired"));
        Assert.Contains("3 datagrams", late.Verdict);
        Assert.Empty(Kind(Diagnose(Consent(answeredUntil: 6000, dataUntil: 35_000)), "sent-after-consent-expired"));
        // Answered to the end, or one lost answer: consent holds.
        NoneOfMine(Diagnose(Consent(dataUntil: 38_000)));
        Assert.Empty(Kind(Diagnose(Consent(answeredUntil: 41_000)), "consent-lost"));
        // The capture ends before the 30 s expiry: consent failing, not yet lost (a Delay, not the Cause).
        Assert.Equal(FindingSeverity.Delay, Assert.Single(Kind(Diagnose(Consent(until: 20_000, answeredUntil: 6000)), "consent-lost")).Severity);
        // … unless the peer is still heard on the pair: its data arrive, the checks or their answers were lost (a lossy path).
        var lossy = Consent(until: 20_000, answeredUntil: 6000);
        for (var t = 7000.0; t <= 20_000; t += 1000) lossy.Data(t, R, L);
        Assert.Empty(Kind(Diagnose(lossy), "consent-lost"));
    }

    [Fact]
    public void Consent_interval_fires_outside_four_to_six_seconds()
    {
        var fast = Assert.Single(Kind(Diagnose(Consent(every: 2000, until: 12_000)), "consent-interval"));
        Assert.Contains("every 2.00 s on average", fast.Verdict);
        Assert.Single(Kind(Diagnose(Consent(every: 8000, until: 40_000)), "consent-interval"));
        Assert.Empty(Kind(Diagnose(Consent(every: 4500, until: 20_000)), "consent-interval"));
    }

    [Fact]
    public void Keepalive_gap_fires_beyond_tr()
    {
        Session Quiet(double gap) => Session.Connected().Data(34 + gap, L, R).Data(35 + gap, R, L);
        var gap = Diagnose(Quiet(20_000));
        Assert.Equal(2, Kind(gap, "keepalive-gap").Count);
        Assert.Equal("RFC 8445 §11", Kind(gap, "keepalive-gap")[0].Section);
        Assert.Empty(Kind(Diagnose(Quiet(10_000)), "keepalive-gap"));
    }

    [Fact]
    public void Ice_restart_is_the_same_agent_with_a_new_ufrag()
    {
        Session Restart(bool works)
        {
            var session = Session.Connected();
            if (works) session.Exchange(10_000, L2, R2).Exchange(10_002, R2, L2).Exchange(10_010, L2, R2, useCandidate: true).Data(10_020, L2, R2).Data(10_021, R2, L2);
            else
            {
                var id = session.NextId;
                session.Exchange(10_000, L2, R2, useCandidate: true).Check(10_002, id, R2, L2).Error(10_003, id, L2, R2, 401);
            }
            return session;
        }
        var restarted = Diagnose(Restart(true));
        Assert.Equal(2, Kind(restarted, "ice-restart").Count);
        Assert.Empty(Kind(restarted, "ice-restart-failed"));
        Assert.Contains(Kind(restarted, "ice-restart"), f => f.Verdict.StartsWith("LLLL (controlling) restarted ICE as LNEW", StringComparison.Ordinal) && f.Severity == FindingSeverity.Note);
        var failed = Assert.Single(Kind(Diagnose(Restart(false)), "ice-restart-failed"), f => f.Verdict.StartsWith("RRRR", StringComparison.Ordinal));
        Assert.Equal(FindingSeverity.Cause, failed.Severity);
        Assert.Contains("selected no pair", failed.Verdict);
        // Two agents of a first generation (no restart): no restart finding.
        NoneOfMine(Diagnose(Session.Connected()));
    }

    [Fact]
    public void The_corpus_shows_every_finding_on_a_real_capture_and_none_on_the_clean_ones()
    {
        var expected = Directory.GetDirectories(Path.Combine(Frames.Pcaps, "diagnose"))
            .Where(d => File.Exists(Path.Combine(d, "expected.json")))
            .SelectMany(d => System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(d, "expected.json"))).RootElement.GetProperty("findings").EnumerateArray()
                .Select(f => f.GetProperty("kind").GetString()!)).ToHashSet();
        // checks-paced-slowly: no agent at hand paces its checks slower than Ta (pion's ticker sends every pair at once);
        // it is shown on the synthetic session of Pacing_findings_fire_outside_ta only.
        foreach (var kind in Mine.Where(k => k != "checks-paced-slowly")) Assert.Contains(kind, expected);
        // The real clean captures of pcaps/ (third-party stacks and IceSpec with no higher-priority pair to wait for).
        foreach (var name in new[] { "libnice-aggressive", "libnice-regular", "libnice-role-conflict", "libnice-tcp", "aioice", "icespec-libnice" })
        {
            var credentials = new CaptureCredentials();
            Assert.True(credentials.TryLoad(Path.Combine(Frames.Pcaps, name + ".credentials"), out var error), error);
            NoneOfMine(Diagnoser.Diagnose([new DiagnosisInput(name, Path.Combine(Frames.Pcaps, name + ".pcapng"))], credentials));
        }
    }

    [Fact]
    public void Phases_of_the_lossy_cell_show_where_the_time_went()
    {
        var (_, diagnosis) = DiagnosisCorpusTests.Diagnose("time-lossy-30");
        var controlling = Assert.Single(diagnosis.Phases, p => p.Role == "controlling");
        var nomination = controlling.Phases.Single(p => p.Name == "nomination");
        // The USE-CANDIDATE check (controlling#14) answered only at its fifth transmission (controlling#27): 7.5 s.
        Assert.Equal(new FrameRef("controlling", 14), nomination.StartFrame);
        Assert.Equal(new FrameRef("controlling", 27), nomination.EndFrame);
        Assert.InRange(nomination.EndMs!.Value - nomination.StartMs!.Value, 7400, 7600);
        Assert.Equal(new FrameRef("controlling", 4), controlling.Phases.Single(p => p.Name == "gathering").StartFrame);
    }
}
