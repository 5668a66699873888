using System.Buffers;
using IceSpec.TestVectors;

namespace IceSpec.Stun.Tests.Codec;

[Trait("Category", "unit")]
public sealed class BufferWriterTests
{
    [Fact]
    public void Building_into_an_IBufferWriter_produces_the_rfc5769_request()
    {
        var writer = new ArrayBufferWriter<byte>();
        writer.Write(new byte[] { 0xEE }); // something already in the writer stays in front
        StunMessage.TryParse(Rfc5769.SampleRequest.Bytes, out var vector);
        var builder = StunMessageBuilder.Create(writer, vector.Type, vector.TransactionId);
        builder.AddSoftware("STUN test client", 0x20);
        builder.AddPriority(0x6e0001ff);
        builder.AddIceControlled(0x932ff9b151263b36);
        builder.AddUsername("evtj:h6vY", 0x20);
        builder.AddMessageIntegrity(StunKey.ShortTerm(Rfc5769.ShortTermPassword));
        builder.AddFingerprint();
        Assert.Equal(Rfc5769.SampleRequest.Bytes.Length, builder.Commit());
        Assert.Equal(new byte[] { 0xEE }.Concat(Rfc5769.SampleRequest.Bytes).ToArray(), writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Running_out_of_room_says_how_much_was_needed()
    {
        var buffer = new byte[24];
        var error = Assert.Throws<InvalidOperationException>(() =>
        {
            var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), new byte[12]);
            builder.AddSoftware("too long for the buffer");
        });
        Assert.Contains("does not fit", error.Message);
    }
}
