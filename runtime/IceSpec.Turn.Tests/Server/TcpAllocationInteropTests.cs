using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using IceSpec.Stun;
using IceSpec.Stun.Transports;
using IceSpec.Tests.Observability;
using IceSpec.Turn.Client;
using IceSpec.Turn.Server;
using Xunit.Abstractions;

namespace IceSpec.Turn.Tests.Server;

/// <summary>
/// RFC 6062 end to end on loopback: IceSpec's TURN client against IceSpec's server, relaying to a real TCP peer (an echo
/// listener of the test) — Connect from the client, and a peer connecting to the relayed address (ConnectionAttempt).
/// </summary>
[Trait("Category", "interop")]
public sealed class TcpAllocationInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData(TransportProtocol.Tcp)]
    [InlineData(TransportProtocol.Tls)]
    public async Task Our_client_connects_through_our_server_to_a_TCP_peer_and_gets_its_bytes_back(TransportProtocol transport)
    {
        using var timeout = new CancellationTokenSource(Patience);
        using var certificate = new SelfSignedCertificate();
        await using var server = TestServer.Start("allow-loopback-peers", $"cert={certificate.CertificateFile}", $"pkey={certificate.KeyFile}", "tls-listening-port=0");
        await using var peer = EchoPeer.Start();
        await using var allocation = await TurnClient.AllocateAsync(Options(server, transport, certificate), timeout.Token);
        Assert.Equal(IPAddress.Loopback, allocation.RelayedAddress.Address);
        await allocation.CreatePermissionAsync(IPAddress.Loopback, timeout.Token);

        await using var connection = await allocation.OpenTcpConnectionAsync(peer.Endpoint, timeout.Token);
        var payload = new byte[100_000];
        Random.Shared.NextBytes(payload);
        var echoed = new byte[payload.Length];
        var reading = connection.ReadExactlyAsync(echoed, timeout.Token).AsTask();
        await connection.WriteAsync(payload, timeout.Token);
        await reading;
        Assert.Equal(payload, echoed);
        // RFC 6062 §5.2: the peer saw the connection come from the relayed transport address.
        Assert.Equal(allocation.RelayedAddress, Assert.Single(peer.Remotes));
        // The server's meter counts the data connection's bytes, each way (icespec.turn.relayed.bytes).
        await Settle(() => server.Host.Metrics.RelayedBytes >= 2 * payload.Length);
        Assert.Equal(2 * payload.Length, server.Host.Metrics.RelayedBytes);
        output.WriteLine($"{transport}: CONNECTION-ID {connection.ConnectionId}, {payload.Length} bytes echoed through {allocation.RelayedAddress}");
    }

    [Fact]
    public async Task A_peer_connecting_to_the_relayed_address_is_announced_and_relayed_both_ways()
    {
        using var timeout = new CancellationTokenSource(Patience);
        await using var server = TestServer.Start("allow-loopback-peers");
        await using var allocation = await TurnClient.AllocateAsync(Options(server, TransportProtocol.Tcp, null), timeout.Token);
        var attempts = new TaskCompletionSource<TurnConnectionAttempt>(TaskCreationOptions.RunContinuationsAsynchronously);
        allocation.EventRaised += e => { if (e is TurnConnectionAttempt a) attempts.TrySetResult(a); };
        await allocation.CreatePermissionAsync(IPAddress.Loopback, timeout.Token);

        using var peer = new TcpClient(AddressFamily.InterNetwork);
        await peer.ConnectAsync(allocation.RelayedAddress, timeout.Token);
        var peerStream = peer.GetStream();
        // Sent before the client has bound a data connection: the server must keep it (RFC 6062 §5.3).
        await peerStream.WriteAsync("early bytes from the peer"u8.ToArray(), timeout.Token);
        var attempt = await attempts.Task.WaitAsync(timeout.Token);
        Assert.Equal(peer.Client.LocalEndPoint, attempt.Peer);

        await using var connection = await allocation.AcceptTcpConnectionAsync(attempt, timeout.Token);
        var received = new byte[25];
        await connection.ReadExactlyAsync(received, timeout.Token);
        Assert.Equal("early bytes from the peer"u8.ToArray(), received);
        await connection.WriteAsync("to the peer"u8.ToArray(), timeout.Token);
        var back = new byte[11];
        await peerStream.ReadExactlyAsync(back, timeout.Token);
        Assert.Equal("to the peer"u8.ToArray(), back);
        // The early bytes, kept until the bind, count as relayed once they are (25 + 11; icespec.turn.relayed.bytes).
        await Settle(() => server.Host.Metrics.RelayedBytes >= 36);
        using (var recorder = new MeterRecorder(server.Host.Metrics.Meter))
        {
            Assert.Equal(25, recorder["icespec.turn.relayed.bytes{direction=peer-to-client}"]);
            Assert.Equal(11, recorder["icespec.turn.relayed.bytes{direction=client-to-peer}"]);
        }

        // RFC 6062 §5.5: the peer closes, so the client data connection is closed too.
        peer.Close();
        Assert.Equal(0, await connection.ReadAsync(new byte[1], timeout.Token));
        await WaitUntil(() => server.Host.PeerDataConnectionCount == 0, timeout.Token);
    }

    [Fact]
    public async Task A_peer_without_a_permission_is_closed_without_a_connection_attempt()
    {
        using var timeout = new CancellationTokenSource(Patience);
        await using var server = TestServer.Start("allow-loopback-peers");
        await using var allocation = await TurnClient.AllocateAsync(Options(server, TransportProtocol.Tcp, null), timeout.Token);
        var attempts = 0;
        allocation.EventRaised += e => { if (e is TurnConnectionAttempt) Interlocked.Increment(ref attempts); };

        using var peer = new TcpClient(AddressFamily.InterNetwork);
        await peer.ConnectAsync(allocation.RelayedAddress, timeout.Token);
        // RFC 6062 §5.3: "the server MUST close the connection with the peer immediately after it has been accepted".
        Assert.Equal(0, await peer.GetStream().ReadAsync(new byte[1], timeout.Token));
        Assert.Equal(0, Volatile.Read(ref attempts));
    }

    [Fact]
    public async Task A_peer_connection_nobody_binds_is_closed_after_the_bind_timeout()
    {
        using var timeout = new CancellationTokenSource(Patience);
        await using var server = TestServer.Start("allow-loopback-peers", "tcp-bind-timeout=1");
        await using var allocation = await TurnClient.AllocateAsync(Options(server, TransportProtocol.Tcp, null), timeout.Token);
        var attempts = new TaskCompletionSource<TurnConnectionAttempt>(TaskCreationOptions.RunContinuationsAsynchronously);
        allocation.EventRaised += e => { if (e is TurnConnectionAttempt a) attempts.TrySetResult(a); };
        await allocation.CreatePermissionAsync(IPAddress.Loopback, timeout.Token);

        using var peer = new TcpClient(AddressFamily.InterNetwork);
        await peer.ConnectAsync(allocation.RelayedAddress, timeout.Token);
        var attempt = await attempts.Task.WaitAsync(timeout.Token);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        // RFC 6062 §5.3: no ConnectionBind within the timeout (1 s here, 30 s by default): the peer data connection is closed.
        Assert.Equal(0, await peer.GetStream().ReadAsync(new byte[1], timeout.Token));
        var waited = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        Assert.True(waited > TimeSpan.FromSeconds(0.5), $"closed after {waited.TotalMilliseconds:0} ms, before the bind timeout");
        await WaitUntil(() => server.Host.PeerDataConnectionCount == 0, timeout.Token);
        var late = await Assert.ThrowsAsync<TurnClientException>(() => allocation.AcceptTcpConnectionAsync(attempt, timeout.Token));
        Assert.Equal(StunErrorCodes.BadRequest, late.ErrorCode);
    }

    [Fact]
    public async Task A_Connect_to_a_closed_port_is_answered_447()
    {
        using var timeout = new CancellationTokenSource(Patience);
        await using var server = TestServer.Start("allow-loopback-peers");
        await using var allocation = await TurnClient.AllocateAsync(Options(server, TransportProtocol.Tcp, null), timeout.Token);
        await allocation.CreatePermissionAsync(IPAddress.Loopback, timeout.Token);
        var closed = new IPEndPoint(IPAddress.Loopback, FreeTcpPort());
        var failure = await Assert.ThrowsAsync<TurnClientException>(() => allocation.ConnectAsync(closed, timeout.Token));
        Assert.Equal(TurnErrorCodes.ConnectionTimeoutOrFailure, failure.ErrorCode);
        Assert.Equal(0, server.Host.PeerDataConnectionCount);
    }

    private static TurnClientOptions Options(TestServer server, TransportProtocol transport, SelfSignedCertificate? certificate) => new()
    {
        Server = server.Endpoint(transport switch
        {
            TransportProtocol.Tls => TurnTransport.Tls,
            TransportProtocol.Tcp => TurnTransport.Tcp,
            _ => TurnTransport.Udp,
        }).ToString(),
        Transport = transport,
        Tls = certificate is null ? null : new TlsClientOptions { TrustedCertificates = [X509Certificate2.CreateFromPem(File.ReadAllText(certificate.CertificateFile))] },
        Username = "alice",
        Password = "secret",
        Realm = "example.org",
        TcpRelay = true,
    };

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitUntil(Func<bool> condition, CancellationToken token)
    {
        while (!condition()) await Task.Delay(20, token);
    }

    /// <summary>Waits up to 2 s for <paramref name="condition"/> (the server counts a write once it has returned); the assertion after says what fell short.</summary>
    private static async Task Settle(Func<bool> condition)
    {
        for (var waited = 0; waited < 100 && !condition(); waited++) await Task.Delay(20);
    }

    /// <summary>A TCP peer on loopback that echoes what it reads and records who connected.</summary>
    private sealed class EchoPeer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<IPEndPoint> _remotes = [];
        private Task _loop = Task.CompletedTask;

        public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

        public IReadOnlyList<IPEndPoint> Remotes
        {
            get
            {
                lock (_remotes) return [.. _remotes];
            }
        }

        public static EchoPeer Start()
        {
            var peer = new EchoPeer();
            peer._listener.Start();
            peer._loop = peer.Serve();
            return peer;
        }

        private async Task Serve()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    lock (_remotes) _remotes.Add((IPEndPoint)client.Client.RemoteEndPoint!);
                    _ = Task.Run(async () =>
                    {
                        using (client)
                        {
                            try
                            {
                                await client.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
                            }
                            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
                            {
                            }
                        }
                    });
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Stop();
            await _loop;
            _stop.Dispose();
        }
    }
}
