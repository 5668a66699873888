namespace IceSpec.Stun.Tests.Codec;

/// <summary>
/// ERROR-CODE's one layout, read two ways: RFC 8489 §14.8's (class 3..6, number 0..99, UTF-8) and as sent, for RFC 3489
/// §11.2.9 messages and captures (the classic readers use it instead of restating the layout).
/// </summary>
[Trait("Category", "unit")]
public sealed class ErrorCodeReadingTests
{
    [Fact]
    public void As_sent_reads_class_times_hundred_plus_number_and_the_reason_as_it_is()
    {
        byte[] value = [0, 0, 4, 20, (byte)'U', (byte)'n', 0, 0];
        Assert.True(StunErrorCode.TryReadAsSent(value, out var code, out var reason));
        Assert.Equal(420, code);
        Assert.Equal(new byte[] { (byte)'U', (byte)'n', 0, 0 }, reason.ToArray());
    }

    [Fact]
    public void As_sent_takes_what_rfc8489_refuses()
    {
        byte[] classOne = [0, 0, 1, 0];          // 100: RFC 3489 §11.2.9 allows 100..699, RFC 8489 §14.8 only 300..699
        Assert.False(StunErrorCode.TryRead(classOne, out _, out _));
        Assert.True(StunErrorCode.TryReadAsSent(classOne, out var code, out var reason));
        Assert.Equal(100, code);
        Assert.True(reason.IsEmpty);
        Assert.False(StunErrorCode.TryReadAsSent([0, 0, 4], out _, out _));   // shorter than the 4-byte header
    }
}
