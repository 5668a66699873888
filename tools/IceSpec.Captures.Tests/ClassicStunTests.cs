using System.Buffers.Binary;
using System.Net;
using IceSpec.Captures.Analysis;
using IceSpec.Captures.Credentials;

namespace IceSpec.Captures.Tests;

/// <summary>
/// The classic STUN (RFC 3489) recognizer: what it accepts and rejects, its attribute reading (on stund's and coturn's
/// real answers from pcaps/classic-stun-*.pcapng), the decoder's use of it, and request/response pairing by 16-byte ID.
/// </summary>
[Trait("Category", "unit")]
public class ClassicStunTests
{
    private static readonly IPEndPoint Client = IPEndPoint.Parse("10.0.0.1:50000");
    private static readonly IPEndPoint Server = IPEndPoint.Parse("10.0.0.2:3478");

    /// <summary>stund 0.97's first request of classic-stun-stund.pcapng: Binding Request with CHANGE-REQUEST 0.</summary>
    private static readonly byte[] StundRequest = Convert.FromHexString("0001000801b06d10539e9c4b3fbbe11742941e7a0003000400000000");

    /// <summary>stund's answer: MAPPED-, SOURCE-, CHANGED-ADDRESS, XOR-MAPPED-ADDRESS (0x0020), SOFTWARE "Vovida.org 0.97".</summary>
    private static readonly byte[] StundResponse = Convert.FromHexString(
        "0101004401b06d10539e9c4b3fbbe11742941e7a00010008000164247f0000010004000800010d967f0000010005000800010d977f000002" +
        "00200008000165947eb06d1180220010566f766964612e6f726720302e393700");

    /// <summary>coturn 4.6.1's 420 to a CHANGE-REQUEST with a flag set (it has no RFC 5780 second address).</summary>
    private static readonly byte[] Coturn420 = Convert.FromHexString(
        "0111006c022f875d8b61765fd0843b268ed8cf5d0009004c00000414556e6b6e6f776e206174747269627574653a205455524e20736572" +
        "7665722077617320636f6e6669677572656420776974686f757420524643203537383020737570706f7274000080220018436f7475726e2d" +
        "342e362e312027476f7273742700000000");

    /// <summary>A classic message: type, a 16-byte ID of <paramref name="id"/>, and attributes whose values are multiples of 4.</summary>
    private static byte[] Classic(ushort type, byte id, params (ushort Type, byte[] Value)[] attributes)
    {
        var body = attributes.SelectMany(a => new byte[] { (byte)(a.Type >> 8), (byte)a.Type, (byte)(a.Value.Length >> 8), (byte)a.Value.Length }.Concat(a.Value)).ToArray();
        var message = new byte[20 + body.Length];
        BinaryPrimitives.WriteUInt16BigEndian(message, type);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), (ushort)body.Length);
        message.AsSpan(4, 16).Fill(id);
        body.CopyTo(message, 20);
        return message;
    }

    [Fact]
    public void A_cookieless_binding_request_is_classic()
    {
        Assert.True(ClassicStun.IsClassic(Classic(0x0001, 7)));
        Assert.True(ClassicStun.IsClassic(Classic(0x0001, 7, (0x0003, [0, 0, 0, 6]))));
        Assert.True(ClassicStun.IsClassic(StundRequest));
        Assert.True(ClassicStun.IsClassic(StundResponse));
        Assert.True(ClassicStun.IsClassic(Coturn420));
    }

    [Theory]
    [InlineData((ushort)0x0101)]
    [InlineData((ushort)0x0111)]
    [InlineData((ushort)0x0002)]
    [InlineData((ushort)0x0102)]
    [InlineData((ushort)0x0112)]
    public void Every_rfc3489_message_type_is_classic(ushort type) => Assert.True(ClassicStun.IsClassic(Classic(type, 1)));

    [Theory]
    [InlineData((ushort)0x0011)] // a Binding indication: RFC 5389 only
    [InlineData((ushort)0x0003)] // Allocate request: TURN, never cookie-less
    [InlineData((ushort)0x4001)] // a ChannelData-like first byte
    public void Other_message_types_are_not_classic(ushort type) => Assert.False(ClassicStun.IsClassic(Classic(type, 1)));

    [Fact]
    public void An_rfc5389_message_is_not_classic()
    {
        var withCookie = Frames.Stun(0x0001, 3, (0x0024, [0, 0, 0, 1]));
        Assert.True(IceSpec.Stun.StunMessage.LooksLikeStun(withCookie));
        Assert.False(ClassicStun.IsClassic(withCookie));
    }

    [Fact]
    public void A_cookieless_message_with_fingerprint_is_not_classic() =>
        Assert.False(ClassicStun.IsClassic(Classic(0x0101, 7, (0x0001, [0, 1, 0xC3, 0x50, 10, 0, 0, 1]), (0x8028, [1, 2, 3, 4]))));

    [Fact]
    public void A_length_that_is_not_the_rest_of_the_datagram_is_not_classic()
    {
        var message = Classic(0x0001, 7, (0x0003, [0, 0, 0, 0]));
        Assert.False(ClassicStun.IsClassic(message.Concat(new byte[4]).ToArray())); // 4 bytes after the message
        Assert.False(ClassicStun.IsClassic(message[..^4]));                         // cut short
        var notMultipleOf4 = Classic(0x0001, 7, (0x0006, [1, 2]));
        Assert.True(notMultipleOf4.Length == 26);
        Assert.False(ClassicStun.IsClassic(notMultipleOf4));                        // length 6
    }

    [Fact]
    public void Attributes_that_do_not_fill_the_body_exactly_are_not_classic()
    {
        var message = Classic(0x0001, 7, (0x0003, [0, 0, 0, 0]));
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(22), 8); // CHANGE-REQUEST claims 8 bytes of a 4-byte body
        Assert.False(ClassicStun.IsClassic(message));
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(22), 2); // claims 2, padded to 4: fills the body, so it is accepted
        Assert.True(ClassicStun.IsClassic(message));
        var twoAttributes = Classic(0x0001, 7, (0x0003, [0, 0, 0, 0]), (0x0006, [65, 66, 67, 68]));
        BinaryPrimitives.WriteUInt16BigEndian(twoAttributes.AsSpan(30), 6); // USERNAME claims 6: padded to 8, past the end
        Assert.False(ClassicStun.IsClassic(twoAttributes));
    }

    [Fact]
    public void Random_payloads_with_a_request_type_but_a_wrong_length_are_not_classic()
    {
        var random = new Random(3489);
        for (var i = 0; i < 10_000; i++)
        {
            var payload = new byte[20 + random.Next(0, 200)];
            random.NextBytes(payload);
            BinaryPrimitives.WriteUInt16BigEndian(payload, 0x0001);
            var length = BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(2));
            if (length == payload.Length - 20) BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(2), (ushort)(length + 4));
            Assert.False(ClassicStun.IsClassic(payload), Convert.ToHexStringLower(payload));
        }
    }

    [Fact]
    public void Stunds_xor_mapped_address_is_xored_with_the_first_32_bits_of_the_id_and_equals_mapped_address()
    {
        var id = StundResponse.AsSpan(4, 16);
        var attributes = ClassicStun.Attributes(StundResponse);
        Assert.Equal([0x0001, 0x0004, 0x0005, 0x0020, 0x8022], attributes.Select(a => a.Type));
        Assert.True(ClassicStun.TryReadAddress(0x0001, attributes[0].Value, id, out var mapped));
        Assert.True(ClassicStun.TryReadAddress(0x0020, attributes[3].Value, id, out var xorMapped));
        Assert.Equal(IPEndPoint.Parse("127.0.0.1:25636"), mapped);
        Assert.Equal(mapped, xorMapped);
        Assert.Equal("127.0.0.2:3479", ClassicStun.Describe(0x0005, attributes[2].Value, id));
        Assert.Equal("Vovida.org 0.97", ClassicStun.Describe(0x8022, attributes[4].Value, id));
        Assert.Equal(["MAPPED-ADDRESS", "SOURCE-ADDRESS", "CHANGED-ADDRESS", "XOR-MAPPED-ADDRESS", "SOFTWARE"],
            attributes.Select(a => ClassicStun.AttributeName(a.Type)));
    }

    [Fact]
    public void Error_code_and_change_request_are_described()
    {
        var error = ClassicStun.Attributes(Coturn420)[0];
        Assert.Equal("420 Unknown attribute: TURN server was configured without RFC 5780 support", ClassicStun.Describe(error.Type, error.Value, Coturn420.AsSpan(4, 16)));
        Assert.Equal("change IP yes, change port no", ClassicStun.Describe(0x0003, [0, 0, 0, 4], new byte[16]));
    }

    [Fact]
    public void Decoder_keeps_classic_datagrams_as_classic_stun_and_skips_lookalikes()
    {
        var bad = (byte[])StundRequest.Clone();
        bad[3] = 12; // length no longer the rest of the datagram
        var messages = Frames.Decode(
            Frames.Udp(Client, Server, StundRequest),
            Frames.Udp(Client, Server, bad),
            Frames.Udp(Server, Client, Frames.Stun(0x0101, 1)));

        Assert.Equal([CapturedKind.ClassicStun, CapturedKind.Stun], messages.Select(m => m.Kind));
        Assert.Equal([1, 3], messages.Select(m => m.Frame));
        Assert.Equal(StundRequest, messages[0].Bytes);
    }

    [Fact]
    public void Analyzer_pairs_classic_request_and_response_by_16_byte_id_even_from_another_address()
    {
        var analyzer = new CaptureAnalyzer(new CaptureCredentials());
        var t = DateTime.UnixEpoch;
        analyzer.Add(new CapturedMessage(1, t, "udp", Client, Server, CapturedKind.ClassicStun, Classic(0x0001, 1, (0x0003, [0, 0, 0, 6]))));
        // RFC 3489 §8.1: with CHANGE-REQUEST the answer comes from the other address and port.
        analyzer.Add(new CapturedMessage(2, t.AddMilliseconds(1), "udp", IPEndPoint.Parse("10.0.0.3:3479"), Client, CapturedKind.ClassicStun,
            Classic(0x0101, 1, (0x0001, [0, 1, 0xC3, 0x50, 10, 0, 0, 1]))));
        analyzer.Add(new CapturedMessage(3, t.AddMilliseconds(2), "udp", Client, Server, CapturedKind.ClassicStun, Classic(0x0001, 2)));
        analyzer.Add(new CapturedMessage(4, t.AddMilliseconds(3), "udp", Server, Client, CapturedKind.ClassicStun, Classic(0x0111, 9, (0x0009, [0, 0, 4, 20]))));
        var report = analyzer.Finish(4);

        Assert.Equal(4, report.ClassicStunMessages);
        Assert.Equal(0, report.StunMessages);
        Assert.Equal(2, report.Transactions.Count);
        Assert.Equal(1, report.Transactions.Answered);
        var answered = report.Transactions.Listed[0];
        Assert.Equal((1, 2, "success", true), (answered.RequestFrame, answered.ResponseFrame, answered.Outcome, answered.Classic));
        Assert.Equal(string.Concat(Enumerable.Repeat("01", 16)), answered.Id); // all 16 bytes of the ID
        Assert.Equal("unanswered at end of capture", report.Transactions.Listed[1].Outcome);
        Assert.All(report.Timeline, e => Assert.EndsWith("(classic RFC 3489)", e.Label));
        Assert.Empty(report.Violations);
    }
}
