using System.Net;
using IceSpec.Ice.Sdp;

namespace IceSpec.Ice.Tests.Session;

/// <summary>
/// The Binding over TCP from an S-O port (RFC 6544 §5.2) against IceSpec's own STUN/TURN server on loopback: with no
/// NAT on the way the server sees the S-O port itself, so the answer maps to the S-O candidate and adds nothing (RFC 8445
/// §5.1.3). A binding that left from another port, or failed, shows as a srflx candidate or a server failure.
/// </summary>
[Trait("Category", "interop")]
public sealed class IceSessionTcpReflexiveTests
{
    [Fact]
    public async Task Without_a_nat_the_binding_from_the_simultaneous_open_port_maps_to_that_port_and_adds_no_candidate()
    {
        await using var server = RelayServer.Start(0);
        var events = new System.Collections.Concurrent.ConcurrentQueue<IceEvent>();
        var started = DateTime.UtcNow;
        await using var session = IceSession.Create(new IceSessionOptions
        {
            Role = IceRole.Controlling, Addresses = [IPAddress.Loopback], Transports = IceTransports.Tcp, TcpSimultaneousOpen = true,
            StunServers = [server.TcpEndpoint],
        }, events.Enqueue);

        var description = await session.GetLocalDescriptionAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Empty(events.OfType<IceServerFailed>());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3), "gathering waited for the give-up instead of the answer");
        Assert.Contains(description.Candidates, c => c.Type == IceCandidateType.Host && c.TcpType == IceTcpType.SimultaneousOpen);
        Assert.DoesNotContain(description.Candidates, c => c.Type == IceCandidateType.ServerReflexive);
    }

    [Fact]
    public async Task A_stun_server_that_does_not_listen_on_tcp_fails_that_binding_and_gathering_still_completes()
    {
        using var closed = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0)); // bound, not listening: connects are refused
        var events = new System.Collections.Concurrent.ConcurrentQueue<IceEvent>();
        await using var session = IceSession.Create(new IceSessionOptions
        {
            Role = IceRole.Controlling, Addresses = [IPAddress.Loopback], Transports = IceTransports.Tcp, TcpSimultaneousOpen = true,
            StunServers = [(IPEndPoint)closed.LocalEndPoint!],
        }, events.Enqueue);

        await session.GetLocalDescriptionAsync().WaitAsync(TimeSpan.FromSeconds(3));

        Assert.True(events.OfType<IceServerFailed>().Any(e => e.Server.Equals(closed.LocalEndPoint)), string.Join("\n", events));
    }
}
