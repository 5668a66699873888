using System.Net;
using IceSpec.Captures.Mdns;

namespace IceSpec.Captures.Tests;

/// <summary>
/// The capture decoder hands UDP port 5353 datagrams to <see cref="CaptureDecoder.MdnsMessages"/>: multicast over IPv4
/// (224.0.0.251) and IPv6 (ff02::fb), a one-shot querier's query from another port and the unicast reply to it
/// (RFC 6762 §5.1, §6.7); a malformed one with its reason and a note; STUN stays STUN whatever the port.
/// </summary>
[Trait("Category", "unit")]
public class MdnsDecoderTests
{
    private const string Name = "3f1c5b2e-8d4a-4f6b-9c1d-2e7a9b0c4d5e.local";

    private static (List<CapturedMdns> Mdns, List<CapturedDatagram> Other, List<CapturedMessage> Stun, CaptureDecoder Decoder) Decode(params byte[][] frames)
    {
        var (mdns, other, stun) = (new List<CapturedMdns>(), new List<CapturedDatagram>(), new List<CapturedMessage>());
        var decoder = new CaptureDecoder(stun.Add) { MdnsMessages = mdns.Add, OtherDatagrams = other.Add };
        for (var i = 0; i < frames.Length; i++)
            decoder.AddFrame(i + 1, DateTime.UnixEpoch.AddSeconds(i), Framing.LinkLayer.Ethernet, frames[i]);
        return (mdns, other, stun, decoder);
    }

    [Fact]
    public void Multicast_queries_and_answers_over_ipv4_and_ipv6_are_read_as_mdns()
    {
        var (mdns, other, _, _) = Decode(
            Frames.Udp(IPEndPoint.Parse("10.0.1.1:5353"), IPEndPoint.Parse("224.0.0.251:5353"), MdnsWire.Query(Name), ttl: 255),
            Frames.Udp(IPEndPoint.Parse("[fe80::2]:5353"), IPEndPoint.Parse("[ff02::fb]:5353"), MdnsWire.Response(Name, 120, "10.0.1.2"), ttl: 255));
        Assert.Empty(other);
        Assert.Equal([1, 2], mdns.Select(m => m.Frame));
        Assert.All(mdns, m => Assert.True(m.Multicast));
        Assert.Equal(Name, Assert.Single(mdns[0].Message!.Questions).Name);
        Assert.Equal(IPAddress.Parse("10.0.1.2"), Assert.Single(mdns[1].Message!.Records).Address);
        Assert.Equal(255, mdns[1].Ttl);
    }

    [Fact]
    public void A_one_shot_query_from_another_port_and_its_unicast_reply_are_mdns()
    {
        var querier = IPEndPoint.Parse("10.0.1.1:40000");
        var (mdns, other, _, _) = Decode(
            Frames.Udp(querier, IPEndPoint.Parse("224.0.0.251:5353"), MdnsWire.Query(Name)),
            Frames.Udp(IPEndPoint.Parse("10.0.1.2:5353"), querier, MdnsWire.Response(Name, 10, "10.0.1.2")));
        Assert.Empty(other);
        Assert.Equal(2, mdns.Count);
        Assert.False(mdns[1].Multicast);
        Assert.Equal(querier, mdns[1].Destination);
    }

    [Fact]
    public void A_malformed_datagram_on_port_5353_comes_with_its_reason_and_a_note()
    {
        var cut = MdnsWire.Query(Name)[..20];
        var (mdns, _, _, decoder) = Decode(Frames.Udp(IPEndPoint.Parse("10.0.1.1:5353"), IPEndPoint.Parse("224.0.0.251:5353"), cut));
        var one = Assert.Single(mdns);
        Assert.Null(one.Message);
        Assert.Contains("runs past the end", one.Error);
        Assert.Equal(1, decoder.MalformedMdns);
        Assert.Contains(decoder.Notes, n => n.StartsWith("frame 1: UDP 10.0.1.1:5353 → 224.0.0.251:5353: malformed mDNS message"));
    }

    [Fact]
    public void Stun_on_port_5353_stays_stun_and_without_an_mdns_sink_datagrams_go_to_the_others()
    {
        var stun = Frames.Udp(IPEndPoint.Parse("10.0.1.1:5353"), IPEndPoint.Parse("10.0.1.2:5353"), Frames.Stun(0x0001, 7));
        var (mdns, other, messages, _) = Decode(stun);
        Assert.Empty(mdns);
        Assert.Empty(other);
        Assert.Single(messages);

        var datagrams = new List<CapturedDatagram>();
        var plain = new CaptureDecoder(_ => { }) { OtherDatagrams = datagrams.Add };
        plain.AddFrame(1, DateTime.UnixEpoch, Framing.LinkLayer.Ethernet,
            Frames.Udp(IPEndPoint.Parse("10.0.1.1:5353"), IPEndPoint.Parse("224.0.0.251:5353"), MdnsWire.Query(Name)));
        Assert.Single(datagrams);
    }

    /// <summary>
    /// The kit's cell captures (conformance/IceSpec.Conformance/Runner/PacketCapture.cs) run tcpdump with no filter on
    /// every interface in Linux cooked v1 headers: the mDNS of a same-lan-mdns cell is in them, and read.
    /// </summary>
    [Fact]
    public void An_mdns_datagram_in_a_linux_cooked_frame_as_the_kit_captures_it_is_read()
    {
        var ethernet = Frames.Udp(IPEndPoint.Parse("10.0.1.1:5353"), IPEndPoint.Parse("224.0.0.251:5353"), MdnsWire.Query(Name));
        // LINKTYPE_LINUX_SLL: packet type (2: multicast), ARPHRD_ETHER, address length 6, address (8), protocol 0x0800.
        byte[] cooked = [0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00, .. ethernet[14..]];
        var mdns = new List<CapturedMdns>();
        new CaptureDecoder(_ => { }) { MdnsMessages = mdns.Add }.AddFrame(1, DateTime.UnixEpoch, Framing.LinkLayer.LinuxSll, cooked);
        Assert.Equal(Name, Assert.Single(Assert.Single(mdns).Message!.Questions).Name);
    }
}
