using System.Buffers.Binary;
using System.Net;

namespace IceSpec.Captures.Tests;

/// <summary>
/// STUN carried by a TURN server (RFC 8656 §11 Send/Data indications, §12.4 ChannelData) is decoded too, between the
/// allocation's relayed address and the peer — what an ICE check through a relayed candidate looks like to the peer.
/// </summary>
[Trait("Category", "unit")]
public sealed class RelayedMessageTests
{
    private static readonly IPEndPoint Client = IPEndPoint.Parse("10.0.0.2:40000");
    private static readonly IPEndPoint Server = IPEndPoint.Parse("192.0.2.1:3478");
    private static readonly IPEndPoint Relayed = IPEndPoint.Parse("192.0.2.1:50000");
    private static readonly IPEndPoint Peer = IPEndPoint.Parse("198.51.100.7:6000");

    private static readonly byte[] Check = Frames.Stun(0x0001, 0x77, (0x0006, "R:L"u8.ToArray()));
    private static readonly byte[] CheckAnswer = Frames.Stun(0x0101, 0x77, (0x0020, XorAddress(Client)));

    [Fact]
    public void Stun_in_send_and_data_indications_is_decoded_between_the_relayed_address_and_the_peer()
    {
        var messages = Frames.Decode(
            Frames.Udp(Server, Client, Frames.Stun(0x0103, 1, (0x0016, XorAddress(Relayed)))),        // 1: Allocate success
            Frames.Udp(Client, Server, Frames.Stun(0x0016, 2, (0x0012, XorAddress(Peer)), (0x0013, Check))),      // 2: Send
            Frames.Udp(Server, Client, Frames.Stun(0x0017, 3, (0x0012, XorAddress(Peer)), (0x0013, CheckAnswer))), // 3: Data
            Frames.Udp(Client, Server, Frames.Stun(0x0016, 4, (0x0012, XorAddress(Peer)), (0x0013, [1, 2, 3, 4])))); // 4: not STUN

        var relayed = messages.Where(m => m.Relay is not null).ToList();
        Assert.Equal(2, relayed.Count);
        Assert.Equal((2, Relayed, Peer), (relayed[0].Frame, relayed[0].Source, relayed[0].Destination));
        Assert.Equal(Check, relayed[0].Bytes);
        Assert.Equal(new CapturedRelay("Send indication", "udp", Client, Server), relayed[0].Relay);
        Assert.Equal((3, Peer, Relayed), (relayed[1].Frame, relayed[1].Source, relayed[1].Destination));
        Assert.Equal(CheckAnswer, relayed[1].Bytes);
        Assert.Equal("Data indication", relayed[1].Relay!.Carrier);
        Assert.Equal(6, messages.Count); // the four on the wire and the two inside
    }

    [Fact]
    public void Stun_in_channel_data_is_decoded_both_ways_once_the_channel_is_bound_to_the_peer()
    {
        var messages = Frames.Decode(
            Frames.Udp(Server, Client, Frames.Stun(0x0103, 1, (0x0016, XorAddress(Relayed)))),
            Frames.Udp(Client, Server, Frames.Stun(0x0009, 2, (0x000C, Frames.ChannelNumber(0x4001)), (0x0012, XorAddress(Peer)))),
            Frames.Udp(Server, Client, Frames.Stun(0x0109, 2)),
            Frames.Udp(Client, Server, ChannelData(0x4001, Check)),        // 4
            Frames.Udp(Server, Client, ChannelData(0x4001, CheckAnswer)),  // 5
            Frames.Udp(Client, Server, Frames.ChannelData(0x4001, 8, padded: false))); // 6: application data

        var relayed = messages.Where(m => m.Relay is not null).ToList();
        Assert.Equal([4, 5], relayed.Select(m => m.Frame));
        Assert.Equal((Relayed, Peer, "ChannelData 0x4001"), (relayed[0].Source, relayed[0].Destination, relayed[0].Relay!.Carrier));
        Assert.Equal((Peer, Relayed), (relayed[1].Source, relayed[1].Destination));
        Assert.Equal(CheckAnswer, relayed[1].Bytes);
    }

    [Fact]
    public void Without_the_allocate_success_the_relayed_address_is_unknown_and_nothing_is_made_up()
    {
        var messages = Frames.Decode(
            Frames.Udp(Client, Server, Frames.Stun(0x0016, 2, (0x0012, XorAddress(Peer)), (0x0013, Check))));
        Assert.Single(messages);
        Assert.Null(messages[0].Relay);
    }

    [Fact]
    public void The_analyzer_pairs_a_relayed_check_with_its_relayed_answer()
    {
        var capture = Path.GetTempFileName();
        try
        {
            Frames.WritePcap(capture,
                Frames.Udp(Server, Client, Frames.Stun(0x0103, 1, (0x0016, XorAddress(Relayed)))),
                Frames.Udp(Client, Server, Frames.Stun(0x0016, 2, (0x0012, XorAddress(Peer)), (0x0013, Check))),
                Frames.Udp(Server, Client, Frames.Stun(0x0017, 3, (0x0012, XorAddress(Peer)), (0x0013, CheckAnswer))));
            var (report, error) = Analysis.CaptureAnalyzer.AnalyzeFile(capture, new Credentials.CaptureCredentials());
            Assert.Null(error);
            var binding = Assert.Single(report.Transactions.Listed, t => t.Method == "Binding");
            Assert.Equal((Relayed.ToString(), Peer.ToString(), "success"), (binding.Client, binding.Server, binding.Outcome));
        }
        finally
        {
            File.Delete(capture);
        }
    }

    /// <summary>An XOR-ed IPv4 address attribute value (RFC 8489 §14.2: port XOR the cookie's top half, address XOR the cookie).</summary>
    private static byte[] XorAddress(IPEndPoint endpoint)
    {
        var value = new byte[8];
        value[1] = 1;
        BinaryPrimitives.WriteUInt16BigEndian(value.AsSpan(2), (ushort)(endpoint.Port ^ (Frames.Cookie >> 16)));
        BinaryPrimitives.WriteUInt32BigEndian(value.AsSpan(4), BinaryPrimitives.ReadUInt32BigEndian(endpoint.Address.GetAddressBytes()) ^ Frames.Cookie);
        return value;
    }

    private static byte[] ChannelData(ushort channel, byte[] payload)
    {
        var data = new byte[4 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(data, channel);
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(2), (ushort)payload.Length);
        payload.CopyTo(data, 4);
        return data;
    }
}
