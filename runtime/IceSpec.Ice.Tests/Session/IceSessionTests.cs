using System.Net;
using System.Text;
using IceSpec.Ice.Sdp;
using IceSpec.Stun.Transports;

namespace IceSpec.Ice.Tests.Session;

/// <summary>The high-level API over real UDP sockets on loopback, and through a real coturn relay.</summary>
[Trait("Category", "interop")]
[Collection(nameof(CoturnProcess))] // one coturn at a time: on a loaded machine parallel ones missed their 5 s start
public sealed class IceSessionTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(IceNomination.Regular)]
    [InlineData(IceNomination.Aggressive)]
    public async Task Two_sessions_connect_on_loopback_and_exchange_datagrams(IceNomination nomination)
    {
        await using var offerer = IceSession.Create(new IceSessionOptions { Role = IceRole.Controlling, Nomination = nomination, Addresses = [IPAddress.Loopback] });
        await using var answerer = IceSession.Create(new IceSessionOptions { Role = IceRole.Controlled, Nomination = nomination, Addresses = [IPAddress.Loopback] });
        await Exchange(offerer, answerer);

        var pairA = await offerer.ConnectAsync().WaitAsync(Limit);
        var pairB = await answerer.ConnectAsync().WaitAsync(Limit);
        Assert.Equal(pairA.Local.Address, pairB.Remote.Address);
        Assert.Equal(pairB.Local.Address, pairA.Remote.Address);
        Assert.Equal(IceCandidateType.Host, pairA.Local.Type);

        await AssertDataFlows(offerer, answerer);
    }

    [Theory]
    [InlineData(TransportProtocol.Udp)]
    [InlineData(TransportProtocol.Tcp)]
    public async Task Relay_only_sessions_connect_through_coturn(TransportProtocol transport)
    {
        await using var coturn = await CoturnProcess.StartAsync();
        var turn = new IceTurnServer(coturn.Server, CoturnProcess.Username, CoturnProcess.Password, Transport: transport);
        IceSessionOptions Options(IceRole role) => new() { Role = role, Addresses = [IPAddress.Loopback], TurnServers = [turn], Policy = IceCandidatePolicy.RelayOnly };
        await using var a = IceSession.Create(Options(IceRole.Controlling));
        await using var b = IceSession.Create(Options(IceRole.Controlled));
        var (descriptionA, descriptionB) = await Exchange(a, b);
        Assert.All(descriptionA.Candidates.Concat(descriptionB.Candidates), c => Assert.Equal(IceCandidateType.Relayed, c.Type));

        var pairA = await a.ConnectAsync().WaitAsync(Limit);
        var pairB = await b.ConnectAsync().WaitAsync(Limit);
        Assert.Equal(IceCandidateType.Relayed, pairA.Local.Type);
        Assert.Equal(IceCandidateType.Relayed, pairB.Local.Type);
        Assert.Equal(coturn.Server.Address, pairA.Local.Address.Address);
        await AssertDataFlows(a, b);
    }

    [Fact]
    public async Task Gathering_completes_when_the_stun_and_turn_server_are_one_address()
    {
        await using var coturn = await CoturnProcess.StartAsync();
        await using var session = IceSession.Create(new IceSessionOptions
        {
            Addresses = [IPAddress.Loopback], StunServers = [coturn.Server],
            TurnServers = [new IceTurnServer(coturn.Server, CoturnProcess.Username, CoturnProcess.Password)],
        });
        // The Binding response comes from the TURN server's address: it must still reach the gathering request.
        var description = await session.GetLocalDescriptionAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Contains(description.Candidates, c => c.Type == IceCandidateType.Relayed);
        Assert.Contains(description.Candidates, c => c.Type == IceCandidateType.Host);
        Assert.True(description.EndOfCandidates);
    }

    [Fact]
    public async Task Ipv6_host_candidates_connect()
    {
        await using var a = IceSession.Create(new IceSessionOptions { Role = IceRole.Controlling, Addresses = [IPAddress.IPv6Loopback, IPAddress.Loopback] });
        await using var b = IceSession.Create(new IceSessionOptions { Role = IceRole.Controlled, Addresses = [IPAddress.IPv6Loopback] });
        await Exchange(a, b);
        var pair = await a.ConnectAsync().WaitAsync(Limit);
        Assert.Equal(IPAddress.IPv6Loopback, pair.Local.Address.Address);
        Assert.Equal(IPAddress.IPv6Loopback, pair.Remote.Address.Address);
        await AssertDataFlows(a, b);
    }

    [Fact]
    public async Task A_wrong_description_is_refused_with_a_clear_error()
    {
        await using var session = IceSession.Create(new IceSessionOptions { Addresses = [IPAddress.Loopback] });
        var error = Assert.Throws<ArgumentException>(() => session.SetRemoteDescription(new IceDescription()));
        Assert.Contains("a=ice-ufrag", error.Message);
    }

    internal static async Task<(IceDescription A, IceDescription B)> Exchange(IceSession a, IceSession b)
    {
        var descriptionA = await a.GetLocalDescriptionAsync().WaitAsync(Limit);
        var descriptionB = await b.GetLocalDescriptionAsync().WaitAsync(Limit);
        // Through SDP text, as a signalling channel would carry it.
        b.SetRemoteDescription(ThroughSdp(descriptionA));
        a.SetRemoteDescription(ThroughSdp(descriptionB));
        return (descriptionA, descriptionB);
    }

    private static IceDescription ThroughSdp(IceDescription description)
    {
        var parsed = IceSdp.Parse(description.Format());
        Assert.Empty(parsed.Errors);
        return parsed.Session;
    }

    internal static async Task AssertDataFlows(IceSession a, IceSession b)
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await a.SendAsync(Encoding.UTF8.GetBytes($"a->b {i}")));
            Assert.True(await b.SendAsync(Encoding.UTF8.GetBytes($"b->a {i}")));
            var atB = await b.ReceiveAsync().WaitAsync(Limit);
            var atA = await a.ReceiveAsync().WaitAsync(Limit);
            Assert.Equal($"a->b {i}", Encoding.UTF8.GetString(atB.Data));
            Assert.Equal($"b->a {i}", Encoding.UTF8.GetString(atA.Data));
        }
    }
}
