using System.Net;
using System.Net.Sockets;

namespace IceSpec.Captures.Tests;

/// <summary>
/// A witness between a client and a real server: accepts TCP connections on a free port of 127.0.0.1 and forwards
/// their bytes both ways to the server's TCP port, counting connections and bytes; the same port is held for UDP by a
/// socket that answers nothing and counts what it gets. Whatever the client gets answered went over TCP.
/// </summary>
internal sealed class TcpTap : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Socket _silentUdp;
    private readonly IPEndPoint _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private int _connections, _datagrams;
    private long _toServer, _fromServer;

    public TcpTap(IPEndPoint server)
    {
        _server = server;
        while (true)
        {
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            _silentUdp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                _silentUdp.Bind(new IPEndPoint(IPAddress.Loopback, Port));
                break;
            }
            catch (SocketException)
            {
                _silentUdp.Dispose();
                _listener.Stop();
            }
        }
        lock (_tasks) _tasks.AddRange([AcceptAsync(), CountDatagramsAsync()]);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public int Connections => Volatile.Read(ref _connections);
    public long BytesToServer => Interlocked.Read(ref _toServer);
    public long BytesFromServer => Interlocked.Read(ref _fromServer);
    public int UdpDatagrams => Volatile.Read(ref _datagrams);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                var upstream = new TcpClient();
                await upstream.ConnectAsync(_server, _stop.Token);
                lock (_tasks)
                {
                    _tasks.Add(PumpAsync(client, upstream, n => Interlocked.Add(ref _toServer, n)));
                    _tasks.Add(PumpAsync(upstream, client, n => Interlocked.Add(ref _fromServer, n)));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to, Action<int> count)
    {
        var buffer = new byte[65536];
        try
        {
            int read;
            while ((read = await from.GetStream().ReadAsync(buffer, _stop.Token)) > 0)
            {
                count(read);
                await to.GetStream().WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or IOException or InvalidOperationException)
        {
        }
        finally
        {
            to.Dispose();
            from.Dispose();
        }
    }

    private async Task CountDatagramsAsync()
    {
        var buffer = new byte[65536];
        try
        {
            while (true)
            {
                await _silentUdp.ReceiveAsync(buffer, _stop.Token);
                Interlocked.Increment(ref _datagrams);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _silentUdp.Dispose();
        Task[] all;
        lock (_tasks) all = [.. _tasks];
        await Task.WhenAll(all).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }
}
