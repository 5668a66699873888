using System.Diagnostics;
using System.Net;
using System.Text;
using System.Threading.Channels;
using IceSpec.Ice.Sdp;
using IceSpec.Turn.Server;
using IceSpec.Stun.Transports;
using Xunit.Abstractions;

namespace IceSpec.Ice.Tests.Session;

/// <summary>
/// The TURN server behind the selected pair restarts mid-call (our server, in process, stopped and started again on the
/// same port): the session reports <see cref="IceRelayLost"/> (the selected pair affected) before consent could expire,
/// then <see cref="IceRelayReallocated"/>; an ICE restart (RFC 8445 §9) with the new relayed candidate brings data back.
/// With the TURN client's detection off the same restart is not reported.
/// </summary>
[Trait("Category", "unit")]
public sealed class IceSessionRelayLossTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Probe = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData(TransportProtocol.Udp)]
    [InlineData(TransportProtocol.Tcp)]
    public async Task A_restarted_turn_server_is_reported_and_an_ice_restart_recovers_the_call(TransportProtocol transport)
    {
        await using var server = RelayServer.Start(0);
        var turn = new IceTurnServer(server.Endpoint, "alice", "secret", Transport: transport) { LivenessProbeInterval = Probe };
        await using var a = IceSession.Create(new IceSessionOptions
            { Role = IceRole.Controlling, Addresses = [IPAddress.Loopback], TurnServers = [turn], Policy = IceCandidatePolicy.RelayOnly });
        await using var b = IceSession.Create(new IceSessionOptions { Role = IceRole.Controlled, Addresses = [IPAddress.Loopback] });
        var events = Watch(a);
        await IceSessionTests.Exchange(a, b);
        var before = await a.ConnectAsync().WaitAsync(Limit);
        Assert.Equal(IceCandidateType.Relayed, before.Local.Type);
        // RFC 8445 §7.3.1.5: the controlled side selects once its own check on the nominated pair succeeded, which can come
        // after the controlling side's selection (through the relay): wait for it before sending from it.
        await b.ConnectAsync().WaitAsync(Limit);
        await IceSessionTests.AssertDataFlows(a, b);
        while (events.TryRead(out var earlier)) output.WriteLine($"before the restart: {earlier}"); // evidence if the test fails

        await server.RestartAsync();
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(Limit);
        IceRelayLost? lost = null;
        IceRelayReallocated? reallocated = null;
        while (reallocated is null)
        {
            switch (await events.ReadAsync(timeout.Token))
            {
                case IceRelayLost l:
                    lost = l;
                    output.WriteLine($"{clock.ElapsedMilliseconds} ms after the restart: relay lost ({l.Reason})");
                    break;
                case IceRelayReallocated r:
                    reallocated = r;
                    output.WriteLine($"{clock.ElapsedMilliseconds} ms after the restart: re-allocated {r.Candidate.Address}");
                    break;
                case IceConnectionStateChanged { State: IceConnectionState.Disconnected or IceConnectionState.Failed } changed:
                    Assert.Fail($"the connection state changed ({changed.State}) before the relay loss was reported");
                    break;
                case var other:
                    output.WriteLine($"{clock.ElapsedMilliseconds} ms after the restart: {other}");
                    break;
            }
        }
        Assert.NotNull(lost);
        Assert.Equal(before.Local, lost.Candidate);
        Assert.True(lost.SelectedPairAffected);
        Assert.NotEqual(before.Local.Address, reallocated.Candidate.Address);

        // RFC 8445 §9: both sides restart; the new description carries the new relayed candidate.
        var newA = await a.RestartAsync();
        Assert.Contains(newA.Candidates, c => c.Port == reallocated.Candidate.Address.Port);
        Assert.DoesNotContain(newA.Candidates, c => c.Port == before.Local.Address.Port);
        var newB = await b.RestartAsync();
        b.SetRemoteDescription(newA);
        a.SetRemoteDescription(newB);
        while (true)
        {
            if (await events.ReadAsync(timeout.Token) is IceSelectedPairChanged changed && changed.Pair.Local == reallocated.Candidate) break;
        }
        output.WriteLine($"{clock.ElapsedMilliseconds} ms after the restart: the new relayed pair is selected");
        await IceSessionTests.AssertDataFlows(a, b);
    }

    [Fact]
    public async Task With_the_turn_clients_detection_off_the_restart_goes_unreported()
    {
        await using var server = RelayServer.Start(0);
        var turn = new IceTurnServer(server.Endpoint, "alice", "secret") { LivenessProbeInterval = null, ReallocateOnLoss = false };
        await using var a = IceSession.Create(new IceSessionOptions
            { Role = IceRole.Controlling, Addresses = [IPAddress.Loopback], TurnServers = [turn], Policy = IceCandidatePolicy.RelayOnly });
        await using var b = IceSession.Create(new IceSessionOptions { Role = IceRole.Controlled, Addresses = [IPAddress.Loopback] });
        var events = Watch(a);
        await IceSessionTests.Exchange(a, b);
        await a.ConnectAsync().WaitAsync(Limit);
        // As above: the controlled side may select after the controlling one.
        await b.ConnectAsync().WaitAsync(Limit);
        await IceSessionTests.AssertDataFlows(a, b);

        await server.RestartAsync();
        await Task.Delay(TimeSpan.FromSeconds(4)); // four of the other test's probe intervals
        var seen = new List<IceEvent>();
        while (events.TryRead(out var e)) seen.Add(e);
        Assert.DoesNotContain(seen, e => e is IceRelayLost or IceRelayReallocated);
        Assert.True(await a.SendAsync(Encoding.UTF8.GetBytes("into the void")));
        await Assert.ThrowsAnyAsync<TimeoutException>(() => b.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(1)));
    }

    private static ChannelReader<IceEvent> Watch(IceSession session)
    {
        var events = Channel.CreateUnbounded<IceEvent>();
        session.Event += e => events.Writer.TryWrite(e);
        return events.Reader;
    }
}
