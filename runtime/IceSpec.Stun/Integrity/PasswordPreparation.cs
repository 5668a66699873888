using System.Globalization;
using System.Text;

namespace IceSpec.Stun;

/// <summary>
/// String preparation of passwords (and realms) before they become keys. RFC 8489 §9.2.2 uses the OpaqueString profile
/// of PRECIS (RFC 8265 §4.2); RFC 5389 §15.4 used SASLprep (RFC 4013), which the RFC 5769 §2.4 vector is built with.
/// Invalid input throws <see cref="ArgumentException"/> naming the character and the rule.
/// </summary>
public static class PasswordPreparation
{
    public enum Profile
    {
        /// <summary>RFC 8265 §4.2, required by RFC 8489.</summary>
        OpaqueString,
        /// <summary>RFC 4013, used by RFC 5389 (and its test vectors).</summary>
        SaslPrep,
    }

    public static string Prepare(string value, Profile profile) =>
        profile == Profile.SaslPrep ? SaslPrep(value) : OpaqueString(value);

    /// <summary>RFC 8265 §4.2.2: non-ASCII spaces to U+0020, NFC; FreeformClass forbids controls and unassigned/private code points.</summary>
    public static string OpaqueString(string value)
    {
        if (value.Length == 0) throw new ArgumentException("RFC 8265 §4.2.2: an empty string is not a valid OpaqueString.", nameof(value));
        var mapped = new StringBuilder(value.Length);
        foreach (var rune in value.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator) mapped.Append(' ');
            else
            {
                RejectFreeformDisallowed(rune, "RFC 8265 §4.2 (FreeformClass)");
                // RFC 8264 §9.13: default-ignorable code points (e.g. U+00AD SOFT HYPHEN, category Cf) are disallowed,
                // save the joiners U+200C/U+200D (CONTEXTJ).
                if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format && rune.Value is not (0x200C or 0x200D))
                    throw new ArgumentException($"RFC 8265 §4.2 (FreeformClass): character U+{rune.Value:X4} (Format) is not allowed in a password or realm.");
                mapped.Append(rune.ToString());
            }
        }
        return mapped.ToString().Normalize(NormalizationForm.FormC);
    }

    /// <summary>RFC 4013: map (B.1 to nothing, C.1.2 to space), NFKC, then prohibit (C.1.2–C.9).</summary>
    public static string SaslPrep(string value)
    {
        var mapped = new StringBuilder(value.Length);
        foreach (var rune in value.EnumerateRunes())
        {
            if (IsMappedToNothing(rune.Value)) continue;
            mapped.Append(rune.Value != ' ' && Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator ? " " : rune.ToString());
        }
        var normalized = mapped.ToString().Normalize(NormalizationForm.FormKC);
        foreach (var rune in normalized.EnumerateRunes()) RejectFreeformDisallowed(rune, "RFC 4013 §2.3");
        return normalized;
    }

    /// <summary>RFC 3454 Table B.1: commonly mapped to nothing.</summary>
    private static bool IsMappedToNothing(int c) =>
        c is 0x00AD or 0x034F or 0x1806 or 0x180B or 0x180C or 0x180D or 0x200B or 0x200C or 0x200D or 0x2060 or 0xFEFF
        || c is >= 0xFE00 and <= 0xFE0F;

    private static void RejectFreeformDisallowed(Rune rune, string rule)
    {
        var category = Rune.GetUnicodeCategory(rune);
        var bad = category is UnicodeCategory.Control or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned
                  || (rune.Value & 0xFFFE) == 0xFFFE || rune.Value is >= 0xFDD0 and <= 0xFDEF;
        if (bad) throw new ArgumentException($"{rule}: character U+{rune.Value:X4} ({category}) is not allowed in a password or realm.");
    }
}
