using IceSpec.Stun.Transports;
using IceSpec.TestVectors;

namespace IceSpec.Stun.Tests.Transports;

/// <summary>
/// The STUN client's stream framing (RFC 8489 §6.2.2: header + Message Length), which a <see cref="StreamMessageTransport"/>
/// uses unless it is given another (IceSpec.Turn's, which adds ChannelData).
/// </summary>
[Trait("Category", "unit")]
public sealed class MessageFramingTests
{
    private static readonly byte[] Request = Rfc5769.SampleRequest.Bytes;

    [Fact]
    public void Stun_only_frames_a_whole_message_by_its_header_and_length()
    {
        var stream = Request.Concat(Request).ToArray();
        Assert.Equal(Request.Length, MessageFramings.StunOnly(stream));
        Assert.Equal(Request.Length, MessageFramings.StunOnly(Request));
    }

    [Fact]
    public void Stun_only_asks_for_more_bytes_until_the_message_is_complete()
    {
        Assert.Equal(0, MessageFramings.StunOnly(Request.AsSpan(0, 3)));
        Assert.Equal(0, MessageFramings.StunOnly(Request.AsSpan(0, Request.Length - 1)));
    }

    [Fact]
    public void Stun_only_refuses_channel_data_and_other_traffic()
    {
        Assert.Equal(-1, MessageFramings.StunOnly(new byte[] { 0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4 }));
        Assert.Equal(-1, MessageFramings.StunOnly(new byte[] { 0x80, 0x00, 0x00, 0x00 }));
    }
}
