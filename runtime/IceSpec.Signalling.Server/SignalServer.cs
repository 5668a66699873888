using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using IceSpec.Turn.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IceSpec.Signalling.Server;

/// <summary>
/// <c>icespec signal-server</c>: peers join a room at <c>ws://HOST:PORT/ROOM?token=EXPIRY.SIGNATURE</c> (Kestrel,
/// WebSocket; <see cref="SignalToken"/>), get a welcome (their id, the peers there, TURN servers with TURN REST
/// credentials), and what one sends (descriptions, candidates, end-of-candidates) goes to the others with its
/// <c>from</c>. Joins and leaves are told to the others. Limits: <see cref="SignalServerOptions"/>. README.md has the
/// message format.
/// </summary>
public sealed class SignalServer : IAsyncDisposable
{
    private readonly SignalServerOptions _options;
    private readonly SignalRooms _rooms;
    private readonly Action<string> _log;
    private readonly TimeProvider _time;
    private WebApplication? _app;

    public SignalServer(SignalServerOptions options, Action<string>? log = null, TimeProvider? time = null)
    {
        _options = options;
        _rooms = new SignalRooms(options.MaxRooms, options.MaxPeersPerRoom);
        _log = log ?? (_ => { });
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Where it listens, once started (the real port when 0 was asked).</summary>
    public IPEndPoint EndPoint { get; private set; } = new(IPAddress.None, 0);

    public int RoomCount => _rooms.Count;

    public async Task StartAsync(CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(_options.Listen);
            kestrel.AddServerHeader = false;
        });
        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        app.Run(HandleAsync);
        await app.StartAsync(ct);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        EndPoint = new IPEndPoint(_options.Listen.Address, new Uri(address).Port);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var room = context.Request.Path.Value?.TrimStart('/') ?? "";
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("icespec signal-server: connect with a WebSocket to ws://HOST:PORT/ROOM?token=EXPIRY.SIGNATURE\n");
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var peer = new SignalPeer(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)), socket);
        var refusal = RoomNameProblem(room)
                      ?? (SignalToken.Verify(_options.Secret, room, context.Request.Query["token"], _time.GetUtcNow().ToUnixTimeSeconds()) is { } bad ? "bad token: " + bad : null);
        if (refusal is not null)
        {
            _log($"refused a peer of room '{room}': {refusal}");
            await peer.CloseAsync(WebSocketCloseStatus.PolicyViolation, refusal);
            return;
        }
        var others = _rooms.TryJoin(room, peer, out var full);
        if (others is null)
        {
            _log($"refused a peer of room '{room}': {full}");
            await peer.CloseAsync(full!.StartsWith("room limit", StringComparison.Ordinal) ? (WebSocketCloseStatus)1013 : WebSocketCloseStatus.PolicyViolation, full);
            return;
        }
        _log($"peer {peer.Id} joined room '{room}' ({others.Count + 1} there)");
        try
        {
            await peer.SendWelcomeAsync(Welcome(peer, room, others));
            foreach (var other in others) await other.SendAsync(new SignalMessage { Type = SignalMessageTypes.PeerJoined, Peer = peer.Id });
            await RelayAsync(peer, room, context.RequestAborted);
        }
        finally
        {
            var left = _rooms.Leave(room, peer);
            _log($"peer {peer.Id} left room '{room}'");
            foreach (var other in left) await other.SendAsync(new SignalMessage { Type = SignalMessageTypes.PeerLeft, Peer = peer.Id });
        }
    }

    /// <summary>Room names are path segments of 1 to 64 letters, digits, '.', '_' or '-'.</summary>
    private static string? RoomNameProblem(string room) =>
        room.Length is >= 1 and <= 64 && room.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-') ? null
            : "bad room: the URL's path must be 1 to 64 letters, digits, '.', '_' or '-'";

    /// <summary>The welcome: TURN REST API credentials (username EXPIRY:PEER, password base64(HMAC-SHA1(secret, username))).</summary>
    private SignalMessage Welcome(SignalPeer peer, string room, IReadOnlyList<SignalPeer> others)
    {
        var servers = new List<SignalIceServer>();
        if (_options.TurnSecret is { } secret)
        {
            var expiry = (_time.GetUtcNow() + _options.TurnCredentialLifetime).ToUnixTimeSeconds();
            var username = $"{expiry}:{peer.Id}";
            var password = TurnCredentials.RestPassword(secret, username);
            servers.AddRange(_options.TurnServers.Servers().Select(server => new SignalIceServer("turn:" + server, username, password)));
        }
        return new SignalMessage
        {
            Type = SignalMessageTypes.Welcome, Peer = peer.Id, Room = room, Peers = [.. others.Select(o => o.Id)], IceServers = servers,
        };
    }

    /// <summary>Reads the peer's messages until it leaves, breaks a limit or stays idle; relays each to the others.</summary>
    private async Task RelayAsync(SignalPeer peer, string room, CancellationToken aborted)
    {
        var buffer = new byte[_options.MaxMessageBytes + 1];
        while (true)
        {
            var length = 0;
            WebSocketReceiveResult result;
            do
            {
                var receiving = peer.Socket.ReceiveAsync(buffer.AsMemory(length), aborted).AsTask();
                if (await Task.WhenAny(receiving, Task.Delay(_options.IdleTimeout, aborted)) != receiving)
                {
                    await peer.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, $"idle for {_options.IdleTimeout.TotalSeconds:0} s (send a ping)");
                    return;
                }
                ValueWebSocketReceiveResult received;
                try
                {
                    received = await receiving;
                }
                catch (Exception e) when (e is WebSocketException or OperationCanceledException)
                {
                    return;   // the peer's connection broke: it has left
                }
                result = new WebSocketReceiveResult(received.Count, received.MessageType, received.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await peer.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye");
                    return;
                }
                length += result.Count;
                if (length > _options.MaxMessageBytes)
                {
                    await peer.CloseAsync(WebSocketCloseStatus.MessageTooBig, $"message over the limit of {_options.MaxMessageBytes} bytes");
                    return;
                }
            } while (!result.EndOfMessage);
            if (result.MessageType != WebSocketMessageType.Text)
            {
                await peer.CloseAsync(WebSocketCloseStatus.InvalidMessageType, "text messages only (JSON)");
                return;
            }
            if (!await RelayOneAsync(peer, room, buffer.AsSpan(0, length).ToArray())) return;
        }
    }

    /// <summary>Relays one message; false when it was so wrong that the connection was closed.</summary>
    private async Task<bool> RelayOneAsync(SignalPeer peer, string room, byte[] utf8)
    {
        var message = SignalMessage.Parse(utf8, out var error);
        if (message is null)
        {
            await peer.CloseAsync(WebSocketCloseStatus.InvalidPayloadData, error!);
            return false;
        }
        var problem = message.Type switch
        {
            SignalMessageTypes.Ping => "",
            SignalMessageTypes.Description when string.IsNullOrEmpty(message.Sdp) => "a description needs \"sdp\"",
            SignalMessageTypes.Candidate when string.IsNullOrEmpty(message.Candidate) => "a candidate needs \"candidate\"",
            SignalMessageTypes.Description or SignalMessageTypes.Candidate or SignalMessageTypes.EndOfCandidates => null,
            _ => $"unknown type '{message.Type}' (description, candidate, end-of-candidates, ping): not relayed",
        };
        if (problem == "") return true;
        if (problem is not null)
        {
            await peer.SendAsync(new SignalMessage { Type = SignalMessageTypes.Error, Message = problem });
            return true;
        }
        var relayed = new SignalMessage { Type = message.Type, From = peer.Id, Sdp = message.Sdp, Candidate = message.Candidate };
        foreach (var other in _rooms.Others(room, peer)) await other.SendAsync(relayed);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null) return;
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(limit.Token).ContinueWith(_ => { });
        await _app.DisposeAsync();
    }
}
