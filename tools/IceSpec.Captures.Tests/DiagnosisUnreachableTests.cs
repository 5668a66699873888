using System.Net;
using IceSpec.Captures.Credentials;
using IceSpec.Captures.Diagnosis;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Captures.Tests;

/// <summary>
/// ICMP errors in captures: the decoder reads destination unreachable / packet too big about UDP datagrams (RFC 792,
/// RFC 4443 §3), and <c>icespec diagnose</c> reads a port unreachable from the destination host as a closed port — a
/// pair answered so is <c>unreachable</c>, an agent's candidate <c>destination-port-closed</c>, a TURN relayed address
/// within its lifetime <c>relayed-address-gone</c>. Agent A (ufrag AAAA, 10.0.0.1:1000) checks agent B (BBBB,
/// 10.0.0.2:2000); every capture is A's host.
/// </summary>
[Trait("Category", "unit")]
public sealed class DiagnosisUnreachableTests : IDisposable
{
    private const string PasswordB = "AgentBPasswordBBBBBBBBBB";
    private static readonly IPEndPoint A = IPEndPoint.Parse("10.0.0.1:1000"), B = IPEndPoint.Parse("10.0.0.2:2000");
    private static readonly IPEndPoint TurnServer = IPEndPoint.Parse("10.0.0.9:3478"), Relayed = IPEndPoint.Parse("10.0.0.9:50000");
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-unreachable-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static byte[] CheckToB(byte id) => Frames.Udp(A, B, IceMessages.Check(id, "BBBB:AAAA", PasswordB, controlling: true));

    private DiagnosisReport Diagnose(params (double Seconds, byte[] Frame)[] frames)
    {
        var path = Path.Combine(_directory, $"a{Guid.NewGuid():N}.pcap");
        Frames.WritePcap(path, frames);
        var credentials = new CaptureCredentials();
        Assert.True(credentials.TryAddIce($"BBBB:{PasswordB}", out var error), error);
        return Diagnoser.Diagnose([new DiagnosisInput("a", path)], credentials);
    }

    private static List<CapturedUnreachable> DecodeErrors(params byte[][] frames)
    {
        var errors = new List<CapturedUnreachable>();
        var decoder = new CaptureDecoder(_ => { }) { Unreachables = errors.Add };
        for (var i = 0; i < frames.Length; i++) decoder.AddFrame(i + 1, DateTime.UnixEpoch.AddSeconds(i), Framing.LinkLayer.Ethernet, frames[i]);
        Assert.Equal(0, decoder.MalformedFrames);
        return errors;
    }

    [Theory]
    [InlineData(3, UnreachableReason.Port)]
    [InlineData(1, UnreachableReason.Host)]
    [InlineData(0, UnreachableReason.Network)]
    [InlineData(13, UnreachableReason.Prohibited)]
    [InlineData(4, UnreachableReason.TooBig)]
    [InlineData(2, UnreachableReason.Other)]
    public void An_icmp_destination_unreachable_names_the_datagram_it_quotes_and_why(byte code, UnreachableReason reason)
    {
        var error = Assert.Single(DecodeErrors(Frames.IcmpError(B.Address, CheckToB(1), code)));
        Assert.Equal((A, B, B.Address, reason, 1), (error.Source, error.Destination, error.Reporter, error.Reason, error.Frame));
    }

    [Theory]
    [InlineData(1, 4, UnreachableReason.Port)]
    [InlineData(1, 3, UnreachableReason.Host)]
    [InlineData(1, 1, UnreachableReason.Prohibited)]
    [InlineData(2, 0, UnreachableReason.TooBig)]
    public void An_icmpv6_error_is_read_as_rfc_4443_defines_it(byte type, byte code, UnreachableReason reason)
    {
        IPEndPoint a6 = IPEndPoint.Parse("[2001:db8::1]:1000"), b6 = IPEndPoint.Parse("[2001:db8::2]:2000");
        var datagram = Frames.Udp(a6, b6, IceMessages.Check(1, "BBBB:AAAA", PasswordB, controlling: true));
        var error = Assert.Single(DecodeErrors(Frames.IcmpError(b6.Address, datagram, code, type)));
        Assert.Equal((a6, b6, reason), (error.Source, error.Destination, error.Reason));
    }

    [Fact]
    public void Other_icmp_messages_and_errors_about_tcp_are_not_unreachables()
    {
        var echo = Frames.IcmpError(B.Address, CheckToB(1), code: 0, type: 8);
        var aboutTcp = Frames.IcmpError(B.Address, Frames.Tcp(A, B, 1, [1, 2, 3, 4]), code: 3);
        Assert.Empty(DecodeErrors(echo, aboutTcp));
    }

    [Fact]
    public void An_icmp_error_cut_before_the_quoted_ports_is_a_malformed_frame_not_a_crash()
    {
        var decoder = new CaptureDecoder(_ => { }) { Unreachables = _ => Assert.Fail("no error can be read from it") };
        decoder.AddFrame(1, DateTime.UnixEpoch, Framing.LinkLayer.Ethernet, Frames.IcmpError(B.Address, CheckToB(1), 3, quoted: 2));
        // Only 4 bytes of ICMP: not even its header.
        decoder.AddFrame(2, DateTime.UnixEpoch, Framing.LinkLayer.Ethernet, Frames.IcmpError(B.Address, CheckToB(1), 3)[..(14 + 20 + 4)]);
        Assert.Equal(2, decoder.MalformedFrames);
    }

    [Fact]
    public void Checks_answered_by_port_unreachable_from_the_peer_are_unreachable_and_its_port_closed()
    {
        var diagnosis = Diagnose((0, CheckToB(1)), (0.0002, Frames.IcmpError(B.Address, CheckToB(1), 3)),
            (0.5, CheckToB(1)), (0.5002, Frames.IcmpError(B.Address, CheckToB(1), 3)));

        var pair = Assert.Single(diagnosis.Pairs);
        Assert.Equal("unreachable", pair.Outcome);
        Assert.Contains("answered by ICMP port unreachable from 10.0.0.2 (frame 2)", pair.Detail);
        var closed = Assert.Single(diagnosis.Findings, f => f.Kind == "destination-port-closed");
        Assert.Equal((FindingSeverity.Cause, "RFC 8445 §7.2.5.2.2, RFC 1122 §4.1.3.1"), (closed.Severity, closed.Section));
        Assert.Equal([new FrameRef("a", 1), new FrameRef("a", 2), new FrameRef("a", 4)], closed.Frames);
        Assert.Contains("nothing listens at 10.0.0.2:2000 (BBBB's candidate)", closed.Verdict);
        // Seeded: the same checks without the ICMP errors only left and were never answered.
        var silent = Diagnose((0, CheckToB(1)), (0.5, CheckToB(1)));
        Assert.Equal("left-no-answer", Assert.Single(silent.Pairs).Outcome);
        Assert.DoesNotContain(silent.Findings, f => f.Kind == "destination-port-closed");
    }

    [Fact]
    public void An_error_a_router_sends_about_another_address_is_not_a_closed_port()
    {
        var diagnosis = Diagnose((0, CheckToB(1)), (0.0002, Frames.IcmpError(IPAddress.Parse("10.0.0.254"), CheckToB(1), 1)));
        Assert.Equal("unreachable", Assert.Single(diagnosis.Pairs).Outcome);
        Assert.DoesNotContain(diagnosis.Findings, f => f.Kind == "destination-port-closed");
    }

    [Fact]
    public void An_icmp_error_long_after_the_check_does_not_answer_it()
    {
        var late = SessionEvidence.UnreachableWindow.TotalSeconds + 0.5;
        var diagnosis = Diagnose((0, CheckToB(1)), (late, Frames.IcmpError(B.Address, CheckToB(1), 3)));
        Assert.Equal("left-no-answer", Assert.Single(diagnosis.Pairs).Outcome);
    }

    [Fact]
    public void A_port_unreachable_from_a_nat_about_its_own_external_address_is_left_to_hairpinning()
    {
        // The NAT at 10.0.0.2 mapped A to 10.0.0.2:2000 (A's server-reflexive address): checks to it are hairpinned or not.
        var binding = Frames.Udp(TurnServer, A, IceMessages.Success(7, B, PasswordB));
        var diagnosis = Diagnose((0, binding), (0.1, CheckToB(1)), (0.1002, Frames.IcmpError(B.Address, CheckToB(1), 3)));
        Assert.DoesNotContain(diagnosis.Findings, f => f.Kind == "destination-port-closed");
    }

    private static byte[] AllocateSuccess(uint lifetime)
    {
        var buffer = new byte[256];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(TurnMethods.Allocate, StunClass.Success), IceMessages.Id(9));
        builder.AddXorRelayedAddress(new StunAddress(Relayed));
        builder.AddXorMappedAddress(new StunAddress(A));
        builder.AddLifetime(lifetime);
        return Frames.Udp(TurnServer, A, buffer.AsSpan(0, builder.Length).ToArray());
    }

    private static byte[] DataToRelayed => Frames.Udp(B, Relayed, [0x80, 0x60, 0, 1]);

    [Fact]
    public void Datagrams_to_a_relayed_address_answered_by_port_unreachable_within_its_lifetime_mean_the_allocation_is_gone()
    {
        var diagnosis = Diagnose((0, AllocateSuccess(600)), (2, DataToRelayed), (2.0001, Frames.IcmpError(Relayed.Address, DataToRelayed, 3)),
            (3, DataToRelayed), (3.0001, Frames.IcmpError(Relayed.Address, DataToRelayed, 3)));

        var gone = Assert.Single(diagnosis.Findings, f => f.Kind == "relayed-address-gone");
        Assert.Equal((FindingSeverity.Cause, FindingCategory.Turn), (gone.Severity, gone.Category));
        Assert.Equal([new FrameRef("a", 1), new FrameRef("a", 3), new FrameRef("a", 5)], gone.Frames);
        Assert.StartsWith("the relayed address 10.0.0.9:50000 (allocated to 10.0.0.1:1000, frame 1) is gone at 2000.1 ms, 598 s before its lifetime ran out: 2 datagrams", gone.Verdict);
        Assert.DoesNotContain(diagnosis.Findings, f => f.Kind == "destination-port-closed");
    }

    [Fact]
    public void A_relayed_address_closed_after_its_lifetime_ran_out_is_not_gone_early()
    {
        var diagnosis = Diagnose((0, AllocateSuccess(1)), (2, DataToRelayed), (2.0001, Frames.IcmpError(Relayed.Address, DataToRelayed, 3)));
        Assert.DoesNotContain(diagnosis.Findings, f => f.Kind is "relayed-address-gone" or "destination-port-closed");
    }
}
