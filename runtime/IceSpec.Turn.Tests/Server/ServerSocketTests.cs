using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using IceSpec.Stun;
using IceSpec.Turn.Server;
using static IceSpec.Turn.Tests.Server.UdpTurnExchanges;

namespace IceSpec.Turn.Tests.Server;

/// <summary>
/// Our server over real sockets on loopback, driven with raw messages built by <see cref="StunMessageBuilder"/>: the
/// error responses of RFC 8489 and RFC 8656, the policies, and that nothing is relayed without a permission.
/// </summary>
[Trait("Category", "unit")]
public sealed class ServerSocketTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(400);

    [Fact]
    public async Task Binding_returns_the_mapped_address_with_software_and_fingerprint()
    {
        await using var server = TestServer.Start();
        using var client = new UdpTestClient();
        var response = client.Request(server.Udp, TestMessages.Binding())!;
        Assert.True(response.IsSuccess);
        Assert.Equal(new StunAddress(client.LocalEndPoint), response.XorMappedAddress);
        Assert.Equal("IceSpec TURN server", response.Software);
        Assert.True(response.HasFingerprint && response.FingerprintValid());
    }

    [Fact]
    public async Task Unauthenticated_allocate_gets_401_with_realm_and_nonce()
    {
        await using var server = TestServer.Start();
        using var client = new UdpTestClient();
        var response = client.Request(server.Udp, TestMessages.Allocate())!;
        Assert.Equal(401, response.ErrorCode);
        Assert.Equal("example.org", response.Realm);
        Assert.StartsWith("obMatJos2", response.Nonce);
        Assert.False(response.HasMessageIntegrity);
        Assert.Equal(0, server.Host.AllocationCount);
    }

    [Fact]
    public async Task Wrong_password_gets_401()
    {
        await using var server = TestServer.Start();
        using var client = new UdpTestClient();
        var credentials = Authenticate(client, server.Udp, password: "wrong");
        var response = client.Request(server.Udp, TestMessages.Allocate(credentials))!;
        Assert.Equal(401, response.ErrorCode);
        Assert.NotNull(response.Nonce);
        Assert.Equal(0, server.Host.AllocationCount);
        Assert.Contains(server.Log, line => line.Contains("event=auth.failed reason=bad-integrity user=alice"));
    }

    [Fact]
    public async Task Expired_nonce_gets_438_with_a_new_nonce()
    {
        await using var server = TestServer.Start("stale-nonce=1");
        using var client = new UdpTestClient();
        var credentials = Authenticate(client, server.Udp);
        await Task.Delay(1200);
        var stale = client.Request(server.Udp, TestMessages.Allocate(credentials))!;
        Assert.Equal(438, stale.ErrorCode);
        Assert.NotEqual(credentials.Nonce, stale.Nonce);
        var retried = client.Request(server.Udp, TestMessages.Allocate(credentials with { Nonce = stale.Nonce! }))!;
        Assert.True(retried.IsSuccess, retried.ToString());
    }

    [Fact]
    public async Task Refresh_without_allocation_or_from_another_five_tuple_gets_437()
    {
        await using var server = TestServer.Start();
        using var owner = new UdpTestClient();
        var (credentials, _) = Allocate(owner, server.Udp);
        using var stranger = new UdpTestClient();
        var strangerCredentials = Authenticate(stranger, server.Udp);
        Assert.Equal(437, stranger.Request(server.Udp, TestMessages.Refresh(strangerCredentials))!.ErrorCode);
        Assert.Equal(437, stranger.Request(server.Udp, TestMessages.Refresh(credentials with { Nonce = strangerCredentials.Nonce }))!.ErrorCode);
        Assert.True(owner.Request(server.Udp, TestMessages.Refresh(credentials))!.IsSuccess);
    }

    [Fact]
    public async Task Allocate_twice_on_the_same_five_tuple_gets_437()
    {
        await using var server = TestServer.Start();
        using var client = new UdpTestClient();
        var (credentials, _) = Allocate(client, server.Udp);
        var second = client.Request(server.Udp, TestMessages.Allocate(credentials))!;
        Assert.Equal(437, second.ErrorCode);
        Assert.True(second.IntegrityValidWith(credentials.Key));
        Assert.Equal(1, server.Host.AllocationCount);
    }

    [Fact]
    public async Task Peer_data_without_permission_is_not_delivered_until_create_permission()
    {
        await using var server = TestServer.Start("allow-loopback-peers");
        using var client = new UdpTestClient();
        using var peer = new UdpTestClient();
        var (credentials, relay) = Allocate(client, server.Udp);
        var relayEndPoint = relay.ToEndPoint();

        peer.SendTo(relayEndPoint, [1, 2, 3]);
        Assert.Null(client.Receive(Quiet));

        var peerAddress = new StunAddress(peer.LocalEndPoint);
        Assert.True(client.Request(server.Udp, TestMessages.CreatePermission(credentials, peerAddress))!.IsSuccess);
        peer.SendTo(relayEndPoint, [4, 5, 6]);
        var data = TestResponse.TryParse(client.Receive(TimeSpan.FromSeconds(2))!.Value.Data)!;
        Assert.Equal(TurnMethods.Data, data.Method);
        Assert.Equal(StunClass.Indication, data.Class);
        Assert.Equal(peerAddress, data.PeerAddress);
        Assert.Equal(new byte[] { 4, 5, 6 }, data.Data);

        client.SendTo(server.Udp, TestMessages.Send(peerAddress, [7, 8]));
        var atPeer = peer.Receive(TimeSpan.FromSeconds(2))!.Value;
        Assert.Equal(new byte[] { 7, 8 }, atPeer.Data);
        Assert.Equal(relayEndPoint, atPeer.From);

        // A second peer on the same IP shares the permission (RFC 8656 §9); channel data then goes both ways.
        Assert.True(client.Request(server.Udp, TestMessages.ChannelBind(credentials, 0x4123, peerAddress))!.IsSuccess);
        client.SendTo(server.Udp, TestMessages.ChannelDataMessage(0x4123, [9, 9, 9]));
        Assert.Equal(new byte[] { 9, 9, 9 }, peer.Receive(TimeSpan.FromSeconds(2))!.Value.Data);
        peer.SendTo(relayEndPoint, [5]);
        Assert.Equal(new byte[] { 0x41, 0x23, 0, 1, 5 }, client.Receive(TimeSpan.FromSeconds(2))!.Value.Data);
    }

    [Fact]
    public async Task Loopback_peer_is_refused_403_by_default()
    {
        await using var server = TestServer.Start();
        using var client = new UdpTestClient();
        var (credentials, relay) = Allocate(client, server.Udp);
        var loopbackPeer = new StunAddress(new IPEndPoint(IPAddress.Loopback, 9));
        var response = client.Request(server.Udp, TestMessages.CreatePermission(credentials, loopbackPeer))!;
        Assert.Equal(403, response.ErrorCode);
        Assert.Equal(403, client.Request(server.Udp, TestMessages.ChannelBind(credentials, 0x4000, loopbackPeer))!.ErrorCode);

        using var peer = new UdpTestClient();
        peer.SendTo(relay.ToEndPoint(), [1]);
        Assert.Null(client.Receive(Quiet));
        Assert.Contains(server.Log, line => line.Contains("event=permission.refused reason=peer-policy"));
    }

    [Fact]
    public async Task User_quota_exceeded_gets_486()
    {
        await using var server = TestServer.Start("user-quota=1");
        using var first = new UdpTestClient();
        Allocate(first, server.Udp);
        using var second = new UdpTestClient();
        var credentials = Authenticate(second, server.Udp);
        Assert.Equal(486, second.Request(server.Udp, TestMessages.Allocate(credentials))!.ErrorCode);
        using var bob = new UdpTestClient();
        var bobCredentials = Authenticate(bob, server.Udp, "bob", "hunter2");
        Assert.True(bob.Request(server.Udp, TestMessages.Allocate(bobCredentials))!.IsSuccess);
    }

    [Fact]
    public async Task Malformed_messages_are_dropped_or_400_or_420()
    {
        await using var server = TestServer.Start();
        using var client = new UdpTestClient();

        // A length field that does not match the datagram: dropped (RFC 8489 §6.3).
        var binding = TestMessages.Binding();
        var badLength = (byte[])binding.Clone();
        badLength[3] += 4;
        client.SendTo(server.Udp, badLength);
        Assert.Null(client.Receive(Quiet));

        // A wrong FINGERPRINT: dropped (RFC 8489 §7.3).
        var badFingerprint = (byte[])binding.Clone();
        badFingerprint[^1] ^= 0xFF;
        client.SendTo(server.Udp, badFingerprint);
        Assert.Null(client.Receive(Quiet));

        // An unknown comprehension-required attribute: 420 listing it (RFC 8489 §14.13).
        var unknown = client.Request(server.Udp, TestMessages.Binding((ref StunMessageBuilder b) => b.Add(0x7ABC, [1, 2, 3, 4])))!;
        Assert.Equal(420, unknown.ErrorCode);
        Assert.Equal([(ushort)0x7ABC], unknown.UnknownAttributes);
        // ... an unknown comprehension-optional one is ignored.
        Assert.True(client.Request(server.Udp, TestMessages.Binding((ref StunMessageBuilder b) => b.Add(0xC0DE, [1])))!.IsSuccess);

        // A malformed value of a known attribute: 400 (here LIFETIME of 2 bytes, RFC 8656 §18.2).
        var credentials = Authenticate(client, server.Udp);
        var badLifetime = client.Request(server.Udp, TestMessages.Allocate(credentials, (ref StunMessageBuilder b) => b.Add(TurnAttributeTypes.Lifetime, [0, 1])))!;
        Assert.Equal(400, badLifetime.ErrorCode);
        // A missing required attribute (REQUESTED-TRANSPORT, RFC 8656 §7.1): 400, integrity-protected.
        var missing = client.Request(server.Udp, TestMessages.Request(TurnMethods.Allocate, null, credentials))!;
        Assert.Equal(400, missing.ErrorCode);
        Assert.Contains("RequestedTransport", missing.Reason);
        Assert.True(missing.IntegrityValidWith(credentials.Key));
        // An unknown comprehension-required attribute in an authenticated request: 420 after authentication.
        var unknownTurn = client.Request(server.Udp, TestMessages.Allocate(credentials, (ref StunMessageBuilder b) => b.Add(0x7ABD, [0, 0, 0, 0])))!;
        Assert.Equal(420, unknownTurn.ErrorCode);
        Assert.True(unknownTurn.IntegrityValidWith(credentials.Key));
        // Not STUN at all, and ChannelData from a client without an allocation: dropped.
        client.SendTo(server.Udp, [0xC0, 1, 2, 3, 4, 5, 6, 7]);
        client.SendTo(server.Udp, TestMessages.ChannelDataMessage(0x4000, [1, 2]));
        Assert.Null(client.Receive(Quiet));
        Assert.Equal(0, server.Host.Counters.InternalErrors);
        Assert.Equal(0, server.Host.AllocationCount);
    }

    [Fact]
    public async Task Channel_bind_number_outside_4000_to_4FFF_gets_400()
    {
        await using var server = TestServer.Start("allow-loopback-peers");
        using var client = new UdpTestClient();
        var (credentials, _) = Allocate(client, server.Udp);
        var peer = new StunAddress(new IPEndPoint(IPAddress.Loopback, 7000));
        Assert.Equal(400, client.Request(server.Udp, TestMessages.ChannelBind(credentials, 0x5000, peer))!.ErrorCode);
        Assert.Equal(400, client.Request(server.Udp, TestMessages.ChannelBind(credentials, 0x3FFF, peer))!.ErrorCode);
        Assert.True(client.Request(server.Udp, TestMessages.ChannelBind(credentials, 0x4FFF, peer))!.IsSuccess);
    }

    [Fact]
    public async Task Rest_api_credentials_valid_and_expired()
    {
        await using var server = TestServer.Start("static-auth-secret=north", "static-auth-secret=south");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var valid = new UdpTestClient();
        var user = $"{now + 600}:dave";
        var credentials = Authenticate(valid, server.Udp, user, TurnCredentials.RestPassword("south", user));
        Assert.True(valid.Request(server.Udp, TestMessages.Allocate(credentials))!.IsSuccess);

        using var expired = new UdpTestClient();
        var old = $"{now - 10}:dave";
        var oldCredentials = Authenticate(expired, server.Udp, old, TurnCredentials.RestPassword("north", old));
        Assert.Equal(401, expired.Request(server.Udp, TestMessages.Allocate(oldCredentials))!.ErrorCode);

        using var forged = new UdpTestClient();
        var forgedCredentials = Authenticate(forged, server.Udp, user, TurnCredentials.RestPassword("west", user));
        Assert.Equal(401, forged.Request(server.Udp, TestMessages.Allocate(forgedCredentials))!.ErrorCode);
    }

    [Fact]
    public async Task Rfc5780_other_address_response_origin_change_request()
    {
        await using var server = TestServer.Start("alt-listening-ip=127.0.0.2", "alt-listening-port=0");
        using var client = new UdpTestClient();
        var primary = server.Udp;
        var response = client.Request(primary, TestMessages.Binding())!;
        Assert.Equal(new StunAddress(primary), response.ResponseOrigin);
        var other = response.OtherAddress!.Value;
        Assert.Equal(IPAddress.Parse("127.0.0.2"), other.Address);
        Assert.NotEqual(primary.Port, other.Port);

        client.SendTo(primary, TestMessages.Binding((ref StunMessageBuilder b) => b.AddChangeRequest(0x6)));
        var changed = client.Receive(TimeSpan.FromSeconds(2))!.Value;
        Assert.Equal(other.ToEndPoint(), changed.From);
        Assert.Equal(new StunAddress(changed.From), TestResponse.TryParse(changed.Data)!.ResponseOrigin);

        client.SendTo(primary, TestMessages.Binding((ref StunMessageBuilder b) => b.AddChangeRequest(0x2)));
        Assert.Equal(new IPEndPoint(primary.Address, other.Port), client.Receive(TimeSpan.FromSeconds(2))!.Value.From);

        using var elsewhere = new UdpTestClient();
        var port = (ushort)elsewhere.LocalEndPoint.Port;
        client.SendTo(primary, TestMessages.Binding((ref StunMessageBuilder b) => b.AddResponsePort(new ResponsePortValue(port, 0))));
        Assert.NotNull(elsewhere.Receive(TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task Change_request_without_a_second_address_gets_420()
    {
        await using var server = TestServer.Start();
        using var client = new UdpTestClient();
        var response = client.Request(server.Udp, TestMessages.Binding((ref StunMessageBuilder b) => b.AddChangeRequest(0x4)))!;
        Assert.Equal(420, response.ErrorCode);
        Assert.Equal([StunAttributeTypes.ChangeRequest], response.UnknownAttributes);
    }

    [Fact]
    public async Task Tls_listener_allocates_over_tls_and_relays_channel_data()
    {
        using var certificate = new SelfSignedCertificate();
        await using var server = TestServer.Start("allow-loopback-peers", $"cert={certificate.CertificateFile}", $"pkey={certificate.KeyFile}", "tls-listening-port=0");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Tls);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" });
        var stream = new StreamTestClient(tls);

        var challenge = await stream.RequestAsync(TestMessages.Allocate());
        Assert.Equal(401, challenge.ErrorCode);
        var credentials = LongTermCredentials.For("alice", "secret", challenge.Realm!, challenge.Nonce!);
        var allocated = await stream.RequestAsync(TestMessages.Allocate(credentials));
        Assert.True(allocated.IsSuccess, allocated.ToString());
        Assert.Equal(TurnTransport.Tls, Assert.Single(server.Host.Allocations).Flow.Transport);

        using var peer = new UdpTestClient();
        var peerAddress = new StunAddress(peer.LocalEndPoint);
        Assert.True((await stream.RequestAsync(TestMessages.ChannelBind(credentials, 0x4001, peerAddress))).IsSuccess);
        await stream.WriteAsync(TestMessages.ChannelDataMessage(0x4001, [1, 2, 3, 4, 5], pad: true));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, peer.Receive(TimeSpan.FromSeconds(2))!.Value.Data);
        peer.SendTo(allocated.RelayedAddresses[0].ToEndPoint(), [6, 7, 8]);
        var framed = await stream.ReadFrameAsync();
        Assert.Equal(new byte[] { 0x40, 0x01, 0, 3, 6, 7, 8, 0 }, framed); // padded to 4 on streams (RFC 8656 §12.5)

        tcp.Close();
        await WaitUntil(() => server.Host.AllocationCount == 0);
        Assert.Equal(0, server.Host.OpenRelayPorts);
    }

    [Fact]
    public async Task Tcp_listener_allocates_and_refreshes()
    {
        await using var server = TestServer.Start();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Tcp);
        var stream = new StreamTestClient(tcp.GetStream());
        var challenge = await stream.RequestAsync(TestMessages.Allocate());
        var credentials = LongTermCredentials.For("alice", "secret", challenge.Realm!, challenge.Nonce!);
        Assert.True((await stream.RequestAsync(TestMessages.Allocate(credentials))).IsSuccess);
        Assert.Equal(600u, (await stream.RequestAsync(TestMessages.Refresh(credentials))).Lifetime);
        Assert.Equal(0u, (await stream.RequestAsync(TestMessages.Refresh(credentials, 0))).Lifetime);
        Assert.Equal(0, server.Host.AllocationCount);
    }

    [Fact]
    public async Task Tcp_connection_without_allocation_is_closed_when_idle()
    {
        await using var server = TestServer.Start("idle-connection-timeout=1");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Tcp);
        var stream = tcp.GetStream();
        var buffer = new byte[16];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        Assert.Equal(0, await stream.ReadAsync(buffer, timeout.Token)); // the server closed it
        Assert.Contains(server.Log, line => line.Contains("event=connection.closed reason=idle"));
    }

    [Theory]
    [InlineData(0)] // the 5 bytes the length claims
    [InlineData(3)] // padded to 8, the length not: following the length would leave 3 bytes before the next message
    public async Task Tcp_stun_header_with_a_length_not_a_multiple_of_4_closes_the_connection(int padding)
    {
        await using var server = TestServer.Start();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Tcp);
        var stream = new StreamTestClient(tcp.GetStream());
        Assert.True((await stream.RequestAsync(TestMessages.Binding())).IsSuccess); // answered before the bad frame
        byte[] header = [0x00, 0x01, 0x00, 0x05, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        await stream.WriteAsync([.. header, 0x80, 0x22, 0x00, 0x01, (byte)'x', .. new byte[padding], .. TestMessages.Binding()]);
        await Assert.ThrowsAsync<EndOfStreamException>(stream.ReadFrameAsync); // closed, the Binding after it unanswered
        Assert.Contains(server.Log, line => line.Contains("event=connection.closed reason=stun-length-not-multiple-of-4"));
    }

    [Fact]
    public async Task Tcp_bytes_that_are_neither_stun_nor_channel_data_close_the_connection()
    {
        await using var server = TestServer.Start();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Tcp);
        var stream = new StreamTestClient(tcp.GetStream());
        Assert.True((await stream.RequestAsync(TestMessages.Binding())).IsSuccess); // a first message (issue 13 closes bad first bytes sooner)
        await stream.WriteAsync(Enumerable.Repeat((byte)0xFF, 20).ToArray());
        await Assert.ThrowsAsync<EndOfStreamException>(stream.ReadFrameAsync);
        Assert.Contains(server.Log, line => line.Contains("event=connection.closed reason=not-stun-or-channeldata"));
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0x01, 0x00, 0x05 }, true)]
    [InlineData(new byte[] { 0x00, 0x01, 0x00, 0x06 }, true)]
    [InlineData(new byte[] { 0x00, 0x01, 0x00, 0x08 }, false)]
    [InlineData(new byte[] { 0x40, 0x00, 0x00, 0x05 }, false)] // ChannelData: any length, padded on streams
    [InlineData(new byte[] { 0x00, 0x01, 0x00 }, false)]      // not enough bytes to tell yet
    public void Unpadded_stun_length_is_recognised_from_the_first_four_bytes(byte[] start, bool unpadded) =>
        Assert.Equal(unpadded, TurnServerHost.HasUnpaddedStunLength(start));

    [Fact]
    public async Task Alternate_server_redirects_allocate_with_300()
    {
        await using var server = TestServer.Start("alternate-server=192.0.2.77:3478");
        using var client = new UdpTestClient();
        var credentials = Authenticate(client, server.Udp);
        var response = client.Request(server.Udp, TestMessages.Allocate(credentials))!;
        Assert.Equal(300, response.ErrorCode);
        Assert.Equal(new StunAddress(IPEndPoint.Parse("192.0.2.77:3478")), response.AlternateServer);
    }

    [Fact]
    public async Task Stopping_releases_every_relay_port()
    {
        var server = TestServer.Start();
        using var client = new UdpTestClient();
        var (_, relay) = Allocate(client, server.Udp);
        await server.DisposeAsync();
        using var rebind = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        rebind.Bind(relay.ToEndPoint()); // the port is free again
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++) await Task.Delay(20);
        Assert.True(condition());
    }
}

/// <summary>STUN and ChannelData over a stream (TCP or TLS), framed as RFC 8489 §6.2.2 and RFC 8656 §12.5 say.</summary>
public sealed class StreamTestClient(Stream stream)
{
    private readonly byte[] _buffer = new byte[70000];
    private int _filled;

    public Task WriteAsync(byte[] bytes) => stream.WriteAsync(bytes).AsTask();

    public async Task<TestResponse> RequestAsync(byte[] request)
    {
        await WriteAsync(request);
        while (true)
        {
            var frame = await ReadFrameAsync();
            var response = TestResponse.TryParse(frame);
            if (response is not null && response.TransactionId.AsSpan().SequenceEqual(request.AsSpan(8, 12))) return response;
        }
    }

    public async Task<byte[]> ReadFrameAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        while (true)
        {
            var length = StreamFraming.NextMessageLength(_buffer.AsSpan(0, _filled));
            if (length > 0)
            {
                var frame = _buffer[..length];
                _buffer.AsSpan(length, _filled - length).CopyTo(_buffer);
                _filled -= length;
                return frame;
            }
            var read = await stream.ReadAsync(_buffer.AsMemory(_filled), timeout.Token);
            if (read == 0) throw new EndOfStreamException();
            _filled += read;
        }
    }
}
