namespace IceSpec.TestVectors;

/// <summary>
/// RFC 8489 Appendix B.1 "Sample Request with Long-Term Authentication with MESSAGE-INTEGRITY-SHA256 and USERHASH".
/// <para>
/// Errata checked (RFC Editor, status as of 2026): EID 6268 (Verified, 2020-08-30) says the published bytes are wrong —
/// the length field 0x9c counts the 20-byte header, and the example never says which password algorithm made the key
/// while SHA-256 (not the default) is used, so PASSWORD-ALGORITHM must be present; its corrected vector adds
/// PASSWORD-ALGORITHM (SHA-256) and recomputes MESSAGE-INTEGRITY-SHA256 (length 0x90, 164 bytes). EID 8746 (Reported,
/// 2026-02-08) concerns the password's preparation: OpaqueString cannot turn "The&lt;U+00AD&gt;M&lt;U+00AA&gt;tr&lt;U+2168&gt;" into
/// "TheMatrIX" (that is the SASLprep result of RFC 5769 §2.4), so the key is built from "TheMatrIX" directly.
/// </para>
/// </summary>
public static class Rfc8489
{
    public const string Username = "\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9";
    public const string Realm = "example.org";
    public const string Nonce = "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA";

    /// <summary>The password after preparation, as every implementation and erratum 6268 use it.</summary>
    public const string PreparedPassword = "TheMatrIX";

    /// <summary>The corrected vector of verified erratum 6268.</summary>
    public static readonly StunVector AppendixB1Corrected = new(
        "RFC 8489 Appendix B.1 (erratum 6268)", "RFC 8489 Appendix B.1, EID 6268",
        "000100902112a44278ad3433c6ad72c029da412e" +
        "001e00204a3cf38fef6992bda952c6780417da0f24819415569e60b205c46e41407f1704" +
        "001500296f624d61744a6f7332414141" + "43662f2f3439396b393534643" + "64f4c33346f4c394653547679363473" + "41000000" +
        "0014000b6578616d706c652e6f726700" +
        "001d000400020000" +
        "001c0020b5c7bf005b6c52a21c51c5e892f81924136296cb927c43149309278cc6518e65",
        Username: Username, Password: PreparedPassword, Realm: Realm,
        Description: "USERHASH, NONCE, REALM, PASSWORD-ALGORITHM SHA-256, MESSAGE-INTEGRITY-SHA256 (SHA-256 long-term key)");

    /// <summary>The bytes as printed in the RFC: not a valid message (length field 0x9c includes the header).</summary>
    public static readonly StunVector AppendixB1Published = new(
        "RFC 8489 Appendix B.1 (as published)", "RFC 8489 Appendix B.1",
        "0001009c2112a44278ad3433c6ad72c029da412e" +
        "001e00204a3cf38fef6992bda952c6780417da0f24819415569e60b205c46e41407f1704" +
        "001500296f624d61744a6f7332414141" + "43662f2f3439396b393534643" + "64f4c33346f4c394653547679363473" + "41000000" +
        "0014000b6578616d706c652e6f726700" +
        "001c0020e4686c8f0edeb59013e07090010a93efccbccc544c0a45d9f830aa6d6f735a01",
        Username: Username, Password: PreparedPassword, Realm: Realm);
}
