using System.Net;

namespace IceSpec.Captures.Tests;

/// <summary>The decoder on hand-built frames: TCP reassembly, ChannelData after ChannelBind, IPv6, non-STUN traffic.</summary>
[Trait("Category", "unit")]
public class DecoderTests
{
    private static readonly IPEndPoint Client = IPEndPoint.Parse("10.0.0.1:50000");
    private static readonly IPEndPoint Server = IPEndPoint.Parse("10.0.0.2:3478");
    private static readonly IPEndPoint Other = IPEndPoint.Parse("10.0.0.3:50001");

    private static readonly byte[] Software = "IceSpec test software"u8.ToArray();
    private static byte[] Binding(byte id) => Frames.Stun(0x0001, id, (0x8022, Software));
    private static byte[] BindRequest(byte id, ushort channel) => Frames.Stun(0x0009, id, (0x000C, Frames.ChannelNumber(channel)));
    private static byte[] BindSuccess(byte id) => Frames.Stun(0x0109, id);

    [Fact]
    public void Tcp_messages_split_across_segments_are_reassembled()
    {
        var stream = Binding(1).Concat(Binding(2)).ToArray(); // 2 × 44 bytes
        uint isn = 0xFFFF_FFF0; // the sequence number wraps inside the stream
        var messages = Frames.Decode(
            Frames.Tcp(Client, Server, isn, [], syn: true),
            Frames.Tcp(Client, Server, unchecked(isn + 1), stream[..10]),
            Frames.Tcp(Client, Server, unchecked(isn + 11), stream[10..50]),  // completes message 1, starts message 2
            Frames.Tcp(Client, Server, unchecked(isn + 51), stream[50..]));

        Assert.Equal(2, messages.Count);
        Assert.Equal([3, 4], messages.Select(m => m.Frame));
        Assert.Equal(Binding(1), messages[0].Bytes);
        Assert.Equal(Binding(2), messages[1].Bytes);
        Assert.All(messages, m => Assert.Equal("tcp", m.Transport));
        Assert.Equal(Client, messages[0].Source);
        Assert.Equal(Server, messages[0].Destination);
    }

    [Fact]
    public void Tcp_out_of_order_and_retransmitted_segments_are_reassembled_once()
    {
        var stream = Binding(1).Concat(Binding(2)).ToArray();
        var messages = Frames.Decode(
            Frames.Tcp(Client, Server, 969, [], syn: true),       // the stream's bytes start at 970
            Frames.Tcp(Client, Server, 1000, stream[30..]),       // arrives early: held
            Frames.Tcp(Client, Server, 970, stream[..20]),
            Frames.Tcp(Client, Server, 970, stream[..20]),        // retransmission: ignored
            Frames.Tcp(Client, Server, 980, stream[10..30]));     // overlaps, fills the gap

        Assert.Equal(2, messages.Count);
        Assert.Equal([5, 5], messages.Select(m => m.Frame));
        Assert.Equal(Binding(1), messages[0].Bytes);
        Assert.Equal(Binding(2), messages[1].Bytes);
    }

    [Fact]
    public void Tcp_channel_data_is_cut_with_its_padding()
    {
        var stream = BindRequest(7, 0x4001).Concat(Binding(8)).ToArray();
        var back = BindSuccess(7);
        var data = Frames.ChannelData(0x4001, 5, padded: true).Concat(Binding(9)).ToArray();
        var messages = Frames.Decode(
            Frames.Tcp(Client, Server, 1, stream),
            Frames.Tcp(Server, Client, 1, back),
            Frames.Tcp(Client, Server, 1 + (uint)stream.Length, data[..6]),
            Frames.Tcp(Client, Server, 7 + (uint)stream.Length, data[6..]));

        Assert.Equal([CapturedKind.Stun, CapturedKind.Stun, CapturedKind.Stun, CapturedKind.ChannelData, CapturedKind.Stun],
            messages.Select(m => m.Kind));
        Assert.Equal((ushort)0x4001, messages[3].Channel);
        Assert.Equal(5, messages[3].DataLength);
        Assert.Equal(9, messages[3].Bytes.Length);
        Assert.Equal(Binding(9), messages[4].Bytes);
    }

    [Fact]
    public void Tcp_rfc4571_framed_stun_ice_tcp_is_cut_frame_by_frame()
    {
        // RFC 6544 §3: ICE-TCP frames every packet with RFC 4571's 16-bit length; RTP frames in between are skipped.
        static byte[] Framed(byte[] packet) => [(byte)(packet.Length >> 8), (byte)packet.Length, .. packet];
        byte[] rtp = [0x80, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1];
        var stream = Framed(Binding(1)).Concat(Framed(rtp)).Concat(Framed(Binding(2))).ToArray();
        var messages = Frames.Decode(
            Frames.Tcp(Client, Server, 1, stream[..5]),   // too short to tell the framing yet
            Frames.Tcp(Client, Server, 6, stream[5..]));

        Assert.Equal(2, messages.Count);
        Assert.Equal(Binding(1), messages[0].Bytes);
        Assert.Equal(Binding(2), messages[1].Bytes);
    }

    [Fact]
    public void Tcp_a_turn_data_connection_is_cut_as_rfc4571_frames_after_its_connection_bind()
    {
        // RFC 6062 §4.3: ConnectionBind (request and success) unframed, then the peer's ICE-TCP stream: RFC 4571 frames.
        static byte[] Framed(byte[] packet) => [(byte)(packet.Length >> 8), (byte)packet.Length, .. packet];
        byte[] connectionBind = Frames.Stun(0x000B, 1, (0x002A, [0, 0, 0, 7]));
        byte[] bound = Frames.Stun(0x010B, 1);
        var toServer = connectionBind.Concat(Framed(Binding(2))).ToArray();
        var fromServer = bound.Concat(Framed(Binding(3))).ToArray();
        var messages = Frames.Decode(
            Frames.Tcp(Client, Server, 1, toServer),
            Frames.Tcp(Server, Client, 1, fromServer));

        Assert.Equal([connectionBind, Binding(2), bound, Binding(3)], messages.Select(m => m.Bytes));
    }

    [Fact]
    public void Tcp_a_stream_that_is_not_stun_is_given_up()
    {
        var http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray();
        var messages = Frames.Decode(
            Frames.Tcp(Client, Server, 1, http),
            Frames.Tcp(Client, Server, 1 + (uint)http.Length, Binding(1)));
        Assert.Empty(messages);
    }

    [Fact]
    public void Udp_channel_data_is_recognised_only_after_its_channel_bind_succeeded()
    {
        var data = Frames.ChannelData(0x4000, 8, padded: false);
        var messages = Frames.Decode(
            Frames.Udp(Client, Server, data),                     // 1: no binding yet
            Frames.Udp(Client, Server, BindRequest(1, 0x4000)),   // 2
            Frames.Udp(Client, Server, data),                     // 3: requested, not yet confirmed
            Frames.Udp(Server, Client, BindSuccess(1)),           // 4
            Frames.Udp(Client, Server, data),                     // 5: bound
            Frames.Udp(Server, Client, data),                     // 6: either direction of the 5-tuple
            Frames.Udp(Other, Server, data),                      // 7: another 5-tuple
            Frames.Udp(Client, Server, Frames.ChannelData(0x4002, 8, padded: false))); // 8: another channel

        Assert.Equal([2, 4, 5, 6], messages.Select(m => m.Frame));
        Assert.Equal(CapturedKind.ChannelData, messages[2].Kind);
        Assert.Equal((ushort)0x4000, messages[2].Channel);
        Assert.Equal(data, messages[3].Bytes);
    }

    [Fact]
    public void Udp_an_error_response_to_channel_bind_binds_nothing()
    {
        var data = Frames.ChannelData(0x4000, 8, padded: false);
        var messages = Frames.Decode(
            Frames.Udp(Client, Server, BindRequest(1, 0x4000)),
            Frames.Udp(Server, Client, Frames.Stun(0x0119, 1)),
            Frames.Udp(Client, Server, data));
        Assert.Equal([1, 2], messages.Select(m => m.Frame));
    }

    [Fact]
    public void Udp_stun_is_found_on_any_port_and_other_traffic_is_not()
    {
        var a = IPEndPoint.Parse("192.0.2.1:9");
        var b = IPEndPoint.Parse("192.0.2.2:53");
        var noCookie = Binding(1);
        noCookie[4] = 0;
        var noCookieWithTrailer = noCookie.Concat(new byte[4]).ToArray();
        var messages = Frames.Decode(
            Frames.Udp(a, b, Binding(1)),
            Frames.Udp(a, b, noCookie),            // well framed without the cookie: classic STUN (RFC 3489)
            Frames.Udp(a, b, noCookieWithTrailer), // its length no longer the datagram's: neither
            Frames.Udp(a, b, "hello"u8.ToArray()));
        Assert.Equal([(1, CapturedKind.Stun), (2, CapturedKind.ClassicStun)], messages.Select(m => (m.Frame, m.Kind)));
    }

    [Fact]
    public void IPv6_udp_and_tcp()
    {
        var c = IPEndPoint.Parse("[2001:db8::1]:40000");
        var s = IPEndPoint.Parse("[2001:db8::2]:3478");
        var messages = Frames.Decode(
            Frames.Udp(c, s, Binding(1)),
            Frames.Tcp(c, s, 5, Binding(2)[..30]),
            Frames.Tcp(c, s, 35, Binding(2)[30..]));
        Assert.Equal(2, messages.Count);
        Assert.Equal(c, messages[0].Source);
        Assert.Equal("udp", messages[0].Transport);
        Assert.Equal(s, messages[1].Destination);
        Assert.Equal(Binding(2), messages[1].Bytes);
    }

    [Fact]
    public void A_pcap_written_by_SharpPcap_is_read_back()
    {
        var path = Path.Combine(Path.GetTempPath(), $"icespec-{Guid.NewGuid():N}.pcap");
        try
        {
            var stream = Binding(1).Concat(Binding(2)).ToArray();
            Frames.WritePcap(path,
                Frames.Udp(Client, Server, Binding(3)),
                Frames.Tcp(Client, Server, 100, stream[..25]),
                Frames.Tcp(Client, Server, 125, stream[25..]));
            var capture = CaptureFile.Read(path);
            Assert.Null(capture.Error);
            Assert.Equal(3, capture.Frames);
            Assert.Equal([1, 3, 3], capture.Messages.Select(m => m.Frame));
            Assert.Equal(new DateTime(2023, 11, 14, 22, 13, 22, DateTimeKind.Utc), capture.Messages[1].Time.ToUniversalTime());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
