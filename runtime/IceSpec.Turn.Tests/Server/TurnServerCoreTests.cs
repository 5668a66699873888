using IceSpec.Stun;
using IceSpec.Turn.Server;

namespace IceSpec.Turn.Tests.Server;

/// <summary>
/// The sans-IO core on a virtual clock: lifetimes come from the generated machines (allocation, permission, channel),
/// and expiry releases what it holds. No sockets, no sleeping: minutes pass in microseconds.
/// </summary>
[Trait("Category", "unit")]
public sealed class TurnServerCoreTests
{
    private static readonly StunAddress Peer = TurnEndpoint.Parse("203.0.113.50:5000").ToStunAddress();
    private static readonly StunAddress OtherPeer = TurnEndpoint.Parse("203.0.113.51:6000").ToStunAddress();

    [Fact]
    public void Allocation_expires_after_its_lifetime_and_its_relay_port_is_released()
    {
        var harness = new CoreHarness();
        var client = harness.NewClient();
        var response = client.Allocate();
        Assert.True(response.IsSuccess, response.ToString());
        Assert.Equal(600u, response.Lifetime); // RFC 8656 §7.2: the default lifetime
        var relay = Assert.Single(harness.Relays.Open);
        Assert.Equal(relay.Address.ToStunAddress(), Assert.Single(response.RelayedAddresses));
        Assert.Equal(TimeSpan.FromSeconds(601), harness.Server.PollTimeout());

        harness.Advance(TimeSpan.FromSeconds(599));
        Assert.Equal(1, harness.Server.AllocationCount);
        harness.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, harness.Server.AllocationCount);
        Assert.Empty(harness.Relays.Open);
        Assert.Contains(relay, harness.Relays.ClosedPorts);
        Assert.Null(relay.Owner);
        Assert.Contains(harness.Log, line => line.Contains("event=allocation.deleted reason=expired"));
        Assert.Null(harness.Server.PollTimeout());
    }

    [Theory]
    [InlineData(30u, 600u)]      // below the default: the default (RFC 8656 §7.2)
    [InlineData(1200u, 1200u)]   // between default and maximum: as asked
    [InlineData(99999u, 3600u)]  // above the maximum: the maximum
    public void Allocate_lifetime_is_the_machines_choice(uint requested, uint granted)
    {
        var harness = new CoreHarness();
        var response = harness.NewClient().Allocate((ref StunMessageBuilder b) => b.AddLifetime(requested));
        Assert.Equal(granted, response.Lifetime);
    }

    [Fact]
    public void Refresh_extends_the_lifetime_and_zero_deletes()
    {
        var harness = new CoreHarness();
        var client = harness.NewClient();
        client.Allocate();
        harness.Advance(TimeSpan.FromSeconds(500));
        var refreshed = client.Request(TestMessages.Refresh(client.Credentials!, 1800));
        Assert.True(refreshed!.IsSuccess, refreshed.ToString());
        Assert.Equal(1800u, refreshed.Lifetime);
        Assert.True(refreshed.IntegrityValidWith(client.Credentials!.Key));
        harness.Advance(TimeSpan.FromSeconds(1000)); // past the first lifetime
        Assert.Equal(1, harness.Server.AllocationCount);

        var deleted = client.Request(TestMessages.Refresh(client.Credentials!, 0));
        Assert.True(deleted!.IsSuccess);
        Assert.Equal(0u, deleted.Lifetime);
        Assert.Equal(0, harness.Server.AllocationCount);
        Assert.Empty(harness.Relays.Open);
        // RFC 8656 §8.2: the allocation is gone, so a second Refresh is a 437.
        Assert.Equal(437, client.Request(TestMessages.Refresh(client.Credentials!))!.ErrorCode);
    }

    [Fact]
    public void Permission_expires_after_300_seconds_then_peer_data_is_dropped()
    {
        var harness = new CoreHarness();
        var client = harness.NewClient();
        client.Allocate();
        Assert.True(client.Request(TestMessages.CreatePermission(client.Credentials!, Peer))!.IsSuccess);
        var relay = harness.Relays.Open[0];

        harness.Advance(TimeSpan.FromSeconds(299));
        var delivered = Assert.Single(harness.FromPeer(relay, "203.0.113.50:5000", [1, 2, 3]));
        var indication = TestResponse.TryParse(delivered.Data)!;
        Assert.Equal(TurnMethods.Data, indication.Method);
        Assert.Equal(new byte[] { 1, 2, 3 }, indication.Data);

        harness.Advance(TimeSpan.FromSeconds(1)); // RFC 8656 §9: 300 s
        Assert.Empty(harness.FromPeer(relay, "203.0.113.50:5000", [1, 2, 3]));
        Assert.Empty(client.SendRaw(TestMessages.Send(Peer, [4, 5, 6])));
        Assert.Equal(2, harness.Server.Counters.DroppedNoPermission);
    }

    [Fact]
    public void Data_from_a_peer_without_permission_is_never_relayed()
    {
        var harness = new CoreHarness();
        var client = harness.NewClient();
        client.Allocate();
        var relay = harness.Relays.Open[0];
        Assert.Empty(harness.FromPeer(relay, "203.0.113.50:5000", [9]));
        Assert.Empty(client.SendRaw(TestMessages.Send(Peer, [9])));
        Assert.True(client.Request(TestMessages.CreatePermission(client.Credentials!, Peer))!.IsSuccess);
        Assert.Single(harness.FromPeer(relay, "203.0.113.50:6000", [9])); // permissions are per IP address, any port
        Assert.Empty(harness.FromPeer(relay, "203.0.113.51:5000", [9]));
        var toPeer = Assert.Single(client.SendRaw(TestMessages.Send(Peer, [7, 7])));
        Assert.Equal(TurnTransmitTarget.Peer, toPeer.Target);
        Assert.Equal(relay.Address, toPeer.Source);
        Assert.Equal(TurnEndpoint.From(Peer), toPeer.Destination);
    }

    [Fact]
    public void Channel_relays_both_ways_padded_on_streams()
    {
        var harness = new CoreHarness();
        var client = harness.NewClient(transport: TurnTransport.Tcp);
        client.Allocate();
        Assert.True(client.Request(TestMessages.ChannelBind(client.Credentials!, 0x4001, Peer))!.IsSuccess);
        var relay = harness.Relays.Open[0];

        var toClient = Assert.Single(harness.FromPeer(relay, "203.0.113.50:5000", [1, 2, 3, 4, 5]));
        Assert.Equal(new byte[] { 0x40, 0x01, 0, 5, 1, 2, 3, 4, 5, 0, 0, 0 }, toClient.Data.ToArray()); // RFC 8656 §12.5

        var toPeer = Assert.Single(client.SendRaw(TestMessages.ChannelDataMessage(0x4001, [8, 9], pad: true)));
        Assert.Equal(new byte[] { 8, 9 }, toPeer.Data.ToArray());
        Assert.Empty(client.SendRaw(TestMessages.ChannelDataMessage(0x4002, [8, 9]))); // an unbound channel
    }

    [Fact]
    public void Channel_binding_rebinding_rules_and_quarantine()
    {
        var harness = new CoreHarness();
        var client = harness.NewClient();
        client.Allocate();
        var credentials = client.Credentials!;
        Assert.True(client.Request(TestMessages.ChannelBind(credentials, 0x4000, Peer))!.IsSuccess);
        // RFC 8656 §12.2: the same number to another peer, or the same peer on another number: 400.
        Assert.Equal(400, client.Request(TestMessages.ChannelBind(credentials, 0x4000, OtherPeer))!.ErrorCode);
        Assert.Equal(400, client.Request(TestMessages.ChannelBind(credentials, 0x4001, Peer))!.ErrorCode);
        // A refresh of the same binding is fine.
        Assert.True(client.Request(TestMessages.ChannelBind(credentials, 0x4000, Peer))!.IsSuccess);

        // Keep the allocation alive; let the binding lapse (600 s) into its 5-minute quarantine (RFC 8656 §12).
        client.Request(TestMessages.Refresh(credentials, 3600));
        harness.Advance(TimeSpan.FromSeconds(600));
        var channel = Assert.Single(harness.Server.Allocations[0].Channels);
        Assert.Equal(TurnChannelBindingState.Quarantined, channel.State);
        Assert.Empty(client.SendRaw(TestMessages.ChannelDataMessage(0x4000, [1]))); // no longer relayed
        Assert.Equal(400, client.Request(TestMessages.ChannelBind(credentials, 0x4000, OtherPeer))!.ErrorCode);
        Assert.Equal(400, client.Request(TestMessages.ChannelBind(credentials, 0x4002, Peer))!.ErrorCode);

        harness.Advance(TimeSpan.FromSeconds(300));
        Assert.Empty(harness.Server.Allocations[0].Channels); // Free: removed
        Assert.True(client.Request(TestMessages.ChannelBind(credentials, 0x4000, OtherPeer))!.IsSuccess);
        Assert.True(client.Request(TestMessages.ChannelBind(credentials, 0x4002, Peer))!.IsSuccess);
    }

    [Fact]
    public void Channel_binding_same_peer_within_quarantine_is_rebound()
    {
        var harness = new CoreHarness();
        var client = harness.NewClient();
        client.Allocate();
        client.Request(TestMessages.Refresh(client.Credentials!, 3600));
        Assert.True(client.Request(TestMessages.ChannelBind(client.Credentials!, 0x4abc, Peer))!.IsSuccess);
        harness.Advance(TimeSpan.FromSeconds(700));
        Assert.True(client.Request(TestMessages.ChannelBind(client.Credentials!, 0x4abc, Peer))!.IsSuccess);
        Assert.Equal(TurnChannelBindingState.Bound, harness.Server.Allocations[0].Channels[0].State);
    }

    [Theory]
    [InlineData(0x3FFF)]
    [InlineData(0x5000)]
    [InlineData(0x7FFF)]
    [InlineData(0xFFFF)]
    public void Channel_bind_number_outside_the_range_is_400(int number)
    {
        var harness = new CoreHarness();
        var client = harness.NewClient();
        client.Allocate();
        var response = client.Request(TestMessages.ChannelBind(client.Credentials!, (ushort)number, Peer))!;
        Assert.Equal(400, response.ErrorCode);
        Assert.True(response.IntegrityValidWith(client.Credentials!.Key)); // authenticated request, authenticated answer
    }

    [Fact]
    public void Channel_bind_rfc5766_numbers_when_accepted()
    {
        var harness = new CoreHarness(o => o.AcceptRfc5766ChannelNumbers = true);
        var client = harness.NewClient();
        client.Allocate();
        Assert.True(client.Request(TestMessages.ChannelBind(client.Credentials!, 0x6e43, Peer))!.IsSuccess);
        Assert.Equal(400, client.Request(TestMessages.ChannelBind(client.Credentials!, 0x8000, OtherPeer))!.ErrorCode);
        var toClient = Assert.Single(harness.FromPeer(harness.Relays.Open[0], "203.0.113.50:5000", [1, 2]));
        Assert.Equal(new byte[] { 0x6e, 0x43, 0, 2, 1, 2 }, toClient.Data.ToArray());
        var buffer = new byte[] { 0x6e, 0x43, 0, 2, 3, 4 };
        Assert.Equal(new byte[] { 3, 4 }, Assert.Single(client.SendRaw(buffer)).Data.ToArray());
    }

    [Fact]
    public void Nonce_expires_into_438_with_a_new_nonce()
    {
        var harness = new CoreHarness(o => o.NonceLifetime = TimeSpan.FromSeconds(30));
        var client = harness.NewClient();
        var allocated = client.Allocate();
        Assert.True(allocated.IsSuccess);
        harness.Advance(TimeSpan.FromSeconds(31));
        var stale = client.Request(TestMessages.Refresh(client.Credentials!))!;
        Assert.Equal(438, stale.ErrorCode);
        Assert.NotNull(stale.Nonce);
        Assert.NotEqual(client.Credentials!.Nonce, stale.Nonce);
        Assert.StartsWith("obMatJos2", stale.Nonce); // RFC 8489 §9.2: the nonce cookie
        Assert.Equal("example.org", stale.Realm);
        Assert.False(stale.HasMessageIntegrity);
        var retried = client.Request(TestMessages.Refresh(client.Credentials! with { Nonce = stale.Nonce! }))!;
        Assert.True(retried.IsSuccess, retried.ToString());
    }

    [Fact]
    public void Nonce_from_another_address_or_altered_is_stale()
    {
        var harness = new CoreHarness();
        var first = harness.NewClient("203.0.113.7:40000");
        first.Allocate();
        var second = harness.NewClient("203.0.113.8:40000");
        var borrowed = second.Request(TestMessages.Allocate(first.Credentials))!;
        Assert.Equal(438, borrowed.ErrorCode);
        var nonce = first.Credentials!.Nonce;
        var altered = nonce[..^1] + (nonce[^1] == '0' ? '1' : '0');
        Assert.Equal(438, first.Request(TestMessages.Refresh(first.Credentials with { Nonce = altered }))!.ErrorCode);
    }

    [Fact]
    public void Rest_api_credentials_valid_until_their_timestamp()
    {
        var harness = new CoreHarness();
        var expiry = harness.Options.WallClockAtZero.ToUnixTimeSeconds() + 100;
        var username = $"{expiry}:carol";
        var password = TurnCredentials.RestPassword("rest-secret", username);
        var client = harness.NewClient();
        var allocated = client.Allocate(username: username, password: password);
        Assert.True(allocated.IsSuccess, allocated.ToString());

        harness.Advance(TimeSpan.FromSeconds(101));
        var late = harness.NewClient("203.0.113.9:1000");
        var refused = late.Allocate(username: username, password: password);
        Assert.Equal(401, refused.ErrorCode);
        Assert.Contains(harness.Log, line => line.Contains("event=auth.failed reason=rest-credential-expired"));
    }

    [Fact]
    public void Another_users_request_on_an_allocation_is_441()
    {
        var harness = new CoreHarness();
        var client = harness.NewClient();
        client.Allocate();
        var bob = LongTermCredentials.For("bob", "hunter2", "example.org", client.Credentials!.Nonce);
        var response = client.Request(TestMessages.Refresh(bob))!;
        Assert.Equal(441, response.ErrorCode);
        Assert.True(response.IntegrityValidWith(bob.Key));
        Assert.Equal(441, client.Request(TestMessages.CreatePermission(bob, Peer))!.ErrorCode);
    }

    [Fact]
    public void Address_families_440_443_and_dual_allocation()
    {
        var harness = new CoreHarness(relays: new FakeRelayPorts(ipv6: false));
        var client = harness.NewClient();
        client.Authenticate();
        var six = client.Allocate((ref StunMessageBuilder b) => b.AddRequestedAddressFamily(new RequestedAddressFamilyValue(StunAddress.FamilyIPv6, new byte[3])));
        Assert.Equal(440, six.ErrorCode);
        var dual = client.Allocate((ref StunMessageBuilder b) => b.AddAdditionalAddressFamily(new AdditionalAddressFamilyValue(StunAddress.FamilyIPv6, new byte[3])));
        Assert.True(dual.IsSuccess);
        Assert.Single(dual.RelayedAddresses); // IPv4 only, with ADDRESS-ERROR-CODE 440 for IPv6 (RFC 8656 §7.2)
        StunMessage.TryParse(dual.Bytes, out var message);
        Assert.True(message.TryGetAddressErrorCode(out var addressError));
        Assert.Equal((6, 4, 40), (addressError.Family == StunAddress.FamilyIPv6 ? 6 : 4, addressError.Class, addressError.Number));
        var v6Peer = TurnEndpoint.Parse("[2001:db8:1::5]:5000").ToStunAddress();
        Assert.Equal(443, client.Request(TestMessages.CreatePermission(client.Credentials!, v6Peer))!.ErrorCode);

        var dualHarness = new CoreHarness();
        var both = dualHarness.NewClient().Allocate((ref StunMessageBuilder b) =>
            b.AddAdditionalAddressFamily(new AdditionalAddressFamilyValue(StunAddress.FamilyIPv6, new byte[3])));
        Assert.Equal(2, both.RelayedAddresses.Count);
        Assert.Equal([StunAddress.FamilyIPv4, StunAddress.FamilyIPv6], both.RelayedAddresses.Select(a => a.Family));
    }

    [Fact]
    public void Even_port_with_reservation_is_claimed_by_the_token_or_expires()
    {
        var harness = new CoreHarness();
        var first = harness.NewClient();
        var response = first.Allocate((ref StunMessageBuilder b) => b.AddEvenPort(0x80));
        Assert.True(response.IsSuccess);
        Assert.Equal(0, response.RelayedAddresses[0].Port & 1);
        StunMessage.TryParse(response.Bytes, out var message);
        Assert.True(message.TryGetReservationToken(out var tokenSpan));
        var token = tokenSpan.ToArray();
        Assert.Equal(2, harness.Relays.Open.Count);

        var second = harness.NewClient("203.0.113.7:40001");
        var claimed = second.Allocate((ref StunMessageBuilder b) => b.AddReservationToken(token));
        Assert.True(claimed.IsSuccess, claimed.ToString());
        Assert.Equal(response.RelayedAddresses[0].Port + 1, claimed.RelayedAddresses[0].Port);
        var third = harness.NewClient("203.0.113.7:40002");
        Assert.Equal(508, third.Allocate((ref StunMessageBuilder b) => b.AddReservationToken(token)).ErrorCode);

        // An unclaimed reservation is released after 30 s.
        var fourth = harness.NewClient("203.0.113.7:40003");
        fourth.Allocate((ref StunMessageBuilder b) => b.AddEvenPort(0x80));
        Assert.Equal(4, harness.Relays.Open.Count);
        harness.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(3, harness.Relays.Open.Count);
    }

    [Fact]
    public void Quotas_per_user_486_total_508_and_relay_ports_exhausted_508()
    {
        var harness = new CoreHarness(o =>
        {
            o.UserQuota = 1;
            o.TotalQuota = 2;
        });
        Assert.True(harness.NewClient("203.0.113.7:1").Allocate().IsSuccess);
        Assert.Equal(486, harness.NewClient("203.0.113.7:2").Allocate().ErrorCode);
        Assert.True(harness.NewClient("203.0.113.7:3").Allocate(username: "bob", password: "hunter2").IsSuccess);
        var expiry = harness.Options.WallClockAtZero.ToUnixTimeSeconds() + 1000;
        Assert.Equal(508, harness.NewClient("203.0.113.7:4").Allocate(username: $"{expiry}:x", password: TurnCredentials.RestPassword("rest-secret", $"{expiry}:x")).ErrorCode);

        var small = new CoreHarness(relays: new FakeRelayPorts(capacity: 1));
        Assert.True(small.NewClient("203.0.113.7:1").Allocate().IsSuccess);
        Assert.Equal(508, small.NewClient("203.0.113.7:2").Allocate().ErrorCode);
    }

    [Theory]
    [InlineData("127.0.0.1:5000")]
    [InlineData("10.1.2.3:5000")]
    [InlineData("192.168.1.1:5000")]
    [InlineData("169.254.1.1:5000")]
    [InlineData("224.0.0.1:5000")]
    [InlineData("0.0.0.0:5000")]
    [InlineData("[::1]:5000")]
    [InlineData("[fd00::1]:5000")]
    [InlineData("[fe80::1]:5000")]
    [InlineData("[::ffff:127.0.0.1]:5000")]
    public void Special_purpose_peers_are_refused_403(string peer)
    {
        var harness = new CoreHarness();
        var client = harness.NewClient();
        client.Allocate((ref StunMessageBuilder b) => b.AddAdditionalAddressFamily(new AdditionalAddressFamilyValue(StunAddress.FamilyIPv6, new byte[3])));
        var address = TurnEndpoint.Parse(peer).ToStunAddress();
        Assert.Equal(403, client.Request(TestMessages.CreatePermission(client.Credentials!, address))!.ErrorCode);
        Assert.Equal(403, client.Request(TestMessages.ChannelBind(client.Credentials!, 0x4000, address))!.ErrorCode);
        Assert.Empty(harness.Server.Allocations[0].Permissions);
    }

    [Fact]
    public void Permissions_per_allocation_are_capped_508()
    {
        var harness = new CoreHarness(o => o.MaxPermissionsPerAllocation = 3);
        var client = harness.NewClient();
        client.Allocate();
        StunAddress Peer(int i) => TurnEndpoint.Parse($"203.0.113.{i}:1").ToStunAddress();
        Assert.True(client.Request(TestMessages.CreatePermission(client.Credentials!, Peer(1), Peer(2)))!.IsSuccess);
        Assert.True(client.Request(TestMessages.ChannelBind(client.Credentials!, 0x4000, Peer(3)))!.IsSuccess);
        Assert.True(client.Request(TestMessages.CreatePermission(client.Credentials!, Peer(1)))!.IsSuccess); // a refresh, not a new one
        Assert.Equal(508, client.Request(TestMessages.CreatePermission(client.Credentials!, Peer(4)))!.ErrorCode);
        Assert.Equal(3, harness.Server.Allocations[0].Permissions.Count);
    }

    [Fact]
    public void Create_permission_is_all_or_nothing()
    {
        var harness = new CoreHarness();
        var client = harness.NewClient();
        client.Allocate();
        var refused = client.Request(TestMessages.CreatePermission(client.Credentials!, Peer, TurnEndpoint.Parse("10.0.0.1:1").ToStunAddress()))!;
        Assert.Equal(403, refused.ErrorCode);
        Assert.Empty(harness.Server.Allocations[0].Permissions);
    }

    [Fact]
    public void Alternate_server_redirects_300_round_robin()
    {
        var harness = new CoreHarness(o =>
        {
            o.AlternateServers.Add(TurnEndpoint.Parse("198.51.100.20:3478"));
            o.AlternateServers.Add(TurnEndpoint.Parse("[2001:db8::20]:3478"));
            o.AlternateServers.Add(TurnEndpoint.Parse("198.51.100.21:3478"));
        });
        var client = harness.NewClient();
        var first = client.Allocate();
        Assert.Equal(300, first.ErrorCode);
        Assert.Equal(TurnEndpoint.Parse("198.51.100.20:3478").ToStunAddress(), first.AlternateServer);
        Assert.True(first.IntegrityValidWith(client.Credentials!.Key));
        Assert.Equal(TurnEndpoint.Parse("198.51.100.21:3478").ToStunAddress(), client.Allocate().AlternateServer);
        Assert.Equal(0, harness.Server.AllocationCount);
    }

    [Fact]
    public void Tcp_connection_closed_deletes_its_allocation()
    {
        var harness = new CoreHarness();
        var client = harness.NewClient(transport: TurnTransport.Tcp);
        client.Allocate();
        harness.Server.HandleConnectionClosed(harness.Now, TurnTransport.Tcp, client.Flow.Local, client.Flow.Remote);
        Assert.Equal(0, harness.Server.AllocationCount);
        Assert.Empty(harness.Relays.Open);
    }

    [Fact]
    public void Sha256_credentials_are_accepted_when_the_password_algorithm_is_negotiated()
    {
        var harness = new CoreHarness();
        var client = harness.NewClient();
        var challenge = client.Request(TestMessages.Allocate())!;
        Assert.True(challenge.HasPasswordAlgorithms);
        var key = StunKey.LongTerm("alice", "example.org", "secret", StunPasswordAlgorithm.Sha256);
        var request = TestMessages.Build(TurnMethods.Allocate, StunClass.Request, (ref StunMessageBuilder b) =>
        {
            b.AddRequestedTransport(new RequestedTransportValue(17, new byte[3]));
            b.AddUsername("alice");
            b.AddRealm("example.org");
            b.AddNonce(challenge.Nonce!);
            b.AddPasswordAlgorithms(new byte[] { 0, 2, 0, 0, 0, 1, 0, 0 });
            b.AddPasswordAlgorithm(new PasswordAlgorithmEntry((ushort)StunPasswordAlgorithm.Sha256, default));
            b.AddMessageIntegritySha256(key);
        });
        var response = client.Request(request)!;
        Assert.True(response.IsSuccess, response.ToString());
        StunMessage.TryParse(response.Bytes, out var message);
        Assert.Equal(IntegrityStatus.Valid, StunIntegrity.VerifyMessageIntegritySha256(message, key));
    }

    [Fact]
    public void Retransmitted_allocate_gets_the_same_success_but_a_new_one_is_437()
    {
        var harness = new CoreHarness();
        var client = harness.NewClient();
        var credentials = client.Authenticate();
        var transactionId = TestMessages.NewTransactionId();
        var first = client.Request(TestMessages.Allocate(credentials, transactionId: transactionId))!;
        var again = client.Request(TestMessages.Allocate(credentials, transactionId: transactionId))!;
        Assert.True(again.IsSuccess);
        Assert.Equal(first.RelayedAddresses, again.RelayedAddresses);
        Assert.Equal(437, client.Request(TestMessages.Allocate(credentials))!.ErrorCode);
        Assert.Single(harness.Relays.Open);
    }

    [Fact]
    public void Hostile_input_never_throws_never_allocates_never_relays()
    {
        var harness = new CoreHarness();
        var client = harness.NewClient();
        client.Allocate();
        var random = new Random(8656);
        var valid = TestMessages.CreatePermission(client.Credentials!, Peer);
        for (var i = 0; i < 20_000; i++)
        {
            byte[] packet;
            if (i % 2 == 0)
            {
                packet = new byte[random.Next(0, 200)];
                random.NextBytes(packet);
                if (packet.Length > 8 && i % 4 == 0)
                {
                    packet[0] &= 0x3F; // looks like STUN
                    packet[4] = 0x21; packet[5] = 0x12; packet[6] = 0xA4; packet[7] = 0x42;
                }
            }
            else
            {
                // Flip a bit MESSAGE-INTEGRITY protects: the trailing FINGERPRINT's 8 bytes are not (a flipped type
                // byte there makes an unknown attribute after MESSAGE-INTEGRITY, which RFC 8489 §14.5 says to ignore).
                packet = (byte[])valid.Clone();
                packet[random.Next(packet.Length - 8)] ^= (byte)(1 << random.Next(8));
            }
            client.SendRaw(packet);
            harness.FromPeer(harness.Relays.Open[0], "203.0.113.99:1", packet);
        }
        Assert.Equal(0, harness.Server.Counters.InternalErrors);
        Assert.Equal(1, harness.Server.AllocationCount);
        Assert.Empty(harness.Server.Allocations[0].Permissions); // no mutated request got through integrity
        Assert.Equal(0, harness.Server.Counters.PacketsToPeers);
    }

    [Fact]
    public void Relay_path_allocates_nothing()
    {
        var harness = new CoreHarness();
        var client = harness.NewClient();
        client.Allocate();
        client.Request(TestMessages.ChannelBind(client.Credentials!, 0x4001, Peer));
        var relay = harness.Relays.Open[0];
        var peer = TurnEndpoint.From(Peer);
        var toPeer = TestMessages.ChannelDataMessage(0x4001, new byte[100]);
        var fromPeer = new byte[100];
        var server = harness.Server;
        var flow = client.Flow;
        void Round()
        {
            server.HandlePacket(harness.Now, flow.Transport, flow.Local, flow.Remote, toPeer);
            server.HandleRelayPacket(harness.Now, relay, peer, fromPeer);
            while (server.PollTransmit(out var transmit)) TurnServer.ReturnBuffer(transmit);
        }
        for (var i = 0; i < 1000; i++) Round(); // warm up the pools and queues
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++) Round();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(11_000, server.Counters.PacketsToPeers);
        Assert.Equal(11_000, server.Counters.PacketsToClients);
    }
}
