using IceSpec.Stun;
using IceSpec.Turn.Server;

namespace IceSpec.Turn.Tests.Server;

/// <summary>
/// RFC 6062 in the sans-IO core on a virtual clock: TCP allocations (§5.1), Connect (§5.2), peers accepted on the relayed
/// address (§5.3), ConnectionBind (§5.4) and closing (§5.5). The driver's part is played by the test: it reads the core's
/// peer connection commands and reports connects, accepts and closes.
/// </summary>
[Trait("Category", "unit")]
public sealed class TcpAllocationCoreTests
{
    private static readonly TurnEndpoint Peer = TurnEndpoint.Parse("203.0.113.50:5000");
    private static readonly TurnEndpoint OtherPeer = TurnEndpoint.Parse("203.0.113.51:6000");

    [Fact]
    public void A_TCP_allocation_over_UDP_is_refused_with_400()
    {
        var harness = new CoreHarness();
        var response = AllocateTcp(harness.NewClient());
        // RFC 6062 §5.1: "If the client connection transport is not TCP or TLS, the server MUST reject the request with a 400".
        Assert.Equal(400, response.ErrorCode);
        Assert.Empty(harness.Relays.Open);
    }

    [Theory]
    [InlineData("EVEN-PORT")]
    [InlineData("DONT-FRAGMENT")]
    [InlineData("RESERVATION-TOKEN")]
    public void A_TCP_allocation_asking_for_what_only_UDP_relaying_has_is_refused_with_400(string attribute)
    {
        var harness = new CoreHarness();
        var response = AllocateTcp(harness.NewClient(transport: TurnTransport.Tcp), (ref StunMessageBuilder b) =>
        {
            switch (attribute)
            {
                case "EVEN-PORT": b.AddEvenPort(0); break;
                case "DONT-FRAGMENT": b.AddDontFragment(); break;
                default: b.AddReservationToken(new byte[8]); break;
            }
        });
        Assert.Equal(400, response.ErrorCode);
        Assert.Contains("AllocateRequestTcpAllocation.Forbids", response.Reason);
    }

    [Fact]
    public void A_TCP_allocation_over_TCP_gets_a_TCP_relayed_address()
    {
        var harness = new CoreHarness();
        var response = AllocateTcp(harness.NewClient(transport: TurnTransport.Tcp));
        Assert.True(response.IsSuccess, response.ToString());
        var relay = Assert.Single(harness.Relays.Open);
        Assert.True(relay.Tcp);
        Assert.Equal(relay.Address.ToStunAddress(), Assert.Single(response.RelayedAddresses));
    }

    [Fact]
    public void TCP_allocations_are_refused_with_442_when_TCP_relaying_is_off()
    {
        var harness = new CoreHarness(o => o.NoTcpRelay = true);
        Assert.Equal(442, AllocateTcp(harness.NewClient(transport: TurnTransport.Tcp)).ErrorCode);
    }

    [Fact]
    public void Connect_asks_the_driver_to_connect_from_the_relayed_address_and_answers_with_the_CONNECTION_ID_once_connected()
    {
        var (harness, client) = TcpAllocation();
        Permit(client, Peer);
        var request = Connect(client, Peer);
        var sent = client.SendRaw(request);
        Assert.DoesNotContain(sent, t => t.Target == TurnTransmitTarget.Client); // no answer before the TCP handshake ends
        var command = Assert.Single(Commands(harness));
        Assert.Equal(TurnPeerConnectionAction.Connect, command.Action);
        Assert.Equal(Assert.Single(harness.Relays.Open), command.Relay);
        Assert.Equal(Peer, command.Peer);
        Assert.Equal(TurnPeerConnectionState.Connecting, harness.Server.PeerConnectionState(command.ConnectionId));

        Assert.True(harness.Server.HandlePeerConnected(harness.Now, command.ConnectionId));
        var response = SingleResponse(harness, client);
        Assert.True(response.IsSuccess, response.ToString());
        Assert.Equal(TurnMethods.Connect, response.Method);
        Assert.Equal(command.ConnectionId, ConnectionIdOf(response));
        Assert.True(response.IntegrityValidWith(client.Credentials!.Key));
        Assert.Equal(TurnPeerConnectionState.Pending, harness.Server.PeerConnectionState(command.ConnectionId));
    }

    [Fact]
    public void Connect_without_a_permission_for_the_peer_is_refused_with_403()
    {
        var (harness, client) = TcpAllocation();
        Permit(client, OtherPeer);
        Assert.Equal(403, client.Request(Connect(client, Peer))!.ErrorCode);
        Assert.Empty(Commands(harness));
    }

    [Fact]
    public void Connect_to_a_peer_the_policy_denies_is_refused_with_403()
    {
        var (harness, client) = TcpAllocation();
        Assert.Equal(403, client.Request(Connect(client, TurnEndpoint.Parse("127.0.0.1:22")))!.ErrorCode);
        Assert.Equal(403, client.Request(Connect(client, TurnEndpoint.Parse("10.1.2.3:80")))!.ErrorCode);
        Assert.Empty(Commands(harness));
    }

    [Fact]
    public void Connect_to_port_0_is_refused_with_400()
    {
        var (harness, client) = TcpAllocation();
        Permit(client, Peer);
        // RFC 6062 §5.2: an invalid XOR-PEER-ADDRESS is a 400; no TCP connection can go to port 0.
        Assert.Equal(400, client.Request(Connect(client, Peer.WithPort(0)))!.ErrorCode);
        Assert.Empty(Commands(harness));
    }

    [Fact]
    public void Connect_on_a_UDP_allocation_is_refused_with_400_and_without_an_allocation_with_437()
    {
        var harness = new CoreHarness();
        var udp = harness.NewClient();
        Assert.True(udp.Allocate().IsSuccess);
        Permit(udp, Peer);
        Assert.Equal(400, udp.Request(Connect(udp, Peer))!.ErrorCode);
        var none = harness.NewClient("203.0.113.8:40000", TurnTransport.Tcp);
        none.Authenticate();
        Assert.Equal(437, none.Request(Connect(none, Peer))!.ErrorCode);
    }

    [Fact]
    public void A_second_Connect_to_the_same_peer_is_answered_446_while_the_first_is_connecting_pending_or_bound()
    {
        var (harness, client) = TcpAllocation();
        Permit(client, Peer);
        client.SendRaw(Connect(client, Peer));
        var first = Assert.Single(Commands(harness));
        // RFC 6062 §5.2: connecting...
        Assert.Equal(446, client.Request(Connect(client, Peer))!.ErrorCode);
        harness.Server.HandlePeerConnected(harness.Now, first.ConnectionId);
        harness.Drain();
        // ...pending...
        Assert.Equal(446, client.Request(Connect(client, Peer))!.ErrorCode);
        var data = harness.NewClient("203.0.113.7:40001", TurnTransport.Tcp);
        Assert.True(Bind(data, client, first.ConnectionId)!.IsSuccess);
        // ...or bound.
        Assert.Equal(446, client.Request(Connect(client, Peer))!.ErrorCode);
        // Another port of the same IP address is another peer.
        client.SendRaw(Connect(client, Peer.WithPort(5001)));
        Assert.Contains(Commands(harness), c => c.Action == TurnPeerConnectionAction.Connect && c.Peer == Peer.WithPort(5001));
    }

    [Fact]
    public void A_failed_connection_to_the_peer_is_answered_447_and_the_peer_may_be_tried_again()
    {
        var (harness, client) = TcpAllocation();
        Permit(client, Peer);
        var request = Connect(client, Peer);
        client.SendRaw(request);
        var command = Assert.Single(Commands(harness));
        harness.Server.HandlePeerConnectFailed(harness.Now, command.ConnectionId, "ConnectionRefused");
        var response = SingleResponse(harness, client);
        Assert.Equal(447, response.ErrorCode);
        Assert.Equal(request.AsSpan(8, 12).ToArray(), response.TransactionId);
        Assert.Null(harness.Server.PeerConnectionState(command.ConnectionId));
        client.SendRaw(Connect(client, Peer));
        Assert.Single(Commands(harness), c => c.Action == TurnPeerConnectionAction.Connect);
    }

    [Fact]
    public void A_Connect_the_peer_never_answers_gets_447_after_30_seconds_and_the_attempt_is_stopped()
    {
        var (harness, client) = TcpAllocation();
        Permit(client, Peer);
        client.SendRaw(Connect(client, Peer));
        var command = Assert.Single(Commands(harness));
        harness.Advance(TimeSpan.FromSeconds(29.9));
        Assert.Empty(harness.Drain());
        harness.Advance(TimeSpan.FromSeconds(0.1));
        // RFC 6062 §5.2: "If the connection attempt fails or times out, the server MUST return a 447"; the timeout is at least 30 s.
        Assert.Equal(447, SingleResponse(harness, client).ErrorCode);
        var close = Assert.Single(Commands(harness));
        Assert.Equal((TurnPeerConnectionAction.Close, command.ConnectionId), (close.Action, close.ConnectionId));
        Assert.False(harness.Server.HandlePeerConnected(harness.Now, command.ConnectionId)); // too late: the driver closes it
    }

    [Fact]
    public void ConnectionBind_turns_a_new_connection_into_the_data_connection_of_the_pending_peer_connection()
    {
        var (harness, client) = TcpAllocation();
        var id = Connected(harness, client, Peer);
        var data = harness.NewClient("203.0.113.7:40001", TurnTransport.Tcp);
        var response = Bind(data, client, id)!;
        Assert.True(response.IsSuccess, response.ToString());
        Assert.Equal(TurnMethods.ConnectionBind, response.Method);
        var bind = Assert.Single(Commands(harness));
        Assert.Equal((TurnPeerConnectionAction.Bind, id, Peer, data.Flow), (bind.Action, bind.ConnectionId, bind.Peer, bind.DataConnection));
        Assert.Equal(TurnPeerConnectionState.Bound, harness.Server.PeerConnectionState(id));
        // Bound connections have no timer: an hour later it is still bound.
        harness.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(TurnPeerConnectionState.Bound, harness.Server.PeerConnectionState(id));
    }

    [Fact]
    public void ConnectionBind_with_an_unknown_or_already_bound_CONNECTION_ID_is_refused_with_400()
    {
        var (harness, client) = TcpAllocation();
        var id = Connected(harness, client, Peer);
        var data = harness.NewClient("203.0.113.7:40001", TurnTransport.Tcp);
        Assert.Equal(400, Bind(data, client, id + 1)!.ErrorCode);
        Assert.True(Bind(data, client, id)!.IsSuccess);
        var second = harness.NewClient("203.0.113.7:40002", TurnTransport.Tcp);
        Assert.Equal(400, Bind(second, client, id)!.ErrorCode);
        Assert.Single(Commands(harness), c => c.Action == TurnPeerConnectionAction.Bind);
    }

    [Fact]
    public void ConnectionBind_over_UDP_or_on_the_control_connection_is_refused_with_400()
    {
        var (harness, client) = TcpAllocation();
        var id = Connected(harness, client, Peer);
        var udp = harness.NewClient("203.0.113.7:40001");
        Assert.Equal(400, Bind(udp, client, id)!.ErrorCode);
        Assert.Equal(400, Bind(client, client, id)!.ErrorCode);
        Assert.Equal(TurnPeerConnectionState.Pending, harness.Server.PeerConnectionState(id));
    }

    [Fact]
    public void ConnectionBind_by_another_user_is_refused_with_441()
    {
        var (harness, client) = TcpAllocation();
        var id = Connected(harness, client, Peer);
        var data = harness.NewClient("203.0.113.7:40001", TurnTransport.Tcp);
        data.Authenticate("bob", "hunter2");
        Assert.Equal(441, data.Request(TestMessages.Request(TurnMethods.ConnectionBind, (ref StunMessageBuilder b) => b.AddConnectionId(id), data.Credentials))!.ErrorCode);
        Assert.Equal(TurnPeerConnectionState.Pending, harness.Server.PeerConnectionState(id));
    }

    [Fact]
    public void A_peer_connection_without_ConnectionBind_is_closed_after_30_seconds()
    {
        var (harness, client) = TcpAllocation();
        var id = Connected(harness, client, Peer);
        harness.Advance(TimeSpan.FromSeconds(29.9));
        Assert.Equal(TurnPeerConnectionState.Pending, harness.Server.PeerConnectionState(id));
        harness.Advance(TimeSpan.FromSeconds(0.1));
        // RFC 6062 §5.2: "If no ConnectionBind request ... is received after 30 seconds, the peer data connection MUST be closed."
        var close = Assert.Single(Commands(harness));
        Assert.Equal((TurnPeerConnectionAction.Close, id), (close.Action, close.ConnectionId));
        Assert.Null(harness.Server.PeerConnectionState(id));
        Assert.Equal(400, Bind(harness.NewClient("203.0.113.7:40001", TurnTransport.Tcp), client, id)!.ErrorCode);
    }

    [Fact]
    public void The_bind_timeout_is_the_configured_one()
    {
        var (harness, client) = TcpAllocation(o => o.PeerConnectionBindTimeout = TimeSpan.FromSeconds(5));
        var id = Connected(harness, client, Peer);
        harness.Advance(TimeSpan.FromSeconds(5));
        Assert.Null(harness.Server.PeerConnectionState(id));
    }

    [Fact]
    public void Every_peer_connection_gets_its_own_CONNECTION_ID_even_from_a_random_source_that_repeats_itself()
    {
        var harness = new CoreHarness();
        var stuck = new TurnServer(harness.Options, new FakeRelayPorts(), random: bytes => bytes.Fill(7));
        var flow = new TurnFlow(TurnTransport.Tcp, CoreHarness.ServerAddress, TurnEndpoint.Parse("203.0.113.7:40000"));
        foreach (var server in new[] { harness.Server, stuck })
        {
            var ids = new HashSet<uint>();
            var credentials = Allocate(server, flow);
            Send(server, flow, TestMessages.CreatePermission(credentials, Peer.ToStunAddress()));
            for (var port = 1; port <= 5; port++)
            {
                Send(server, flow, TestMessages.Request(TurnMethods.Connect, (ref StunMessageBuilder b) => b.AddXorPeerAddress(Peer.WithPort((ushort)port).ToStunAddress()), credentials));
                while (server.PollTransmit(out var transmit)) TurnServer.ReturnBuffer(transmit);
                Assert.True(server.PollPeerConnectionCommand(out var command));
                Assert.True(ids.Add(command.ConnectionId), $"CONNECTION-ID {command.ConnectionId} given twice");
                Assert.NotEqual(0u, command.ConnectionId);
            }
        }
    }

    [Fact]
    public void A_peer_with_a_permission_connecting_to_the_relayed_address_is_announced_by_a_ConnectionAttempt()
    {
        var (harness, client) = TcpAllocation();
        Permit(client, Peer);
        var relay = Assert.Single(harness.Relays.Open);
        Assert.True(harness.Server.HandlePeerAccepted(harness.Now, relay, Peer, out var id));
        var sent = harness.Drain();
        var indication = TestResponse.TryParse(Assert.Single(sent, t => t.Destination == client.Flow.Remote).Data)!;
        Assert.Equal((TurnMethods.ConnectionAttempt, StunClass.Indication), (indication.Method, indication.Class));
        Assert.Equal(Peer.ToStunAddress(), indication.PeerAddress);
        Assert.Equal(id, ConnectionIdOf(indication));
        Assert.Equal(TurnPeerConnectionState.Pending, harness.Server.PeerConnectionState(id));
        Assert.True(Bind(harness.NewClient("203.0.113.7:40001", TurnTransport.Tcp), client, id)!.IsSuccess);
    }

    [Fact]
    public void A_peer_without_a_permission_connecting_to_the_relayed_address_is_refused_silently()
    {
        var (harness, client) = TcpAllocation();
        Permit(client, OtherPeer);
        var relay = Assert.Single(harness.Relays.Open);
        // RFC 6062 §5.3: "If no permission for this peer has been set, the server MUST close the connection with the peer".
        Assert.False(harness.Server.HandlePeerAccepted(harness.Now, relay, Peer, out _));
        Assert.Empty(harness.Drain());
        Assert.Equal(0, harness.Server.PeerConnectionCount);
    }

    [Fact]
    public void Peer_connections_beyond_the_limit_are_refused()
    {
        var (harness, client) = TcpAllocation(o => o.MaxPeerConnectionsPerAllocation = 2);
        Permit(client, Peer);
        var relay = Assert.Single(harness.Relays.Open);
        Assert.True(harness.Server.HandlePeerAccepted(harness.Now, relay, Peer.WithPort(1), out _));
        client.SendRaw(Connect(client, Peer.WithPort(2)));
        Assert.False(harness.Server.HandlePeerAccepted(harness.Now, relay, Peer.WithPort(3), out _));
        Assert.Equal(508, client.Request(Connect(client, Peer.WithPort(4)))!.ErrorCode);
    }

    [Fact]
    public void Closing_the_control_connection_closes_every_peer_connection_of_the_allocation()
    {
        var (harness, client) = TcpAllocation();
        var bound = Connected(harness, client, Peer);
        Bind(harness.NewClient("203.0.113.7:40001", TurnTransport.Tcp), client, bound);
        Commands(harness);
        var pending = Connected(harness, client, OtherPeer);
        Commands(harness);
        harness.Server.HandleConnectionClosed(harness.Now, client.Flow.Transport, client.Flow.Local, client.Flow.Remote);
        // RFC 6062 §5.5: the allocation goes, and with it both data connections.
        var closed = Commands(harness).Where(c => c.Action == TurnPeerConnectionAction.Close).Select(c => c.ConnectionId).Order().ToArray();
        Assert.Equal(new[] { bound, pending }.Order().ToArray(), closed);
        Assert.Equal(0, harness.Server.PeerConnectionCount);
        Assert.Empty(harness.Relays.Open);
    }

    [Fact]
    public void Closing_a_client_data_connection_closes_its_peer_connection()
    {
        var (harness, client) = TcpAllocation();
        var id = Connected(harness, client, Peer);
        var data = harness.NewClient("203.0.113.7:40001", TurnTransport.Tcp);
        Bind(data, client, id);
        Commands(harness);
        harness.Server.HandleConnectionClosed(harness.Now, data.Flow.Transport, data.Flow.Local, data.Flow.Remote);
        var close = Assert.Single(Commands(harness));
        Assert.Equal((TurnPeerConnectionAction.Close, id), (close.Action, close.ConnectionId));
        Assert.Equal(1, harness.Server.AllocationCount);
        // The peer may be connected to again (§5.2: no connection to it exists any more).
        client.SendRaw(Connect(client, Peer));
        Assert.Single(Commands(harness), c => c.Action == TurnPeerConnectionAction.Connect);
    }

    [Fact]
    public void A_TCP_allocation_has_no_channels_and_relays_no_Send_indications()
    {
        var (harness, client) = TcpAllocation();
        Permit(client, Peer);
        Assert.Equal(400, client.Request(TestMessages.ChannelBind(client.Credentials!, 0x4000, Peer.ToStunAddress()))!.ErrorCode);
        Assert.Empty(client.SendRaw(TestMessages.Send(Peer.ToStunAddress(), [1, 2, 3])));
    }

    private static void RequestTcp(ref StunMessageBuilder b) =>
        b.AddRequestedTransport(new RequestedTransportValue((byte)TurnFormulas.RequestedTransportTcp, new byte[3]));

    private static TestResponse AllocateTcp(CoreHarness.Client client, AddAttributes? extra = null) =>
        client.Request(TestMessages.Request(TurnMethods.Allocate, (ref StunMessageBuilder b) =>
        {
            RequestTcp(ref b);
            extra?.Invoke(ref b);
        }, client.Credentials ?? client.Authenticate()))!;

    private static (CoreHarness Harness, CoreHarness.Client Client) TcpAllocation(Action<TurnServerOptions>? configure = null)
    {
        var harness = new CoreHarness(configure);
        var client = harness.NewClient(transport: TurnTransport.Tcp);
        var response = AllocateTcp(client);
        Assert.True(response.IsSuccess, response.ToString());
        return (harness, client);
    }

    private static void Permit(CoreHarness.Client client, TurnEndpoint peer) =>
        Assert.True(client.Request(TestMessages.CreatePermission(client.Credentials!, peer.ToStunAddress()))!.IsSuccess);

    private static byte[] Connect(CoreHarness.Client client, TurnEndpoint peer) =>
        TestMessages.Request(TurnMethods.Connect, (ref StunMessageBuilder b) => b.AddXorPeerAddress(peer.ToStunAddress()), client.Credentials);

    private static TestResponse? Bind(CoreHarness.Client data, CoreHarness.Client owner, uint id) =>
        data.Request(TestMessages.Request(TurnMethods.ConnectionBind, (ref StunMessageBuilder b) => b.AddConnectionId(id), data.Credentials ?? owner.Credentials));

    /// <summary>Permission, Connect, and the driver's "connected": the CONNECTION-ID of a pending peer connection.</summary>
    private static uint Connected(CoreHarness harness, CoreHarness.Client client, TurnEndpoint peer)
    {
        Permit(client, peer);
        client.SendRaw(Connect(client, peer));
        var command = Assert.Single(Commands(harness));
        Assert.True(harness.Server.HandlePeerConnected(harness.Now, command.ConnectionId));
        Assert.True(SingleResponse(harness, client).IsSuccess);
        return command.ConnectionId;
    }

    private static List<TurnPeerConnectionCommand> Commands(CoreHarness harness)
    {
        var commands = new List<TurnPeerConnectionCommand>();
        while (harness.Server.PollPeerConnectionCommand(out var command)) commands.Add(command);
        return commands;
    }

    private static TestResponse SingleResponse(CoreHarness harness, CoreHarness.Client client) =>
        TestResponse.TryParse(Assert.Single(harness.Drain(), t => t.Destination == client.Flow.Remote).Data)!;

    private static uint ConnectionIdOf(TestResponse response)
    {
        StunMessage.TryParse(response.Bytes, out var message);
        Assert.True(message.TryGetConnectionId(out var id));
        return id;
    }

    private static LongTermCredentials Allocate(TurnServer server, TurnFlow flow)
    {
        var challenge = TestResponse.TryParse(Send(server, flow, TestMessages.Allocate())[0].Data)!;
        var credentials = LongTermCredentials.For("alice", "secret", challenge.Realm!, challenge.Nonce!);
        var allocated = TestResponse.TryParse(Send(server, flow, TestMessages.Request(TurnMethods.Allocate, RequestTcp, credentials))[0].Data)!;
        Assert.True(allocated.IsSuccess, allocated.ToString());
        return credentials;
    }

    private static List<TurnTransmit> Send(TurnServer server, TurnFlow flow, byte[] packet)
    {
        server.HandlePacket(TimeSpan.FromSeconds(1), flow.Transport, flow.Local, flow.Remote, packet);
        var sent = new List<TurnTransmit>();
        while (server.PollTransmit(out var transmit)) sent.Add(transmit);
        return sent;
    }
}
