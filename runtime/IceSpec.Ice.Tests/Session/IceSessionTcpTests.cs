using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using IceSpec.Ice.Sdp;

namespace IceSpec.Ice.Tests.Session;

/// <summary>ICE-TCP (RFC 6544) between real sessions on loopback: listeners, connections, RFC 4571 frames, clean-up.</summary>
[Trait("Category", "unit")]
public sealed class IceSessionTcpTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private static IceSessionOptions TcpOnly(IceRole role, IceNomination nomination = IceNomination.Regular) =>
        new() { Role = role, Nomination = nomination, Addresses = [IPAddress.Loopback], Transports = IceTransports.Tcp };

    /// <summary>
    /// Both sessions offer both candidates, so two connections may form (each side's active to the other's passive).
    /// Regular nomination picks one: the controlling agent nominates its own active → passive pair (host beats the
    /// peer-reflexive remote of the other direction), and the controlled side selects the same connection from its listener.
    /// </summary>
    [Fact]
    public async Task Tcp_only_sessions_connect_and_exchange_data_both_ways()
    {
        await using var a = IceSession.Create(TcpOnly(IceRole.Controlling));
        await using var b = IceSession.Create(TcpOnly(IceRole.Controlled));
        var (descriptionA, _) = await IceSessionTests.Exchange(a, b);
        // RFC 8839 a=candidate lines with RFC 6544 tcptype: a passive candidate on the listener, an active one on port 9.
        Assert.All(descriptionA.Candidates, c => Assert.Equal(IceTransport.Tcp, c.Transport));
        Assert.Equal(9, Assert.Single(descriptionA.Candidates, c => c.TcpType == IceTcpType.Active).Port);
        Assert.Contains(" TCP ", Assert.Single(descriptionA.Candidates, c => c.TcpType == IceTcpType.Passive).FormatLine());

        var pairA = await a.ConnectAsync().WaitAsync(Limit);
        var pairB = await b.ConnectAsync().WaitAsync(Limit);
        Assert.Equal((IceTcpType.Active, IceTcpType.Passive), (pairA.Local.TcpType, pairA.Remote.TcpType));
        Assert.Equal((IceTcpType.Passive, IceTcpType.Active), (pairB.Local.TcpType, pairB.Remote.TcpType));
        Assert.Equal(pairA.Remote.Address, pairB.Local.Address);
        Assert.Equal(pairA.TcpConnectionLocal, pairB.Remote.Address);
        await AssertDataFlowsIncludingALargeMessage(a, b);
    }

    /// <summary>
    /// Aggressive nomination puts USE-CANDIDATE on every check, so with two connections each side could select a
    /// different one (their pair priorities differ: each sees the other's end of its own connection as peer-reflexive).
    /// Here the controlling side offers only its active candidate and the controlled side only its passive one: one
    /// connection, opened by the controlling side.
    /// </summary>
    [Fact]
    public async Task Tcp_only_sessions_connect_with_aggressive_nomination_over_one_connection()
    {
        await using var a = IceSession.Create(TcpOnly(IceRole.Controlling, IceNomination.Aggressive));
        await using var b = IceSession.Create(TcpOnly(IceRole.Controlled, IceNomination.Aggressive));
        var descriptionA = await a.GetLocalDescriptionAsync().WaitAsync(Limit);
        var descriptionB = await b.GetLocalDescriptionAsync().WaitAsync(Limit);
        descriptionA.Candidates.RemoveAll(c => c.TcpType == IceTcpType.Passive);
        descriptionB.Candidates.RemoveAll(c => c.TcpType == IceTcpType.Active);
        b.SetRemoteDescription(descriptionA);
        a.SetRemoteDescription(descriptionB);

        var pairA = await a.ConnectAsync().WaitAsync(Limit);
        var pairB = await b.ConnectAsync().WaitAsync(Limit);
        Assert.Equal((IceTcpType.Active, IceTcpType.Passive), (pairA.Local.TcpType, pairA.Remote.TcpType));
        Assert.Equal((IceTcpType.Passive, IceTcpType.Active), (pairB.Local.TcpType, pairB.Remote.TcpType));
        Assert.Equal(IceCandidateType.PeerReflexive, pairB.Remote.Type);
        await AssertDataFlowsIncludingALargeMessage(a, b);
    }

    /// <summary>
    /// RFC 6544 §7.2 on real sockets: each session offers only its S-O candidate, so each opens a connection from its S-O
    /// port to the other's while that port listens (SO_REUSEADDR/SO_REUSEPORT). Whichever open lands first (or a real
    /// simultaneous open) gives the one connection between the two S-O ports; the other side's open fails on the taken
    /// 4-tuple or completes the same connection, and both select the S-O pair.
    /// </summary>
    [Fact]
    public async Task Sessions_offering_only_simultaneous_open_candidates_connect_between_their_ports()
    {
        await using var a = IceSession.Create(TcpOnly(IceRole.Controlling) with { TcpSimultaneousOpen = true });
        await using var b = IceSession.Create(TcpOnly(IceRole.Controlled) with { TcpSimultaneousOpen = true });
        var descriptionA = await a.GetLocalDescriptionAsync().WaitAsync(Limit);
        var descriptionB = await b.GetLocalDescriptionAsync().WaitAsync(Limit);
        var soA = Assert.Single(descriptionA.Candidates, c => c.TcpType == IceTcpType.SimultaneousOpen);
        var soB = Assert.Single(descriptionB.Candidates, c => c.TcpType == IceTcpType.SimultaneousOpen);
        Assert.NotEqual(9, soA.Port);
        descriptionA.Candidates.RemoveAll(c => c.TcpType != IceTcpType.SimultaneousOpen);
        descriptionB.Candidates.RemoveAll(c => c.TcpType != IceTcpType.SimultaneousOpen);
        b.SetRemoteDescription(descriptionA);
        a.SetRemoteDescription(descriptionB);

        var pairA = await a.ConnectAsync().WaitAsync(Limit);
        var pairB = await b.ConnectAsync().WaitAsync(Limit);
        Assert.Equal((IceTcpType.SimultaneousOpen, IceTcpType.SimultaneousOpen, soB.Port), (pairA.Local.TcpType, pairA.Remote.TcpType, pairA.Remote.Address.Port));
        Assert.Equal((IceTcpType.SimultaneousOpen, IceTcpType.SimultaneousOpen, soA.Port), (pairB.Local.TcpType, pairB.Remote.TcpType, pairB.Remote.Address.Port));
        await AssertDataFlowsIncludingALargeMessage(a, b);
        // One connection, between the two S-O ports.
        var connections = IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpConnections()
            .Where(c => c.State == TcpState.Established && c.LocalEndPoint.Port == soA.Port && c.RemoteEndPoint.Port == soB.Port).ToList();
        Assert.Single(connections);
    }

    private static async Task AssertDataFlowsIncludingALargeMessage(IceSession a, IceSession b)
    {
        await IceSessionTests.AssertDataFlows(a, b);
        var large = Enumerable.Range(0, 60000).Select(i => (byte)(i * 7)).ToArray(); // one frame over several reads
        Assert.True(await b.SendAsync(large));
        Assert.Equal(large, (await a.ReceiveAsync().WaitAsync(Limit)).Data);
    }

    [Fact]
    public async Task Disposing_the_sessions_closes_their_listeners_and_connections()
    {
        var a = IceSession.Create(TcpOnly(IceRole.Controlling));
        var b = IceSession.Create(TcpOnly(IceRole.Controlled));
        var (descriptionA, descriptionB) = await IceSessionTests.Exchange(a, b);
        await a.ConnectAsync().WaitAsync(Limit);
        await b.ConnectAsync().WaitAsync(Limit);
        await IceSessionTests.AssertDataFlows(a, b);
        var ports = descriptionA.Candidates.Concat(descriptionB.Candidates).Where(c => c.TcpType == IceTcpType.Passive).Select(c => c.Port).ToHashSet();
        Assert.NotEmpty(OpenConnections(ports));
        Assert.Equal(2, Listeners(ports).Count());

        await a.DisposeAsync();
        await b.DisposeAsync();
        Assert.Empty(Listeners(ports));
        Assert.Empty(OpenConnections(ports)); // neither ESTABLISHED nor CLOSE_WAIT (a side that never closed its end)
    }

    /// <summary>A frame longer than the limit closes that connection only; the session goes on and connects.</summary>
    [Fact]
    public async Task An_oversized_frame_closes_its_connection_and_the_session_still_connects()
    {
        await using var a = IceSession.Create(TcpOnly(IceRole.Controlling));
        await using var b = IceSession.Create(TcpOnly(IceRole.Controlled) with { MaxTcpFrameLength = 1000 });
        var closed = new TaskCompletionSource<IceTcpConnectionClosed>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Event += e => { if (e is IceTcpConnectionClosed c) closed.TrySetResult(c); };
        var descriptionB = await b.GetLocalDescriptionAsync().WaitAsync(Limit);
        var passive = descriptionB.Candidates.Single(c => c.TcpType == IceTcpType.Passive);

        using (var intruder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await intruder.ConnectAsync(new IPEndPoint(IPAddress.Loopback, passive.Port));
            await intruder.SendAsync(new byte[] { 0x00, 0x02, 0xAB, 0xCD, 0x03, 0xE9 }); // a 2-byte frame (not STUN: dropped), then LENGTH 1001
            var buffer = new byte[16];
            Assert.Equal(0, await intruder.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Limit)); // the session closed it
        }
        Assert.Contains("longer than 1000", (await closed.Task.WaitAsync(Limit)).Reason);

        await IceSessionTests.Exchange(a, b);
        await a.ConnectAsync().WaitAsync(Limit);
        await b.ConnectAsync().WaitAsync(Limit); // the controlled side selects its pair when the nomination arrives: sending before that fails
        await IceSessionTests.AssertDataFlows(a, b);
    }

    private static IEnumerable<IPEndPoint> Listeners(ISet<int> ports) =>
        IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners().Where(l => ports.Contains(l.Port));

    private static IEnumerable<TcpConnectionInformation> OpenConnections(ISet<int> ports) =>
        IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpConnections()
            .Where(c => (ports.Contains(c.LocalEndPoint.Port) || ports.Contains(c.RemoteEndPoint.Port)) && c.State is TcpState.Established or TcpState.CloseWait);
}
