using System.Buffers.Binary;
using IceSpec.TestVectors;

namespace IceSpec.Stun.Tests.Codec;

/// <summary>Each kind of malformed input has its own result; none throws.</summary>
[Trait("Category", "unit")]
public sealed class MalformedInputTests
{
    private static readonly StunKey Key = StunKey.ShortTerm(Rfc5769.ShortTermPassword);

    private static byte[] Request => Rfc5769.SampleRequest.Bytes;

    private static StunCheckResult Check(byte[] bytes, StunKey? key = null) => StunMessageChecker.Check(bytes, key, out _);

    [Fact]
    public void Truncated_header() =>
        Assert.Equal(StunParseStatus.TruncatedHeader, Check(Request[..19]).ParseStatus);

    [Fact]
    public void Top_bits_set_is_not_stun()
    {
        var bytes = Request;
        bytes[0] |= 0x40; // ChannelData / RTP start with 01 or 10
        Assert.Equal(StunParseStatus.NotStun, Check(bytes).ParseStatus);
    }

    [Fact]
    public void Wrong_magic_cookie()
    {
        var bytes = Request;
        bytes[4] ^= 0xFF;
        Assert.Equal(StunParseStatus.BadMagicCookie, Check(bytes).ParseStatus);
    }

    [Fact]
    public void Length_not_a_multiple_of_4()
    {
        var bytes = Request;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)(bytes.Length - 20 - 2));
        Assert.Equal(StunParseStatus.LengthNotMultipleOf4, Check(bytes).ParseStatus);
    }

    [Fact]
    public void Length_not_matching_the_bytes()
    {
        var bytes = Request;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)(bytes.Length - 20 - 4));
        Assert.Equal(StunParseStatus.LengthMismatch, Check(bytes).ParseStatus);
    }

    [Fact]
    public void Attribute_overrunning_the_message()
    {
        var bytes = Request;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(22), 0x0100); // SOFTWARE claims 256 bytes
        Assert.Equal(StunParseStatus.AttributeOverrun, Check(bytes).ParseStatus);
    }

    [Fact]
    public void Attribute_after_fingerprint()
    {
        var bytes = Request.Concat(new byte[] { 0x80, 0x22, 0x00, 0x04, 0x61, 0x62, 0x63, 0x64 }).ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)(bytes.Length - 20));
        var result = Check(bytes);
        Assert.Equal(StunCheckOutcome.RuleViolation, result.Outcome);
        Assert.Equal("FingerprintLast", result.Violation.Rule);
        Assert.StartsWith("RFC 8489 §14.7", result.Violation.Citation);
    }

    [Fact]
    public void Attribute_after_message_integrity_other_than_fingerprint()
    {
        // Build: PRIORITY, MESSAGE-INTEGRITY, then SOFTWARE (not allowed after MESSAGE-INTEGRITY).
        var buffer = new byte[256];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), new byte[12]);
        builder.AddPriority(1);
        builder.AddMessageIntegrity(Key);
        builder.AddSoftware("late");
        var result = Check(builder.Written.ToArray(), Key);
        Assert.Equal("OnlyAfterMessageIntegrity", result.Violation.Rule);
        Assert.Equal(StunAttributeTypes.Software, result.Violation.AttributeType);
    }

    [Fact]
    public void Bad_message_integrity()
    {
        var bytes = Request;
        bytes[^20] ^= 0x01; // inside the MESSAGE-INTEGRITY value; FINGERPRINT then also fails, so fix it up
        var fixedUp = RefreshFingerprint(bytes);
        Assert.Equal(StunCheckOutcome.IntegrityMismatch, Check(fixedUp, Key).Outcome);
    }

    [Fact]
    public void Wrong_password() =>
        Assert.Equal(StunCheckOutcome.IntegrityMismatch, Check(Request, StunKey.ShortTerm("not the password")).Outcome);

    [Fact]
    public void Missing_integrity_when_a_key_is_expected()
    {
        var buffer = new byte[64];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), new byte[12]);
        builder.AddFingerprint();
        Assert.Equal(StunCheckOutcome.IntegrityMissing, Check(builder.Written.ToArray(), Key).Outcome);
    }

    [Fact]
    public void Bad_fingerprint()
    {
        var bytes = Request;
        bytes[^1] ^= 0x01;
        Assert.Equal(StunCheckOutcome.FingerprintMismatch, Check(bytes, Key).Outcome);
    }

    [Fact]
    public void Unknown_comprehension_required_attribute()
    {
        var buffer = new byte[64];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), new byte[12]);
        builder.Add(0x7F00, [1, 2, 3, 4]);
        builder.Add(0x7F01, [5]);
        builder.Add(0xC000, [6]); // comprehension-optional: ignored
        var bytes = builder.Written.ToArray();
        var result = Check(bytes);
        Assert.Equal(StunCheckOutcome.UnknownComprehensionRequired, result.Outcome);
        Assert.Equal(0x7F00, result.Violation.AttributeType);

        StunMessage.TryParse(bytes, out var message);
        Span<ushort> unknown = stackalloc ushort[8];
        var count = StunValidator.CollectUnknownComprehensionRequired(message, unknown);
        Assert.Equal(new ushort[] { 0x7F00, 0x7F01 }, unknown[..count].ToArray());
    }

    [Fact]
    public void Reserved_rfc3489_attribute_is_not_understood()
    {
        var buffer = new byte[64];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), new byte[12]);
        builder.Add(StunAttributeTypes.ResponseAddress, [0, 1, 0, 80, 127, 0, 0, 1]);
        Assert.Equal(StunCheckOutcome.UnknownComprehensionRequired, Check(builder.Written.ToArray()).Outcome);
    }

    [Fact]
    public void Malformed_attribute_value()
    {
        var buffer = new byte[64];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), new byte[12]);
        builder.Add(StunAttributeTypes.Priority, [1, 2]); // PRIORITY is u32
        var result = Check(builder.Written.ToArray());
        Assert.Equal(StunValidator.MalformedValueRule, result.Violation.Rule);
        Assert.Equal(StunAttributeTypes.Priority, result.Violation.AttributeType);
    }

    [Fact]
    public void Binding_success_without_xor_mapped_address()
    {
        var buffer = new byte[64];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Success), new byte[12]);
        builder.AddSoftware("x");
        var result = Check(builder.Written.ToArray());
        Assert.Equal("BindingSuccess.Requires.XorMappedAddress", result.Violation.Rule);
        Assert.StartsWith("RFC 8489 §6.3.1.1", result.Violation.Citation);
    }

    [Fact]
    public void Ice_check_from_the_controlled_side_with_use_candidate()
    {
        var buffer = new byte[128];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), new byte[12]);
        builder.AddUsername("a:b");
        builder.AddPriority(1);
        builder.AddIceControlled(2);
        builder.AddUseCandidate();
        builder.AddMessageIntegrity(Key);
        var result = StunMessageChecker.Check(builder.Written.ToArray(), Key, out _, StunValidator.Profile.IceCheck);
        Assert.Equal("BindingRequestIceCheck.UseCandidate.OnlyWith.IceControlling", result.Violation.Rule);
    }

    [Fact]
    public void Ice_check_with_both_roles()
    {
        var buffer = new byte[128];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), new byte[12]);
        builder.AddUsername("a:b");
        builder.AddPriority(1);
        builder.AddIceControlled(2);
        builder.AddIceControlling(3);
        builder.AddMessageIntegrity(Key);
        var result = StunMessageChecker.Check(builder.Written.ToArray(), Key, out _, StunValidator.Profile.IceCheck);
        Assert.Equal("BindingRequestIceCheck.OneOf.IceControllingOrIceControlled", result.Violation.Rule);
    }

    [Fact]
    public void Every_prefix_and_every_bit_flip_of_a_vector_is_rejected_without_throwing()
    {
        var longTerm = StunKey.LongTerm(Rfc5769.SampleLongTermRequest.Username!, "example.org", Rfc5769.SampleLongTermRequest.Password!,
            StunPasswordAlgorithm.Md5, PasswordPreparation.Profile.SaslPrep);
        foreach (var vector in Rfc5769.All)
        {
            var key = vector == Rfc5769.SampleLongTermRequest ? longTerm : Key;
            var bytes = vector.Bytes;
            Assert.Equal(StunCheckOutcome.Valid, Check(bytes, key).Outcome);
            for (var length = 0; length < bytes.Length; length++)
                Assert.NotEqual(StunCheckOutcome.Valid, Check(bytes[..length], key).Outcome);
            for (var i = 0; i < bytes.Length; i++)
                for (var bit = 0; bit < 8; bit++)
                {
                    var copy = (byte[])bytes.Clone();
                    copy[i] ^= (byte)(1 << bit);
                    Assert.NotEqual(StunCheckOutcome.Valid, Check(copy, key).Outcome);
                }
        }
    }

    private static byte[] RefreshFingerprint(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(copy.Length - 4), StunIntegrity.ComputeFingerprint(copy.AsSpan(0, copy.Length - 8)));
        return copy;
    }
}
