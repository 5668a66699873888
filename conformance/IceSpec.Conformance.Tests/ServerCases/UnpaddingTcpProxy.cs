using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace IceSpec.Conformance.Tests.ServerCases;

/// <summary>
/// A real server with one defect injected: a TCP proxy in front of it that forwards everything, but strips the padding
/// from the ChannelData frames it passes to the client (RFC 8656 §12.5 requires it over TCP). The padding case must fail.
/// </summary>
public sealed class UnpaddingTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accept;

    public UnpaddingTcpProxy(IPEndPoint server)
    {
        _server = server;
        _listener.Start();
        _accept = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_connections) _connections.Add(RelayAsync(client));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_server, _stop.Token);
                var up = client.GetStream().CopyToAsync(server.GetStream(), _stop.Token);
                var down = StripPaddingAsync(server.GetStream(), client.GetStream());
                await Task.WhenAny(up, down);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or IOException)
            {
            }
        }
    }

    /// <summary>Copies whole frames server → client: STUN as is, ChannelData without its padding.</summary>
    private async Task StripPaddingAsync(Stream from, Stream to)
    {
        var header = new byte[4];
        while (true)
        {
            await from.ReadExactlyAsync(header, _stop.Token);
            var length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2));
            var isChannelData = (header[0] & 0xC0) == 0x40;
            var rest = new byte[isChannelData ? (length + 3) & ~3 : 16 + length];
            await from.ReadExactlyAsync(rest, _stop.Token);
            await to.WriteAsync(header, _stop.Token);
            await to.WriteAsync(isChannelData ? rest.AsMemory(0, length) : rest, _stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accept;
        Task[] connections;
        lock (_connections) connections = [.. _connections];
        await Task.WhenAll(connections);
        _stop.Dispose();
    }
}
