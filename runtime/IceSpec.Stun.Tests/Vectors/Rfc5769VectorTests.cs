using System.Net;
using IceSpec.TestVectors;

namespace IceSpec.Stun.Tests.Vectors;

/// <summary>RFC 5769: every vector decodes to the values the RFC states, verifies, and re-encodes byte for byte.</summary>
[Trait("Category", "unit")]
public sealed class Rfc5769VectorTests
{
    private static readonly StunKey ShortTermKey = StunKey.ShortTerm(Rfc5769.ShortTermPassword);

    private static StunKey LongTermKey() =>
        StunKey.LongTerm(Rfc5769.SampleLongTermRequest.Username!, "example.org", Rfc5769.SampleLongTermRequest.Password!,
            StunPasswordAlgorithm.Md5, PasswordPreparation.Profile.SaslPrep);

    [Fact]
    public void Sample_request_decodes_to_the_stated_values()
    {
        var bytes = Rfc5769.SampleRequest.Bytes;
        var result = StunMessageChecker.Check(bytes, ShortTermKey, out var message, profile: StunValidator.Profile.IceCheck);
        Assert.Equal(StunCheckOutcome.Valid, result.Outcome);
        Assert.Equal(StunMethods.Binding, message.Method);
        Assert.Equal(StunClass.Request, message.Class);
        Assert.Equal("STUN test client", message.GetSoftwareString());
        Assert.True(message.TryGetPriority(out var priority));
        Assert.Equal(0x6e0001ffu, priority);
        Assert.True(message.TryGetIceControlled(out var tieBreaker));
        Assert.Equal(0x932ff9b151263b36ul, tieBreaker);
        Assert.Equal("evtj:h6vY", message.GetUsernameString());
        Assert.Equal(IntegrityStatus.Valid, StunIntegrity.VerifyFingerprint(message));
    }

    [Fact]
    public void Sample_IPv4_response_decodes_to_the_stated_address()
    {
        var result = StunMessageChecker.Check(Rfc5769.SampleIPv4Response.Bytes, ShortTermKey, out var message);
        Assert.Equal(StunCheckOutcome.Valid, result.Outcome);
        Assert.Equal(StunClass.Success, message.Class);
        Assert.Equal("test vector", message.GetSoftwareString());
        Assert.True(message.TryGetXorMappedAddress(out var mapped));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853), mapped.ToEndPoint());
    }

    [Fact]
    public void Sample_IPv6_response_decodes_to_the_stated_address()
    {
        var result = StunMessageChecker.Check(Rfc5769.SampleIPv6Response.Bytes, ShortTermKey, out var message);
        Assert.Equal(StunCheckOutcome.Valid, result.Outcome);
        Assert.True(message.TryGetXorMappedAddress(out var mapped));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677"), 32853), mapped.ToEndPoint());
    }

    [Fact]
    public void Sample_long_term_request_verifies_with_the_SaslPrep_ped_password()
    {
        var result = StunMessageChecker.Check(Rfc5769.SampleLongTermRequest.Bytes, LongTermKey(), out var message);
        Assert.Equal(StunCheckOutcome.Valid, result.Outcome);
        Assert.Equal("\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9", message.GetUsernameString());
        Assert.Equal("f//499k954d6OL34oL9FSTvy64sA", message.GetNonceString());
        Assert.Equal("example.org", message.GetRealmString());
        Assert.False(message.HasFingerprint);
    }

    [Fact]
    public void Sample_long_term_request_fails_with_the_unprepared_password()
    {
        // Without SASLprep the soft hyphen stays in and U+2168 is not "IX": the key differs. OpaqueString (RFC 8489)
        // rejects the soft hyphen outright (RFC 8264: default-ignorable code points are disallowed).
        var raw = new StunKey(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(
            Rfc5769.SampleLongTermRequest.Username + ":example.org:" + Rfc5769.SampleLongTermRequest.Password)));
        Assert.Equal(StunCheckOutcome.IntegrityMismatch, StunMessageChecker.Check(Rfc5769.SampleLongTermRequest.Bytes, raw, out _).Outcome);
        Assert.Throws<ArgumentException>(() => PasswordPreparation.OpaqueString(Rfc5769.SampleLongTermRequest.Password!));
    }

    public static TheoryData<string> VectorNames => new() { "2.1", "2.2", "2.3", "2.4" };

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Every_vector_reencodes_byte_for_byte(string section)
    {
        var vector = Rfc5769.All.Single(v => v.Source.EndsWith(section));
        var key = section == "2.4" ? LongTermKey() : ShortTermKey;
        Assert.Equal(Convert.ToHexString(vector.Bytes), Convert.ToHexString(Reencoder.Rebuild(vector.Bytes, key)));
    }
}
