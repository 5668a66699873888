using System.Security.Cryptography;
using IceSpec.TestVectors;

namespace IceSpec.Stun.Tests.Codec;

/// <summary>Integrity computations against .NET's own HMAC, whichever HMAC implementation the key uses.</summary>
[Trait("Category", "unit")]
public sealed class IntegrityTests
{
    [Fact]
    public void Message_integrity_equals_hmac_sha1_of_the_covered_bytes()
    {
        var bytes = Rfc5769.SampleRequest.Bytes;
        var key = System.Text.Encoding.UTF8.GetBytes(Rfc5769.ShortTermPassword);
        // Covered: everything before MESSAGE-INTEGRITY, with the length field ending after it (FINGERPRINT excluded).
        var covered = bytes[..(bytes.Length - 8 - 24)];
        covered[3] = (byte)(bytes.Length - 8 - 20);
        var expected = HMACSHA1.HashData(key, covered);
        Span<byte> computed = stackalloc byte[20];
        new StunKey(key).ComputeSha1(bytes, bytes.Length - 8 - 24, 20, computed);
        Assert.Equal(expected, computed.ToArray());
        Assert.Equal(expected, bytes[^28..^8]);
    }

    [Fact]
    public void Message_integrity_sha256_of_a_large_message_matches_across_the_stack_copy_limit()
    {
        // A 40 kB attribute (STUN over TCP allows messages up to 64 kB): offsets beyond 32767 must work.
        var buffer = new byte[41_000];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), new byte[12]);
        builder.AddPadding(new byte[40_000]);
        var key = StunKey.ShortTerm("large");
        builder.AddMessageIntegritySha256(key);
        builder.AddFingerprint();
        Assert.Equal(StunCheckOutcome.Valid, StunMessageChecker.Check(builder.Written, key, out var message).Outcome);
        Assert.True(message.MessageIntegritySha256Offset > short.MaxValue);
    }

    [Fact]
    public void One_key_used_from_many_threads_gives_the_same_mac()
    {
        var bytes = Rfc5769.SampleRequest.Bytes;
        var key = StunKey.ShortTerm(Rfc5769.ShortTermPassword);
        var failures = 0;
        Parallel.For(0, 20_000, _ =>
        {
            StunMessage.TryParse(bytes, out var message);
            if (StunIntegrity.VerifyMessageIntegrity(message, key) != IntegrityStatus.Valid) Interlocked.Increment(ref failures);
        });
        Assert.Equal(0, failures);
    }
}
