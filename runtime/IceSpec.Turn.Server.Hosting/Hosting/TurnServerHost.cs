using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using IceSpec.Stun;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IceSpec.Turn.Server;

/// <summary>A listening address of a running host: transport and endpoint.</summary>
public readonly record struct TurnListenerInfo(TurnTransport Transport, TurnEndpoint Endpoint)
{
    public override string ToString() => $"{Transport.ToString().ToLowerInvariant()} {Endpoint}";
}

/// <summary>
/// The socket driver around <see cref="TurnServer"/>: UDP listeners, TCP and TLS listeners, one UDP socket per relay
/// port, and a timer loop. Every call into the core is made under one lock, followed by sending what the core queued
/// (on Linux, the <c>relay-threads</c> UDP loops of <see cref="EpollUdpEngine"/> send after releasing the lock).
/// UDP receives use <see cref="Socket.ReceiveFromAsync(Memory{byte}, SocketFlags, SocketAddress, CancellationToken)"/> into
/// one pinned buffer per socket with a reused <see cref="SocketAddress"/>, and sends use the <see cref="SocketAddress"/>
/// overload of SendTo: the relay path allocates nothing per packet.
/// </summary>
public sealed partial class TurnServerHost : IAsyncDisposable
{
    private const int DatagramBufferSize = 65536;
    private readonly TurnServerHostOptions _options;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];
    private readonly List<Socket> _sockets = [];
    /// <summary>Each UDP listening address: one socket per loop (SO_REUSEPORT when there are several), and their descriptors.</summary>
    private readonly List<(TurnEndpoint Endpoint, Socket[] Sockets, int[] Descriptors)> _udpListeners = [];
    private UdpSendBatch? _sendBatch;
    private readonly List<TurnListenerInfo> _listening = [];
    private readonly ConcurrentDictionary<(TurnEndpoint Local, TurnEndpoint Remote), StreamConnection> _connections = new();
    private readonly SocketAddress _sendAddress4 = new(AddressFamily.InterNetwork);
    private readonly SocketAddress _sendAddress6 = new(AddressFamily.InterNetworkV6);
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();
    private TurnServer _core = null!;
    private UdpRelayPortProvider _relays = null!;
    private EpollUdpEngine[] _engines = [];
    private int _nextLoop;
    private X509Certificate2? _certificate;
    private TextWriter? _logFile;
    private TurnMetricsEndpoint? _prometheus;
    private int _connectionCount;
    private readonly Dictionary<(ulong, ulong), int> _connectionsPerSource = new();
    private readonly StreamBufferPool _streamBuffers;

    /// <summary>The category of the host's own log lines (<see cref="TurnLogLineProvider"/>).</summary>
    public const string LogCategory = "IceSpec.Turn.Server";

    private TurnServerHost(TurnServerHostOptions options)
    {
        _options = options;
        _streamBuffers = new StreamBufferPool(options.StreamBufferMemory);
    }

    /// <summary>Bytes held in large stream read buffers now.</summary>
    public long StreamBufferBytes => _streamBuffers.LargeBytesInUse;

    /// <summary>TCP/TLS connections open now.</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    public IReadOnlyList<TurnListenerInfo> Listening => _listening;

    /// <summary>Where <c>/metrics</c> and <c>/health</c> are served (<see cref="TurnServerHostOptions.Prometheus"/>), or null.</summary>
    public IPEndPoint? PrometheusEndpoint => _prometheus?.Endpoint;

    /// <summary>The core's meter <c>IceSpec.Turn.Server</c>.</summary>
    public TurnServerMetrics Metrics => _core.Metrics;

    /// <summary>Where the host and its core log: the logger given to <see cref="Start"/>, or the log-file/stderr lines of the options.</summary>
    public ILogger Log { get; private set; } = NullLogger.Instance;

    /// <summary>The core's counters (read without the lock: values may be a packet behind).</summary>
    public TurnServerCounters Counters => _core.Counters;

    public int AllocationCount
    {
        get
        {
            lock (_gate) return _core.AllocationCount;
        }
    }

    public int OpenRelayPorts
    {
        get
        {
            lock (_gate) return _relays.OpenCount;
        }
    }

    public IReadOnlyList<TurnAllocationInfo> Allocations
    {
        get
        {
            lock (_gate) return _core.Allocations;
        }
    }

    public TimeSpan Now => Stopwatch.GetElapsedTime(_startTimestamp);

    /// <summary>Binds every socket and starts serving; throws (with the address) if a listening socket cannot be bound.</summary>
    public static TurnServerHost Start(TurnServerHostOptions options, ILogger? log = null)
    {
        var host = new TurnServerHost(options);
        try
        {
            lock (host._gate) host.Open(log);
            return host;
        }
        catch
        {
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    private void Open(ILogger? log)
    {
        if (log is null)
        {
            Action<string> sink = Console.Error.WriteLine;
            if (_options.LogFile is { } path)
            {
                _logFile = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
                sink = TextWriter.Synchronized(_logFile).WriteLine;
            }
            log = new TurnLogLineProvider(sink, _options.LogLevel, _options.LogFormat).CreateLogger(LogCategory);
        }
        Log = log;

        var listeningIps = _options.EffectiveListeningIps();
        var (relay4, relay6) = _options.EffectiveRelayIps(listeningIps);
        foreach (var relay in (IPAddress?[])[relay4, relay6])
            if (relay is not null && (relay.Equals(IPAddress.Any) || relay.Equals(IPAddress.IPv6Any)))
                throw new InvalidOperationException("A wildcard listening address needs an explicit relay-ip (the relayed address is told to clients).");
        if (_options.MinPort < 1 || _options.MaxPort > 65535 || _options.MinPort > _options.MaxPort)
            throw new InvalidOperationException($"The relay port range {_options.MinPort}-{_options.MaxPort} is not valid.");
        var linux = LinuxSockets.IsSupported && !_options.PortableSockets;
        if (linux)
        {
            _sendBatch = new UdpSendBatch();
            _engines = new EpollUdpEngine[_options.EffectiveRelayThreads()];
            for (var i = 0; i < _engines.Length; i++)
                _engines[i] = new EpollUdpEngine(i, _gate, DrainTransmits, () => Now, (what, e) => Log.UdpEngineError(what, e?.GetType().Name, e?.Message));
        }
        _relays = new UdpRelayPortProvider(relay4, relay6, _options.ExternalIps, _options.MinPort, _options.MaxPort, _options.SocketBufferSize,
            StartRelayLoop, StopRelayLoop, StartAcceptingPeers);

        var serverOptions = _options.Server;
        serverOptions.WallClockAtZero = DateTimeOffset.UtcNow;
        var udpPort = _options.ListeningPort;
        var tcpPort = _options.ListeningPort;
        var alternatePort = _options.AlternatePort;

        // UDP listeners; port 0 takes the first free port and uses it for the other addresses and TCP too.
        if (_options.EnableUdp)
        {
            foreach (var ip in listeningIps) udpPort = BindUdp(ip, udpPort).Port;
            if (_options.AlternateIp is { } alternateIp && alternatePort is not null)
            {
                var primaryIp = listeningIps.First(a => a.AddressFamily == alternateIp.AddressFamily);
                alternatePort = BindUdp(primaryIp, alternatePort.Value).Port;
                BindUdp(alternateIp, udpPort);
                BindUdp(alternateIp, alternatePort.Value);
                serverOptions.Rfc5780 = new Rfc5780Addresses(TurnEndpoint.From(primaryIp, (ushort)udpPort), TurnEndpoint.From(alternateIp, (ushort)alternatePort.Value));
            }
            tcpPort = udpPort;
        }
        if (_options.EnableTcp)
            foreach (var ip in listeningIps) tcpPort = BindStream(ip, tcpPort, TurnTransport.Tcp).Port;
        if (_options.CertificateFile is { } certificateFile)
        {
            _certificate = LoadCertificate(certificateFile, _options.PrivateKeyFile);
            var tlsPort = _options.TlsListeningPort;
            foreach (var ip in listeningIps) tlsPort = BindStream(ip, tlsPort, TurnTransport.Tls).Port;
        }
        if (_listening.Count == 0) throw new InvalidOperationException("Nothing to listen on: UDP, TCP and TLS are all disabled.");

        foreach (var listener in _listening) serverOptions.OwnEndpoints.Add(listener.Endpoint);
        _core = new TurnServer(serverOptions, _relays, Log);
        _loops.Add(Task.Run(TimerLoop));
        if (_options.Prometheus is { } prometheus) _prometheus = TurnMetricsEndpoint.Start(prometheus, _core.Metrics.Meter);
        Log.ServerStarted(string.Join(",", _listening), relay4, relay6, $"{_options.MinPort}-{_options.MaxPort}",
            serverOptions.Credentials?.Realm ?? serverOptions.Realm, serverOptions.Credentials?.UserCount ?? 0, serverOptions.Credentials?.UsesRestApi ?? false,
            serverOptions.StunOnly, serverOptions.Rfc5780 is not null, _prometheus?.Endpoint);
    }

    /// <summary>Loads a PEM certificate and key (the key may be in the certificate file).</summary>
    public static X509Certificate2 LoadCertificate(string certificateFile, string? keyFile)
    {
        var certificate = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        // SslStream on some platforms wants a key it can persist; a PKCS#12 round trip gives it one.
        var exported = certificate.Export(X509ContentType.Pkcs12);
        certificate.Dispose();
        return X509CertificateLoader.LoadPkcs12(exported, null);
    }

    /// <summary>
    /// Binds a UDP listening address: one socket per loop. With several loops they share the address with SO_REUSEPORT:
    /// the kernel hashes each datagram's 4-tuple to one of them, so a client's datagrams always reach the same loop.
    /// </summary>
    private TurnEndpoint BindUdp(IPAddress ip, int port)
    {
        var count = Math.Max(1, _engines.Length);
        // Port 0 with SO_REUSEPORT: Linux's automatic port choice treats a port held by another SO_REUSEPORT group of the
        // same user as free, and would join it (another server of this user). A port chosen without the option is ours alone.
        if (count > 1 && port == 0) port = FreeUdpPort(ip);
        var sockets = new Socket[count];
        var descriptors = new int[count];
        TurnEndpoint local = default;
        for (var i = 0; i < count; i++)
        {
            var socket = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            _sockets.Add(socket);
            if (ip.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = false;
            if (count > 1) LinuxSockets.SetReusePort(socket);
            Bind(socket, ip, i == 0 ? port : local.Port, "udp");
            UdpRelayPortProvider.TrySetBuffers(socket, _options.ListenerSocketBufferSize);
            if (i == 0) local = TurnEndpoint.From((IPEndPoint)socket.LocalEndPoint!);
            sockets[i] = socket;
            descriptors[i] = _engines.Length > 0 ? LinuxSockets.Descriptor(socket) : -1;
        }
        _udpListeners.Add((local, sockets, descriptors));
        _listening.Add(new TurnListenerInfo(TurnTransport.Udp, local));
        var endpoint = local;
        if (_engines.Length > 0)
        {
            for (var i = 0; i < count; i++)
                _engines[i].Add(sockets[i], (TimeSpan now, in TurnEndpoint from, ReadOnlySpan<byte> data) => _core.HandlePacket(now, TurnTransport.Udp, endpoint, from, data), listener: true);
        }
        else _loops.Add(Task.Run(() => UdpListenerLoop(sockets[0], endpoint)));
        return local;
    }

    private static int FreeUdpPort(IPAddress ip)
    {
        using var probe = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (ip.AddressFamily == AddressFamily.InterNetworkV6) probe.DualMode = false;
        Bind(probe, ip, 0, "udp");
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>The UDP loops (<c>relay-threads</c>; none with the portable sockets).</summary>
    internal IReadOnlyList<EpollUdpEngine> UdpLoops => _engines;

    /// <summary>The sockets bound to each UDP listening address (one per loop).</summary>
    internal IEnumerable<(TurnEndpoint Endpoint, Socket[] Sockets)> UdpListenerSockets => _udpListeners.Select(l => (l.Endpoint, l.Sockets));

    private TurnEndpoint BindStream(IPAddress ip, int port, TurnTransport transport)
    {
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _sockets.Add(socket);
        if (ip.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = false;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        Bind(socket, ip, port, transport == TurnTransport.Tls ? "tls" : "tcp");
        socket.Listen(512);
        var local = TurnEndpoint.From((IPEndPoint)socket.LocalEndPoint!);
        _listening.Add(new TurnListenerInfo(transport, local));
        _loops.Add(Task.Run(() => AcceptLoop(socket, local, transport)));
        return local;
    }

    private static void Bind(Socket socket, IPAddress ip, int port, string what)
    {
        try
        {
            socket.Bind(new IPEndPoint(ip, port));
        }
        catch (SocketException e)
        {
            throw new InvalidOperationException($"Cannot listen on {what} {new IPEndPoint(ip, port)}: {e.Message}", e);
        }
    }

    private async Task UdpListenerLoop(Socket socket, TurnEndpoint local)
    {
        var buffer = GC.AllocateArray<byte>(DatagramBufferSize, pinned: true);
        var from = new SocketAddress(socket.AddressFamily);
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, from, token).ConfigureAwait(false);
            }
            catch (SocketException e) when (IsTransient(e.SocketErrorCode))
            {
                continue;
            }
            catch (Exception) when (token.IsCancellationRequested || socket.SafeHandle.IsClosed)
            {
                return;
            }
            catch (Exception e)
            {
                Log.ListenerError(local, e.GetType().Name, e.Message);
                await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
                continue;
            }
            var remote = TurnEndpoint.From(from);
            var now = Now;
            lock (_gate)
            {
                _core.HandlePacket(now, TurnTransport.Udp, local, remote, buffer.AsSpan(0, received));
                Flush();
            }
        }
    }

    // Relay loops are not tracked: each ends when its port is closed (with its allocation) or the host stops.
    /// <summary>
    /// Registers a new relay port on the loop whose core call opened it (the loop of the client's Allocate, whose
    /// listener socket the client's datagrams reach): both directions of the allocation then run on one thread. A port
    /// opened elsewhere (an Allocate over TCP or TLS) goes to the loops in turn. Called under the lock.
    /// </summary>
    private void StartRelayLoop(UdpRelayPort relay)
    {
        if (_engines.Length > 0)
        {
            var engine = EpollUdpEngine.Current is { } current && current.Index < _engines.Length && ReferenceEquals(_engines[current.Index], current)
                ? current
                : _engines[_nextLoop++ % _engines.Length];
            relay.Registration = engine.Add(relay.Socket, (TimeSpan now, in TurnEndpoint from, ReadOnlySpan<byte> data) => _core.HandleRelayPacket(now, relay, from, data), listener: false);
        }
        else _ = Task.Run(() => RelayLoop(relay));
    }

    private static void StopRelayLoop(UdpRelayPort relay)
    {
        if (relay.Registration is { } registration) registration.Engine.Remove(registration);
    }

    private async Task RelayLoop(UdpRelayPort relay)
    {
        var buffer = GC.AllocateArray<byte>(DatagramBufferSize, pinned: true);
        var socket = relay.Socket;
        var from = new SocketAddress(socket.AddressFamily);
        var token = _stopping.Token;
        while (!token.IsCancellationRequested && !relay.Closed)
        {
            int received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, from, token).ConfigureAwait(false);
            }
            catch (SocketException e) when (IsTransient(e.SocketErrorCode) && !relay.Closed)
            {
                continue;
            }
            catch (Exception)
            {
                return; // closed with its allocation, or the host is stopping
            }
            var peer = TurnEndpoint.From(from);
            var now = Now;
            lock (_gate)
            {
                _core.HandleRelayPacket(now, relay, peer, buffer.AsSpan(0, received));
                Flush();
            }
        }
    }

    private static bool IsTransient(SocketError error) =>
        error is SocketError.ConnectionReset or SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable
            or SocketError.MessageSize or SocketError.NoBufferSpaceAvailable or SocketError.Interrupted;

    /// <summary>
    /// How long the timer loop sleeps before the core's next deadline: at most a second, and in whole milliseconds rounded
    /// up. Task.Delay counts whole milliseconds, so a wait under 1 ms would be no wait and the loop would spin on the lock
    /// until the deadline, starving the UDP thread (the soak's 10,000 allocations have a timer every few ms).
    /// </summary>
    internal static TimeSpan TimerWait(TimeSpan? deadline, TimeSpan now)
    {
        if (deadline is not { } at) return TimeSpan.FromSeconds(1);
        var delay = at - now;
        if (delay <= TimeSpan.Zero) return TimeSpan.Zero;
        return delay >= TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : TimeSpan.FromMilliseconds(Math.Ceiling(delay.TotalMilliseconds));
    }

    private async Task TimerLoop()
    {
        var token = _stopping.Token;
        var lastSweep = Environment.TickCount64;
        while (!token.IsCancellationRequested)
        {
            TimeSpan? next;
            lock (_gate) next = _core.PollTimeout();
            var delay = TimerWait(next, Now);
            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            var now = Now;
            lock (_gate)
            {
                _core.HandleTimeout(now);
                Flush();
            }
            if (Environment.TickCount64 - lastSweep > SweepIntervalMilliseconds())
            {
                lastSweep = Environment.TickCount64;
                SweepConnections();
            }
            TrimStreamMemory();
        }
    }

    /// <summary>
    /// After a load of stream connections is over, one compacting collection that decommits freed memory
    /// (<see cref="GCCollectionMode.Aggressive"/>): resident memory returns near its baseline (RESULTS.md, "Stream memory").
    /// Not with stream-buffer-preallocate, the measured old behaviour.
    /// </summary>
    private void TrimStreamMemory()
    {
        if (_options.StreamBufferPreallocate || !_streamBuffers.TakeTrimDue()) return;
        var before = GC.GetTotalMemory(forceFullCollection: false);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        if (Log.IsEnabled(LogLevel.Debug)) Log.MemoryTrimmed(before >> 10, GC.GetTotalMemory(forceFullCollection: false) >> 10);
    }

    private double SweepIntervalMilliseconds()
    {
        var interval = Math.Min(10_000, _options.IdleConnectionTimeout.TotalMilliseconds / 2);
        if (_options.MessageDeadline > TimeSpan.Zero) interval = Math.Min(interval, _options.MessageDeadline.TotalMilliseconds / 4);
        return interval;
    }

    /// <summary>
    /// Closes TCP/TLS connections whose message in progress is older than <c>message-deadline</c>, and those that hold no
    /// allocation and have been silent for the idle timeout.
    /// </summary>
    private void SweepConnections()
    {
        var limit = (long)_options.IdleConnectionTimeout.TotalMilliseconds;
        var deadline = (long)_options.MessageDeadline.TotalMilliseconds;
        foreach (var connection in _connections.Values)
        {
            var started = connection.MessageStartedAt;
            if (deadline > 0 && started != 0 && Environment.TickCount64 - started > deadline)
            {
                Log.ConnectionClosed(LogLevel.Warning, "message-deadline", connection.Flow.Remote, connection.Flow.Transport, deadline_s: _options.MessageDeadline.TotalSeconds);
                connection.Close();
                continue;
            }
            if (Environment.TickCount64 - connection.LastActivity < limit) continue;
            bool allocated;
            lock (_gate) allocated = _core.HasAllocation(connection.Flow);
            if (allocated) continue;
            Log.ConnectionClosed(LogLevel.Information, "idle", connection.Flow.Remote, connection.Flow.Transport);
            connection.Close();
        }
    }

    /// <summary>Sends everything the core queued. Called under the lock; UDP sends do not block, stream sends are queued.</summary>
    private void Flush()
    {
        DrainTransmits(_sendBatch, 0);
        _sendBatch?.Flush();
    }

    /// <summary>
    /// Takes everything the core queued (under the lock): UDP datagrams into <paramref name="batch"/> (sent by the caller;
    /// an engine loop sends after releasing the lock), or sent at once without one (portable sockets); stream messages
    /// queued on their connection. Datagrams from a listening address leave through loop <paramref name="loop"/>'s socket.
    /// </summary>
    private void DrainTransmits(UdpSendBatch? batch, int loop)
    {
        while (_core.PollTransmit(out var transmit))
        {
            if (transmit.Target == TurnTransmitTarget.Peer)
            {
                var relay = (UdpRelayPort)transmit.Relay!;
                if (relay.Closed) { }
                else if (batch is not null) batch.Add(relay.Socket.SafeHandle, relay.Descriptor, relay.Address.IsIPv6, transmit);
                else SendDatagram(relay.Socket, transmit);
                TurnServer.ReturnBuffer(transmit);
            }
            else if (transmit.Transport == TurnTransport.Udp)
            {
                foreach (var (endpoint, sockets, descriptors) in _udpListeners)
                {
                    if (endpoint != transmit.Source) continue;
                    if (batch is not null) batch.Add(null, descriptors[loop], endpoint.IsIPv6, transmit);
                    else SendDatagram(sockets[0], transmit);
                    break;
                }
                TurnServer.ReturnBuffer(transmit);
            }
            else if (_connections.TryGetValue((transmit.Source, transmit.Destination), out var connection))
            {
                connection.Enqueue(transmit); // returns the buffer once written
            }
            else
            {
                TurnServer.ReturnBuffer(transmit);
            }
        }
        while (_core.PollPeerConnectionCommand(out var command)) Execute(command);
    }

    private void SendDatagram(Socket socket, in TurnTransmit transmit)
    {
        var address = socket.AddressFamily == AddressFamily.InterNetwork ? _sendAddress4 : _sendAddress6;
        if (transmit.Destination.IsIPv6 && address.Family == AddressFamily.InterNetwork) return;
        transmit.Destination.WriteTo(address);
        try
        {
            socket.SendTo(transmit.Data, SocketFlags.None, address);
        }
        catch (SocketException e)
        {
            Log.SendFailed(transmit.Destination, e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task AcceptLoop(Socket listener, TurnEndpoint local, TurnTransport transport)
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception) when (token.IsCancellationRequested || listener.SafeHandle.IsClosed)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            TurnEndpoint remote;
            try
            {
                remote = TurnEndpoint.From((IPEndPoint)socket.RemoteEndPoint!);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                socket.Dispose(); // reset before it could be looked at: nothing to serve
                continue;
            }
            if (Interlocked.Increment(ref _connectionCount) > _options.MaxConnections)
            {
                Interlocked.Decrement(ref _connectionCount);
                socket.Dispose();
                Log.ConnectionRefused("max-connections", local, remote, _options.MaxConnections);
                continue;
            }
            if (!TryCountSource(remote))
            {
                Interlocked.Decrement(ref _connectionCount);
                socket.Dispose();
                Log.ConnectionRefused("max-connections-per-source", local, remote, _options.MaxConnectionsPerSource);
                continue;
            }
            _ = Task.Run(() => ServeConnection(socket, local, remote, transport));
        }
    }

    private async Task ServeConnection(Socket socket, TurnEndpoint local, TurnEndpoint remote, TurnTransport transport)
    {
        var token = _stopping.Token;
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        StreamConnection? connection = null;
        try
        {
            socket.NoDelay = true;
            if (transport == TurnTransport.Tls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(token);
                handshake.CancelAfter(_options.HandshakeTimeout);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _certificate,
                    ClientCertificateRequired = false,
                    ApplicationProtocols = [new SslApplicationProtocol("stun.turn"), new SslApplicationProtocol("stun.nat-discovery")],
                }, handshake.Token).ConfigureAwait(false);
            }
            connection = new StreamConnection(stream, new TurnFlow(transport, local, remote), Log);
            _connections[(local, remote)] = connection;
            Log.ConnectionOpened(transport, remote, local);
            var unread = await ReadStream(stream, connection, token).ConfigureAwait(false);
            if (connection.BoundPeer is { } peer)
            {
                // RFC 6062 §5.4: a client data connection now; the ConnectionBind response goes first, then bytes as-is.
                _connections.TryRemove((local, remote), out _);
                connection.Complete();
                await connection.Written.ConfigureAwait(false);
                await RelayDataConnection(stream, peer, unread, token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
            Log.ConnectionError(transport, remote, e.GetType().Name, e.Message);
        }
        finally
        {
            _connections.TryRemove((local, remote), out _);
            if (_core is not null)
            {
                var now = Now;
                lock (_gate)
                {
                    _core.HandleConnectionClosed(now, transport, local, remote);
                    Flush();
                }
            }
            connection?.Complete();
            await stream.DisposeAsync().ConfigureAwait(false);
            UncountSource(remote);
            Interlocked.Decrement(ref _connectionCount);
            _streamBuffers.ConnectionClosed();
        }
    }

    /// <summary>Counts a new connection against its source's <c>max-connections-per-source</c>; false when it is over.</summary>
    private bool TryCountSource(in TurnEndpoint remote)
    {
        var key = UnauthenticatedRateLimiter.SourceKey(remote);
        lock (_connectionsPerSource)
        {
            _connectionsPerSource.TryGetValue(key, out var count);
            if (_options.MaxConnectionsPerSource > 0 && count >= _options.MaxConnectionsPerSource) return false;
            _connectionsPerSource[key] = count + 1;
            return true;
        }
    }

    private void UncountSource(in TurnEndpoint remote)
    {
        var key = UnauthenticatedRateLimiter.SourceKey(remote);
        lock (_connectionsPerSource)
        {
            if (!_connectionsPerSource.TryGetValue(key, out var count)) return;
            if (count <= 1) _connectionsPerSource.Remove(key);
            else _connectionsPerSource[key] = count - 1;
        }
    }

    /// <summary>
    /// Cuts the stream into STUN and ChannelData messages (RFC 8489 §6.2.2, RFC 8656 §12.5) and feeds them to the core.
    /// The buffer starts small and grows only for a message larger than it (<see cref="StreamBufferPool"/>); a message
    /// whose first byte has arrived is timed by <c>message-deadline</c> (<see cref="StreamConnection.MessageStartedAt"/>).
    /// </summary>
    /// <returns>Bytes read after a ConnectionBind that bound this connection (RFC 6062 §5.4: they are the peer's), else empty.</returns>
    private async Task<byte[]> ReadStream(Stream stream, StreamConnection connection, CancellationToken token)
    {
        var (transport, local, remote) = connection.Flow;
        // The measured comparison of stream-buffer-preallocate: the largest buffer rented up front and kept.
        var buffer = _options.StreamBufferPreallocate ? ArrayPool<byte>.Shared.Rent(2 * DatagramBufferSize) : _streamBuffers.RentSmall();
        try
        {
            var filled = 0;
            var first = true;
            var legacyChannels = _options.Server.AcceptRfc5766ChannelNumbers;
            while (true)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(filled), token).ConfigureAwait(false);
                if (read == 0) return [];
                connection.LastActivity = Environment.TickCount64;
                if (filled == 0) connection.MessageStartedAt = connection.LastActivity;
                filled += read;
                var consumed = 0;
                while (true)
                {
                    var pending = buffer.AsSpan(consumed, filled - consumed);
                    if (StreamStartRejection(pending, first) is { } rejection)
                    {
                        Log.ConnectionClosed(LogLevel.Warning, rejection, remote, transport);
                        return [];
                    }
                    if (HasUnpaddedStunLength(pending))
                    {
                        // Not STUN (RFC 8489 §5: the last 2 bits of the Message Length are always zero), and the stream
                        // cannot be cut after it: whether the sender padded what follows is unknowable. Closing tells the
                        // client; following the length would leave the connection silently out of step.
                        Log.ConnectionClosed(LogLevel.Warning, "stun-length-not-multiple-of-4", remote, transport);
                        return [];
                    }
                    var length = StreamFraming.NextMessageLength(pending, legacyChannels);
                    if (length < 0)
                    {
                        Log.ConnectionClosed(LogLevel.Warning, "not-stun-or-channeldata", remote, transport);
                        return [];
                    }
                    if (length == 0) break;
                    first = false;
                    var now = Now;
                    lock (_gate)
                    {
                        _core.HandlePacket(now, transport, local, remote, buffer.AsSpan(consumed, length));
                        Flush();
                    }
                    consumed += length;
                    if (connection.BoundPeer is not null) return buffer.AsSpan(consumed, filled - consumed).ToArray();
                    // The next message's first byte is already here: its deadline starts now.
                    connection.MessageStartedAt = Environment.TickCount64;
                }
                var left = filled - consumed;
                if (left == 0) connection.MessageStartedAt = 0;
                var needed = left >= ChannelData.HeaderLength ? StreamFraming.MessageLengthFromHeader(buffer.AsSpan(consumed, left)) : left;
                if (needed > buffer.Length)
                {
                    // A message larger than the small buffer is arriving: a large one, within stream-buffer-memory.
                    var large = _streamBuffers.TryRentLarge();
                    if (large is null)
                    {
                        Log.ConnectionClosed(LogLevel.Warning, "stream-buffer-memory", remote, transport, limit_bytes: _options.StreamBufferMemory);
                        return [];
                    }
                    buffer.AsSpan(consumed, left).CopyTo(large);
                    _streamBuffers.Return(buffer);
                    buffer = large;
                }
                else if (buffer.Length == StreamBufferPool.LargeSize && left <= StreamBufferPool.SmallSize)
                {
                    // The large message is done: back to a small buffer.
                    var small = _streamBuffers.RentSmall();
                    buffer.AsSpan(consumed, left).CopyTo(small);
                    _streamBuffers.Return(buffer);
                    buffer = small;
                }
                else if (consumed > 0)
                {
                    buffer.AsSpan(consumed, left).CopyTo(buffer);
                }
                filled = left;
            }
        }
        finally
        {
            _streamBuffers.Return(buffer);
        }
    }

    /// <summary>
    /// Why the bytes at the start of a stream message cannot be STUN or ChannelData, or null. RFC 8656 §12 (Table 3
    /// demultiplexing): STUN starts with bits 00, ChannelData with 01. The first message of a connection can only be STUN
    /// — a channel is bound by a ChannelBind on this same connection first (RFC 8656 §12.1) — so "GET ", "POST" and a TLS
    /// ClientHello (0x16 0x03) are refused on their first byte or at the magic cookie, without waiting for the idle
    /// timeout. Every STUN message on a stream carries the magic cookie (RFC 8489 §5): RFC 3489's cookieless Binding
    /// ran over UDP only.
    /// </summary>
    internal static string? StreamStartRejection(ReadOnlySpan<byte> pending, bool first)
    {
        if (pending.IsEmpty) return null;
        var top = pending[0] & 0xC0;
        if (first && top != 0) return "first-message-not-stun";
        if (top == 0 && pending.Length >= StunHeader.CookieOffset + 4 &&
            System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(pending[StunHeader.CookieOffset..]) != StunHeader.MagicCookie)
            return "no-magic-cookie";
        return null;
    }

    /// <summary>Whether <paramref name="stream"/> starts with a STUN header (top bits 00) whose Message Length is not a multiple of 4.</summary>
    internal static bool HasUnpaddedStunLength(ReadOnlySpan<byte> stream) =>
        stream.Length >= 4 && (stream[0] & 0xC0) == 0 && (stream[3] & 0x03) != 0;

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        if (_prometheus is not null) await _prometheus.DisposeAsync().ConfigureAwait(false);
        foreach (var engine in _engines) engine.Dispose();
        foreach (var socket in _sockets) socket.Dispose();
        foreach (var connection in _connections.Values) connection.Abort();
        ClosePeerDataConnections();
        if (_core is not null)
        {
            lock (_gate) _core.Shutdown(Now);
        }
        try
        {
            await Task.WhenAll(_loops.ToArray()).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Loops end with cancellation or disposed sockets; a stuck one must not block shutdown.
        }
        Log.ServerStopped(_core?.Counters.AllocationsCreated ?? 0, _core?.Counters.PacketsToPeers ?? 0, _core?.Counters.PacketsToClients ?? 0);
        _certificate?.Dispose();
        if (_logFile is not null) await _logFile.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}
