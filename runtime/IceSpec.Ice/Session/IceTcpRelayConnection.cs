using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using IceSpec.Turn;

namespace IceSpec.Ice;

/// <summary>
/// The TCP connection to a TURN server that carries one relayed candidate's traffic (RFC 8656 §3.1): opened on the
/// first message, written in order, and cut back into STUN and ChannelData messages (<see cref="StreamFraming"/>).
/// </summary>
internal sealed class IceTcpRelayConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    /// <summary>Messages waiting to be written, each copied into a buffer from <see cref="_buffers"/>, returned once written.</summary>
    private readonly Channel<(byte[] Buffer, int Length)> _outbox = Channel.CreateUnbounded<(byte[], int)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IceSendBuffers _buffers = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;

    public IceTcpRelayConnection(IPEndPoint localAddress, IPEndPoint server, Action<byte[]> onMessage, Action<string> onClosed)
    {
        _socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket.Bind(new IPEndPoint(localAddress.Address, 0));
        _pump = Task.Run(() => Pump(server, onMessage, onClosed));
    }

    /// <summary>
    /// Queues one message (STUN or ChannelData, already framed by its own length, RFC 8656 §12.5). It is copied into a
    /// pooled buffer: the agent's transmits may lie in a buffer it reuses (<see cref="IceTransmit"/>), and nothing is
    /// allocated per message in steady state.
    /// </summary>
    public void Send(ReadOnlyMemory<byte> message)
    {
        var buffer = _buffers.Rent(message.Length);
        message.Span.CopyTo(buffer);
        if (!_outbox.Writer.TryWrite((buffer, message.Length))) _buffers.Return(buffer);
    }

    private async Task Pump(IPEndPoint server, Action<byte[]> onMessage, Action<string> onClosed)
    {
        try
        {
            await _socket.ConnectAsync(server, _stop.Token);
            var writer = Task.Run(async () =>
            {
                await foreach (var (message, length) in _outbox.Reader.ReadAllAsync(_stop.Token))
                    try { await _socket.SendAsync(message.AsMemory(0, length), SocketFlags.None, _stop.Token); }
                    finally { _buffers.Return(message); }
            });
            var buffer = new byte[65536 + 8];
            var filled = 0;
            while (true)
            {
                var read = await _socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, _stop.Token);
                if (read == 0) { onClosed("the TURN server closed the connection"); return; }
                filled += read;
                int length;
                while ((length = StreamFraming.NextMessageLength(buffer.AsSpan(0, filled))) > 0)
                {
                    onMessage(buffer.AsSpan(0, length).ToArray());
                    buffer.AsSpan(length, filled - length).CopyTo(buffer);
                    filled -= length;
                }
                if (length < 0) { onClosed("the TURN server sent neither STUN nor ChannelData (RFC 8656 §12.5)"); return; }
            }
        }
        catch (OperationCanceledException) { }
        catch (SocketException e) { onClosed(e.Message); }
        catch (ObjectDisposedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _outbox.Writer.TryComplete();
        _socket.Dispose();
        await _pump.ContinueWith(_ => { });
        _stop.Dispose();
    }
}
