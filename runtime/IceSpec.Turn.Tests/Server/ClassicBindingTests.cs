using System.Buffers.Binary;
using IceSpec.Turn.Server;

namespace IceSpec.Turn.Tests.Server;

/// <summary>
/// RFC 5389 §12.2: Binding requests from RFC 3489 clients (no magic cookie). The answers are read byte by byte, as an
/// RFC 3489 client reads them: 16-byte transaction ID echoed, attributes whose lengths are multiples of 4.
/// </summary>
[Trait("Category", "unit")]
public sealed class ClassicBindingTests
{
    private const ushort BindingRequest = 0x0001, BindingResponse = 0x0101, BindingErrorResponse = 0x0111;
    private const ushort MappedAddress = 0x0001, ResponseAddress = 0x0002, ChangeRequest = 0x0003, ErrorCode = 0x0009, UnknownAttributes = 0x000A;
    private static readonly byte[] TransactionId = Convert.FromHexString("0102030405060708090A0B0C0D0E0F10");

    [Fact]
    public void A_plain_request_gets_mapped_address_and_nothing_else()
    {
        var answer = Send(Classic());
        Assert.Equal(BindingResponse, answer.Type);
        Assert.Equal(TransactionId, answer.TransactionId);
        var (type, value) = Assert.Single(answer.Attributes);
        Assert.Equal(MappedAddress, type);
        // RFC 3489 §11.2.1: family 0x01, port, IPv4 address; the client's own.
        Assert.Equal(1, value[1]);
        Assert.Equal(40000, BinaryPrimitives.ReadUInt16BigEndian(value.AsSpan(2)));
        Assert.Equal("203.0.113.7", new System.Net.IPAddress(value[4..8]).ToString());
    }

    [Fact]
    public void A_change_request_asking_for_no_change_is_answered()
    {
        var answer = Send(Classic((ChangeRequest, new byte[4])));
        Assert.Equal(BindingResponse, answer.Type);
        Assert.Equal(MappedAddress, Assert.Single(answer.Attributes).Type);
    }

    [Fact]
    public void An_optional_attribute_it_does_not_know_is_ignored()
    {
        var answer = Send(Classic((0x8022, "stun-client"u8.ToArray().Concat(new byte[1]).ToArray())));
        Assert.Equal(BindingResponse, answer.Type);
    }

    [Theory]
    [InlineData(new ushort[] { ChangeRequest }, new ushort[] { ChangeRequest, ChangeRequest })]
    [InlineData(new ushort[] { ResponseAddress }, new ushort[] { ResponseAddress, ResponseAddress })]
    [InlineData(new ushort[] { ResponseAddress, ChangeRequest }, new ushort[] { ResponseAddress, ChangeRequest })]
    public void A_change_of_address_or_a_response_address_gets_420_listing_them(ushort[] sent, ushort[] listed)
    {
        // CHANGE-REQUEST with flag A (change IP, RFC 3489 §11.2.4); RESPONSE-ADDRESS 192.0.2.1:5000.
        var attributes = sent.Select(t => (t, t == ChangeRequest ? new byte[] { 0, 0, 0, 4 } : new byte[] { 0, 1, 0x13, 0x88, 192, 0, 2, 1 })).ToArray();
        var answer = Send(Classic(attributes));
        Assert.Equal(BindingErrorResponse, answer.Type);
        Assert.Equal(TransactionId, answer.TransactionId);
        var error = answer.Attributes.Single(a => a.Type == ErrorCode).Value;
        Assert.Equal(420, (error[2] & 7) * 100 + error[3]);
        // RFC 3489 §11.2.10: an even number of entries (one repeated when odd), so the length is a multiple of 4.
        var unknown = answer.Attributes.Single(a => a.Type == UnknownAttributes).Value;
        Assert.Equal(listed, Enumerable.Range(0, unknown.Length / 2).Select(i => BinaryPrimitives.ReadUInt16BigEndian(unknown.AsSpan(2 * i))));
    }

    [Fact]
    public void Attributes_that_do_not_fill_the_body_are_dropped_without_an_answer()
    {
        var request = Classic((ChangeRequest, new byte[4]));
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(22), 8); // CHANGE-REQUEST claims 8 bytes, 4 follow
        var harness = new CoreHarness();
        Assert.Empty(harness.NewClient().SendRaw(request));
        Assert.Equal(1, harness.Server.Counters.DroppedMalformed);
    }

    private static ClassicAnswer Send(byte[] request)
    {
        var harness = new CoreHarness();
        var sent = harness.NewClient().SendRaw(request);
        return ClassicAnswer.Read(Assert.Single(sent).Data.ToArray());
    }

    /// <summary>RFC 3489 §11.1: type, length, 128-bit transaction ID (no magic cookie), then the attributes.</summary>
    private static byte[] Classic(params (ushort Type, byte[] Value)[] attributes)
    {
        var body = attributes.SelectMany(a => new byte[] { (byte)(a.Type >> 8), (byte)a.Type, (byte)(a.Value.Length >> 8), (byte)a.Value.Length }.Concat(a.Value)).ToArray();
        var header = new byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(header, BindingRequest);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)body.Length);
        return [.. header, .. TransactionId, .. body];
    }

    private sealed record ClassicAnswer(ushort Type, byte[] TransactionId, List<(ushort Type, byte[] Value)> Attributes)
    {
        public static ClassicAnswer Read(byte[] bytes)
        {
            Assert.Equal(bytes.Length - 20, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(2)));
            var attributes = new List<(ushort, byte[])>();
            for (var offset = 20; offset < bytes.Length;)
            {
                var length = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(offset + 2));
                Assert.Equal(0, length % 4); // RFC 3489 §11.2: what its clients accept
                attributes.Add((BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(offset)), bytes[(offset + 4)..(offset + 4 + length)]));
                offset += 4 + length;
            }
            return new ClassicAnswer(BinaryPrimitives.ReadUInt16BigEndian(bytes), bytes[4..20], attributes);
        }
    }
}
