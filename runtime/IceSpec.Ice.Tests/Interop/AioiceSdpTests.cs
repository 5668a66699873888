using System.Net;
using IceSpec.Ice.Sdp;

namespace IceSpec.Ice.Tests.Interop;

/// <summary>
/// Parses candidate lines aioice 0.8.0 really produces (Candidate.to_sdp() after gathering on loopback) and compares them
/// with aioice's own candidate fields; the reverse direction has aioice's Candidate.from_sdp read lines we format.
/// </summary>
[Trait("Category", "interop")]
public sealed class AioiceSdpTests
{
    public static TheoryData<string[]> Variants()
    {
        var data = new TheoryData<string[]> { new[] { "127.0.0.1" }, new[] { "--components", "2", "127.0.0.1" } };
        if (LibniceSdpTests.LoopbackIPv6Works()) data.Add(["--components", "2", "127.0.0.1", "::1"]);
        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Parsed_lines_equal_aioice_candidates(string[] arguments)
    {
        var report = AioiceDriver.Run(arguments);
        var sdp = IceSdp.Parse(report.Sdp);

        Assert.Empty(sdp.Errors);
        Assert.Empty(sdp.Media);
        Assert.Equal(report.Ufrag, sdp.Session.Ufrag);
        Assert.Equal(report.Password, sdp.Session.Password);
        var parsed = sdp.Session.Candidates;
        Assert.Equal(report.ApiCandidates.Length, parsed.Count);
        Assert.NotEmpty(parsed);
        for (var i = 0; i < parsed.Count; i++)
            AssertSame(report.ApiCandidates[i], parsed[i]);
        // Every line formats back exactly (aioice writes lower-case "udp"; the token's spelling is kept).
        Assert.Equal(report.SdpLines, sdp.Session.FormatLines());
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Bare_to_sdp_values_parse(string[] arguments)
    {
        var report = AioiceDriver.Run(arguments);
        foreach (var line in report.SdpLines.Where(l => l.StartsWith("a=candidate:", StringComparison.Ordinal)))
        {
            var value = line["a=candidate:".Length..];
            Assert.True(IceCandidate.TryParse(value, out var candidate, out var error), $"{value}: {error}");
            Assert.Equal(value, candidate!.FormatValue());
            Assert.Equal(line, candidate.FormatLine());
        }
    }

    [Fact]
    public void Aioice_parses_what_we_format()
    {
        var candidates = new[]
        {
            IceCandidate.Create("1", 1, IceTransport.Udp, 2130706431, IceConnectionAddress.FromIP(IPAddress.Parse("192.0.2.1")), 5000, IceCandidateType.Host),
            IceCandidate.Create("abc+/", 2, IceTransport.Udp, 1694498815, IceConnectionAddress.FromIP(IPAddress.Parse("198.51.100.7")), 40000,
                IceCandidateType.ServerReflexive, IceConnectionAddress.FromIP(IPAddress.Parse("10.0.0.1")), 5001),
            IceCandidate.Create("7", 1, IceTransport.Udp, 16777215, IceConnectionAddress.FromIP(IPAddress.Parse("2001:db8::9")), 3478,
                IceCandidateType.Relayed, IceConnectionAddress.FromIP(IPAddress.Parse("2001:db8::1")), 61000),
            IceCandidate.Create("3", 1, IceTransport.Tcp, 1015022591, IceConnectionAddress.FromIP(IPAddress.Parse("127.0.0.1")), 9,
                IceCandidateType.Host, tcpType: IceTcpType.Active),
            IceCandidate.Create("4", 1, IceTransport.Tcp, 1010828287, IceConnectionAddress.FromIP(IPAddress.Parse("127.0.0.1")), 40781,
                IceCandidateType.PeerReflexive, IceConnectionAddress.FromIP(IPAddress.Parse("127.0.0.1")), 40000, IceTcpType.Passive),
        };
        var output = AioiceDriver.RunRaw(["--parse", .. candidates.Select(c => c.FormatValue())]);
        var lines = output.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(candidates.Length, lines.Length);
        for (var i = 0; i < candidates.Length; i++)
        {
            Assert.StartsWith("candidate ", lines[i]);
            AssertSame(lines[i].Split(' ')[1..], candidates[i]);
        }
    }

    internal static void AssertSame(string[] api, IceCandidate parsed)
    {
        // candidate COMPONENT FOUNDATION TRANSPORT PRIORITY HOST PORT TYPE RELATED_ADDRESS RELATED_PORT TCPTYPE
        Assert.Equal(int.Parse(api[0]), parsed.ComponentId);
        Assert.Equal(api[1], parsed.Foundation);
        Assert.Equal(api[2], parsed.TransportToken);
        Assert.Equal(uint.Parse(api[3]), parsed.Priority);
        Assert.Equal(IPAddress.Parse(api[4]), parsed.Address.IPAddress);
        Assert.Equal(int.Parse(api[5]), parsed.Port);
        Assert.Equal(api[6], parsed.TypeToken);
        Assert.Equal(api[7] == "-" ? null : api[7], parsed.RelatedAddress?.Text);
        Assert.Equal(api[8] == "-" ? null : int.Parse(api[8]), parsed.RelatedPort);
        Assert.Equal(api[9] == "-" ? null : api[9], parsed.TcpType is { } t ? IceCandidate.TcpTypeToken(t) : null);
    }
}
