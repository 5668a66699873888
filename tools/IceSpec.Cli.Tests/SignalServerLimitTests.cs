using System.Net;
using System.Net.WebSockets;
using System.Text;
using IceSpec.Signalling;
using IceSpec.Signalling.Server;

namespace IceSpec.Cli.Tests;

/// <summary>
/// <c>icespec signal-server</c>'s refusals and limits, against the server on Kestrel in this process (a free loopback
/// port) with plain WebSocket clients: bad tokens, oversized messages, full rooms, leaving peers, relayed messages.
/// </summary>
[Trait("Category", "unit")]
public sealed class SignalServerLimitTests : IAsyncLifetime
{
    private const string Secret = "limit-secret";
    private readonly SignalServer _server = new(new SignalServerOptions
    {
        Listen = new IPEndPoint(IPAddress.Loopback, 0), Secret = Secret, MaxMessageBytes = 1024, MaxPeersPerRoom = 2,
        TurnSecret = "turn-secret", TurnServers = new StaticTurnServerDirectory(["127.0.0.1:3478"]),
    });

    public Task InitializeAsync() => _server.StartAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    private Uri Url(string room, string token) => new($"ws://{_server.EndPoint}/{room}?token={token}");

    private static string Valid(string room) => SignalToken.Mint(Secret, room, DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds());

    [Theory]
    [InlineData("wrong-secret", 300, "bad token: token signature does not match this room and secret")]
    [InlineData(Secret, -300, "bad token: token expired")]
    public async Task A_bad_token_is_refused_with_a_policy_violation_that_says_why(string secret, int expiresIn, string reason)
    {
        var token = SignalToken.Mint(secret, "r1", DateTimeOffset.UtcNow.AddSeconds(expiresIn).ToUnixTimeSeconds());
        var refused = await Assert.ThrowsAsync<SignalException>(() => SignalClient.ConnectAsync(Url("r1", token)));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, refused.CloseStatus);
        Assert.Equal(reason, refused.CloseReason);
    }

    [Fact]
    public async Task A_token_minted_for_another_room_is_refused()
    {
        var refused = await Assert.ThrowsAsync<SignalException>(() => SignalClient.ConnectAsync(Url("r2", Valid("other-room"))));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, refused.CloseStatus);
    }

    [Fact]
    public async Task A_message_over_the_size_limit_closes_the_connection_with_1009()
    {
        await using var client = await SignalClient.ConnectAsync(Url("r3", Valid("r3")));
        await client.SendAsync(new SignalMessage { Type = SignalMessageTypes.Candidate, Candidate = "a=candidate:" + new string('x', 1100) });
        var closed = await Assert.ThrowsAsync<SignalException>(() => client.ReceiveAsync()).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, closed.CloseStatus);
        Assert.Equal("message over the limit of 1024 bytes", closed.CloseReason);
    }

    [Fact]
    public async Task A_message_just_under_the_limit_is_relayed_with_its_sender()
    {
        await using var first = await SignalClient.ConnectAsync(Url("r4", Valid("r4")));
        await using var second = await SignalClient.ConnectAsync(Url("r4", Valid("r4")));
        Assert.Equal([first.PeerId], second.Welcome.Peers);
        Assert.Equal(SignalMessageTypes.PeerJoined, (await first.ReceiveAsync()).Type);
        var line = "a=candidate:" + new string('x', 900);
        await second.SendAsync(new SignalMessage { Type = SignalMessageTypes.Candidate, Candidate = line });
        var relayed = await first.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((SignalMessageTypes.Candidate, line, second.PeerId), (relayed.Type, relayed.Candidate, relayed.From));
    }

    [Fact]
    public async Task A_peer_leaving_is_told_to_the_other()
    {
        await using var stays = await SignalClient.ConnectAsync(Url("r5", Valid("r5")));
        var leaves = await SignalClient.ConnectAsync(Url("r5", Valid("r5")));
        Assert.Equal(SignalMessageTypes.PeerJoined, (await stays.ReceiveAsync()).Type);
        await leaves.DisposeAsync();
        var told = await stays.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((SignalMessageTypes.PeerLeft, leaves.PeerId), (told.Type, told.Peer));
    }

    [Fact]
    public async Task A_third_peer_is_refused_from_a_room_of_two()
    {
        await using var one = await SignalClient.ConnectAsync(Url("r6", Valid("r6")));
        await using var two = await SignalClient.ConnectAsync(Url("r6", Valid("r6")));
        var refused = await Assert.ThrowsAsync<SignalException>(() => SignalClient.ConnectAsync(Url("r6", Valid("r6"))));
        Assert.Equal("room 'r6' is full (2 peers)", refused.CloseReason);
    }

    [Fact]
    public async Task A_message_of_an_unknown_type_is_answered_with_an_error_and_not_relayed()
    {
        await using var client = await SignalClient.ConnectAsync(Url("r7", Valid("r7")));
        await client.SendAsync(new SignalMessage { Type = "offer-everything" });
        var answer = await client.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(SignalMessageTypes.Error, answer.Type);
        Assert.Contains("unknown type 'offer-everything'", answer.Message);
    }

    [Fact]
    public async Task A_peer_that_sends_nothing_for_the_idle_timeout_is_closed_and_one_that_pings_is_not()
    {
        await using var server = new SignalServer(new SignalServerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), Secret = Secret, IdleTimeout = TimeSpan.FromSeconds(1) });
        await server.StartAsync();
        var url = new Uri($"ws://{server.EndPoint}/idle?token={Valid("idle")}");
        await using var quiet = await SignalClient.ConnectAsync(url, keepAlive: TimeSpan.FromMinutes(5));
        await using var pinging = await SignalClient.ConnectAsync(url, keepAlive: TimeSpan.FromMilliseconds(300));
        var closed = await Assert.ThrowsAsync<SignalException>(async () => { while (true) await quiet.ReceiveAsync(); }).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((WebSocketCloseStatus.EndpointUnavailable, "idle for 1 s (send a ping)"), (closed.CloseStatus, closed.CloseReason));
        var told = await pinging.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10));   // still there: told that the quiet one left
        Assert.Equal((SignalMessageTypes.PeerLeft, quiet.PeerId), (told.Type, told.Peer));
    }

    [Fact]
    public async Task The_welcome_carries_TURN_REST_credentials_the_TURN_server_accepts()
    {
        await using var client = await SignalClient.ConnectAsync(Url("r8", Valid("r8")));
        var server = Assert.Single(client.Welcome.IceServers!);
        Assert.Equal("turn:127.0.0.1:3478", server.Urls);
        // What IceSpec.Turn.Server checks: the expiry before the ':' lies ahead, the password is its HMAC-SHA1 under the secret.
        Assert.True(IceSpec.Turn.Server.TurnCredentials.TryReadRestExpiry(server.Username, ':', out var expiry));
        Assert.InRange(expiry - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 500, 600);
        var expected = Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData(Encoding.UTF8.GetBytes("turn-secret"), Encoding.UTF8.GetBytes(server.Username)));
        Assert.Equal(expected, server.Credential);
    }
}
