using System.Security.Cryptography;
using System.Text;
using IceSpec.TestVectors;

namespace IceSpec.Stun.Tests.Vectors;

/// <summary>
/// RFC 8489 Appendix B.1. Errata checked: EID 6268 (Verified) — the published length field 0x9c counts the 20-byte
/// header and the PASSWORD-ALGORITHM attribute is missing though a SHA-256 key is used; the erratum's corrected vector
/// (length 0x90, PASSWORD-ALGORITHM SHA-256, new MESSAGE-INTEGRITY-SHA256) is what verifies. EID 8746 (Reported):
/// OpaqueString cannot produce "TheMatrIX" from the printed password (that is RFC 5769's SASLprep result), so the key
/// is made from "TheMatrIX". We test the corrected bytes, and that the published bytes are rejected for their length.
/// </summary>
[Trait("Category", "unit")]
public sealed class Rfc8489AppendixBTests
{
    private static StunKey Sha256Key() =>
        StunKey.LongTerm(Rfc8489.Username, Rfc8489.Realm, Rfc8489.PreparedPassword, StunPasswordAlgorithm.Sha256);

    [Fact]
    public void Corrected_vector_verifies()
    {
        var result = StunMessageChecker.Check(Rfc8489.AppendixB1Corrected.Bytes, Sha256Key(), out var message);
        Assert.Equal(StunCheckOutcome.Valid, result.Outcome);
        Assert.Equal(Rfc8489.Nonce, message.GetNonceString());
        Assert.Equal(Rfc8489.Realm, message.GetRealmString());
        Assert.True(message.TryGetPasswordAlgorithm(out var algorithm));
        Assert.Equal((ushort)StunPasswordAlgorithm.Sha256, algorithm.Algorithm);
        Assert.Equal(0, algorithm.Parameters.Length);
    }

    [Fact]
    public void Corrected_vector_userhash_is_sha256_of_username_and_realm()
    {
        // RFC 8489 §14.4: userhash = SHA-256(OpaqueString(username) ":" OpaqueString(realm)).
        StunMessage.TryParse(Rfc8489.AppendixB1Corrected.Bytes, out var message);
        Assert.True(message.TryGetUserhash(out var userhash));
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(Rfc8489.Username + ":" + Rfc8489.Realm));
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(userhash));
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(StunUserhash.Compute(Rfc8489.Username, Rfc8489.Realm)));
    }

    [Fact]
    public void Corrected_vector_reencodes_byte_for_byte() =>
        Assert.Equal(Convert.ToHexString(Rfc8489.AppendixB1Corrected.Bytes),
            Convert.ToHexString(Reencoder.Rebuild(Rfc8489.AppendixB1Corrected.Bytes, Sha256Key())));

    [Fact]
    public void Published_vector_is_rejected_for_its_length_field()
    {
        var result = StunMessageChecker.Check(Rfc8489.AppendixB1Published.Bytes, Sha256Key(), out _);
        Assert.Equal(StunCheckOutcome.Malformed, result.Outcome);
        Assert.Equal(StunParseStatus.LengthMismatch, result.ParseStatus);
    }

    [Fact]
    public void Corrected_vector_fails_with_an_md5_key() =>
        Assert.Equal(StunCheckOutcome.IntegrityMismatch, StunMessageChecker.Check(Rfc8489.AppendixB1Corrected.Bytes,
            StunKey.LongTerm(Rfc8489.Username, Rfc8489.Realm, Rfc8489.PreparedPassword, StunPasswordAlgorithm.Md5), out _).Outcome);
}
