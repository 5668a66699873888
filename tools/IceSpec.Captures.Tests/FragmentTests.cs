using System.Net;

namespace IceSpec.Captures.Tests;

/// <summary>IP fragment reassembly (RFC 791 §3.2, RFC 8200 §4.5) on hand-built fragments, and tshark's reading of the same file.</summary>
[Trait("Category", "interop")]
public class FragmentTests
{
    private static readonly IPEndPoint Client4 = IPEndPoint.Parse("10.0.0.1:50000");
    private static readonly IPEndPoint Server4 = IPEndPoint.Parse("10.0.0.2:3478");
    private static readonly IPEndPoint Client6 = IPEndPoint.Parse("[fd00::1]:50000");
    private static readonly IPEndPoint Server6 = IPEndPoint.Parse("[fd00::2]:3478");

    /// <summary>A Binding request with 1200 bytes of SOFTWARE-like padding (comprehension-optional PADDING is RFC 5780's 0x0026).</summary>
    private static byte[] BigBinding(byte id) => Frames.Stun(0x0001, id, (0x0026, Enumerable.Range(0, 1200).Select(i => (byte)i).ToArray()));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Fragmented_datagram_is_reassembled_into_one_message_at_the_last_fragment(bool v6)
    {
        var (client, server) = v6 ? (Client6, Server6) : (Client4, Server4);
        var fragments = Frames.UdpFragments(client, server, BigBinding(1), 512, id: 77);
        Assert.Equal(3, fragments.Length);

        var messages = Frames.Decode([Frames.Udp(client, server, Frames.Stun(0x0001, 2)), .. fragments]);

        Assert.Equal(2, messages.Count);
        Assert.Equal(BigBinding(1), messages[1].Bytes);
        Assert.Equal(4, messages[1].Frame);
        Assert.Equal(client, messages[1].Source);
        Assert.Equal(server, messages[1].Destination);
    }

    [Fact]
    public void Fragments_out_of_order_and_duplicated_still_reassemble_once()
    {
        var f = Frames.UdpFragments(Client4, Server4, BigBinding(3), 400, id: 9);
        var messages = Frames.Decode(f[3], f[1], f[1], f[0], f[2]);
        Assert.Single(messages);
        Assert.Equal(BigBinding(3), messages[0].Bytes);
        Assert.Equal(5, messages[0].Frame);
    }

    [Fact]
    public void Interleaved_packets_with_different_identifications_are_kept_apart()
    {
        var a = Frames.UdpFragments(Client4, Server4, BigBinding(4), 512, id: 1);
        var b = Frames.UdpFragments(Client4, Server4, BigBinding(5), 512, id: 2);
        var messages = Frames.Decode(a[0], b[0], b[1], a[1], a[2], b[2]);
        Assert.Equal([BigBinding(4), BigBinding(5)], messages.Select(m => m.Bytes));
    }

    [Fact]
    public void Missing_fragment_gives_no_message()
    {
        var f = Frames.UdpFragments(Client4, Server4, BigBinding(6), 512, id: 3);
        Assert.Empty(Frames.Decode(f[0], f[2]));
    }

    [Fact]
    public void Tshark_reassembles_the_same_fragments_to_the_same_messages()
    {
        var path = Path.Combine(Path.GetTempPath(), $"icespec-fragments-{Guid.NewGuid():N}.pcap");
        try
        {
            var v4 = Frames.UdpFragments(Client4, Server4, BigBinding(7), 512, id: 11);
            var v6 = Frames.UdpFragments(Client6, Server6, BigBinding(8), 512, id: 12);
            Frames.WritePcap(path, [v4[1], v4[0], v6[0], v6[1], v6[2], v4[2]]);
            TsharkDifferentialTests.AssertDecodingEqualsTsharks(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
