using System.Net;
using System.Net.Sockets;
using IceSpec.Stun;
using IceSpec.Turn.Server;

namespace IceSpec.Turn.Tests.Server;

/// <summary>
/// Issue 13: our server on loopback against hostile clients. Each protection is checked next to the same attack with the
/// protection off (its setting 0), which must succeed — so every check is shown able to fail. Clients spread over
/// 127.0.0.0/8 source addresses to be distinct sources.
/// </summary>
[Trait("Category", "unit")]
public sealed class HostileClientTests
{
    /// <summary>A TCP connection from <paramref name="source"/>; true when the server answers a Binding on it (it was served, not refused).</summary>
    private static async Task<(TcpClient Client, bool Served)> ConnectAsync(IPEndPoint server, string source)
    {
        var client = new TcpClient(new IPEndPoint(IPAddress.Parse(source), 0));
        await client.ConnectAsync(server);
        var stream = new StreamTestClient(client.GetStream());
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            var response = await stream.RequestAsync(TestMessages.Binding()).WaitAsync(timeout.Token);
            return (client, response.IsSuccess);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or SocketException or OperationCanceledException or TimeoutException)
        {
            return (client, false);
        }
    }

    [Theory]
    [InlineData(8, false)] // max-connections-per-source=8: 127.0.0.2 gets 8, 127.0.0.3 is still served
    [InlineData(0, true)]  // off: 127.0.0.2 takes all of max-connections and locks 127.0.0.3 out (the attack)
    public async Task One_source_cannot_hold_every_connection(int perSource, bool lockedOut)
    {
        await using var server = TestServer.Start("max-connections=12", $"max-connections-per-source={perSource}");
        var held = new List<TcpClient>();
        try
        {
            var served = 0;
            for (var i = 0; i < 12; i++)
            {
                var (client, ok) = await ConnectAsync(server.Tcp, "127.0.0.2");
                held.Add(client);
                if (ok) served++;
            }
            Assert.Equal(perSource == 0 ? 12 : perSource, served);
            var (other, otherServed) = await ConnectAsync(server.Tcp, "127.0.0.3");
            held.Add(other);
            Assert.Equal(lockedOut, !otherServed);
            if (perSource > 0) Assert.Contains(server.Log, line => line.Contains("reason=max-connections-per-source") && line.Contains("client=127.0.0.2:"));
        }
        finally
        {
            foreach (var client in held) client.Dispose();
        }
    }

    [Theory]
    [InlineData(10, false)] // unauthenticated-rate=1, burst 10: ~10 of 40 answered, a second source still answered
    [InlineData(0, true)]   // off: all 40 answered
    public async Task Unauthenticated_requests_are_rate_limited_per_source_and_dropped(int burst, bool allAnswered)
    {
        await using var server = TestServer.Start(burst == 0 ? "unauthenticated-rate=0" : "unauthenticated-rate=1", $"unauthenticated-burst={Math.Max(1, burst)}");
        using var flooder = new UdpTestClient("127.0.0.4");
        // A 401 first (one token), so that an authenticated request can be tried once the bucket is empty.
        var challenge = flooder.Request(server.Udp, TestMessages.Allocate())!;
        var credentials = LongTermCredentials.For("alice", "secret", challenge.Realm!, challenge.Nonce!);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 40; i++) flooder.SendTo(server.Udp, TestMessages.Binding());
        var answers = 0;
        while (flooder.Receive(TimeSpan.FromMilliseconds(300)) is not null) answers++;
        var refilled = (int)Math.Ceiling(clock.Elapsed.TotalSeconds); // 1 token/s while the flood was being answered
        if (allAnswered)
        {
            Assert.Equal(40, answers);
            return;
        }
        Assert.InRange(answers, burst - 1, burst - 1 + refilled); // the burst less the 401's token, plus what refilled meanwhile
        Assert.True(server.Host.Counters.DroppedRateLimited >= 40 - answers);
        Assert.Single(server.Log, line => line.Contains("event=request.dropped reason=unauthenticated-rate client=127.0.0.4:"));
        // Not charged: a request with valid credentials is answered although the bucket is empty.
        Assert.True(flooder.Request(server.Udp, TestMessages.Allocate(credentials))!.IsSuccess);
        // Another source has its own bucket.
        using var other = new UdpTestClient("127.0.0.5");
        Assert.True(other.Request(server.Udp, TestMessages.Binding())!.IsSuccess);
    }

    [Fact]
    public async Task Unauthenticated_requests_over_tcp_are_rate_limited_too()
    {
        await using var server = TestServer.Start("unauthenticated-rate=1", "unauthenticated-burst=3");
        using var tcp = new TcpClient(new IPEndPoint(IPAddress.Parse("127.0.0.6"), 0));
        await tcp.ConnectAsync(server.Tcp);
        var stream = new StreamTestClient(tcp.GetStream());
        for (var i = 0; i < 3; i++) Assert.True((await stream.RequestAsync(TestMessages.Binding())).IsSuccess);
        await stream.WriteAsync(TestMessages.Binding());
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.ReadFrameAsync().WaitAsync(timeout.Token));
        Assert.Equal(1, server.Host.Counters.DroppedRateLimited);
    }

    [Theory]
    [InlineData(1, true)]  // message-deadline=1: a header trickled a byte at a time is closed within ~2 s
    [InlineData(0, false)] // off: the trickle keeps it open (the idle timeout never fires: bytes keep arriving)
    public async Task Trickled_message_is_closed_at_the_message_deadline(int deadline, bool closed)
    {
        await using var server = TestServer.Start($"message-deadline={deadline}", "idle-connection-timeout=2");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Tcp);
        var stream = tcp.GetStream();
        var binding = TestMessages.Binding();
        var wasClosed = false;
        for (var i = 0; i < 14 && !wasClosed; i++) // one byte every 300 ms: 4.2 s, past the idle timeout and the deadline
        {
            try
            {
                await stream.WriteAsync(binding.AsMemory(i, 1));
                await Task.Delay(300);
            }
            catch (IOException)
            {
                wasClosed = true;
            }
            wasClosed |= tcp.Client.Poll(0, SelectMode.SelectRead) && tcp.Client.Available == 0;
        }
        Assert.Equal(closed, wasClosed);
        Assert.Equal(closed, server.Log.Any(line => line.Contains("event=connection.closed reason=message-deadline")));
    }

    [Theory]
    [InlineData(1, 15)]   // stream-buffer-memory=1 MB: 15 large buffers of 65,560 bytes; the other 5 connections are closed
    [InlineData(256, 20)] // the default: all 20 partial messages held
    public async Task Large_read_buffers_are_bounded_in_total(int megabytes, int held)
    {
        await using var server = TestServer.Start($"stream-buffer-memory={megabytes}");
        var clients = new List<TcpClient>();
        try
        {
            // A header promising 65,532 bytes and 5,000 of them: more than the 4 KB buffer, so each needs a large one.
            var partial = new byte[20 + 5000];
            partial[1] = 0x01;
            partial[2] = 0xFF;
            partial[3] = 0xFC;
            BitConverter.GetBytes(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(StunHeader.MagicCookie)).CopyTo(partial, 4);
            for (var i = 0; i < 20; i++)
            {
                var client = new TcpClient();
                await client.ConnectAsync(server.Tcp);
                await client.GetStream().WriteAsync(partial);
                clients.Add(client);
            }
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            // Connections are counted when accepted, buffers when their bytes are read: wait for both.
            while ((server.Host.ConnectionCount != held || server.Host.StreamBufferBytes != held * 65_560L)
                   && DateTime.UtcNow < deadline) await Task.Delay(50);
            Assert.Equal(held, server.Host.ConnectionCount);
            Assert.Equal(held * 65_560L, server.Host.StreamBufferBytes);
            Assert.Equal(20 - held, server.Log.Count(line => line.Contains("event=connection.closed reason=stream-buffer-memory")));
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
        var drained = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (server.Host.StreamBufferBytes != 0 && DateTime.UtcNow < drained) await Task.Delay(50);
        Assert.Equal(0, server.Host.StreamBufferBytes); // every large buffer given back
    }

    public static TheoryData<string, byte[], string> NotStun => new()
    {
        { "http-get", "GET / HTTP/1.1\r\nHost: turn\r\n\r\n"u8.ToArray(), "first-message-not-stun" },
        { "http-post", "POST / HTTP/1.1\r\n\r\n"u8.ToArray(), "first-message-not-stun" },
        // A TLS 1.2 ClientHello record of 240 bytes: 0x16 0x03 looks like a STUN type, and its length bytes (0x01 0x00) a
        // padded STUN length; the magic cookie is what tells it apart.
        { "tls-client-hello", [0x16, 0x03, 0x01, 0x00, 0xF0, 0x01, 0x00, 0x00, 0xEC, 0x03, 0x03, .. new byte[30]], "no-magic-cookie" },
    };

    [Theory]
    [MemberData(nameof(NotStun))]
    public async Task First_bytes_that_are_not_stun_close_the_connection_at_once(string what, byte[] bytes, string reason)
    {
        await using var server = TestServer.Start("idle-connection-timeout=30");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Tcp);
        var stream = tcp.GetStream();
        await stream.WriteAsync(bytes);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2)); // far below the idle timeout
        var buffer = new byte[64];
        int read;
        try
        {
            read = await stream.ReadAsync(buffer, timeout.Token);
        }
        catch (IOException)
        {
            read = 0; // reset: closed too
        }
        Assert.True(read == 0, $"{what}: not closed");
        Assert.Contains(server.Log, line => line.Contains($"event=connection.closed reason={reason}"));
    }

    [Fact]
    public async Task Bare_allocate_gets_400_and_the_challenge_is_as_small_as_the_rfc_allows()
    {
        await using var server = TestServer.Start("realm=icespec");
        using var client = new UdpTestClient();
        // The "minimal Allocate": a 20-byte header, no attribute.
        var bare = TestMessages.Build(TurnMethods.Allocate, StunClass.Request, fingerprint: false);
        Assert.Equal(20, bare.Length);
        client.SendTo(server.Udp, bare);
        var answer = client.Receive(TimeSpan.FromSeconds(2))!.Value.Data;
        Assert.Equal(400, TestResponse.TryParse(answer)!.ErrorCode);
        Assert.True(answer.Length <= 3 * bare.Length, $"{answer.Length} bytes to a 20-byte Allocate");
        // The smallest Allocate that gets a challenge (REQUESTED-TRANSPORT, 28 bytes): 20 + ERROR-CODE 8 + REALM 12 + NONCE 32 + PASSWORD-ALGORITHMS 12.
        var allocate = TestMessages.Build(TurnMethods.Allocate, StunClass.Request,
            (ref StunMessageBuilder b) => b.AddRequestedTransport(new RequestedTransportValue(17, new byte[3])), fingerprint: false);
        Assert.Equal(28, allocate.Length);
        client.SendTo(server.Udp, allocate);
        var challenge = client.Receive(TimeSpan.FromSeconds(2))!.Value.Data;
        var parsed = TestResponse.TryParse(challenge)!;
        Assert.Equal(401, parsed.ErrorCode);
        Assert.Null(parsed.Software);
        Assert.False(parsed.HasFingerprint);
        Assert.True(challenge.Length <= 3 * allocate.Length, $"{challenge.Length} bytes to a 28-byte Allocate");
        Assert.Equal(84, challenge.Length);
        // A request with FINGERPRINT gets one back (clients that demultiplex with it, RFC 8489 §7).
        client.SendTo(server.Udp, TestMessages.Allocate());
        Assert.True(TestResponse.TryParse(client.Receive(TimeSpan.FromSeconds(2))!.Value.Data)!.HasFingerprint);
    }

    [Theory]
    [InlineData(null, 486)] // the default user-quota (1000) is on: a third allocation of alice with user-quota=2 is refused
    [InlineData("user-quota=0", 0)]
    public async Task User_quota_refuses_allocations_beyond_it(string? off, int thirdCode)
    {
        Assert.Equal(TurnServerOptions.DefaultUserQuota, TurnServerConfig.Build([]).Server.UserQuota);
        await using var server = TestServer.Start(off ?? "user-quota=2");
        var codes = new List<int>();
        var clients = new List<UdpTestClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var client = new UdpTestClient();
                clients.Add(client);
                var challenge = client.Request(server.Udp, TestMessages.Allocate())!;
                var credentials = LongTermCredentials.For("alice", "secret", challenge.Realm!, challenge.Nonce!);
                codes.Add(client.Request(server.Udp, TestMessages.Allocate(credentials))!.ErrorCode ?? 0);
            }
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
        Assert.Equal([0, 0, thirdCode], codes);
    }
}
