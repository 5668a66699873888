using System.Net.WebSockets;
using System.Text;

namespace IceSpec.Signalling.Server;

/// <summary>One joined WebSocket: its id in the room, and one send at a time (a WebSocket allows no more).</summary>
internal sealed class SignalPeer(string id, WebSocket socket)
{
    private readonly SemaphoreSlim _sending = new(1, 1);

    public string Id { get; } = id;

    public WebSocket Socket { get; } = socket;

    private readonly TaskCompletionSource _welcomed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// The welcome, the peer's first message: the others may see the peer in the room before it is sent (and send it
    /// peer-joined, or relay to it), so <see cref="SendAsync"/> waits for this one.
    /// </summary>
    public async Task SendWelcomeAsync(SignalMessage welcome)
    {
        try
        {
            await SendNowAsync(welcome);
        }
        finally
        {
            _welcomed.TrySetResult();
        }
    }

    /// <summary>Sends one message after the welcome; a peer whose connection is gone just misses it (its own loop ends it).</summary>
    public async Task SendAsync(SignalMessage message)
    {
        await _welcomed.Task;
        await SendNowAsync(message);
    }

    private async Task SendNowAsync(SignalMessage message)
    {
        var bytes = Encoding.UTF8.GetBytes(message.ToJson());
        await _sending.WaitAsync();
        try
        {
            if (Socket.State == WebSocketState.Open) await Socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException) { }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Closes with a status and reason (RFC 6455 §7.4; the reason is cut to the 123 bytes a close frame carries).</summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string reason)
    {
        await _sending.WaitAsync();
        try
        {
            if (Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await Socket.CloseOutputAsync(status, CloseReason(reason), limit.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException) { }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>RFC 6455 §5.5: a control frame's payload is at most 125 bytes, 2 of them the status code.</summary>
    internal static string CloseReason(string reason)
    {
        if (Encoding.UTF8.GetByteCount(reason) <= 123) return reason;
        var cut = reason.Length;
        while (Encoding.UTF8.GetByteCount(reason.AsSpan(0, cut)) > 120) cut--;
        return reason[..cut] + "...";
    }
}
