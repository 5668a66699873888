namespace IceSpec.TestVectors;

/// <summary>
/// RFC 5769 "Test Vectors for Session Traversal Utilities for NAT (STUN)", §2.1–§2.4, copied byte for byte.
/// Note the padding: §2.1 pads USERNAME and §2.2/§2.3 pad SOFTWARE with 0x20 (RFC 5389 allowed any padding value),
/// §2.4 pads with 0x00. A byte-exact re-encoding must reproduce the padding it read.
/// </summary>
public static class Rfc5769
{
    /// <summary>Short-term password of §2.1–§2.3.</summary>
    public const string ShortTermPassword = "VOkJxbRl1RmTxUk/WvJxBt";

    public static readonly StunVector SampleRequest = new(
        "RFC 5769 §2.1 sample request", "RFC 5769 §2.1",
        "000100582112a442b7e7a701bc34d686fa87dfae" +
        "802200105354554e2074657374" + "20636c69656e74" +
        "002400046e0001ff" +
        "80290008932ff9b151263b36" +
        "000600096576746a3a68367659202020" +
        "000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2" +
        "80280004e57a3bcf",
        Username: "evtj:h6vY", Password: ShortTermPassword,
        Description: "SOFTWARE \"STUN test client\", PRIORITY 0x6e0001ff, ICE-CONTROLLED 0x932ff9b151263b36, USERNAME \"evtj:h6vY\", MESSAGE-INTEGRITY, FINGERPRINT");

    public static readonly StunVector SampleIPv4Response = new(
        "RFC 5769 §2.2 sample IPv4 response", "RFC 5769 §2.2",
        "0101003c2112a442b7e7a701bc34d686fa87dfae" +
        "8022000b7465737420766563746f7220" +
        "002000080001a147e112a643" +
        "000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7" +
        "80280004c07d4c96",
        Password: ShortTermPassword,
        Description: "SOFTWARE \"test vector\", XOR-MAPPED-ADDRESS 192.0.2.1:32853, MESSAGE-INTEGRITY, FINGERPRINT");

    public static readonly StunVector SampleIPv6Response = new(
        "RFC 5769 §2.3 sample IPv6 response", "RFC 5769 §2.3",
        "010100482112a442b7e7a701bc34d686fa87dfae" +
        "8022000b7465737420766563746f7220" +
        "002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9" +
        "00080014a382954e4be67bf11784c97c8292c275bfe3ed41" +
        "80280004c8fb0b4c",
        Password: ShortTermPassword,
        Description: "SOFTWARE \"test vector\", XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853, MESSAGE-INTEGRITY, FINGERPRINT");

    /// <summary>Long-term credentials; the password is SASLprep'd to "TheMatrIX" (RFC 5389 §15.4). No FINGERPRINT.</summary>
    public static readonly StunVector SampleLongTermRequest = new(
        "RFC 5769 §2.4 sample request with long-term authentication", "RFC 5769 §2.4",
        "000100602112a44278ad3433c6ad72c029da412e" +
        "00060012e3839ee38388e383aae38383e382afe382b90000" +
        "0015001c662f2f3439396b393534643" + "64f4c33346f4c394653547679363473" + "41" +
        "0014000b6578616d706c652e6f726700" +
        "00080014f67024656dd64a3e02b8e0712e85c9a28ca89666",
        Username: "\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9", Password: "The\u00ADM\u00AAtr\u2168", Realm: "example.org",
        Description: "USERNAME, NONCE \"f//499k954d6OL34oL9FSTvy64sA\", REALM \"example.org\", MESSAGE-INTEGRITY (long-term, MD5 key, SASLprep)");

    public static IReadOnlyList<StunVector> All { get; } = [SampleRequest, SampleIPv4Response, SampleIPv6Response, SampleLongTermRequest];
}
