namespace IceSpec.Turn.Tests;

/// <summary>ChannelData framing (RFC 8656 §12.4, §12.5) and stream cutting.</summary>
[Trait("Category", "unit")]
public sealed class ChannelDataTests
{
    [Fact]
    public void Round_trips_with_padding_on_streams()
    {
        var buffer = new byte[32];
        var written = ChannelData.Write(buffer, 0x4001, [1, 2, 3, 4, 5], padForStream: true);
        Assert.Equal(4 + 8, written);
        Assert.Equal(ChannelDataStatus.Ok, ChannelData.TryParse(buffer.AsSpan(0, written), out var message));
        Assert.Equal(0x4001, message.Channel);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, message.Data.ToArray());
        Assert.Equal(written, message.FramedLength);
    }

    [Theory]
    [InlineData(0x3FFF, false)]
    [InlineData(0x5000, false)]
    [InlineData(0x8000, true)]
    public void Channel_outside_the_range_is_not_channel_data(int channel, bool acceptRfc5766Range)
    {
        byte[] bytes = [(byte)(channel >> 8), (byte)channel, 0, 0];
        Assert.Equal(ChannelDataStatus.NotAChannel, ChannelData.TryParse(bytes, out _, acceptRfc5766Range));
    }

    [Fact]
    public void Rfc5766_channels_are_accepted_only_when_asked()
    {
        byte[] bytes = [0x6E, 0x43, 0, 1, 7, 0, 0, 0];
        Assert.Equal(ChannelDataStatus.NotAChannel, ChannelData.TryParse(bytes, out _));
        Assert.Equal(ChannelDataStatus.Ok, ChannelData.TryParse(bytes, out var message, acceptRfc5766Range: true));
        Assert.Equal(0x6E43, message.Channel);
        Assert.Equal(8, StreamFraming.NextMessageLength(bytes, acceptRfc5766Range: true));
        Assert.Equal(-1, StreamFraming.NextMessageLength(bytes));
    }

    [Theory]
    [InlineData(0x3FFF)]
    [InlineData(0x8000)]
    public void Writing_a_non_channel_number_throws(int channel) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ChannelData.Write(new byte[8], (ushort)channel, [], false));

    [Fact]
    public void Length_beyond_the_buffer_is_rejected() =>
        Assert.Equal(ChannelDataStatus.LengthOverrun, ChannelData.TryParse(new byte[] { 0x40, 0x00, 0x00, 0x08, 1, 2 }, out _));

    [Fact]
    public void Stream_framing_cuts_stun_and_channel_data()
    {
        var stream = new byte[64];
        var channel = ChannelData.Write(stream, 0x4FFF, [9, 9, 9], padForStream: true);
        var stun = new IceSpec.Stun.StunMessageBuilder(stream.AsSpan(channel), new IceSpec.Stun.StunMessageType(IceSpec.Stun.StunMethods.Binding, IceSpec.Stun.StunClass.Request), new byte[12]).Length;
        Assert.Equal(channel, StreamFraming.NextMessageLength(stream));
        Assert.Equal(stun, StreamFraming.NextMessageLength(stream.AsSpan(channel, stun)));
        Assert.Equal(0, StreamFraming.NextMessageLength(stream.AsSpan(channel, stun - 1)));
        Assert.Equal(-1, StreamFraming.NextMessageLength(new byte[] { 0xC0, 0, 0, 0 }));
    }
}
