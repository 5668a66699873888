namespace IceSpec.Turn.Tests;

/// <summary>ChannelData framing (RFC 8656 §12.4, §12.5) and stream cutting.</summary>
public sealed class ChannelDataTests
{
    [Fact]
    public void RoundTrips_WithPaddingOnStreams()
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
    [InlineData(0x3FFF)]
    [InlineData(0x5000)]
    public void ChannelOutsideTheRange_IsNotChannelData(int channel)
    {
        byte[] bytes = [(byte)(channel >> 8), (byte)channel, 0, 0];
        Assert.Equal(ChannelDataStatus.NotAChannel, ChannelData.TryParse(bytes, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChannelData.Write(new byte[8], (ushort)channel, [], false));
    }

    [Fact]
    public void LengthBeyondTheBuffer_IsRejected() =>
        Assert.Equal(ChannelDataStatus.LengthOverrun, ChannelData.TryParse(new byte[] { 0x40, 0x00, 0x00, 0x08, 1, 2 }, out _));

    [Fact]
    public void StreamFraming_CutsStunAndChannelData()
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
