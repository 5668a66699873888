using System.Net;
using IceSpec.Ice.Sdp;

namespace IceSpec.Ice.Tests.Sdp;

[Trait("Category", "unit")]
public sealed class CandidateTests
{
    // The candidates of the RFC 8839 §4.2.6 SDP example, RFC 6544 §4.5 TCP candidates, and other valid forms.
    public static TheoryData<string> RfcLines => new()
    {
        "a=candidate:1 1 UDP 2130706431 203.0.113.141 8998 typ host",
        "a=candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 203.0.113.141 rport 8998",
        "a=candidate:1 1 TCP 2128609279 10.0.1.1 9 typ host tcptype active",
        "a=candidate:2 1 TCP 2124414975 10.0.1.1 8998 typ host tcptype passive",
        "a=candidate:3 1 TCP 2120220671 10.0.1.1 8999 typ host tcptype so",
        "a=candidate:4 1 UDP 16777215 2001:db8:a0b:12f0::1 3478 typ relay raddr 2001:db8:a0b:12f0::5 rport 61000",
        // RFC 8838/8839 mDNS host name and the "raddr 0.0.0.0 rport 0" privacy form browsers emit
        "a=candidate:842163049 1 udp 1677729535 1c0d8a5e-3f2b-4a61-9d2e-0f5c8b7a6e41.local 54321 typ srflx raddr 0.0.0.0 rport 0 generation 0 network-cost 999",
        "a=candidate:3 2 UDP 1 example.com 1 typ prflx",
    };

    [Theory]
    [MemberData(nameof(RfcLines))]
    public void Rfc_examples_round_trip(string line)
    {
        Assert.True(IceCandidate.TryParse(line, out var candidate, out var error), error?.ToString());
        Assert.Equal(line, candidate!.FormatLine());
        Assert.Equal(line[2..], candidate.Format());
        Assert.Equal(line[2..], candidate.ToString());
        Assert.Equal(line["a=candidate:".Length..], candidate.FormatValue());
    }

    [Fact]
    public void Server_reflexive_fields()
    {
        var c = IceCandidate.Parse("a=candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 203.0.113.141 rport 8998");
        Assert.Equal("2", c.Foundation);
        Assert.Equal(1, c.ComponentId);
        Assert.Equal(IceTransport.Udp, c.Transport);
        Assert.Equal(1694498815u, c.Priority);
        Assert.Equal(IceAddressKind.IPv4, c.Address.Kind);
        Assert.Equal(IPAddress.Parse("192.0.2.3"), c.Address.IPAddress);
        Assert.Equal(45664, c.Port);
        Assert.Equal(IceCandidateType.ServerReflexive, c.Type);
        Assert.Equal(IPAddress.Parse("203.0.113.141"), c.RelatedAddress!.Value.IPAddress);
        Assert.Equal(8998, c.RelatedPort);
        Assert.Null(c.TcpType);
        Assert.Empty(c.Extensions);
    }

    [Fact]
    public void Tcp_types_and_extensions_in_order()
    {
        var c = IceCandidate.Parse("candidate:5 1 tcp 1015022591 ::1 9 typ host tcptype active generation 0 ufrag EsAw network-id 1");
        Assert.Equal(IceTransport.Tcp, c.Transport);
        Assert.Equal(IceTcpType.Active, c.TcpType);
        Assert.Equal(IceAddressKind.IPv6, c.Address.Kind);
        Assert.Equal(["tcptype", "generation", "ufrag", "network-id"], c.Extensions.Select(e => e.Name));
        Assert.Equal("EsAw", c.GetExtension("ufrag"));
        Assert.Null(c.GetExtension("nope"));
        Assert.Equal(IceTcpType.Passive, IceCandidate.Parse("1 1 TCP 1 10.0.0.1 1 typ host tcptype passive").TcpType);
        Assert.Equal(IceTcpType.SimultaneousOpen, IceCandidate.Parse("1 1 TCP 1 10.0.0.1 1 typ host tcptype so").TcpType);
    }

    [Fact]
    public void Mdns_and_fqdn_addresses_stay_text()
    {
        var c = IceCandidate.Parse("candidate:1 1 udp 2122260223 4f5e3c2a-1b0d-4c9e-8f7a-6b5d4c3b2a19.local 58427 typ host");
        Assert.Equal(IceAddressKind.Fqdn, c.Address.Kind);
        Assert.True(c.Address.IsMdnsName);
        Assert.Null(c.Address.IPAddress);
        Assert.Equal("4f5e3c2a-1b0d-4c9e-8f7a-6b5d4c3b2a19.local", c.Address.Text);
        Assert.False(IceCandidate.Parse("1 1 UDP 1 turn.example.org 3478 typ relay raddr 10.0.0.1 rport 2").Address.IsMdnsName);
    }

    [Theory]
    // werift-ice toSdp() (no "candidate:") and aioice to_sdp()
    [InlineData("4271b5a48a8e4b5b8b3c0d8d1f7c9d51 1 udp 2130706431 192.168.1.5 53421 typ host", "a=candidate:4271b5a48a8e4b5b8b3c0d8d1f7c9d51 1 udp 2130706431 192.168.1.5 53421 typ host")]
    // normalisation: surrounding whitespace, CRLF, runs of spaces and tabs become single spaces
    [InlineData("  a=candidate:1  1 UDP\t2130706431 203.0.113.141   8998 typ host \r\n", "a=candidate:1 1 UDP 2130706431 203.0.113.141 8998 typ host")]
    [InlineData("candidate:1 1 UDP 2130706431 203.0.113.141 8998 typ host", "a=candidate:1 1 UDP 2130706431 203.0.113.141 8998 typ host")]
    [InlineData("CANDIDATE:1 1 UDP 1 10.0.0.1 1 TYP HOST", "a=candidate:1 1 UDP 1 10.0.0.1 1 typ HOST")]
    public void Accepted_forms_normalise(string input, string normalised)
    {
        Assert.True(IceCandidate.TryParse(input, out var c, out var error), error?.ToString());
        Assert.Equal(normalised, c!.FormatLine());
    }

    [Fact]
    public void Extension_transport_and_type_are_kept()
    {
        var c = IceCandidate.Parse("a=candidate:1 1 DTLS 1 10.0.0.1 1 typ future");
        Assert.Equal(IceTransport.Other, c.Transport);
        Assert.Equal("DTLS", c.TransportToken);
        Assert.Equal(IceCandidateType.Other, c.Type);
        Assert.Equal("future", c.TypeToken);
    }

    [Fact]
    public void Boundary_values()
    {
        var c = IceCandidate.Parse("a=candidate:abcdefghijklmnopqrstuvwxyz+/0123 256 UDP 2147483647 0.0.0.0 0 typ host");
        Assert.Equal(32, c.Foundation.Length);
        Assert.Equal(256, c.ComponentId);
        Assert.Equal(2147483647u, c.Priority);
        Assert.Equal(0, c.Port);
        Assert.Equal(1, IceCandidate.Parse("a=candidate:1 00001 UDP 0000000001 255.255.255.255 65535 typ host").ComponentId);
    }

    [Fact]
    public void Create_formats_rfc_form()
    {
        var c = IceCandidate.Create("2", 1, IceTransport.Tcp, 2124414975, IceConnectionAddress.FromIP(IPAddress.Parse("10.0.1.1")), 8998,
            IceCandidateType.Host, tcpType: IceTcpType.Passive, extensions: [new("generation", "0")]);
        Assert.Equal("a=candidate:2 1 TCP 2124414975 10.0.1.1 8998 typ host tcptype passive generation 0", c.FormatLine());
    }

    [Fact]
    public void Round_trip_property()
    {
        var random = new Random(5245);
        const string ice = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
        string Ice(int min, int max) => new(Enumerable.Range(0, random.Next(min, max + 1)).Select(_ => ice[random.Next(ice.Length)]).ToArray());
        IceConnectionAddress Address()
        {
            var bytes = new byte[random.Next(2) == 0 ? 4 : 16];
            random.NextBytes(bytes);
            return random.Next(5) == 0 ? Parse($"{Ice(4, 8).Replace("+", "a").Replace("/", "b")}.local") : IceConnectionAddress.FromIP(new IPAddress(bytes));
        }
        for (var i = 0; i < 5_000; i++)
        {
            var transport = random.Next(2) == 0 ? IceTransport.Udp : IceTransport.Tcp;
            var type = (IceCandidateType)random.Next(4);
            var related = type != IceCandidateType.Host || random.Next(4) == 0;
            var extensions = Enumerable.Range(0, random.Next(3)).Select(k => new IceExtensionAttribute($"x-{k}", Ice(1, 6))).ToList();
            var c = IceCandidate.Create(Ice(1, 32), random.Next(1, 257), transport, (uint)random.Next(1, int.MaxValue), Address(), random.Next(65536), type,
                related ? Address() : null, related ? random.Next(65536) : null, transport == IceTransport.Tcp ? (IceTcpType)random.Next(3) : null, extensions);
            var line = c.FormatLine();
            Assert.True(IceCandidate.TryParse(line, out var parsed, out var error), $"{line}: {error}");
            Assert.Equal(line, parsed!.FormatLine());
            Assert.Equal((c.Foundation, c.ComponentId, c.Transport, c.Priority, c.Address, c.Port, c.Type, c.RelatedAddress, c.RelatedPort, c.TcpType),
                (parsed.Foundation, parsed.ComponentId, parsed.Transport, parsed.Priority, parsed.Address, parsed.Port, parsed.Type, parsed.RelatedAddress, parsed.RelatedPort, parsed.TcpType));
            Assert.Equal(c.Extensions, parsed.Extensions);
        }
    }

    private static IceConnectionAddress Parse(string text) =>
        IceConnectionAddress.TryParse(text, out var a, out var why) ? a : throw new InvalidOperationException(why);
}
