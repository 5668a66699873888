namespace IceSpec.Stun.Tests.Codec;

[Trait("Category", "unit")]
public sealed class PasswordPreparationTests
{
    [Fact]
    public void SaslPrep_maps_soft_hyphen_to_nothing_and_applies_nfkc() =>
        // RFC 5769 §2.4: "The<U+00AD>M<U+00AA>tr<U+2168>" becomes "TheMatrIX".
        Assert.Equal("TheMatrIX", PasswordPreparation.SaslPrep("The\u00ADM\u00AAtr\u2168"));

    [Fact]
    public void SaslPrep_maps_non_ascii_space_to_space() => Assert.Equal("a b", PasswordPreparation.SaslPrep("a\u00A0b"));

    [Fact]
    public void Opaque_string_keeps_compatibility_characters_but_normalises_to_nfc()
    {
        Assert.Equal("M\u00AAtr\u2168", PasswordPreparation.OpaqueString("M\u00AAtr\u2168")); // NFC, not NFKC
        Assert.Equal("\u00E9", PasswordPreparation.OpaqueString("e\u0301"));
        Assert.Equal("a b", PasswordPreparation.OpaqueString("a\u3000b"));
    }

    [Theory]
    [InlineData("bad\u0007bell", "U+0007")]
    [InlineData("soft\u00ADhyphen", "U+00AD")]
    [InlineData("private\uE000use", "U+E000")]
    public void Opaque_string_rejects_disallowed_characters_by_name(string password, string named)
    {
        var error = Assert.Throws<ArgumentException>(() => PasswordPreparation.OpaqueString(password));
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Opaque_string_rejects_empty() => Assert.Throws<ArgumentException>(() => PasswordPreparation.OpaqueString(""));
}
