using System.Buffers.Binary;
using System.Net;
using IceSpec.Stun;
using IceSpec.Turn.Client;
using IceSpec.Stun.Transports;

namespace IceSpec.Turn.Tests.Client;

/// <summary>
/// The sans-IO TURN client on a virtual clock: what it sends, when, and what it makes of the answers. No sockets, no
/// sleeps; <see cref="FakeTurnServer"/> builds the answers.
/// </summary>
[Trait("Category", "unit")]
public sealed class TurnClientCoreTests
{
    private static readonly IPEndPoint Mapped = IPEndPoint.Parse("192.0.2.1:40000");
    private static readonly IPEndPoint Relayed = IPEndPoint.Parse("198.51.100.1:50000");
    private static readonly IPEndPoint Peer = IPEndPoint.Parse("203.0.113.7:3480");
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    private readonly FakeTurnServer _server = new();

    private static readonly TurnClientOptions WithoutProbe =
        new() { Username = FakeTurnServer.Username, Password = FakeTurnServer.Password, LivenessProbeInterval = null };

    private static TurnClientCore Client(TransportProtocol transport = TransportProtocol.Udp, TurnClientOptions? options = null)
    {
        var counter = 0;
        return new TurnClientCore((options ?? new TurnClientOptions { Username = FakeTurnServer.Username, Password = FakeTurnServer.Password }) with
        {
            Transport = transport,
            // Deterministic transaction IDs: the test injects the randomness.
            Random = span => { span.Clear(); BinaryPrimitives.WriteInt32BigEndian(span, ++counter); },
        });
    }

    private static byte[] Transmit(TurnClientCore client)
    {
        Assert.True(client.TryPollTransmit(out var message), "the client should have something to send");
        return message.ToArray();
    }

    private static void NothingToSend(TurnClientCore client) => Assert.False(client.TryPollTransmit(out _));

    private static List<TurnClientEvent> Events(TurnClientCore client)
    {
        var events = new List<TurnClientEvent>();
        while (client.TryPollEvent(out var e)) events.Add(e!);
        return events;
    }

    /// <summary>Allocate → 401 → authenticated Allocate → success; returns the client at <paramref name="now"/>.</summary>
    private TurnClientCore Allocated(TimeSpan now, uint lifetime = 600, TransportProtocol transport = TransportProtocol.Udp, TurnClientOptions? options = null)
    {
        var client = Client(transport, options);
        client.Allocate(now);
        client.HandlePacket(now, _server.Unauthorized(Transmit(client), "nonce-1"));
        client.HandlePacket(now, _server.AllocateSuccess(Transmit(client), lifetime, Mapped, Relayed));
        Assert.Equal(TurnClientState.Allocated, client.State);
        Events(client);
        return client;
    }

    [Fact]
    public void The_first_Allocate_carries_no_credentials_and_the_401_is_answered_with_them()
    {
        var client = Client();
        var id = client.Allocate(TimeSpan.Zero);
        var first = Transmit(client);
        var request = FakeTurnServer.Parse(first);
        Assert.Equal(new StunMessageType(TurnMethods.Allocate, StunClass.Request), request.Type);
        Assert.True(request.TryGetRequestedTransport(out var transport));
        Assert.Equal(17, transport.Protocol); // RFC 8656 §18.8: UDP
        Assert.False(request.Contains(StunAttributeTypes.Username));
        Assert.False(request.HasMessageIntegrity);
        Assert.True(TurnValidator.TryValidate(request, out _));

        client.HandlePacket(10 * Ms, _server.Unauthorized(first, "nonce-1"));
        Assert.Equal(TurnClientAuthenticationState.Authenticating, client.AuthenticationState);
        var second = Transmit(client);
        var retry = FakeTurnServer.Parse(second);
        Assert.False(retry.TransactionId.SequenceEqual(request.TransactionId)); // RFC 8489 §9.2.5: a new transaction
        Assert.Equal(FakeTurnServer.Username, retry.GetUsernameString());
        Assert.Equal(FakeTurnServer.Realm, retry.GetRealmString());
        Assert.Equal("nonce-1", retry.GetNonceString());
        Assert.Equal(IntegrityStatus.Valid, StunIntegrity.VerifyMessageIntegrity(retry, _server.Key));
        Assert.Equal(IntegrityStatus.Valid, StunIntegrity.VerifyFingerprint(retry));

        client.HandlePacket(20 * Ms, _server.AllocateSuccess(second, 600, Mapped, Relayed));
        Assert.Equal(TurnClientAuthenticationState.Authenticated, client.AuthenticationState);
        Assert.Equal(TurnClientState.Allocated, client.State);
        Assert.Equal(new[] { Relayed }, client.RelayedAddresses);
        Assert.Equal(Mapped, client.MappedAddress);

        var events = Events(client);
        var log = events.OfType<TurnTransactionCompleted>().ToArray();
        Assert.Equal(2, log.Length);
        Assert.Equal((401, false), (log[0].ErrorCode, log[0].Authenticated));
        Assert.Equal((StunClass.Success, true), (log[1].Class, log[1].Authenticated));
        var allocated = Assert.Single(events.OfType<TurnAllocated>());
        Assert.Equal(id, allocated.RequestId);
        Assert.Equal(TimeSpan.FromSeconds(600), allocated.Lifetime);
    }

    [Fact]
    public void A_second_401_means_the_credentials_are_wrong_and_names_the_realm()
    {
        var client = Client();
        client.Allocate(TimeSpan.Zero);
        client.HandlePacket(TimeSpan.Zero, _server.Unauthorized(Transmit(client), "nonce-1"));
        client.HandlePacket(TimeSpan.Zero, _server.Unauthorized(Transmit(client), "nonce-2"));

        Assert.Equal(TurnClientAuthenticationState.Rejected, client.AuthenticationState);
        Assert.Equal(TurnClientState.Failed, client.State);
        NothingToSend(client);
        var failed = Assert.Single(Events(client).OfType<TurnRequestFailed>());
        Assert.True(failed.CredentialsRejected);
        Assert.Equal(401, failed.ErrorCode);
        Assert.Equal(FakeTurnServer.Realm, failed.Realm);
        Assert.Contains("rejected the credentials", failed.Reason);
        Assert.IsType<TurnAuthenticationException>(TurnClientException.From(failed));
    }

    [Fact]
    public void A_438_is_retried_with_the_new_nonce()
    {
        var client = Allocated(TimeSpan.Zero);
        client.CreatePermission(TimeSpan.FromSeconds(1), Peer.Address);
        var first = Transmit(client);
        Assert.Equal("nonce-1", FakeTurnServer.Parse(first).GetNonceString());

        client.HandlePacket(TimeSpan.FromSeconds(1), _server.StaleNonce(first, "nonce-2"));
        Assert.Equal(TurnClientAuthenticationState.Authenticating, client.AuthenticationState);
        var retry = Transmit(client);
        var parsed = FakeTurnServer.Parse(retry);
        Assert.Equal("nonce-2", parsed.GetNonceString());
        Assert.Equal(IntegrityStatus.Valid, StunIntegrity.VerifyMessageIntegrity(parsed, _server.Key));

        client.HandlePacket(TimeSpan.FromSeconds(1), _server.Success(retry));
        Assert.Equal(TurnClientAuthenticationState.Authenticated, client.AuthenticationState);
        var events = Events(client);
        Assert.Equal(new int?[] { 438, null }, events.OfType<TurnTransactionCompleted>().Select(e => e.ErrorCode));
        Assert.Equal(new[] { Peer.Address }, Assert.Single(events.OfType<TurnPermissionCreated>()).Peers);
        Assert.True(client.HasPermission(Peer.Address));
    }

    [Fact]
    public void Endless_438s_give_up()
    {
        var client = Allocated(TimeSpan.Zero);
        client.Refresh(TimeSpan.Zero);
        for (var i = 0; i < 10 && client.TryPollTransmit(out var request); i++)
            client.HandlePacket(TimeSpan.Zero, _server.StaleNonce(request.ToArray(), $"nonce-{i + 2}"));
        NothingToSend(client);
        var failed = Assert.Single(Events(client).OfType<TurnRequestFailed>());
        Assert.Equal(438, failed.ErrorCode);
    }

    [Fact]
    public void The_refresh_machine_sends_a_Refresh_a_margin_before_the_lifetime_ends()
    {
        var client = Allocated(TimeSpan.Zero, options: WithoutProbe); // the liveness probe has its own tests (TurnClientRecoveryTests)
        // TurnClientRefresh: start Refresh after Lifetime - Margin = 600 s - 60 s.
        Assert.Equal(TimeSpan.FromSeconds(540), client.NextRefresh);
        Assert.Equal(TimeSpan.FromSeconds(540), client.PollTimeout());

        client.HandleTimeout(TimeSpan.FromSeconds(539));
        NothingToSend(client);
        client.HandleTimeout(TimeSpan.FromSeconds(540));
        var refresh = Transmit(client);
        var parsed = FakeTurnServer.Parse(refresh);
        Assert.Equal(new StunMessageType(TurnMethods.Refresh, StunClass.Request), parsed.Type);
        Assert.False(parsed.TryGetLifetime(out _)); // no LIFETIME asked: the server's default
        Assert.True(parsed.HasMessageIntegrity);

        client.HandlePacket(TimeSpan.FromSeconds(540.01), _server.RefreshSuccess(refresh, 600));
        var refreshed = Assert.Single(Events(client).OfType<TurnRefreshed>());
        Assert.True(refreshed.Automatic);
        Assert.Equal(TimeSpan.FromSeconds(540.01 + 540), client.NextRefresh);
    }

    [Fact]
    public void A_lifetime_shorter_than_the_margin_is_refreshed_at_its_half()
    {
        var client = Allocated(TimeSpan.Zero, lifetime: 30);
        Assert.Equal(TimeSpan.FromSeconds(15), client.NextRefresh);
    }

    [Fact]
    public void The_configured_margin_and_lifetime_are_used()
    {
        var options = new TurnClientOptions
        {
            Username = FakeTurnServer.Username,
            Password = FakeTurnServer.Password,
            Lifetime = TimeSpan.FromSeconds(1200),
            RefreshMargin = TimeSpan.FromSeconds(200),
        };
        var client = Client(options: options);
        client.Allocate(TimeSpan.Zero);
        var first = Transmit(client);
        Assert.True(FakeTurnServer.Parse(first).TryGetLifetime(out var asked));
        Assert.Equal(1200u, asked);
        client.HandlePacket(TimeSpan.Zero, _server.Unauthorized(first, "n"));
        client.HandlePacket(TimeSpan.Zero, _server.AllocateSuccess(Transmit(client), 1200, Mapped, Relayed));
        Assert.Equal(TimeSpan.FromSeconds(1000), client.NextRefresh);
    }

    [Fact]
    public void Permissions_are_refreshed_before_five_minutes_and_channels_rebound_before_ten()
    {
        var client = Allocated(TimeSpan.Zero, options: WithoutProbe);
        var t = TimeSpan.FromSeconds(10);
        client.CreatePermission(t, IPAddress.Parse("203.0.113.9"));
        client.HandlePacket(t, _server.Success(Transmit(client)));
        client.BindChannel(t, Peer);
        var bind = Transmit(client);
        Assert.True(FakeTurnServer.Parse(bind).TryGetChannelNumber(out var number));
        Assert.Equal(TurnRanges.ChannelNumbersLow, number.Number);
        client.HandlePacket(t, _server.Success(bind));
        Assert.Equal(TurnRanges.ChannelNumbersLow, client.ChannelOf(Peer));
        Events(client);

        // Permissions: the spec's TurnPermission lifetime (300 s) less the margin: at 10 + 240 s, one CreatePermission each.
        client.HandleTimeout(t + TimeSpan.FromSeconds(240));
        var refreshes = new List<StunMessageType>();
        while (client.TryPollTransmit(out var m))
        {
            refreshes.Add(FakeTurnServer.Parse(m.ToArray()).Type);
            client.HandlePacket(t + TimeSpan.FromSeconds(240), _server.Success(m.ToArray())); // unanswered, they would lose the allocation
        }
        Assert.Equal(2, refreshes.Count);
        Assert.All(refreshes, type => Assert.Equal(TurnMethods.CreatePermission, type.Method));

        // Channel: the spec's TurnChannelBinding lifetime (600 s) less the margin: a ChannelBind at 10 + 540 s, same number.
        client.HandleTimeout(t + TimeSpan.FromSeconds(540));
        var rebinds = new List<byte[]>();
        while (client.TryPollTransmit(out var m)) rebinds.Add(m.ToArray());
        var rebind = Assert.Single(rebinds, m => FakeTurnServer.Parse(m).Method == TurnMethods.ChannelBind);
        Assert.True(FakeTurnServer.Parse(rebind).TryGetChannelNumber(out var again));
        Assert.Equal(number.Number, again.Number);
        client.HandlePacket(t + TimeSpan.FromSeconds(540), _server.Success(rebind));
        Assert.True(Assert.Single(Events(client).OfType<TurnChannelBound>()).Automatic);
    }

    [Fact]
    public void Over_UDP_requests_are_retransmitted_on_the_spec_schedule_then_time_out()
    {
        var client = Client();
        client.Allocate(TimeSpan.Zero);
        var sends = new List<TimeSpan> { TimeSpan.Zero };
        var request = Transmit(client);
        var now = TimeSpan.Zero;
        while (client.PollTimeout() is { } next && now < TimeSpan.FromMinutes(2))
        {
            now = next;
            client.HandleTimeout(now);
            while (client.TryPollTransmit(out var again))
            {
                Assert.Equal(request, again.ToArray()); // a retransmission is the same message
                sends.Add(now);
            }
            if (client.State == TurnClientState.Failed) break;
        }
        // RFC 8489 §6.2.1 with RTO 500 ms: 0, 500, 1500, 3500, 7500, 15500, 31500 ms; then Rm × RTO = 8 s more.
        Assert.Equal(new[] { 0, 500, 1500, 3500, 7500, 15500, 31500 }.Select(ms => TimeSpan.FromMilliseconds(ms)), sends);
        Assert.Equal(TimeSpan.FromMilliseconds(39500), now);
        var failed = Assert.Single(Events(client).OfType<TurnRequestFailed>());
        Assert.True(failed.TimedOut);
        Assert.Equal(TurnClientState.Failed, client.State);
    }

    [Fact]
    public void Over_TCP_a_request_is_sent_once_and_times_out_after_Ti()
    {
        var client = Client(TransportProtocol.Tcp);
        client.Allocate(TimeSpan.Zero);
        Transmit(client);
        NothingToSend(client);
        Assert.Equal(TimeSpan.FromMilliseconds(39500), client.PollTimeout());
        client.HandleTimeout(TimeSpan.FromMilliseconds(39500));
        NothingToSend(client);
        Assert.True(Assert.Single(Events(client).OfType<TurnRequestFailed>()).TimedOut);
    }

    [Fact]
    public void A_response_with_a_wrong_integrity_or_transaction_is_discarded()
    {
        var client = Client();
        client.Allocate(TimeSpan.Zero);
        client.HandlePacket(TimeSpan.Zero, _server.Unauthorized(Transmit(client), "nonce-1"));
        var request = Transmit(client);

        // Signed with another key: RFC 8489 §9.2.5, discarded as if never received; the transaction goes on.
        var forged = FakeTurnServer.Build(request, StunClass.Success, StunKey.LongTerm("alice", FakeTurnServer.Realm, "guess"),
            (ref StunMessageBuilder b) => b.AddLifetime(600));
        client.HandlePacket(TimeSpan.Zero, forged);
        // Breaking a rule the checker sees first (an unknown comprehension-required attribute) does not bypass integrity.
        var forgedUnknown = FakeTurnServer.Build(request, StunClass.Success, StunKey.LongTerm("alice", FakeTurnServer.Realm, "guess"),
            (ref StunMessageBuilder b) => b.Add(0x7FFE, [1, 2, 3, 4]));
        client.HandlePacket(TimeSpan.Zero, forgedUnknown);
        // Another transaction's response.
        var other = (byte[])request.Clone();
        other[19] ^= 0xFF;
        client.HandlePacket(TimeSpan.Zero, _server.AllocateSuccess(other, 600, Mapped, Relayed));
        Assert.Equal(TurnClientState.Allocating, client.State);
        Assert.Equal(1, client.PendingRequests);
        Assert.DoesNotContain(Events(client).OfType<TurnTransactionCompleted>(), e => e.Class == StunClass.Success);

        client.HandlePacket(TimeSpan.Zero, _server.AllocateSuccess(request, 600, Mapped, Relayed));
        Assert.Equal(TurnClientState.Allocated, client.State);
    }

    [Fact]
    public void A_success_that_breaks_the_spec_fails_the_request_with_the_rule()
    {
        var client = Client();
        client.Allocate(TimeSpan.Zero);
        client.HandlePacket(TimeSpan.Zero, _server.Unauthorized(Transmit(client), "nonce-1"));
        // RFC 8656 §7.3: an Allocate success without XOR-RELAYED-ADDRESS.
        client.HandlePacket(TimeSpan.Zero, FakeTurnServer.Build(Transmit(client), StunClass.Success, _server.Key, (ref StunMessageBuilder b) =>
        {
            b.AddLifetime(600);
            b.AddXorMappedAddress(new StunAddress(Mapped));
        }));
        var failed = Assert.Single(Events(client).OfType<TurnRequestFailed>());
        Assert.Contains("RFC 8656 §7.3", failed.Reason);
        Assert.Equal(TurnClientState.Failed, client.State);
    }

    [Fact]
    public void A_dual_allocation_asks_for_IPv6_too_and_reads_both_relayed_addresses()
    {
        var options = new TurnClientOptions { Username = FakeTurnServer.Username, Password = FakeTurnServer.Password, AddressFamily = TurnAddressFamily.Dual };
        var client = Client(options: options);
        client.Allocate(TimeSpan.Zero);
        var first = Transmit(client);
        var request = FakeTurnServer.Parse(first);
        Assert.True(request.TryGetAdditionalAddressFamily(out var additional));
        Assert.Equal(StunAddress.FamilyIPv6, additional.Family);
        Assert.False(request.TryGetRequestedAddressFamily(out _));

        client.HandlePacket(TimeSpan.Zero, _server.Unauthorized(first, "n"));
        var relayed6 = IPEndPoint.Parse("[2001:db8::1]:50001");
        client.HandlePacket(TimeSpan.Zero, _server.AllocateSuccess(Transmit(client), 600, Mapped, Relayed, relayed6));
        Assert.Equal(new[] { Relayed, relayed6 }, client.RelayedAddresses);
    }

    [Fact]
    public void An_IPv6_allocation_asks_with_REQUESTED_ADDRESS_FAMILY()
    {
        var options = new TurnClientOptions { Username = FakeTurnServer.Username, Password = FakeTurnServer.Password, AddressFamily = TurnAddressFamily.IPv6 };
        var client = Client(options: options);
        client.Allocate(TimeSpan.Zero);
        Assert.True(FakeTurnServer.Parse(Transmit(client)).TryGetRequestedAddressFamily(out var family));
        Assert.Equal(StunAddress.FamilyIPv6, family.Family);
    }

    [Fact]
    public void Send_uses_a_Send_indication_until_a_channel_is_bound_then_ChannelData()
    {
        var client = Allocated(TimeSpan.Zero);
        byte[] data = [1, 2, 3, 4, 5];
        client.Send(Peer, data);
        var indication = FakeTurnServer.Parse(Transmit(client));
        Assert.Equal(new StunMessageType(TurnMethods.Send, StunClass.Indication), indication.Type);
        Assert.True(indication.TryGetXorPeerAddress(out var to));
        Assert.Equal(Peer, to.ToEndPoint());
        Assert.True(indication.TryGetData(out var carried));
        Assert.Equal(data, carried.ToArray());
        Assert.False(indication.HasMessageIntegrity); // RFC 8656 §11: indications are not authenticated
        Assert.True(TurnValidator.TryValidate(indication, out _));

        client.BindChannel(TimeSpan.Zero, Peer);
        client.HandlePacket(TimeSpan.Zero, _server.Success(Transmit(client)));
        client.Send(Peer, data);
        var channelData = Transmit(client);
        Assert.Equal(ChannelData.HeaderLength + data.Length, channelData.Length); // UDP: no padding
        Assert.Equal(ChannelDataStatus.Ok, ChannelData.TryParse(channelData, out var parsed));
        Assert.Equal(TurnRanges.ChannelNumbersLow, parsed.Channel);
        Assert.Equal(data, parsed.Data.ToArray());
    }

    [Theory]
    [InlineData(false, TransportProtocol.Udp)]
    [InlineData(true, TransportProtocol.Udp)]
    [InlineData(true, TransportProtocol.Tcp)]
    public void WriteData_writes_what_Send_queues_into_the_callers_buffer_and_allocates_nothing(bool channel, TransportProtocol transport)
    {
        var client = Allocated(TimeSpan.Zero, transport: transport);
        if (channel)
        {
            client.BindChannel(TimeSpan.Zero, Peer);
            client.HandlePacket(TimeSpan.Zero, _server.Success(Transmit(client)));
        }
        var data = new byte[161];
        new Random(1).NextBytes(data);
        client.Send(Peer, data);
        var queued = Transmit(client);
        var buffer = new byte[TurnClientCore.MaxDataMessageLength(data.Length)];
        var written = client.WriteData(Peer, data, buffer);
        NothingToSend(client);
        Assert.Equal(queued.Length, written);
        if (channel)
            Assert.Equal(queued, buffer[..written]);
        else
        {
            // A Send indication: only the transaction ID differs (a new random one per indication).
            Assert.Equal(queued[..8], buffer[..8]);
            Assert.Equal(queued[StunHeader.Length..^8], buffer[StunHeader.Length..(written - 8)]);
            Assert.Equal(IntegrityStatus.Valid, StunIntegrity.VerifyFingerprint(FakeTurnServer.Parse(buffer[..written])));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++) client.WriteData(Peer, data, buffer);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Over_TCP_ChannelData_is_padded_to_four_bytes()
    {
        var client = Allocated(TimeSpan.Zero, transport: TransportProtocol.Tcp);
        client.BindChannel(TimeSpan.Zero, Peer);
        client.HandlePacket(TimeSpan.Zero, _server.Success(Transmit(client)));
        client.Send(Peer, new byte[5]);
        var message = Transmit(client);
        Assert.Equal(12, message.Length); // RFC 8656 §12.5: 4 + 5, padded to 12
        Assert.Equal(5, BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(2)));
        Assert.Equal(message.Length, StreamFraming.NextMessageLength(message));
    }

    [Fact]
    public void Data_indications_and_ChannelData_are_delivered_with_the_peer()
    {
        var client = Allocated(TimeSpan.Zero);
        client.HandlePacket(TimeSpan.Zero, FakeTurnServer.DataIndication(Peer, [9, 8, 7]));
        var viaIndication = Assert.Single(Events(client).OfType<TurnDataReceived>());
        Assert.Equal(Peer, viaIndication.Peer);
        Assert.Equal(new byte[] { 9, 8, 7 }, viaIndication.Data);
        Assert.Null(viaIndication.Channel);

        // ChannelData on a channel that is not bound is dropped (RFC 8656 §12.6) ...
        var buffer = new byte[16];
        var length = ChannelData.Write(buffer, TurnRanges.ChannelNumbersLow, [6, 5], padForStream: false);
        client.HandlePacket(TimeSpan.Zero, buffer.AsSpan(0, length));
        Assert.Empty(Events(client).OfType<TurnDataReceived>());

        // ... and delivered, with its peer, once it is.
        client.BindChannel(TimeSpan.Zero, Peer);
        client.HandlePacket(TimeSpan.Zero, _server.Success(Transmit(client)));
        client.HandlePacket(TimeSpan.Zero, buffer.AsSpan(0, length));
        var viaChannel = Assert.Single(Events(client).OfType<TurnDataReceived>());
        Assert.Equal((Peer, (ushort?)TurnRanges.ChannelNumbersLow), (viaChannel.Peer, viaChannel.Channel));
        Assert.Equal(new byte[] { 6, 5 }, viaChannel.Data);
    }

    [Fact]
    public void Close_sends_a_zero_lifetime_Refresh_and_stops_the_refresh_machine()
    {
        var client = Allocated(TimeSpan.Zero);
        var id = client.Close(TimeSpan.FromSeconds(5));
        Assert.NotNull(id);
        Assert.Equal(TurnClientRefreshState.Closed, client.RefreshState);
        Assert.Equal(TurnClientState.Closing, client.State);
        var refresh = Transmit(client);
        Assert.True(FakeTurnServer.Parse(refresh).TryGetLifetime(out var lifetime));
        Assert.Equal(0u, lifetime);

        client.HandlePacket(TimeSpan.FromSeconds(5), _server.RefreshSuccess(refresh, 0));
        Assert.Equal(TurnClientState.Closed, client.State);
        Assert.Equal(id, Assert.Single(Events(client).OfType<TurnClosed>()).RequestId);
        Assert.Null(client.PollTimeout()); // nothing left to refresh
    }

    [Fact]
    public void A_437_to_a_Refresh_means_the_allocation_is_gone()
    {
        var client = Allocated(TimeSpan.Zero, options: WithoutProbe with { ReallocateOnLoss = false }); // re-allocation: TurnClientRecoveryTests
        client.Refresh(TimeSpan.Zero);
        client.HandlePacket(TimeSpan.Zero, _server.Error(Transmit(client), 437, "Allocation Mismatch"));
        Assert.Equal(TurnClientState.Failed, client.State);
        Assert.Equal(437, Assert.Single(Events(client).OfType<TurnRequestFailed>()).ErrorCode);
    }

    [Fact]
    public void A_300_to_the_Allocate_names_the_alternate_server()
    {
        var client = Client();
        client.Allocate(TimeSpan.Zero);
        var alternate = IPEndPoint.Parse("192.0.2.99:3478");
        client.HandlePacket(TimeSpan.Zero, FakeTurnServer.Build(Transmit(client), StunClass.Error, null, (ref StunMessageBuilder b) =>
        {
            b.AddErrorCode(300, "Try Alternate");
            b.AddAlternateServer(new StunAddress(alternate));
        }));
        var failed = Assert.Single(Events(client).OfType<TurnRequestFailed>());
        Assert.Equal(300, failed.ErrorCode);
        Assert.Equal(alternate, failed.AlternateServer);
    }

    [Fact]
    public void A_TCP_allocation_asks_for_REQUESTED_TRANSPORT_6_and_Connect_names_the_peer()
    {
        var options = new TurnClientOptions { Username = FakeTurnServer.Username, Password = FakeTurnServer.Password, TcpRelay = true };
        Assert.Throws<ArgumentException>(() => new TurnClientCore(options)); // RFC 6062 §4.1: not over UDP
        var client = Allocated(TimeSpan.Zero, transport: TransportProtocol.Tcp, options: options);
        client.Connect(TimeSpan.Zero, Peer);
        var connect = Transmit(client);
        var parsed = FakeTurnServer.Parse(connect);
        Assert.Equal(TurnMethods.Connect, parsed.Method);
        Assert.True(parsed.TryGetXorPeerAddress(out var peer));
        Assert.Equal(Peer, peer.ToEndPoint());
        client.HandlePacket(TimeSpan.Zero, FakeTurnServer.Build(connect, StunClass.Success, _server.Key, (ref StunMessageBuilder b) => b.AddConnectionId(0x1234)));
        var connected = Assert.Single(Events(client).OfType<TurnConnected>());
        Assert.Equal(0x1234u, connected.ConnectionId);

        // RFC 6062 §4.3: ConnectionBind, with the allocation's credentials, on the new connection.
        var bind = client.CreateConnectionBind(0x1234);
        bind.Start(TimeSpan.Zero);
        Assert.True(bind.TryPollTransmit(out var bindRequest));
        var bindParsed = FakeTurnServer.Parse(bindRequest.ToArray());
        Assert.Equal(TurnMethods.ConnectionBind, bindParsed.Method);
        Assert.True(bindParsed.TryGetConnectionId(out var connectionId));
        Assert.Equal(0x1234u, connectionId);
        Assert.Equal("nonce-1", bindParsed.GetNonceString());
        Assert.Equal(IntegrityStatus.Valid, StunIntegrity.VerifyMessageIntegrity(bindParsed, _server.Key));

        // A stale nonce on the data connection is retried there with the new one.
        bind.HandlePacket(TimeSpan.Zero, _server.StaleNonce(bindRequest.ToArray(), "nonce-9"));
        Assert.True(bind.TryPollTransmit(out var retry));
        Assert.Equal("nonce-9", FakeTurnServer.Parse(retry.ToArray()).GetNonceString());
        bind.HandlePacket(TimeSpan.Zero, _server.Success(retry.ToArray()));
        Assert.Equal(TurnConnectionBindOutcome.Succeeded, bind.Outcome);
    }
}
