using System.Net;
using System.Net.Sockets;
using IceSpec.Ice.Sdp;

namespace IceSpec.Ice.Tests.Interop;

/// <summary>
/// Parses the SDP libnice 0.1.21 really generates (nice_agent_generate_local_sdp, host candidates on loopback) and
/// compares every value with what libnice's API reports (nice_agent_get_local_credentials / _get_local_candidates);
/// then checks that formatting reproduces every line. Nothing is hard-coded: ports, ufrag, pwd are fresh each run.
/// </summary>
[Trait("Category", "interop")]
public sealed class LibniceSdpTests : IClassFixture<LibniceSdpPeer>
{
    private readonly LibniceSdpPeer _libnice;

    public LibniceSdpTests(LibniceSdpPeer libnice) => _libnice = libnice;

    internal static bool LoopbackIPv6Works()
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException) { return false; }
    }

    public static TheoryData<string[]> Variants()
    {
        var data = new TheoryData<string[]> { new[] { "1" }, new[] { "2" }, new[] { "2", "tcp" } };
        if (LoopbackIPv6Works()) { data.Add(["2", "ipv6"]); data.Add(["1", "ipv6", "tcp"]); }
        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Parsed_sdp_equals_libnice_api(string[] arguments)
    {
        var report = _libnice.Run(arguments);
        var sdp = IceSdp.Parse(report.Sdp);

        Assert.Empty(sdp.Errors);
        var media = Assert.Single(sdp.Media);
        Assert.Equal(report.Ufrag, media.EffectiveUfrag);
        Assert.Equal(report.Password, media.EffectivePassword);
        Assert.Equal(report.ApiCandidates.Length, media.Ice.Candidates.Count);
        Assert.Equal(report.ApiCandidates.Length, report.SdpLines.Count(l => l.StartsWith("a=candidate:", StringComparison.Ordinal)));
        Assert.Equal(int.Parse(arguments[0]), media.Ice.Candidates.Select(c => c.ComponentId).Distinct().Count());
        if (arguments.Contains("ipv6")) Assert.Contains(media.Ice.Candidates, c => c.Address.Kind == IceAddressKind.IPv6);
        if (arguments.Contains("tcp")) Assert.Contains(media.Ice.Candidates, c => c.Transport == IceTransport.Tcp);

        foreach (var api in report.ApiCandidates)
        {
            // candidate COMPONENT FOUNDATION TRANSPORT PRIORITY ADDRESS PORT TYPE BASE-ADDRESS BASE-PORT
            var parsed = Assert.Single(media.Ice.Candidates, c => c.ComponentId == int.Parse(api[0]) && c.Foundation == api[1]);
            var (transport, tcpType) = api[2] switch
            {
                "UDP" => (IceTransport.Udp, (IceTcpType?)null),
                "TCP-active" => (IceTransport.Tcp, IceTcpType.Active),
                "TCP-passive" => (IceTransport.Tcp, IceTcpType.Passive),
                "TCP-so" => (IceTransport.Tcp, IceTcpType.SimultaneousOpen),
                var other => throw new InvalidOperationException($"unknown libnice transport {other}"),
            };
            Assert.Equal(transport, parsed.Transport);
            Assert.Equal(tcpType, parsed.TcpType);
            Assert.Equal(uint.Parse(api[3]), parsed.Priority);
            Assert.Equal(IPAddress.Parse(api[4]), parsed.Address.IPAddress);
            // RFC 6544 §4.5: an active TCP candidate has no listening port and is signalled with the discard port 9.
            Assert.Equal(tcpType == IceTcpType.Active ? 9 : int.Parse(api[5]), parsed.Port);
            Assert.Equal(api[6], parsed.TypeToken);
            Assert.Equal(IceCandidateType.Host, parsed.Type);
            Assert.Null(parsed.RelatedAddress);
            Assert.Null(parsed.RelatedPort);
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Format_reproduces_every_libnice_line(string[] arguments)
    {
        var report = _libnice.Run(arguments);
        foreach (var line in report.SdpLines.Where(l => l.StartsWith("a=candidate:", StringComparison.Ordinal)))
        {
            Assert.True(IceCandidate.TryParse(line, out var candidate, out var error), $"{line}: {error}");
            Assert.Equal(line, candidate!.FormatLine());
            Assert.Equal(line["a=".Length..], candidate.Format());
            // The same value without "candidate:" (werift-ice form) parses to the same line.
            Assert.Equal(line, IceCandidate.Parse(line["a=candidate:".Length..]).FormatLine());
        }
        // The ICE lines of the section, re-emitted in order, are exactly libnice's.
        var media = Assert.Single(IceSdp.Parse(report.Sdp).Media);
        var iceLines = report.SdpLines.Where(l => l.StartsWith("a=ice-", StringComparison.Ordinal) || l.StartsWith("a=candidate:", StringComparison.Ordinal));
        Assert.Equal(iceLines, media.Ice.FormatLines());
    }
}
