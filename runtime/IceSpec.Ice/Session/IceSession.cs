using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using IceSpec.Ice.Mdns;
using IceSpec.Ice.Sdp;
using IceSpec.Stun;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IceSpec.Ice;

/// <summary>
/// The high-level API: create → <see cref="GetLocalDescriptionAsync"/> (or trickle with <see cref="LocalCandidate"/>)
/// → <see cref="SetRemoteDescription"/> / <see cref="AddRemoteCandidate"/> → <see cref="ConnectAsync"/> →
/// <see cref="SendAsync"/> / <see cref="ReceiveAsync"/> → dispose. One stream; components 1..N. Per host address and
/// component it binds one UDP socket and, with <see cref="IceTransports.Tcp"/>, one TCP listener (a passive candidate;
/// the active one opens connections on demand, RFC 6544), and runs the sans-IO <see cref="IceAgent"/> on a single loop task.
/// </summary>
public sealed partial class IceSession : IAsyncDisposable
{
    /// <summary>Room for any UDP payload (RFC 768: the length field, header included, is 16 bits).</summary>
    private const int MaxDatagram = 65536;
    private readonly IceSessionOptions _options;
    private readonly ILogger _log;
    private readonly IceAgent _agent;
    private readonly List<Socket> _sockets = [];
    private readonly Channel<Action> _inbox = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<(int Component, byte[] Data)> _received = Channel.CreateUnbounded<(int, byte[])>();
    private readonly TaskCompletionSource<IceDescription> _gathered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<IceCandidatePair> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    /// <summary>Wakes <see cref="RunLoop"/> at the agent's next deadline (<see cref="IceAgent.PollTimeout"/>); touched on the loop.</summary>
    private readonly ITimer _wakeTimer;
    /// <summary>The deadline <see cref="_wakeTimer"/> is set for (null: none), valid until the timer fires.</summary>
    private TimeSpan? _wakeSetFor;
    private bool _wakeSet;
    private readonly long _start;
    private readonly Task _loop;
    private readonly List<Task> _receivers = [];
    private readonly Dictionary<(IPEndPoint Socket, IPEndPoint Server), IceTcpRelayConnection> _tcpRelays = new();
    private readonly List<Socket> _tcpListeners = [];
    /// <summary>ICE-TCP connections by (local, remote) address; touched on the loop task only.</summary>
    private readonly Dictionary<(IPEndPoint Local, IPEndPoint Remote), IceTcpPeerConnection> _tcpConnections = new();
    /// <summary>Datagrams queued by <see cref="TrySend"/> for the loop, each in a buffer from <see cref="_sendBuffers"/>.</summary>
    private readonly ConcurrentQueue<(byte[] Buffer, int Length, int Component)> _queuedSends = new();
    private readonly IceSendBuffers _sendBuffers = new();
    /// <summary><see cref="SendQueued"/>, posted as one delegate made once (a new lambda per datagram would allocate).</summary>
    private readonly Action _sendQueued;
    /// <summary>Destinations' socket addresses (<see cref="SendDatagram"/>); emptied when it reaches <see cref="MaxSocketAddresses"/>.</summary>
    private readonly Dictionary<IPEndPoint, SocketAddress> _socketAddresses = new();
    /// <summary>Room for every remote candidate and server of a usual session; more only costs a re-serialisation.</summary>
    private const int MaxSocketAddresses = 256;
    /// <summary>The host addresses ICE uses: where mDNS is spoken.</summary>
    private readonly IReadOnlyList<IPAddress> _hostAddresses;

    private IceSession(IceSessionOptions options, Action<IceEvent>? onEvent)
    {
        _options = options;
        _log = options.Logger ?? NullLogger.Instance;
        Metrics = new IceSessionMetrics(options.MeterFactory);
        _start = options.TimeProvider.GetTimestamp();
        _agent = new IceAgent(options);
        _agent.AddStream(options.Components);
        _hostAddresses = [.. options.Addresses ?? IceHostAddresses.Discover()];
        foreach (var address in _hostAddresses)
            for (var component = 1; component <= options.Components; component++)
            {
                if (options.Transports.HasFlag(IceTransports.Udp))
                {
                    var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                    socket.Bind(new IPEndPoint(address, 0));
                    _sockets.Add(socket);
                    var local = (IPEndPoint)socket.LocalEndPoint!;
                    _agent.AddHostCandidate(0, component, local);
                    _receivers.Add(Task.Run(() => ReceiveLoop(socket, local)));
                }
                if (options.Transports.HasFlag(IceTransports.Tcp))
                {
                    var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                    listener.Bind(new IPEndPoint(address, 0));
                    listener.Listen();
                    _tcpListeners.Add(listener);
                    _agent.AddTcpHostCandidates(0, component, (IPEndPoint)listener.LocalEndPoint!);
                    _receivers.Add(Task.Run(() => AcceptLoop(listener)));
                    if (options.TcpSimultaneousOpen)
                    {
                        // RFC 6544 §7.2: the S-O port listens (the peer's connect may come first) and is the source of our own connects.
                        var port = IceTcpPeerConnection.ReusablePort(new IPEndPoint(address, 0));
                        port.Listen();
                        _tcpListeners.Add(port);
                        _agent.AddTcpSimultaneousOpenCandidate(0, component, (IPEndPoint)port.LocalEndPoint!);
                        _receivers.Add(Task.Run(() => AcceptLoop(port)));
                    }
                }
            }
        _sendQueued = SendQueued;
        WarmUpCheckSigning();
        Action fired = () => _wakeSet = false;
        _wakeTimer = options.TimeProvider.CreateTimer(_ => Post(fired), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Event += onEvent; // before the loop runs: the handler sees every event from the first
        if (options.OfferMdnsHostNames) OfferHostNames();
        _loop = Task.Run(RunLoop);
        Post(() => _agent.StartGathering(Now));
    }

    /// <summary>
    /// Signs one throwaway Binding request before the agent runs. The agent stamps a check with the time it decides to
    /// send it; the first HMAC of the process (the crypto library loading, the code compiling) took 25–50 ms here, so the
    /// first check left that late while its retransmission and the next check kept their times: on the wire the first
    /// retransmission came under RFC 8445 §14.3's 500 ms and two checks closer than §14.2's 5 ms.
    /// </summary>
    private static void WarmUpCheckSigning()
    {
        Span<byte> buffer = stackalloc byte[128];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), new byte[StunHeader.TransactionIdLength]);
        builder.AddUsername("warm:up");
        builder.AddMessageIntegrity(StunKey.ShortTerm("warm-up"));
        builder.AddFingerprint();
    }

    /// <summary>Creates the session and starts gathering at once.</summary>
    public static IceSession Create(IceSessionOptions? options = null) => new(options ?? new IceSessionOptions(), null);

    /// <summary>
    /// Creates the session with <paramref name="onEvent"/> already subscribed to <see cref="Event"/>, so that it sees every
    /// event from the first: gathering starts at once, and a handler added after <see cref="Create(IceSessionOptions?)"/>
    /// returns may miss the first candidates.
    /// </summary>
    public static IceSession Create(IceSessionOptions? options, Action<IceEvent> onEvent) => new(options ?? new IceSessionOptions(), onEvent);

    /// <summary>Every agent event (candidates, checks, pair states, selection, role, connection state), on the session's loop.</summary>
    public event Action<IceEvent>? Event;

    /// <summary>A local candidate as soon as it is gathered (trickle, RFC 8838); null means end-of-candidates.</summary>
    public event Action<IceCandidate?>? LocalCandidate;

    /// <summary>The meter <c>IceSpec.Ice.Session</c> of this session (disposed with it when the session created it).</summary>
    public IceSessionMetrics Metrics { get; }

    public IceCredentials LocalCredentials => _agent.LocalCredentials;
    public IceRole Role => _agent.Role;
    public IceConnectionState State => _agent.ConnectionState;
    public IceCandidatePair? SelectedPair => _agent.SelectedPair(0);

    /// <summary>The local description once gathering is complete: credentials, candidates, end-of-candidates, options.</summary>
    public Task<IceDescription> GetLocalDescriptionAsync(CancellationToken ct = default) => _gathered.Task.WaitAsync(ct);

    /// <summary>
    /// Trickle (RFC 8838): the local description as it stands — credentials, options and the candidates gathered so far
    /// (the host candidates at once), with end-of-candidates only once gathering is done. It is taken on the session's
    /// loop, so a handler of <see cref="LocalCandidate"/> subscribed before the call gets every candidate gathered after
    /// it (and may get some of those in it again: compare lines). The checks need not wait for the rest: send this to the
    /// peer, then each candidate as <see cref="LocalCandidate"/> reports it, then end-of-candidates (its null).
    /// </summary>
    public Task<IceDescription> GetCurrentDescriptionAsync(CancellationToken ct = default)
    {
        var taken = new TaskCompletionSource<IceDescription>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Post(() => taken.TrySetResult(Describe()))) taken.TrySetCanceled(ct);
        return taken.Task.WaitAsync(ct);
    }

    /// <summary>The peer's description: credentials, candidates, ice-lite, end-of-candidates (RFC 8839).</summary>
    public void SetRemoteDescription(IceDescription description)
    {
        if (description.Ufrag is null || description.Password is null)
            throw new ArgumentException("a remote description needs a=ice-ufrag and a=ice-pwd (RFC 8839 §5.4)", nameof(description));
        Post(() =>
        {
            var credentials = new IceCredentials(description.Ufrag, description.Password);
            if (_remoteCredentials is { } known && known != credentials)
            {
                // A restart (RFC 8445 §9): names of the old generation that resolve late are no longer wanted.
                _awaitingName.Clear();
                _endOfCandidatesDeferred = false;
            }
            _remoteCredentials = credentials;
            _agent.SetRemotePacing(description.Pacing is { } ms ? TimeSpan.FromMilliseconds(ms) : null);
            _agent.SetRemoteCredentials(Now, credentials, description.IceLite);
            foreach (var candidate in description.Candidates) AddRemote(candidate);
            if (description.EndOfCandidates) EndOfRemote();
        });
    }

    public void AddRemoteCandidate(IceCandidate candidate) => Post(() => AddRemote(candidate));

    public void EndOfRemoteCandidates() => Post(EndOfRemote);


    /// <summary>Completes when every component has a selected pair (the pair of component 1 is returned); throws when ICE fails.</summary>
    public Task<IceCandidatePair> ConnectAsync(CancellationToken ct = default) => _connected.Task.WaitAsync(ct);

    /// <summary>Sends a datagram on the selected pair of a component. False before selection or after consent expired.</summary>
    public Task<bool> SendAsync(ReadOnlyMemory<byte> data, int component = 1)
    {
        var sent = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var copy = data.ToArray();
        Post(() => sent.TrySetResult(_agent.Send(Now, 0, component, copy)));
        return sent.Task;
    }

    /// <summary>
    /// Queues a datagram for the selected pair of a component without waiting for the loop, and without allocating in
    /// steady state (<see cref="SendAsync"/> allocates its task, a copy and a callback per call): <paramref name="data"/>
    /// is copied into a reused buffer. False only when the session is closing. What the agent cannot send — before
    /// selection, or after consent expired (RFC 7675 §5.1) — is dropped, as a datagram network would.
    /// </summary>
    public bool TrySend(ReadOnlySpan<byte> data, int component = 1)
    {
        if (component < 1 || component > _options.Components)
            throw new ArgumentOutOfRangeException(nameof(component), $"The session has components 1..{_options.Components}.");
        if (data.Length > MaxDatagram) throw new ArgumentException($"A datagram carries at most {MaxDatagram} bytes.", nameof(data));
        var buffer = _sendBuffers.Rent(data.Length);
        data.CopyTo(buffer);
        _queuedSends.Enqueue((buffer, data.Length, component));
        return Post(_sendQueued);
    }

    /// <summary>On the loop: hands the datagrams <see cref="TrySend"/> queued to the agent, in order.</summary>
    private void SendQueued()
    {
        while (_queuedSends.TryDequeue(out var queued))
        {
            _agent.Send(Now, 0, queued.Component, queued.Buffer.AsSpan(0, queued.Length));
            _sendBuffers.Return(queued.Buffer);
        }
    }

    /// <summary>The next datagram from the peer, with its component.</summary>
    public async Task<(int Component, byte[] Data)> ReceiveAsync(CancellationToken ct = default) => await _received.Reader.ReadAsync(ct);

    /// <summary>ICE restart (RFC 8445 §9): the new local description follows; send it to the peer.</summary>
    public Task<IceDescription> RestartAsync()
    {
        var done = new TaskCompletionSource<IceDescription>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            _agent.Restart(Now);
            done.TrySetResult(Describe());
        });
        return done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            _agent.Close(Now);
            Flush();
            closed.TrySetResult();
        });
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { });
        _stop.Cancel();
        _inbox.Writer.TryComplete();
        foreach (var socket in _sockets.Concat(_tcpListeners)) socket.Dispose();
        if (_mdns is not null) await _mdns.DisposeAsync();
        foreach (var connection in _tcpRelays.Values) await connection.DisposeAsync();
        await _loop.ContinueWith(_ => { });
        await _wakeTimer.DisposeAsync();
        // What was posted before the inbox closed still runs (the agent is closed): no accepted connection is left behind.
        while (_inbox.Reader.TryRead(out var late)) late();
        await Task.WhenAll(_receivers).ContinueWith(_ => { });
        foreach (var connection in _tcpConnections.Values) await connection.DisposeAsync();
        _tcpConnections.Clear();
        _stop.Dispose();
        _connected.TrySetCanceled();
        _gathered.TrySetCanceled();
        Metrics.Dispose();
    }

    private TimeSpan Now => _options.TimeProvider.GetElapsedTime(_start);

    private bool Post(Action action) => _inbox.Writer.TryWrite(action);

    /// <summary>RFC 6544 §7.2: connections to a passive candidate; the agent learns each from its first message.</summary>
    private async Task AcceptLoop(Socket listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket accepted;
            try { accepted = await listener.AcceptAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { continue; }
            var connection = IceTcpPeerConnection.Accepted(accepted, _options.MaxTcpFrameLength);
            if (!Post(() => Register(connection))) await connection.DisposeAsync(); // the session is closing
        }
    }

    /// <summary>
    /// RFC 6544 §7.1: the connection a Connect transmit asked for (from the active candidate's address, any port), or
    /// §7.2: a SimultaneousOpen one (from the S-O candidate's own port); its outcome goes back to the agent.
    /// </summary>
    private async Task ConnectTcp(IPEndPoint activeCandidate, IPEndPoint remote, bool simultaneousOpen)
    {
        try
        {
            var from = simultaneousOpen ? activeCandidate : new IPEndPoint(activeCandidate.Address, 0);
            var connection = await IceTcpPeerConnection.ConnectAsync(from, remote, _options.TcpConnectTimeout, _options.MaxTcpFrameLength, _stop.Token);
            if (!Post(() =>
                {
                    Register(connection);
                    _agent.HandleTcpConnected(Now, activeCandidate, remote, connection.Local);
                }))
                await connection.DisposeAsync();
        }
        catch (SocketException e) when (simultaneousOpen && e.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.AddressAlreadyInUse)
        {
            await TakeAcceptedConnection(activeCandidate, remote);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            Post(() => _agent.HandleTcpConnectFailed(Now, activeCandidate, remote));
        }
    }

    /// <summary>RFC 6544 §5.2: the Binding over TCP from an S-O port that learns its server reflexive candidate.</summary>
    private async Task BindOverTcp(IPEndPoint source, IPEndPoint server, byte[] request)
    {
        try
        {
            var answer = await IceTcpReflexiveBinding.ExchangeAsync(source, server, request, _options.TcpConnectTimeout, _stop.Token);
            Post(() => _agent.HandlePacket(Now, source, server, answer));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            Post(() => _agent.HandleTcpGatherFailed(Now, source, server));
        }
    }

    /// <summary>RFC 6062 §4.3, §4.4: a relayed TCP candidate's data connection to the TURN server, opened with its ConnectionBind.</summary>
    private async Task ConnectToTurn(IPEndPoint host, IPEndPoint server, byte[] connectionBind)
    {
        try
        {
            var connection = await IceTcpPeerConnection.ConnectToTurnAsync(host.Address, server, connectionBind, _options.TcpConnectTimeout, _options.MaxTcpFrameLength, _stop.Token);
            if (!Post(() =>
                {
                    Register(connection);
                    _agent.HandleTcpConnected(Now, host, server, connection.Local);
                }))
                await connection.DisposeAsync();
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            Post(() => _agent.HandleTcpConnectFailed(Now, host, server));
        }
    }

    /// <summary>
    /// RFC 6544 §7.2: our open from the S-O port failed because the connection between the two ports exists — the peer's
    /// open reached the listening S-O port first. Its accept may still be on its way to the loop: that connection is the
    /// open's result once registered (within <see cref="IceSessionOptions.TcpConnectTimeout"/>), else the open failed.
    /// </summary>
    private async Task TakeAcceptedConnection(IPEndPoint port, IPEndPoint remote)
    {
        var deadline = _options.TimeProvider.GetTimestamp() + (long)(_options.TcpConnectTimeout.TotalSeconds * _options.TimeProvider.TimestampFrequency);
        while (!_stop.IsCancellationRequested)
        {
            var known = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var late = _options.TimeProvider.GetTimestamp() >= deadline;
            if (!Post(() =>
                {
                    var accepted = _tcpConnections.ContainsKey((port, remote));
                    if (accepted) _agent.HandleTcpConnected(Now, port, remote, port);
                    else if (late) _agent.HandleTcpConnectFailed(Now, port, remote);
                    known.TrySetResult(accepted || late);
                }))
                return;
            if (await known.Task) return;
            try { await Task.Delay(TimeSpan.FromMilliseconds(10), _options.TimeProvider, _stop.Token); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>On the loop task: the connection's messages and its end go to the agent.</summary>
    private void Register(IceTcpPeerConnection connection)
    {
        var key = (connection.Local, connection.Remote);
        _tcpConnections[key] = connection;
        connection.Unframed = _options.SeededDefect == IceSeededDefect.UnframedTcpMessages;
        connection.Start(
            message => Post(() => _agent.HandleTcpMessage(Now, key.Local, key.Remote, message)),
            reason => Post(() =>
            {
                if (_tcpConnections.Remove(key)) _ = connection.DisposeAsync().AsTask();
                _agent.HandleTcpClosed(Now, key.Local, key.Remote);
                Event?.Invoke(new IceTcpConnectionClosed(Now, key.Local, key.Remote, reason));
            }));
    }

    /// <summary>
    /// Waits for a datagram holding no buffer (a zero-length read with MSG_PEEK completes once one is queued and leaves it
    /// there), then reads it into a buffer rented for that read only: an idle session keeps no 64 KiB buffer per socket.
    /// </summary>
    private async Task ReceiveLoop(Socket socket, IPEndPoint local)
    {
        EndPoint any = new IPEndPoint(local.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            byte[] packet;
            EndPoint from = any;
            try
            {
                try { await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.Peek, _stop.Token); }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.MessageSize) { } // Windows: a datagram is queued (longer than 0 bytes)
                var buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
                try { packet = buffer.AsSpan(0, socket.ReceiveFrom(buffer, 0, MaxDatagram, SocketFlags.None, ref from)).ToArray(); }
                finally { ArrayPool<byte>.Shared.Return(buffer); }
            }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { continue; } // ICMP port unreachable on Linux surfaces here: the check's time-out handles it
            var source = (IPEndPoint)from;
            Post(() => _agent.HandlePacket(Now, local, source, packet));
        }
    }

    /// <summary>
    /// The one task that touches the agent: inputs, then time-outs, then what the agent wants sent and said. It sleeps
    /// on the inbox; the session's one timer posts a wake-up at the agent's next deadline and is re-armed only when that
    /// deadline changed or the timer fired, so a wake-up (a packet, a send) allocates no timer. Disposal ends the loop
    /// by completing the inbox.
    /// </summary>
    private async Task RunLoop()
    {
        var reader = _inbox.Reader;
        while (!_stop.IsCancellationRequested)
        {
            var deadline = _agent.PollTimeout();
            var wait = deadline is { } due ? due - Now : Timeout.InfiniteTimeSpan;
            if (wait == Timeout.InfiniteTimeSpan || wait > TimeSpan.Zero)
            {
                if (!_wakeSet || deadline != _wakeSetFor)
                {
                    _wakeTimer.Change(wait, Timeout.InfiniteTimeSpan);
                    (_wakeSet, _wakeSetFor) = (true, deadline);
                }
                if (!await reader.WaitToReadAsync()) return;
            }
            while (reader.TryRead(out var action)) action();
            if (_agent.PollTimeout() is { } next && next <= Now) _agent.HandleTimeout(Now);
            Flush();
        }
    }

    private void Flush()
    {
        while (_agent.TryPollTransmit(out var transmit))
        {
            if (transmit.OverTcp)
            {
                TcpRelay(transmit.Source, transmit.Destination).Send(transmit.Data);
                continue;
            }
            if (transmit.IceTcp is IceTcpTransmitKind.Connect or IceTcpTransmitKind.SimultaneousOpen)
            {
                var (source, destination, simultaneousOpen) = (transmit.Source, transmit.Destination, transmit.IceTcp == IceTcpTransmitKind.SimultaneousOpen);
                _receivers.Add(Task.Run(() => ConnectTcp(source, destination, simultaneousOpen)));
                continue;
            }
            if (transmit.IceTcp == IceTcpTransmitKind.ReflexiveBinding)
            {
                var (source, server, request) = (transmit.Source, transmit.Destination, transmit.Data.ToArray());
                _receivers.Add(Task.Run(() => BindOverTcp(source, server, request)));
                continue;
            }
            if (transmit.IceTcp == IceTcpTransmitKind.TurnDataConnection)
            {
                var (source, server, bind) = (transmit.Source, transmit.Destination, transmit.Data.ToArray());
                _receivers.Add(Task.Run(() => ConnectToTurn(source, server, bind)));
                continue;
            }
            if (transmit.IceTcp == IceTcpTransmitKind.Message)
            {
                if (_tcpConnections.TryGetValue((transmit.Source, transmit.Destination), out var connection)) connection.Send(transmit.Data);
                continue;
            }
            SendDatagram(transmit);
        }
        while (_agent.TryPollEvent(out var iceEvent)) Dispatch(iceEvent!);
    }

    /// <summary>
    /// Sends a UDP transmit (direct, or to a TURN server with relayed data inside) from its socket. Through the
    /// destination's <see cref="SocketAddress"/>, kept per destination: <c>SendTo</c> with an <see cref="EndPoint"/>
    /// serialises it again and allocates (72 B) on every datagram. Called on the loop task only.
    /// </summary>
    internal void SendDatagram(in IceTransmit transmit)
    {
        if (SocketAt(transmit.Source) is not { } socket) return;
        if (!_socketAddresses.TryGetValue(transmit.Destination, out var address))
        {
            if (_socketAddresses.Count >= MaxSocketAddresses) _socketAddresses.Clear();
            _socketAddresses[transmit.Destination] = address = transmit.Destination.Serialize();
        }
        try { socket.SendTo(transmit.Data.Span, SocketFlags.None, address); }
        catch (SocketException) { } // an unreachable candidate: the check times out (RFC 8445 §7.2.5.2.2)
    }

    /// <summary>The UDP socket bound to <paramref name="local"/> (a loop: List.Find's lambda would allocate per datagram).</summary>
    private Socket? SocketAt(IPEndPoint local)
    {
        foreach (var socket in _sockets)
            if (socket.LocalEndPoint!.Equals(local)) return socket;
        return null;
    }

    private IceTcpRelayConnection TcpRelay(IPEndPoint socket, IPEndPoint server)
    {
        if (!_tcpRelays.TryGetValue((socket, server), out var connection))
            _tcpRelays[(socket, server)] = connection = new IceTcpRelayConnection(socket, server,
                message => Post(() => _agent.HandlePacket(Now, socket, server, message)),
                reason => Post(() =>
                {
                    // RFC 8656 §3.1: the allocation ended with the connection; the agent re-allocates on a new one.
                    if (_tcpRelays.Remove((socket, server), out var closed)) _ = closed.DisposeAsync().AsTask();
                    Event?.Invoke(new IceServerFailed(Now, server, "TURN over TCP: " + reason));
                    _agent.HandleRelayConnectionClosed(Now, socket, server, reason);
                }));
        return connection;
    }

    private void Dispatch(IceEvent iceEvent)
    {
        switch (iceEvent)
        {
            case IceCandidateGathered gathered:
                LocalCandidate?.Invoke(MdnsCandidates.Conceal(gathered.Candidate.Candidate, _hostNames));
                break;
            case IceGatheringComplete:
                LocalCandidate?.Invoke(null);
                _gathered.TrySetResult(Describe());
                break;
            case IceConnectionStateChanged { State: IceConnectionState.Connected } when _agent.SelectedPair(0) is { } pair:
                if (_connected.TrySetResult(pair)) Metrics.Connected(Now);
                break;
            case IceConnectionStateChanged { State: IceConnectionState.Failed }:
                _connected.TrySetException(new IceSessionException("ICE failed: every candidate pair failed (RFC 8445 §7.2.5.4)"));
                break;
            case IceDataReceived data:
                _received.Writer.TryWrite((data.Component, data.Data.ToArray()));
                break;
        }
        Metrics.Record(iceEvent);
        if (iceEvent is not IceDataReceived) IceSessionLog.Event(_log, iceEvent); // each event checks its level first
        Event?.Invoke(iceEvent);
    }

    private IceDescription Describe()
    {
        var description = new IceDescription { Ufrag = _agent.LocalCredentials.Ufrag, Password = _agent.LocalCredentials.Password, IceLite = _options.Lite };
        description.Options.Add("trickle");
        if (_options.Pacing != TimeSpan.FromMilliseconds(IceFormulas.DefaultPacingMilliseconds)) description.Pacing = (ulong)_options.Pacing.TotalMilliseconds;
        foreach (var candidate in _agent.LocalCandidates(0))
            if (candidate.Type != IceCandidateType.PeerReflexive && (_options.Policy == IceCandidatePolicy.All || candidate.Type == IceCandidateType.Relayed))
                description.Candidates.Add(MdnsCandidates.Conceal(candidate.Candidate, _hostNames));
        description.EndOfCandidates = _agent.GatheringState == CandidateGatheringState.Complete;
        return description;
    }
}

/// <summary>ICE could not connect, or the session was used wrongly.</summary>
public sealed class IceSessionException(string message) : Exception(message);
