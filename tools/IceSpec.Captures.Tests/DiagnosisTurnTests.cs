using System.Net;
using IceSpec.Captures.Credentials;
using IceSpec.Captures.Diagnosis;
using IceSpec.Stun;
using IceSpec.Turn;
using SharpPcap;
using SharpPcap.LibPcap;

namespace IceSpec.Captures.Tests;

/// <summary>
/// The TURN findings (Diagnosis/Rules/TurnFindings.cs) can fail and do not fire where they should not: on the corpus'
/// clean captures none fires; on doctored copies of the real captures of pcaps/diagnose/ (frames dropped or moved in
/// time: the one condition each finding rests on changed) the finding appears, disappears or turns into another; and
/// hand-built exchanges give the refusals no capture has (440, 442, 443, 508 on CreatePermission, 437 on Allocate).
/// </summary>
[Trait("Category", "unit")]
public sealed class DiagnosisTurnTests : IDisposable
{
    private static readonly string Corpus = Path.Combine(Frames.Pcaps, "diagnose");
    private readonly string _dir = Directory.CreateTempSubdirectory("icespec-diag-turn-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Case(string name) => Path.Combine(Corpus, name, "capture.pcapng");

    private static CaptureCredentials Credentials(params string[] turnUsers)
    {
        var credentials = new CaptureCredentials();
        foreach (var user in turnUsers) Assert.True(credentials.TryAddTurnUser(user, out var error), error);
        return credentials;
    }

    private static readonly CaptureCredentials Alice = Credentials("alice:example.org:secret", "bob:example.org:secret2");

    private static List<Finding> Turn(string path, CaptureCredentials? credentials = null) =>
        Diagnoser.Diagnose([new DiagnosisInput("c", path)], credentials ?? Alice).Findings.Where(f => f.Category == FindingCategory.Turn).ToList();

    private static string Kinds(IEnumerable<Finding> findings) => string.Join(", ", findings.Select(f => f.Kind).Order(StringComparer.Ordinal));

    /// <summary>Writes a copy of a capture without the frames <paramref name="drop"/> and with <paramref name="shift"/> added to the times of frames <paramref name="from"/> on.</summary>
    private string Doctor(string source, string name, ISet<int>? drop = null, int from = int.MaxValue, double shift = 0)
    {
        var path = Path.Combine(_dir, name + ".pcap");
        using var reader = new CaptureFileReaderDevice(source);
        reader.Open();
        using var writer = new CaptureFileWriterDevice(path);
        writer.Open(new DeviceConfiguration { LinkLayerType = reader.LinkType });
        var frame = 0;
        while (reader.GetNextPacket(out var packet) == GetPacketStatus.PacketRead)
        {
            frame++;
            var raw = packet.GetPacket();
            if (drop?.Contains(frame) == true) continue;
            var time = raw.Timeval;
            if (frame >= from)
            {
                var micros = (long)time.Seconds * 1_000_000 + (long)time.MicroSeconds + (long)(shift * 1_000_000);
                time = new PosixTimeval((ulong)(micros / 1_000_000), (ulong)(micros % 1_000_000));
            }
            writer.Write(new RawCapture(raw.LinkLayerType, time, raw.Data));
        }
        return path;
    }

    // ---- no false alarms -----------------------------------------------------------------------------------------

    public static TheoryData<string> CleanCaptures() =>
    [
        "diagnose/turn-coturn-clean/capture.pcapng", "diagnose/turn-icespec-clean/capture.pcapng",
        "diagnose/turn-coturn-stale-nonce-retried/capture.pcapng", "coturn-uclient-udp.pcap", "coturn-uclient-tcp.pcap",
        "broken/coturn-channel-out-of-range.pcapng", "lab/both-symmetric-turn-icespec-libnice-controlling.pcapng",
        "lab/both-symmetric-turn-icespec-libnice-controlled.pcapng", "icespec-libnice.pcapng", "libnice-aggressive.pcapng", "aioice.pcapng",
    ];

    [Theory]
    [MemberData(nameof(CleanCaptures))]
    public void A_clean_capture_has_no_turn_finding(string capture)
    {
        var path = Path.Combine(Frames.Pcaps, capture);
        var credentials = new CaptureCredentials();
        var file = Path.ChangeExtension(path, ".credentials");
        if (capture.StartsWith("diagnose/", StringComparison.Ordinal)) file = Path.Combine(Path.GetDirectoryName(path)!, "credentials");
        if (File.Exists(file)) Assert.True(credentials.TryLoad(file, out var error), error);
        Assert.Empty(Turn(path, credentials));
    }

    // ---- 401 loop -----------------------------------------------------------------------------------------------

    [Fact]
    public void Wrong_password_says_whether_the_given_password_verifies_the_requests()
    {
        var path = Case("turn-icespec-wrong-password");
        // The server's password (the corpus' credentials): the client's requests fail with it — the client is wrong.
        var finding = Assert.Single(Turn(path));
        Assert.Equal(("turn-credentials-rejected", FindingSeverity.Cause, "RFC 8489 §9.2.4"), (finding.Kind, finding.Severity, finding.Section));
        Assert.Contains("3 times (a 401 loop", finding.Verdict);
        Assert.Contains("alice@example.org", finding.Verdict);
        Assert.Contains("does not verify", finding.Verdict);
        Assert.Equal([3, 4, 8], finding.Frames.Select(f => f.Frame));
        // Given the client's password, the requests verify: then the server's user database is what differs.
        var verified = Assert.Single(Turn(path, Credentials("alice:example.org:wrong")));
        Assert.Contains("verifies these requests", verified.Verdict);
        Assert.Contains("server", verified.Fix);
        // No credentials: it cannot tell which side is wrong, and says how to find out.
        var unknown = Assert.Single(Turn(path, new CaptureCredentials()));
        Assert.Contains("no credentials were given for alice@example.org", unknown.Verdict);
        Assert.Contains("--turn-user alice:example.org:PASSWORD", unknown.Fix);
    }

    [Fact]
    public void A_401_to_the_first_request_is_the_challenge_not_a_rejection()
    {
        // Seeded: the wrong-password capture cut after the challenge (frames 1-2) is a clean start; with the first
        // rejected request and its 401 it is a finding.
        var source = Case("turn-icespec-wrong-password");
        Assert.Empty(Turn(Doctor(source, "challenge-only", drop: new HashSet<int> { 3, 4, 5, 6, 7, 8 })));
        Assert.Equal("turn-credentials-rejected", Assert.Single(Turn(Doctor(source, "one-rejection", drop: new HashSet<int> { 5, 6, 7, 8 }))).Kind);
    }

    // ---- 438 ------------------------------------------------------------------------------------------------------

    [Fact]
    public void A_438_is_a_finding_only_when_the_new_nonce_is_never_used()
    {
        var retried = Case("turn-coturn-stale-nonce-retried");
        Assert.Empty(Turn(retried));
        // Seeded: the retry with the new nonce (21-22) and what follows removed: the same 438 is now never retried.
        var finding = Assert.Single(Turn(Doctor(retried, "no-retry", drop: new HashSet<int> { 21, 22, 23, 24 })));
        Assert.Equal(("turn-stale-nonce-not-retried", "RFC 8489 §9.2.5"), (finding.Kind, finding.Section));
        Assert.Equal([19, 20], finding.Frames.Select(f => f.Frame));
    }

    // ---- 437: lost vs too late ------------------------------------------------------------------------------------

    [Fact]
    public void A_437_within_the_lifetime_is_a_lost_allocation_after_it_a_late_refresh()
    {
        var restart = Case("turn-icespec-restart");
        var lost = Assert.Single(Turn(restart));
        Assert.Equal(("turn-allocation-mismatch", "RFC 8656 §8.2"), (lost.Kind, lost.Section));
        Assert.Contains("it restarted", lost.Verdict);
        // Seeded: the same 437s moved 700 s later, past the 600 s lifetime: now a refresh that came too late.
        var late = Assert.Single(Turn(Doctor(restart, "restart-late", from: 11, shift: 700)));
        Assert.Equal(("turn-refresh-too-late", "RFC 8656 §8", FindingSeverity.Cause), (late.Kind, late.Section, late.Severity));
        // And the refresh-late capture's Refresh moved back to 1 s after the Allocate: the server lost it.
        var early = Assert.Single(Turn(Doctor(Case("turn-icespec-refresh-late"), "late-early", from: 5, shift: -4)));
        Assert.Equal("turn-allocation-mismatch", early.Kind);
    }

    [Fact]
    public void A_late_closing_refresh_is_a_defect_a_late_refresh_that_lost_the_allocation_a_cause()
    {
        var closing = Assert.Single(Turn(Path.Combine(Frames.Pcaps, "broken", "coturn-refresh-after-expiry.pcapng"), Credentials("alice:example.org:secret")));
        Assert.Equal(("turn-refresh-too-late", FindingSeverity.Defect), (closing.Kind, closing.Severity));
        Assert.Contains("closing Refresh (LIFETIME 0)", closing.Verdict);
        var late = Assert.Single(Turn(Case("turn-coturn-refresh-late")));
        Assert.Equal(("turn-refresh-too-late", FindingSeverity.Cause), (late.Kind, late.Severity));
        Assert.Equal([4, 5, 8], late.Frames.Select(f => f.Frame));
    }

    // ---- permissions ----------------------------------------------------------------------------------------------

    [Fact]
    public void Data_after_the_permissions_lifetime_is_an_expired_permission()
    {
        // Seeded: the clean session's Send indications (7 on) moved 400 s later, past the 300 s of the permission
        // installed in frame 6 (the Refresh 0 at the end stays within the 600 s allocation).
        var finding = Assert.Single(Turn(Doctor(Case("turn-coturn-clean"), "expired", from: 7, shift: 400)));
        Assert.Equal(("turn-permission-expired", "RFC 8656 §9"), (finding.Kind, finding.Section));
        Assert.Equal([6, 7], finding.Frames.Select(f => f.Frame));
        // 200 s later is within the 300 s: nothing.
        Assert.Empty(Turn(Doctor(Case("turn-coturn-clean"), "in-time", from: 7, shift: 200)));
    }

    [Fact]
    public void Data_to_a_refused_peer_is_said_in_the_403_data_with_no_permission_at_all_is_its_own_finding()
    {
        var denied = Assert.Single(Turn(Case("turn-coturn-peer-denied")));
        Assert.Equal(("turn-peer-forbidden", "RFC 8656 §10.2"), (denied.Kind, denied.Section));
        Assert.Equal([5, 6, 7], denied.Frames.Select(f => f.Frame));
        // Seeded: without the CreatePermission and its 403, the Send indication is data sent with no permission.
        var data = Assert.Single(Turn(Doctor(Case("turn-coturn-peer-denied"), "no-403", drop: new HashSet<int> { 5, 6 })));
        Assert.Equal(("turn-data-without-permission", "RFC 8656 §11.2"), (data.Kind, data.Section));
        Assert.Equal("turn-data-without-permission", Assert.Single(Turn(Case("turn-icespec-no-permission"))).Kind);
    }

    [Fact]
    public void Channel_data_before_its_channel_bind_is_an_unbound_channel()
    {
        var path = Case("turn-icespec-channel-before-bind");
        var finding = Assert.Single(Turn(path));
        Assert.Equal(("turn-channel-not-bound", "RFC 8656 §12.6", FindingSeverity.Defect), (finding.Kind, finding.Section, finding.Severity));
        Assert.Equal([5, 8, 9], finding.Frames.Select(f => f.Frame));
        // Seeded: without the three early ChannelData (5-7) the session is clean.
        Assert.Empty(Turn(Doctor(path, "bound-first", drop: new HashSet<int> { 5, 6, 7 })));
        // Seeded: without the ChannelBind (8-9) nothing is ever bound: every ChannelData is dropped, the session broken.
        var never = Assert.Single(Turn(Doctor(path, "never-bound", drop: new HashSet<int> { 8, 9 })));
        Assert.Equal(("turn-channel-not-bound", FindingSeverity.Cause), (never.Kind, never.Severity));
        Assert.Contains("sent 6 ChannelData messages", never.Verdict);
    }

    // ---- refusals without a capture --------------------------------------------------------------------------------

    private static readonly IPEndPoint Client = IPEndPoint.Parse("10.0.0.1:5000");
    private static readonly IPEndPoint Server = IPEndPoint.Parse("10.0.0.9:3478");
    private static readonly IPEndPoint Peer = IPEndPoint.Parse("10.0.0.7:7000");

    private static byte[] Message(ushort method, StunClass cls, byte id, int? error = null, IPEndPoint? peer = null)
    {
        var buffer = new byte[256];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(method, cls), Enumerable.Repeat(id, 12).ToArray());
        if (peer is not null) builder.AddXorPeerAddress(new StunAddress(peer));
        if (error is { } code) builder.AddErrorCode(code, "refused");
        return buffer.AsSpan(0, builder.Length).ToArray();
    }

    public static TheoryData<ushort, int, string, string> Refusals() => new()
    {
        { TurnMethods.Allocate, 440, "turn-address-family-not-supported", "RFC 8656 §7.2" },
        { TurnMethods.Allocate, 442, "turn-unsupported-transport", "RFC 8656 §7.2" },
        { TurnMethods.Allocate, 403, "turn-allocate-forbidden", "RFC 8656 §7.2" },
        { TurnMethods.Allocate, 437, "turn-allocation-mismatch", "RFC 8656 §7.2" },
        { TurnMethods.CreatePermission, 443, "turn-peer-address-family-mismatch", "RFC 8656 §10.2" },
        { TurnMethods.ChannelBind, 403, "turn-peer-forbidden", "RFC 8656 §12.2" },
        { TurnMethods.CreatePermission, 508, "turn-insufficient-capacity", "RFC 8656 §10.2" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_refusal_is_named_by_its_code_and_request(ushort method, int code, string kind, string section)
    {
        var peer = method == TurnMethods.Allocate ? null : Peer;
        var path = Path.Combine(_dir, $"{method}-{code}.pcap");
        Frames.WritePcap(path, Frames.Udp(Client, Server, Message(method, StunClass.Request, 1, peer: peer)),
            Frames.Udp(Server, Client, Message(method, StunClass.Error, 1, code)));
        var finding = Assert.Single(Turn(path));
        Assert.Equal((kind, section, FindingSeverity.Cause), (finding.Kind, finding.Section, finding.Severity));
        Assert.Equal([1, 2], finding.Frames.Select(f => f.Frame));
        // Seeded: the same request answered with success is no finding.
        var ok = Path.Combine(_dir, $"{method}-ok.pcap");
        Frames.WritePcap(ok, Frames.Udp(Client, Server, Message(method, StunClass.Request, 1, peer: peer)),
            Frames.Udp(Server, Client, Message(method, StunClass.Success, 1)));
        Assert.Empty(Turn(ok));
    }
}
