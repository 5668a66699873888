namespace IceSpec.Stun.Tests.Codec;

[Trait("Category", "unit")]
public sealed class PasswordPreparationTests
{
    [Fact]
    public void SaslPrep_MapsSoftHyphenToNothingAndAppliesNfkc() =>
        // RFC 5769 §2.4: "The<U+00AD>M<U+00AA>tr<U+2168>" becomes "TheMatrIX".
        Assert.Equal("TheMatrIX", PasswordPreparation.SaslPrep("The\u00ADM\u00AAtr\u2168"));

    [Fact]
    public void SaslPrep_MapsNonAsciiSpaceToSpace() => Assert.Equal("a b", PasswordPreparation.SaslPrep("a\u00A0b"));

    [Fact]
    public void OpaqueString_KeepsCompatibilityCharactersButNormalisesToNfc()
    {
        Assert.Equal("M\u00AAtr\u2168", PasswordPreparation.OpaqueString("M\u00AAtr\u2168")); // NFC, not NFKC
        Assert.Equal("\u00E9", PasswordPreparation.OpaqueString("e\u0301"));
        Assert.Equal("a b", PasswordPreparation.OpaqueString("a\u3000b"));
    }

    [Theory]
    [InlineData("bad\u0007bell", "U+0007")]
    [InlineData("soft\u00ADhyphen", "U+00AD")]
    [InlineData("private\uE000use", "U+E000")]
    public void OpaqueString_RejectsDisallowedCharactersByName(string password, string named)
    {
        var error = Assert.Throws<ArgumentException>(() => PasswordPreparation.OpaqueString(password));
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void OpaqueString_RejectsEmpty() => Assert.Throws<ArgumentException>(() => PasswordPreparation.OpaqueString(""));
}
