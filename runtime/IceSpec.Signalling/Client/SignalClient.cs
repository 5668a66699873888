using System.Net.WebSockets;
using System.Text;

namespace IceSpec.Signalling;

/// <summary>
/// A peer's connection to <c>icespec signal-server</c>: joins the room of the URL (<c>ws://HOST:PORT/ROOM?token=…</c>),
/// reads the welcome, then sends and receives <see cref="SignalMessage"/>s. A ping goes out every
/// <see cref="KeepAlive"/> so that a quiet peer is not dropped by the server's idle timeout.
/// </summary>
public sealed class SignalClient : IAsyncDisposable
{
    /// <summary>The largest message accepted from the server (its own limit is smaller by default).</summary>
    private const int MaxIncoming = 1 << 20;
    private readonly ClientWebSocket _socket;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pinging;

    private SignalClient(ClientWebSocket socket, SignalMessage welcome, TimeSpan keepAlive)
    {
        _socket = socket;
        Welcome = welcome;
        KeepAlive = keepAlive;
        _pinging = PingAsync();
    }

    public SignalMessage Welcome { get; }

    public string PeerId => Welcome.Peer!;

    public TimeSpan KeepAlive { get; }

    /// <summary>The URL with its token (if any) left out, for messages.</summary>
    public static string Describe(Uri url) => url.GetLeftPart(UriPartial.Path);

    /// <summary>Connects and reads the welcome; a refusal (bad token, full room…) throws with the server's close reason.</summary>
    public static async Task<SignalClient> ConnectAsync(Uri url, TimeSpan? keepAlive = null, CancellationToken ct = default)
    {
        var socket = new ClientWebSocket();
        try
        {
            await socket.ConnectAsync(url, ct);
        }
        catch (WebSocketException e)
        {
            socket.Dispose();
            throw new SignalException($"cannot join {Describe(url)}: {e.Message}");
        }
        var welcome = await ReceiveFromAsync(socket, ct);
        if (welcome is not { Type: SignalMessageTypes.Welcome, Peer: not null })
        {
            socket.Dispose();
            throw new SignalException($"{Describe(url)} sent {welcome?.Type ?? "nothing"} instead of a welcome");
        }
        return new SignalClient(socket, welcome, keepAlive ?? TimeSpan.FromSeconds(20));
    }

    public async Task SendAsync(SignalMessage message, CancellationToken ct = default)
    {
        var bytes = Encoding.UTF8.GetBytes(message.ToJson());
        await _sending.WaitAsync(ct);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, ct);
        }
        catch (WebSocketException e)
        {
            throw new SignalException("signal server connection lost: " + e.Message);
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>The next message; throws <see cref="SignalException"/> with the close reason when the server closed.</summary>
    public Task<SignalMessage> ReceiveAsync(CancellationToken ct = default) => ReceiveFromAsync(_socket, ct)!;

    private static async Task<SignalMessage> ReceiveFromAsync(ClientWebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[8192];
        using var message = new MemoryStream();
        while (true)
        {
            WebSocketReceiveResult result;
            try
            {
                result = await socket.ReceiveAsync(buffer, ct);
            }
            catch (Exception e) when (e is WebSocketException or ObjectDisposedException)
            {
                throw new SignalException("signal server connection lost: " + e.Message);
            }
            if (result.MessageType == WebSocketMessageType.Close)
                throw new SignalException($"signal server closed the connection: {(int?)result.CloseStatus} {result.CloseStatusDescription}", result.CloseStatus, result.CloseStatusDescription);
            message.Write(buffer, 0, result.Count);
            if (message.Length > MaxIncoming) throw new SignalException($"signal server sent a message over {MaxIncoming} bytes");
            if (!result.EndOfMessage) continue;
            var parsed = SignalMessage.Parse(message.GetBuffer().AsSpan(0, (int)message.Length), out var error);
            if (parsed is null) throw new SignalException("signal server sent a bad message: " + error);
            return parsed;
        }
    }

    private async Task PingAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(KeepAlive, _stop.Token);
                await SendAsync(new SignalMessage { Type = SignalMessageTypes.Ping }, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SignalException or ObjectDisposedException) { }
    }

    /// <summary>Leaves the room: stops the pings and sends the close (the server answers it, which ends a pending receive).</summary>
    public async Task CloseAsync()
    {
        if (!_stop.IsCancellationRequested) _stop.Cancel();
        await _pinging;
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _sending.WaitAsync(limit.Token);
                try { await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "leaving", limit.Token); }
                finally { _sending.Release(); }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        _socket.Dispose();
        _stop.Dispose();
    }
}

/// <summary>The signal server refused or closed the connection; <see cref="Exception.Message"/> carries its reason.</summary>
public sealed class SignalException(string message, WebSocketCloseStatus? closeStatus = null, string? closeReason = null) : Exception(message)
{
    public WebSocketCloseStatus? CloseStatus { get; } = closeStatus;
    public string? CloseReason { get; } = closeReason;
}
