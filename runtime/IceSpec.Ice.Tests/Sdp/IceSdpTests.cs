using IceSpec.Ice.Sdp;

namespace IceSpec.Ice.Tests.Sdp;

[Trait("Category", "unit")]
public sealed class IceSdpTests
{
    // The SDP example of RFC 8839 §4.2.6 (session-level ice-options/pacing/pwd/ufrag, one audio section).
    private const string Rfc8839Offer =
        "v=0\r\n" +
        "o=jdoe 2890844526 2890842807 IN IP4 203.0.113.141\r\n" +
        "s=\r\n" +
        "c=IN IP4 192.0.2.3\r\n" +
        "t=0 0\r\n" +
        "a=ice-options:ice2\r\n" +
        "a=ice-pacing:50\r\n" +
        "a=ice-pwd:asd88fgpdd777uzjYhagZg\r\n" +
        "a=ice-ufrag:8hhY\r\n" +
        "m=audio 45664 RTP/AVP 0\r\n" +
        "b=RS:0\r\n" +
        "b=RR:0\r\n" +
        "a=rtpmap:0 PCMU/8000\r\n" +
        "a=candidate:1 1 UDP 2130706431 203.0.113.141 8998 typ host\r\n" +
        "a=candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 203.0.113.141 rport 8998\r\n";

    [Fact]
    public void Rfc8839_offer_session_and_media_levels()
    {
        var sdp = IceSdp.Parse(Rfc8839Offer);
        Assert.Empty(sdp.Errors);
        Assert.Equal("8hhY", sdp.Session.Ufrag);
        Assert.Equal("asd88fgpdd777uzjYhagZg", sdp.Session.Password);
        Assert.Equal(["ice2"], sdp.Session.Options);
        Assert.True(sdp.Session.HasOption("ICE2"));
        Assert.Equal(50ul, sdp.Session.Pacing);
        Assert.False(sdp.Session.IceLite);
        var audio = Assert.Single(sdp.Media);
        Assert.Equal("audio 45664 RTP/AVP 0", audio.MediaLine);
        Assert.Null(audio.Ice.Ufrag);
        Assert.Equal("8hhY", audio.EffectiveUfrag);
        Assert.Equal("asd88fgpdd777uzjYhagZg", audio.EffectivePassword);
        Assert.Equal(["ice2"], audio.EffectiveOptions);
        Assert.Equal(2, audio.Ice.Candidates.Count);
        Assert.Equal(IceCandidateType.ServerReflexive, audio.Ice.Candidates[1].Type);
        Assert.Equal(2, sdp.AllCandidates.Count());
        Assert.Equal(
            ["a=ice-options:ice2", "a=ice-ufrag:8hhY", "a=ice-pwd:asd88fgpdd777uzjYhagZg", "a=ice-pacing:50"],
            sdp.Session.FormatLines());
    }

    [Fact]
    public void Bundled_WebRtc_style_sections()
    {
        const string text = """
            v=0
            a=ice-lite
            a=ice-options:trickle ice2
            m=audio 9 UDP/TLS/RTP/SAVPF 111
            a=mid:0
            a=ice-ufrag:EsAw
            a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1
            a=candidate:1 1 udp 2122260223 4f5e3c2a-1b0d-4c9e-8f7a-6b5d4c3b2a19.local 58427 typ host generation 0
            a=end-of-candidates
            m=application 9 UDP/DTLS/SCTP webrtc-datachannel
            a=mid:1
            a=ice-ufrag:Wq0Z
            a=ice-pwd:Wq0Zabcdefghijklmnopqrstu
            a=ice-options:trickle
            a=ice-mismatch
            """;
        var sdp = IceSdp.Parse(text);
        Assert.Empty(sdp.Errors);
        Assert.True(sdp.Session.IceLite);
        Assert.Equal(["trickle", "ice2"], sdp.Session.Options);
        Assert.Equal(2, sdp.Media.Count);
        Assert.Equal("0", sdp.Media[0].Mid);
        Assert.Equal("EsAw", sdp.Media[0].EffectiveUfrag);
        Assert.True(sdp.Media[0].Ice.EndOfCandidates);
        Assert.Equal(["trickle", "ice2"], sdp.Media[0].EffectiveOptions);
        Assert.True(sdp.Media[0].Ice.Candidates[0].Address.IsMdnsName);
        Assert.Equal("1", sdp.Media[1].Mid);
        Assert.Equal(["trickle"], sdp.Media[1].EffectiveOptions);
        Assert.True(sdp.Media[1].Ice.IceMismatch);
        Assert.Empty(sdp.Media[1].Ice.Candidates);
        Assert.Equal(
            ["a=ice-ufrag:EsAw", "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1",
             "a=candidate:1 1 udp 2122260223 4f5e3c2a-1b0d-4c9e-8f7a-6b5d4c3b2a19.local 58427 typ host generation 0", "a=end-of-candidates"],
            sdp.Media[0].Ice.FormatLines());
    }

    [Fact]
    public void Attribute_block_without_prefixes_werift_form()
    {
        const string text = "ice-ufrag:abcd\nice-pwd:0123456789abcdefghijkl\n" +
                            "4271b5a48a8e4b5b8b3c0d8d1f7c9d51 1 udp 2130706431 192.168.1.5 53421 typ host\n" +
                            "candidate:2 1 udp 1694498815 198.51.100.2 53421 typ srflx raddr 192.168.1.5 rport 53421\n" +
                            "end-of-candidates\n";
        var sdp = IceSdp.Parse(text);
        Assert.Empty(sdp.Errors);
        Assert.Equal("abcd", sdp.Session.Ufrag);
        Assert.Equal("0123456789abcdefghijkl", sdp.Session.Password);
        Assert.Equal(2, sdp.Session.Candidates.Count);
        Assert.True(sdp.Session.EndOfCandidates);
        Assert.Equal("a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\n" +
                     "a=candidate:4271b5a48a8e4b5b8b3c0d8d1f7c9d51 1 udp 2130706431 192.168.1.5 53421 typ host\r\n" +
                     "a=candidate:2 1 udp 1694498815 198.51.100.2 53421 typ srflx raddr 192.168.1.5 rport 53421\r\n" +
                     "a=end-of-candidates\r\n", sdp.Session.Format());
    }

    public static TheoryData<string, IceSdpField, string> BadBlocks => new()
    {
        { "a=ice-ufrag:abc", IceSdpField.Ufrag, "4 to 256" },
        { "a=ice-ufrag:" + new string('a', 257), IceSdpField.Ufrag, "4 to 256" },
        { "a=ice-ufrag:ab-cd", IceSdpField.Ufrag, "not an ice-char" },
        { "a=ice-ufrag", IceSdpField.Ufrag, "4 to 256" },
        { "a=ice-pwd:012345678901234567890", IceSdpField.Password, "22 to 256" },
        { "a=ice-pwd:" + new string('p', 257), IceSdpField.Password, "22 to 256" },
        { "a=ice-pwd:0123456789012345678901=", IceSdpField.Password, "not an ice-char" },
        { "a=ice-options:", IceSdpField.IceOptions, "empty option tag" },
        { "a=ice-options:trickle  ice2", IceSdpField.IceOptions, "empty option tag" },
        { "a=ice-options:tr-ickle", IceSdpField.IceOptions, "ALPHA, DIGIT" },
        { "a=ice-pacing:fast", IceSdpField.IcePacing, "1 to 10 digits" },
        { "a=ice-pacing:12345678901", IceSdpField.IcePacing, "1 to 10 digits" },
        { "a=ice-ufrag:abcd\na=ice-ufrag:efgh", IceSdpField.Ufrag, "twice" },
        { "a=ice-pwd:0123456789012345678901\na=ice-pwd:0123456789012345678901", IceSdpField.Password, "twice" },
        { "m=audio 9 RTP/AVP 0\na=ice-lite", IceSdpField.Line, "session-level" },
        { "a=candidate:1 1 UDP 0 10.0.0.1 1 typ host", IceSdpField.Priority, "1..2^31-1" },
    };

    [Theory]
    [MemberData(nameof(BadBlocks))]
    public void Bad_attributes_are_reported_per_line(string text, IceSdpField field, string reason)
    {
        var sdp = IceSdp.Parse("v=0\n" + text + "\na=candidate:9 1 UDP 1 10.0.0.9 9 typ host");
        var error = Assert.Single(sdp.Errors);
        Assert.Equal(field, error.Error.Field);
        Assert.Contains(reason, error.Error.Reason);
        Assert.StartsWith("RFC ", error.Error.Rule);
        Assert.Equal(text.Split('\n').Length + 1, error.LineNumber);
        Assert.Contains($"line {error.LineNumber}", error.ToString());
        // The good candidate after the bad line is still extracted.
        Assert.Contains(sdp.AllCandidates, c => c.Foundation == "9");
    }

    [Fact]
    public void Boundary_lengths_accepted()
    {
        var sdp = IceSdp.Parse($"a=ice-ufrag:{new string('u', 256)}\na=ice-pwd:{new string('p', 22)}");
        Assert.Empty(sdp.Errors);
        Assert.Equal(256, sdp.Session.Ufrag!.Length);
        Assert.True(IceDescription.TryParseUfrag("a+/4", out _));
        Assert.True(IceDescription.TryParsePassword(new string('p', 256), out _));
    }

    [Fact]
    public void Null_and_empty_are_empty()
    {
        Assert.True(IceSdp.Parse(null).Session.IsEmpty);
        Assert.Empty(IceSdp.Parse("").Errors);
    }
}
