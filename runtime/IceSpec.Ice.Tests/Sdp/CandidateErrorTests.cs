using IceSpec.Ice.Sdp;

namespace IceSpec.Ice.Tests.Sdp;

/// <summary>Every rejection names the field, says why, and quotes the grammar rule it breaks. No input throws.</summary>
[Trait("Category", "unit")]
public sealed class CandidateErrorTests
{
    private const string Good = "a=candidate:1 1 UDP 2130706431 203.0.113.141 8998 typ host";

    public static TheoryData<string, IceSdpField, string, string> Bad => new()
    {
        // line, field, reason fragment, rule fragment
        { "", IceSdpField.Foundation, "empty", "foundation = 1*32ice-char" },
        { "a=candidate:", IceSdpField.Foundation, "empty", "foundation" },
        { "a=candidate 1 1 UDP 1 192.0.2.1 1 typ host", IceSdpField.Line, "must be followed by \":\"", "candidate-attribute" },
        { "a=ice-ufrag:abcd", IceSdpField.Line, "not a candidate attribute", "candidate-attribute" },
        { "a=candidate:1", IceSdpField.ComponentId, "ends before the component-id", "component-id = 1*5DIGIT" },
        { "a=candidate:1 1", IceSdpField.Transport, "ends before the transport", "transport = \"UDP\"" },
        { "a=candidate:1 1 UDP", IceSdpField.Priority, "ends before the priority", "priority = 1*10DIGIT" },
        { "a=candidate:1 1 UDP 1", IceSdpField.ConnectionAddress, "ends before the connection-address", "connection-address" },
        { "a=candidate:1 1 UDP 1 192.0.2.1", IceSdpField.Port, "ends before the port", "port" },
        { "a=candidate:1 1 UDP 1 192.0.2.1 1", IceSdpField.CandidateType, "ends before the \"typ\"", "cand-type = \"typ\"" },
        { "a=candidate:1 1 UDP 1 192.0.2.1 1 typ", IceSdpField.CandidateType, "ends before the candidate type", "candidate-types" },
        { "a=candidate:123456789012345678901234567890123 1 UDP 1 192.0.2.1 1 typ host", IceSdpField.Foundation, "longer than 32", "1*32ice-char" },
        { "a=candidate:ab-c 1 UDP 1 192.0.2.1 1 typ host", IceSdpField.Foundation, "ALPHA, DIGIT", "ice-char" },
        { "a=candidate:1 x UDP 1 192.0.2.1 1 typ host", IceSdpField.ComponentId, "not a decimal", "component-id" },
        { "a=candidate:1 0 UDP 1 192.0.2.1 1 typ host", IceSdpField.ComponentId, "1..256", "component-id" },
        { "a=candidate:1 257 UDP 1 192.0.2.1 1 typ host", IceSdpField.ComponentId, "1..256", "component-id" },
        { "a=candidate:1 123456 UDP 1 192.0.2.1 1 typ host", IceSdpField.ComponentId, "more than 5 digits", "1*5DIGIT" },
        { "a=candidate:1 -1 UDP 1 192.0.2.1 1 typ host", IceSdpField.ComponentId, "not a decimal", "component-id" },
        { "a=candidate:1 1 U/DP 1 192.0.2.1 1 typ host", IceSdpField.Transport, "not a token", "transport-extension = token" },
        { "a=candidate:1 1 UDP 0 192.0.2.1 1 typ host", IceSdpField.Priority, "1..2^31-1", "priority" },
        { "a=candidate:1 1 UDP 2147483648 192.0.2.1 1 typ host", IceSdpField.Priority, "1..2^31-1", "priority" },
        { "a=candidate:1 1 UDP 12345678901 192.0.2.1 1 typ host", IceSdpField.Priority, "more than 10 digits", "1*10DIGIT" },
        { "a=candidate:1 1 UDP +5 192.0.2.1 1 typ host", IceSdpField.Priority, "not a decimal", "priority" },
        { "a=candidate:1 1 UDP 1 192.0.2.256 1 typ host", IceSdpField.ConnectionAddress, "IPv4", "connection-address" },
        { "a=candidate:1 1 UDP 1 192.0.2 1 typ host", IceSdpField.ConnectionAddress, "IPv4", "connection-address" },
        { "a=candidate:1 1 UDP 1 2001:db8:::1 1 typ host", IceSdpField.ConnectionAddress, "IPv6", "connection-address" },
        { "a=candidate:1 1 UDP 1 fe80::1%eth0 1 typ host", IceSdpField.ConnectionAddress, "IPv6", "connection-address" },
        { "a=candidate:1 1 UDP 1 [::1] 1 typ host", IceSdpField.ConnectionAddress, "IPv6", "connection-address" },
        { "a=candidate:1 1 UDP 1 a_b.local 1 typ host", IceSdpField.ConnectionAddress, "not allowed in an FQDN", "FQDN" },
        { "a=candidate:1 1 UDP 1 a.b 1 typ host", IceSdpField.ConnectionAddress, "too short", "FQDN" },
        { "a=candidate:1 1 UDP 1 192.0.2.1 65536 typ host", IceSdpField.Port, "0..65535", "port" },
        { "a=candidate:1 1 UDP 1 192.0.2.1 1234567 typ host", IceSdpField.Port, "0..65535", "port" },
        { "a=candidate:1 1 UDP 1 192.0.2.1 x1 typ host", IceSdpField.Port, "not a decimal", "port" },
        { "a=candidate:1 1 UDP 1 192.0.2.1 1 type host", IceSdpField.CandidateType, "expected \"typ\"", "cand-type" },
        { "a=candidate:1 1 UDP 1 192.0.2.1 1 typ ho/st", IceSdpField.CandidateType, "not a token", "candidate-types" },
        { "a=candidate:1 1 UDP 1 192.0.2.1 1 typ srflx raddr", IceSdpField.RelatedAddress, "without an address", "rel-addr" },
        { "a=candidate:1 1 UDP 1 192.0.2.1 1 typ srflx raddr 300.1.1.1 rport 1", IceSdpField.RelatedAddress, "IPv4", "rel-addr" },
        { "a=candidate:1 1 UDP 1 192.0.2.1 1 typ srflx raddr 10.0.0.1 rport", IceSdpField.RelatedPort, "without a port", "rel-port" },
        { "a=candidate:1 1 UDP 1 192.0.2.1 1 typ srflx raddr 10.0.0.1 rport 70000", IceSdpField.RelatedPort, "0..65535", "rel-port" },
        { "a=candidate:1 1 UDP 1 192.0.2.1 1 typ srflx rport 1 raddr 10.0.0.1", IceSdpField.RelatedAddress, "before rport", "candidate-attribute" },
        { "a=candidate:1 1 UDP 1 192.0.2.1 1 typ srflx raddr 10.0.0.1 rport 1 raddr 10.0.0.2", IceSdpField.RelatedAddress, "twice", "candidate-attribute" },
        { "a=candidate:1 1 UDP 1 192.0.2.1 1 typ srflx raddr 10.0.0.1 rport 1 rport 2", IceSdpField.RelatedPort, "twice", "candidate-attribute" },
        { "a=candidate:1 1 UDP 1 192.0.2.1 1 typ host generation 0 foo=bar x", IceSdpField.ExtensionName, "not a token", "extension-att-name = token" },
        { "a=candidate:1 1 UDP 1 192.0.2.1 1 typ host generation", IceSdpField.ExtensionValue, "has no value", "extension-att-value" },
        { "a=candidate:1 1 UDP 1 192.0.2.1 1 typ host name caf\u00e9", IceSdpField.ExtensionValue, "VCHAR", "*VCHAR" },
        { "a=candidate:1 1 TCP 1 192.0.2.1 9 typ host", IceSdpField.TcpType, "must carry tcptype", "RFC 6544" },
        { "a=candidate:1 1 TCP 1 192.0.2.1 9 typ host tcptype both", IceSdpField.TcpType, "not active, passive or so", "tcp-type" },
        { "a=candidate:1 1 TCP 1 192.0.2.1 9 typ host tcptype active tcptype so", IceSdpField.TcpType, "twice", "tcp-type" },
        { "a=candidate:1 1 UDP 1 192.0.2.1 9 typ host tcptype active", IceSdpField.TcpType, "only TCP", "tcp-type" },
    };

    [Theory]
    [MemberData(nameof(Bad))]
    public void Rejects_with_field_reason_and_rule(string line, IceSdpField field, string reason, string rule)
    {
        Assert.False(IceCandidate.TryParse(line, out var candidate, out var error));
        Assert.Null(candidate);
        Assert.NotNull(error);
        Assert.Equal(field, error!.Field);
        Assert.Contains(reason, error.Reason);
        Assert.Contains(rule, error.Rule);
        Assert.Contains(field.ToString(), error.ToString());
        Assert.InRange(error.Column, 0, line.Length);
        Assert.Throws<FormatException>(() => IceCandidate.Parse(line));
    }

    [Fact]
    public void Column_points_at_the_offending_token()
    {
        const string line = "a=candidate:1 1 UDP 1 192.0.2.1 99999 typ host";
        Assert.False(IceCandidate.TryParse(line, out _, out var error));
        Assert.Equal(line.IndexOf("99999", StringComparison.Ordinal), error!.Column);
        Assert.Equal("99999", error.Value);
    }

    [Fact]
    public void Null_is_an_error_not_an_exception()
    {
        Assert.False(IceCandidate.TryParse(null, out _, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void No_mutation_of_a_valid_line_throws()
    {
        var random = new Random(8839);
        const string alphabet = " :.0123456789abcdefTCPUDtypraddrrportcptype/+-\u00e9\t\r\n%[]";
        var lines = new[] { Good, "a=candidate:2 1 TCP 2105524479 2001:db8::1 9 typ srflx raddr ::1 rport 0 tcptype active generation 0 ufrag x" };
        for (var i = 0; i < 20_000; i++)
        {
            var chars = lines[i % lines.Length].ToCharArray().ToList();
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                var at = random.Next(chars.Count + 1);
                switch (random.Next(3))
                {
                    case 0 when chars.Count > 0 && at < chars.Count: chars.RemoveAt(at); break;
                    case 1 when at < chars.Count: chars[at] = alphabet[random.Next(alphabet.Length)]; break;
                    default: chars.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                }
            }
            var text = new string(chars.ToArray());
            var ok = IceCandidate.TryParse(text, out var candidate, out var error);
            Assert.True(ok ^ error is not null);
            if (ok) Assert.True(IceCandidate.TryParse(candidate!.FormatLine(), out var again, out _) && again!.FormatLine() == candidate.FormatLine(), text);
            IceSdp.Parse(text + "\n" + text);
        }
    }
}
