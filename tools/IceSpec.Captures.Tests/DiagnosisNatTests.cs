using System.Net;
using System.Text.Json;
using IceSpec.Captures.Credentials;
using IceSpec.Captures.Diagnosis;
using IceSpec.Captures.Diagnosis.Rules;

namespace IceSpec.Captures.Tests;

/// <summary>
/// The NAT findings of <c>icespec diagnose</c> (<see cref="NatBehaviour"/>, RFC 4787): each fires on hand-built
/// captures that have the behaviour and not on the same captures doctored to lack it (the seeded defects); the NAT-lab
/// corpus cases (pcaps/diagnose/nat-*, run by DiagnosisCorpusTests) say which pairs can work; clean loopback captures give no NAT finding.
/// </summary>
[Trait("Category", "unit")]
public sealed class DiagnosisNatTests : IDisposable
{
    private static readonly IPEndPoint HostA = IPEndPoint.Parse("10.1.1.2:5000");
    private static readonly IPEndPoint HostB = IPEndPoint.Parse("10.2.1.2:6000");
    private static readonly IPEndPoint Server = IPEndPoint.Parse("203.0.113.1:3478");
    private static readonly IPEndPoint MappedA = IPEndPoint.Parse("198.51.100.6:1000");
    private static readonly IPEndPoint MappedB = IPEndPoint.Parse("198.51.100.10:2000");
    private const string PasswordA = "apassword-0123456789ab";
    private const string PasswordB = "bpassword-0123456789ab";

    private readonly string _dir = Directory.CreateTempSubdirectory("icespec-diag-nat-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A UDP frame with its IP TTL: 64 on the sender's host, lower after routers.</summary>
    private static byte[] Udp(IPEndPoint from, IPEndPoint to, byte[] stun, byte ttl = 64)
    {
        var frame = Frames.Udp(from, to, stun);
        frame[14 + 8] = ttl;
        return frame;
    }

    private static byte[] Binding(byte id) => Frames.Stun(0x0001, id);
    private static byte[] CheckFromA(byte id) => IceMessages.Check(id, "bbbb:aaaa", PasswordB, controlling: true);
    private static byte[] CheckFromB(byte id) => IceMessages.Check(id, "aaaa:bbbb", PasswordA, controlling: false);

    private IReadOnlyList<Finding> Diagnose(params (string Label, byte[][] Frames)[] captures)
    {
        var inputs = captures.Select(c =>
        {
            var path = Path.Combine(_dir, $"{c.Label}-{Guid.NewGuid():N}.pcap");
            Frames.WritePcap(path, c.Frames);
            return new DiagnosisInput(c.Label, path);
        }).ToList();
        var credentials = new CaptureCredentials();
        Assert.True(credentials.TryAddIce($"aaaa:{PasswordA},bbbb:{PasswordB}", out _));
        return [.. new NatBehaviour().Diagnose(SessionEvidence.Read(inputs, credentials))];
    }

    /// <summary>A's host: a Binding to the STUN server (answered with <paramref name="towardsServer"/>), a check to B's srflx answered with <paramref name="towardsPeer"/>.</summary>
    private IReadOnlyList<Finding> InsideView(IPEndPoint towardsServer, IPEndPoint towardsPeer) => Diagnose(("a",
    [
        Udp(HostA, Server, Binding(1)), Udp(Server, HostA, IceMessages.Success(1, towardsServer, PasswordA), 63),
        Udp(HostA, MappedB, CheckFromA(2)), Udp(MappedB, HostA, IceMessages.Success(2, towardsPeer, PasswordB), 61),
    ]));

    [Fact]
    public void A_socket_behind_two_mappings_towards_two_destinations_is_an_endpoint_dependent_mapping()
    {
        var findings = InsideView(MappedA, IPEndPoint.Parse("198.51.100.6:1777"));

        var finding = Assert.Single(findings, f => f.Kind == "mapping-endpoint-dependent");
        Assert.Equal("RFC 4787 §4.1", finding.Section);
        Assert.Equal([new FrameRef("a", 2), new FrameRef("a", 4)], finding.Frames);
        Assert.Contains(finding.Details, d => d.Contains("198.51.100.6:1777", StringComparison.Ordinal));
        Assert.Equal(FindingSeverity.Note, finding.Severity); // the call's check succeeded
        Assert.DoesNotContain(findings, f => f.Kind == "mapping-endpoint-independent");
    }

    [Fact]
    public void Seeded_defect_the_same_mapping_towards_both_destinations_is_endpoint_independent_not_dependent()
    {
        var findings = InsideView(MappedA, MappedA);

        Assert.DoesNotContain(findings, f => f.Kind == "mapping-endpoint-dependent");
        Assert.Equal("RFC 4787 §4.1", Assert.Single(findings, f => f.Kind == "mapping-endpoint-independent").Section);
    }

    [Fact]
    public void An_untranslated_socket_says_nothing_of_a_mapping()
    {
        Assert.Empty(InsideView(HostA, HostA));
    }

    /// <summary>The peer's view alone: A's checks arrive from one port of its NAT, B's checks to A's srflx (another port) go unanswered.</summary>
    [Theory]
    [InlineData(1777, true)]
    [InlineData(1000, false)] // seeded defect: A's checks arrive from the srflx B checks — nothing dependent
    public void Seen_from_the_peer_checks_arriving_from_another_port_than_the_unanswered_srflx(int arrivingPort, bool fires)
    {
        var from = new IPEndPoint(MappedA.Address, arrivingPort);
        var frames = new List<byte[]> { Udp(HostB, MappedA, CheckFromB(1)), Udp(from, HostB, CheckFromA(2), 61), Udp(HostB, MappedA, CheckFromB(3)) };
        if (!fires) frames.Add(Udp(MappedA, HostB, IceMessages.Success(1, MappedB, PasswordA), 61));
        var findings = Diagnose(("b", [.. frames]));

        if (fires)
        {
            var finding = Assert.Single(findings, f => f.Kind == "mapping-endpoint-dependent");
            Assert.Contains(new FrameRef("b", 1), finding.Frames);
            Assert.Contains(new FrameRef("b", 2), finding.Frames);
        }
        else Assert.DoesNotContain(findings, f => f.Kind == "mapping-endpoint-dependent");
    }

    /// <summary>
    /// Two captures, A's host and B's host: B's srflx is MappedB (its STUN server said so); A's check to it leaves A
    /// (its socket's packets get out: A's own Binding was answered) and never reaches B's host while B keeps checking
    /// (B's check reaches A).
    /// </summary>
    private IReadOnlyList<Finding> FilteringView(bool arrives)
    {
        byte[][] a =
        [
            Udp(HostA, Server, Binding(1)), Udp(Server, HostA, IceMessages.Success(1, MappedA, PasswordA), 63),
            Udp(HostA, MappedB, CheckFromA(2)), Udp(MappedB, HostA, CheckFromB(4), 61),
        ];
        var b = new List<byte[]>
        {
            Udp(HostB, Server, Binding(3)), Udp(Server, HostB, IceMessages.Success(3, MappedB, PasswordB), 63),
            Udp(HostB, MappedA, CheckFromB(4)),
        };
        if (arrives) b.Add(Udp(MappedA, HostB, CheckFromA(2), 61));
        return Diagnose(("a", a), ("b", [.. b]));
    }

    [Fact]
    public void A_check_to_a_mapping_that_never_arrived_while_the_mapped_host_kept_sending_is_dependent_filtering()
    {
        var finding = Assert.Single(FilteringView(arrives: false), f => f.Kind == "filtering-endpoint-dependent");

        Assert.Equal("RFC 4787 §5", finding.Section);
        Assert.Equal(new FrameRef("a", 3), finding.Frames[0]);
        Assert.Equal(FindingSeverity.Cause, finding.Severity); // no check succeeded
        Assert.Contains("198.51.100.10:2000", finding.Verdict);
    }

    [Fact]
    public void Seeded_defect_the_same_check_arriving_at_the_host_is_no_filtering_finding()
    {
        Assert.DoesNotContain(FilteringView(arrives: true), f => f.Kind == "filtering-endpoint-dependent");
    }

    /// <summary>
    /// Address-and-port-dependent filtering, told apart: A had sent through its mapping (MappedA) to B's NAT address on
    /// port 2500; B's check from that address on port 2000 (as the public capture shows it) is dropped all the same —
    /// an address-dependent filter would have let it in. Seeded defect: B's check from port 2500 itself tells no more
    /// than "not endpoint-independent".
    /// </summary>
    [Theory]
    [InlineData(2000, true)]
    [InlineData(2500, false)]
    public void A_drop_from_the_address_A_had_sent_to_on_another_port_is_address_and_port_dependent_filtering(int bPort, bool addressAndPort)
    {
        var sentTo = IPEndPoint.Parse("198.51.100.10:2500");
        byte[][] a = // one frame a second, in every capture from the same second
        [
            Udp(HostA, sentTo, CheckFromA(2)), Udp(sentTo, HostA, IceMessages.Success(2, MappedA, PasswordB), 61),
            Udp(HostA, Server, Binding(1)), Udp(Server, HostA, IceMessages.Success(1, MappedA, PasswordA), 63),
        ];
        byte[][] b = [Udp(HostB, Server, Binding(3)), Udp(Server, HostB, IceMessages.Success(3, MappedB, PasswordB), 63), Udp(HostB, MappedA, CheckFromB(4))];
        byte[][] transit = [Udp(new IPEndPoint(MappedB.Address, bPort), MappedA, CheckFromB(4), 63)];

        var finding = Assert.Single(Diagnose(("a", a), ("b", b), ("p", transit)), f => f.Kind == "filtering-endpoint-dependent");

        Assert.Equal(new FrameRef("b", 3), finding.Frames[0]);
        Assert.Equal(addressAndPort, finding.Verdict.Contains("filters address-and-port-dependently", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)] // seeded defect: the hairpinned check is answered
    public void A_check_to_the_senders_own_NAT_address_that_never_comes_back_is_no_hairpinning(bool answered, bool fires)
    {
        var sameNatPeer = new IPEndPoint(MappedA.Address, 3000);
        var frames = new List<byte[]>
        {
            Udp(HostA, Server, Binding(1)), Udp(Server, HostA, IceMessages.Success(1, MappedA, PasswordA), 63),
            Udp(HostA, sameNatPeer, CheckFromA(2)),
        };
        if (answered) frames.Add(Udp(sameNatPeer, HostA, IceMessages.Success(2, MappedA, PasswordB), 63));
        var findings = Diagnose(("a", [.. frames]));

        if (fires)
        {
            var finding = Assert.Single(findings, f => f.Kind == "hairpinning-unsupported");
            Assert.Equal(("RFC 4787 §6", new FrameRef("a", 3)), (finding.Section, finding.Frames[0]));
        }
        else Assert.DoesNotContain(findings, f => f.Kind == "hairpinning-unsupported");
    }

    [Theory]
    [InlineData(1999, true)]
    [InlineData(1000, false)] // seeded defect: the second answer gives the same mapping
    public void XOR_MAPPED_ADDRESS_for_the_same_socket_and_destination_changing_is_a_changed_mapping(int laterPort, bool fires)
    {
        var findings = Diagnose(("a",
        [
            Udp(HostA, Server, Binding(1)), Udp(Server, HostA, IceMessages.Success(1, MappedA, PasswordA), 63),
            Udp(HostA, Server, Binding(2)), Udp(Server, HostA, IceMessages.Success(2, new IPEndPoint(MappedA.Address, laterPort), PasswordA), 63),
        ]));

        if (fires)
        {
            var finding = Assert.Single(findings, f => f.Kind == "mapping-changed");
            Assert.Equal(("RFC 4787 §4.3", new FrameRef("a", 2), new FrameRef("a", 4)), (finding.Section, finding.Frames[0], finding.Frames[1]));
        }
        else Assert.DoesNotContain(findings, f => f.Kind == "mapping-changed");
    }

    private static readonly string DiagnoseCorpus = Path.Combine(Frames.Pcaps, "diagnose");

    /// <summary>The consequence for ICE and the severity: a cause where no pair succeeded (both symmetric, no TURN), a note where the relay carried the call.</summary>
    [Theory]
    [InlineData("nat-both-symmetric-no-turn", FindingSeverity.Cause, "both mappings depend on the destination: no direct or server-reflexive pair can work, only relayed candidates (TURN)")]
    [InlineData("nat-both-symmetric-turn", FindingSeverity.Note, "the relayed pair carried this call")]
    [InlineData("nat-symmetric-to-full-cone", FindingSeverity.Note, "peer-reflexive candidate")]
    public void The_mapping_finding_says_which_pairs_can_work(string name, FindingSeverity severity, string consequence)
    {
        var dir = Path.Combine(DiagnoseCorpus, name);
        var credentials = new CaptureCredentials();
        Assert.True(credentials.TryLoad(Path.Combine(dir, "credentials"), out var error), error);
        var inputs = Directory.GetFiles(dir, "*.pcapng").Order().Select(f => new DiagnosisInput(Path.GetFileNameWithoutExtension(f), f)).ToList();

        var finding = Assert.Single(Diagnoser.Diagnose(inputs, credentials).Findings, f => f.Kind == "mapping-endpoint-dependent");

        Assert.Equal(severity, finding.Severity);
        Assert.Contains(consequence, finding.Verdict);
    }

    /// <summary>Loopback captures (no NAT on the path): no NAT finding at all.</summary>
    [Theory]
    [InlineData("icespec-libnice")]
    [InlineData("libnice-regular")]
    [InlineData("aioice")]
    public void A_clean_capture_without_a_NAT_has_no_NAT_finding(string name)
    {
        var credentials = new CaptureCredentials();
        Assert.True(credentials.TryLoad(Path.Combine(Frames.Pcaps, name + ".credentials"), out var error), error);

        var diagnosis = Diagnoser.Diagnose([new DiagnosisInput(name, Path.Combine(Frames.Pcaps, name + ".pcapng"))], credentials);

        Assert.DoesNotContain(diagnosis.Findings, f => f.Category == FindingCategory.Nat);
    }
}
