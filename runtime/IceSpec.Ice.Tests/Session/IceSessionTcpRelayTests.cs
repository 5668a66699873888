using System.Net;
using IceSpec.Ice.Sdp;
using IceSpec.Stun.Transports;

namespace IceSpec.Ice.Tests.Session;

/// <summary>
/// Relayed TCP candidates (RFC 6544 with an RFC 6062 TCP allocation) through a real coturn on loopback, and through
/// IceSpec's own TURN server: one session offers only its relayed TCP candidates, the other only host TCP ones, so the
/// call must go through the relay.
/// </summary>
[Trait("Category", "interop")]
[Collection(nameof(CoturnProcess))]
public sealed class IceSessionTcpRelayTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private static IceSessionOptions TcpOnly(IceRole role) =>
        new() { Role = role, Addresses = [IPAddress.Loopback], Transports = IceTransports.Tcp };

    /// <summary>
    /// <paramref name="relayedType"/> passive: the host side's active candidate connects to the relayed address, coturn
    /// sends ConnectionAttempt, the relayed side binds a data connection (RFC 6062 §4.4) and answers the check on it.
    /// Active: the relayed side asks coturn to Connect to the host side's passive candidate (§4.3), binds the data
    /// connection and checks on it. Either way both select the pair through the relay and data flows both ways.
    /// </summary>
    [Theory]
    [InlineData(IceTcpType.Passive)]
    [InlineData(IceTcpType.Active)]
    public async Task A_relayed_tcp_candidate_connects_through_coturns_tcp_allocation(IceTcpType relayedType)
    {
        await using var coturn = await CoturnProcess.StartAsync();
        await ConnectsThrough(new IceTurnServer(coturn.Server, CoturnProcess.Username, CoturnProcess.Password, Transport: TransportProtocol.Tcp) { TcpRelay = true }, relayedType);
    }

    /// <summary>The same through IceSpec's TURN server (its RFC 6062 side: Connect, ConnectionAttempt, ConnectionBind).</summary>
    [Theory]
    [InlineData(IceTcpType.Passive)]
    [InlineData(IceTcpType.Active)]
    public async Task A_relayed_tcp_candidate_connects_through_icespecs_own_tcp_allocation(IceTcpType relayedType)
    {
        await using var server = RelayServer.Start(0);
        await ConnectsThrough(new IceTurnServer(server.TcpEndpoint, "alice", "secret", Transport: TransportProtocol.Tcp) { TcpRelay = true }, relayedType);
    }

    private static async Task ConnectsThrough(IceTurnServer turn, IceTcpType relayedType)
    {
        // Both sessions' events, to tell in a failure which step (allocation, Connect, ConnectionAttempt, bind, check) went wrong.
        var events = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var relayed = IceSession.Create(TcpOnly(IceRole.Controlling) with { TurnServers = [turn], Policy = IceCandidatePolicy.RelayOnly },
            e => events.Enqueue("relayed side: " + e));
        await using var host = IceSession.Create(TcpOnly(IceRole.Controlled), e => events.Enqueue("host side: " + e));
        var relayedDescription = await relayed.GetLocalDescriptionAsync().WaitAsync(Limit);
        var hostDescription = await host.GetLocalDescriptionAsync().WaitAsync(Limit);
        var relayedCandidates = relayedDescription.Candidates.Where(c => c.Type == IceCandidateType.Relayed).ToList();
        Assert.Equal([IceTcpType.Passive, IceTcpType.Active], relayedCandidates.Select(c => c.TcpType));
        Assert.All(relayedCandidates, c => Assert.Equal(IceTransport.Tcp, c.Transport));
        // RFC 8445 §5.1.2.1 with type preference 0 and RFC 6544 §4.2's local preference (direction-pref 4 passive, 6 active; other-pref 8191).
        Assert.Equal([(uint)(256 * (4 * 8192 + 8191) + 255), (uint)(256 * (6 * 8192 + 8191) + 255)], relayedCandidates.Select(c => c.Priority));
        Assert.Equal(9, relayedCandidates[1].Port);
        relayedDescription.Candidates.RemoveAll(c => c.Type != IceCandidateType.Relayed || c.TcpType != relayedType);
        hostDescription.Candidates.RemoveAll(c => c.TcpType == relayedType);
        // RFC 6062 §5.2 / RFC 8656 §9: coturn accepts the host's connection to the relayed address only once the relayed
        // side holds a permission for the host's address, which it asks for when it learns the host's candidates; a
        // connection that comes first is refused and that check fails (RFC 6544 §7.1). So the relayed side gets the
        // host's description first, and its CreatePermission (one loopback round trip) gets 300 ms before the host's checks.
        relayed.SetRemoteDescription(hostDescription);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        host.SetRemoteDescription(relayedDescription);

        IceCandidatePair pairAtRelayed;
        try { pairAtRelayed = await relayed.ConnectAsync().WaitAsync(Limit); }
        catch (Exception e) { throw new Exception(string.Join("\n", events), e); }
        var pairAtHost = await host.ConnectAsync().WaitAsync(Limit);
        Assert.Equal((IceCandidateType.Relayed, IceTransport.Tcp, relayedType), (pairAtRelayed.Local.Type, pairAtRelayed.Local.Transport, pairAtRelayed.Local.TcpType));
        // The host side talks to the relayed address: its remote is the relayed candidate, or (relay connecting to it) the address coturn connected from.
        Assert.Equal(relayedCandidates[0].Address.ToString(), pairAtHost.Remote.Address.Address.ToString());
        await IceSessionTests.AssertDataFlows(relayed, host);
    }
}
