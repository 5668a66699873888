using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using IceSpec.Stun.Transports;

namespace IceSpec.Turn.Client;

/// <summary>Application data from a peer through the relay.</summary>
public readonly record struct TurnPeerData(IPEndPoint Peer, ReadOnlyMemory<byte> Data);

/// <summary>
/// A TURN allocation over a real connection: the async driver of one <see cref="TurnClientCore"/>. One loop owns the
/// core; it reads the connection, runs the core's timers (retransmissions, refreshes) and executes the calls made on
/// this object, so the core is never touched by two threads. Disposing deletes the allocation (Refresh with LIFETIME 0,
/// RFC 8656 §8.1) and closes the connection.
/// </summary>
public sealed class TurnAllocation : IAsyncDisposable
{
    private readonly TurnClientCore _core;
    /// <summary>The connection to the server; null between a closed TCP/TLS connection and its replacement (re-allocation).</summary>
    private MessageTransport? _transport;
    /// <summary>The read pending on <see cref="_transport"/>; null while there is no connection.</summary>
    private Task<int>? _receive;
    private readonly IPEndPoint _server;
    private IPEndPoint _localEndPoint;
    private readonly TurnClientOptions _options;
    private readonly TlsClientOptions? _tls;
    private readonly TimeProvider _clock;
    private readonly long _origin;
    private readonly Channel<Action<TimeSpan>> _commands = Channel.CreateUnbounded<Action<TimeSpan>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<TurnPeerData> _received = Channel.CreateUnbounded<TurnPeerData>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly Dictionary<long, TaskCompletionSource<TurnClientEvent>> _waiters = [];
    private readonly List<TurnClientEvent> _events = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private Exception? _failure;
    private bool _closed;
    private int _disposed;

    private TurnAllocation(TurnClientCore core, MessageTransport transport, TurnClientOptions options, TlsClientOptions? tls)
    {
        _core = core;
        _transport = transport;
        _server = transport.RemoteEndPoint;
        _localEndPoint = transport.LocalEndPoint;
        _options = options;
        _tls = tls;
        _clock = options.TimeProvider;
        _origin = _clock.GetTimestamp();
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The first relayed transport address (XOR-RELAYED-ADDRESS).</summary>
    public IPEndPoint RelayedAddress => RelayedAddresses[0];

    /// <summary>All relayed addresses: one per family (two for <see cref="TurnAddressFamily.Dual"/>).</summary>
    public IReadOnlyList<IPEndPoint> RelayedAddresses { get; private set; } = [];

    /// <summary>The client's address as the server saw it (XOR-MAPPED-ADDRESS).</summary>
    public IPEndPoint MappedAddress { get; private set; } = new(IPAddress.None, 0);

    /// <summary>The lifetime granted by the last Allocate or Refresh.</summary>
    public TimeSpan Lifetime { get; private set; }

    /// <summary>Families the server could not relay (ADDRESS-ERROR-CODE of a dual allocation).</summary>
    public IReadOnlyList<TurnAddressError> AddressErrors { get; private set; } = [];

    public string? Realm { get; private set; }

    public TransportProtocol Transport => _options.Transport;

    /// <summary>The client's side of the connection to the server (a new one after a TCP/TLS re-allocation).</summary>
    public IPEndPoint LocalEndPoint => _localEndPoint;

    public IPEndPoint Server => _server;

    /// <summary>Everything the core reported except data, in order: the transaction log and the request outcomes.</summary>
    public IReadOnlyList<TurnClientEvent> Events
    {
        get
        {
            lock (_events) return _events.ToArray();
        }
    }

    /// <summary>The responses the client accepted, in order (e.g. Allocate 401, then Allocate success).</summary>
    public IReadOnlyList<TurnTransactionCompleted> TransactionLog => Events.OfType<TurnTransactionCompleted>().ToArray();

    /// <summary>Raised on the driver's loop for every event (data included); keep handlers short.</summary>
    public event Action<TurnClientEvent>? EventRaised;

    internal static async Task<TurnAllocation> StartAsync(TurnClientOptions options, IPEndPoint server, TlsClientOptions? tls,
        CancellationToken cancellationToken)
    {
        var core = new TurnClientCore(options);
        var transport = await MessageTransport.ConnectAsync(server, options.Transport, tls, cancellationToken, framing: StreamFraming.StunAndChannelData).ConfigureAwait(false);
        var allocation = new TurnAllocation(core, transport, options, tls);
        try
        {
            var allocated = (TurnAllocated)await allocation.RequestAsync(now => core.Allocate(now), cancellationToken).ConfigureAwait(false);
            allocation.RelayedAddresses = allocated.RelayedAddresses;
            allocation.MappedAddress = allocated.MappedAddress;
            allocation.Lifetime = allocated.Lifetime;
            allocation.AddressErrors = allocated.AddressErrors;
            return allocation;
        }
        catch
        {
            await allocation.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Installs a permission for the peer's IP address (RFC 8656 §9); the client refreshes it before its 5 minutes end.</summary>
    public async Task<TurnPermissionCreated> CreatePermissionAsync(IPAddress peer, CancellationToken cancellationToken = default) =>
        (TurnPermissionCreated)await RequestAsync(now => _core.CreatePermission(now, peer), cancellationToken).ConfigureAwait(false);

    public Task<TurnPermissionCreated> CreatePermissionAsync(IPEndPoint peer, CancellationToken cancellationToken = default) =>
        CreatePermissionAsync(peer.Address, cancellationToken);

    /// <summary>Installs permissions for several peers in one CreatePermission (RFC 8656 §10.1).</summary>
    public async Task<TurnPermissionCreated> CreatePermissionsAsync(IEnumerable<IPAddress> peers, CancellationToken cancellationToken = default)
    {
        var list = peers.ToArray();
        return (TurnPermissionCreated)await RequestAsync(now => _core.CreatePermission(now, list), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Binds a channel to the peer (RFC 8656 §12); later data to it goes as ChannelData. Re-bound before 10 minutes end.</summary>
    public async Task<TurnChannelBound> BindChannelAsync(IPEndPoint peer, CancellationToken cancellationToken = default) =>
        (TurnChannelBound)await RequestAsync(now => _core.BindChannel(now, peer), cancellationToken).ConfigureAwait(false);

    /// <summary>Refreshes the allocation now (RFC 8656 §8) and returns the granted lifetime.</summary>
    public async Task<TimeSpan> RefreshAsync(TimeSpan? lifetime = null, CancellationToken cancellationToken = default)
    {
        var refreshed = (TurnRefreshed)await RequestAsync(now => _core.Refresh(now, lifetime), cancellationToken).ConfigureAwait(false);
        Lifetime = refreshed.Lifetime;
        return refreshed.Lifetime;
    }

    /// <summary>Asks the server for a TCP connection to the peer (RFC 6062 §4.3) and returns its CONNECTION-ID.</summary>
    public async Task<TurnConnected> ConnectAsync(IPEndPoint peer, CancellationToken cancellationToken = default) =>
        (TurnConnected)await RequestAsync(now => _core.Connect(now, peer), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Opens a TCP connection to the peer through the relay (RFC 6062 §4.3): Connect on this connection, then a new
    /// connection to the server carrying ConnectionBind; on success that connection carries the peer's bytes.
    /// Needs a TCP allocation (<see cref="TurnClientOptions.TcpRelay"/>) and a permission for the peer.
    /// </summary>
    public async Task<TurnTcpConnection> OpenTcpConnectionAsync(IPEndPoint peer, CancellationToken cancellationToken = default)
    {
        var connected = await ConnectAsync(peer, cancellationToken).ConfigureAwait(false);
        return await BindTcpConnectionAsync(connected.Peer, connected.ConnectionId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Accepts a peer's TCP connection announced by a ConnectionAttempt (RFC 6062 §4.4; see <see cref="EventRaised"/>):
    /// a new connection to the server carrying ConnectionBind with its CONNECTION-ID.
    /// </summary>
    public Task<TurnTcpConnection> AcceptTcpConnectionAsync(TurnConnectionAttempt attempt, CancellationToken cancellationToken = default) =>
        BindTcpConnectionAsync(attempt.Peer, attempt.ConnectionId, cancellationToken);

    private async Task<TurnTcpConnection> BindTcpConnectionAsync(IPEndPoint peer, uint connectionId, CancellationToken cancellationToken)
    {
        ThrowIfUnusable();
        var created = new TaskCompletionSource<TurnConnectionBind>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(_ =>
        {
            try
            {
                created.TrySetResult(_core.CreateConnectionBind(connectionId));
            }
            catch (Exception e)
            {
                created.TrySetException(e);
            }
        });
        var bind = await created.Task.WaitAsync(cancellationToken).ConfigureAwait(false);

        var transport = (StreamMessageTransport)await MessageTransport.ConnectAsync(_server, _options.Transport, _tls, cancellationToken, framing: StreamFraming.StunAndChannelData)
            .ConfigureAwait(false);
        try
        {
            var buffer = new byte[MessageTransport.MaxMessageLength];
            bind.Start(Now());
            while (bind.Outcome == TurnConnectionBindOutcome.Pending)
            {
                while (bind.TryPollTransmit(out var message)) await transport.SendAsync(message, cancellationToken).ConfigureAwait(false);
                if (bind.Outcome != TurnConnectionBindOutcome.Pending) break;
                var wait = bind.PollTimeout() is { } due ? due - Now() : Timeout.InfiniteTimeSpan;
                if (wait != Timeout.InfiniteTimeSpan && wait <= TimeSpan.Zero)
                {
                    bind.HandleTimeout(Now());
                    continue;
                }
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                if (wait != Timeout.InfiniteTimeSpan) deadline.CancelAfter(wait);
                int length;
                try
                {
                    length = await transport.ReceiveAsync(buffer, deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    bind.HandleTimeout(Now());
                    continue;
                }
                if (length == 0) throw new IOException("the server closed the data connection before answering ConnectionBind");
                bind.HandlePacket(Now(), buffer.AsSpan(0, length));
            }
            if (bind.Outcome != TurnConnectionBindOutcome.Succeeded)
                throw new TurnClientException(new TurnRequestFailed(Now(), 0, TurnRequestKind.Connect, bind.ErrorCode, bind.Error ?? "ConnectionBind failed",
                    TimedOut: bind.ErrorCode is null, CredentialsRejected: bind.AuthenticationState == TurnClientAuthenticationState.Rejected, Realm, null, false));
            return new TurnTcpConnection(peer, connectionId, transport);
        }
        catch
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends data to the peer: ChannelData if a channel is bound to it, else a Send indication.</summary>
    public ValueTask SendAsync(IPEndPoint peer, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable();
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(_ =>
        {
            try
            {
                _core.Send(peer, data.Span);
                completion.TrySetResult();
            }
            catch (Exception e)
            {
                completion.TrySetException(e);
            }
        });
        return new ValueTask(completion.Task.WaitAsync(cancellationToken));
    }

    /// <summary>The next data from a peer.</summary>
    public ValueTask<TurnPeerData> ReceiveAsync(CancellationToken cancellationToken = default) => _received.Reader.ReadAsync(cancellationToken);

    /// <summary>Data from peers as it arrives, until the allocation is disposed or fails.</summary>
    public async IAsyncEnumerable<TurnPeerData> ReceiveAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in _received.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false)) yield return item;
    }

    /// <summary>Deletes the allocation (Refresh LIFETIME 0, waiting up to CloseTimeout for the answer) and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_failure is null && !_loop.IsCompleted)
        {
            var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Post(now =>
            {
                if (_core.Close(now) is { } id) Register(id).Task.ContinueWith(_ => closed.TrySetResult(), TaskScheduler.Default);
                else closed.TrySetResult();
            });
            await Task.WhenAny(closed.Task, Task.Delay(_options.CloseTimeout, _clock)).ConfigureAwait(false);
        }
        _stop.Cancel();
        _commands.Writer.TryComplete();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The loop's failure was already handed to the waiters.
        }
        if (_transport is not null) await _transport.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    // ---------------------------------------------------------------- the loop

    private TimeSpan Now() => _clock.GetElapsedTime(_origin);

    private async Task<TurnClientEvent> RequestAsync(Func<TimeSpan, long> start, CancellationToken cancellationToken)
    {
        ThrowIfUnusable();
        var completion = new TaskCompletionSource<TaskCompletionSource<TurnClientEvent>>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(now =>
        {
            try
            {
                completion.TrySetResult(Register(start(now)));
            }
            catch (Exception e)
            {
                completion.TrySetException(e);
            }
        });
        var waiter = await completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        var outcome = await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (outcome is TurnRequestFailed failure) throw TurnClientException.From(failure);
        return outcome;
    }

    /// <summary>Runs on the loop: the waiter of request <paramref name="id"/>.</summary>
    private TaskCompletionSource<TurnClientEvent> Register(long id)
    {
        var waiter = new TaskCompletionSource<TurnClientEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (_failure is not null || _closed) waiter.TrySetException(_failure ?? new ObjectDisposedException(nameof(TurnAllocation)));
            else _waiters[id] = waiter;
        }
        return waiter;
    }

    private void Post(Action<TimeSpan> command)
    {
        if (!_commands.Writer.TryWrite(command)) throw new ObjectDisposedException(nameof(TurnAllocation));
    }

    private void ThrowIfUnusable()
    {
        if (_failure is { } failure) throw new InvalidOperationException("The TURN connection failed: " + failure.Message, failure);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0 && _loop.IsCompleted, this);
    }

    private async Task RunAsync()
    {
        var buffer = new byte[MessageTransport.MaxMessageLength];
        var stop = _stop.Token;
        try
        {
            _receive = _transport!.ReceiveAsync(buffer, stop).AsTask();
            while (!stop.IsCancellationRequested)
            {
                while (_commands.Reader.TryRead(out var next)) next(Now());
                if (_transport is null && _core.State == TurnClientState.Failed)
                    throw new IOException($"the connection to the TURN server {_server} closed and re-allocating failed");
                if (_transport is null && _core.PollTimeout() is { } reconnectAt && reconnectAt <= Now())
                    await ReconnectAsync(buffer, stop).ConfigureAwait(false);
                _core.HandleTimeout(Now());
                await PumpAsync(stop).ConfigureAwait(false);

                var due = _core.PollTimeout();
                var wait = due is { } d ? d - Now() : Timeout.InfiniteTimeSpan;
                if (due is not null && wait <= TimeSpan.Zero) continue;
                using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(stop);
                var delay = Task.Delay(wait, _clock, interrupt.Token);
                var posted = _commands.Reader.WaitToReadAsync(interrupt.Token).AsTask();
                await Task.WhenAny(_receive ?? Task.Delay(Timeout.Infinite, interrupt.Token), delay, posted).ConfigureAwait(false);
                interrupt.Cancel();
                if (_receive is not { IsCompleted: true } receive) continue;

                string? closed = null;
                var length = 0;
                try
                {
                    length = await receive.ConfigureAwait(false);
                    if (length == 0) closed = $"the TURN server {_server} closed the connection";
                }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidDataException && _transport is StreamMessageTransport)
                {
                    closed = e.Message;
                }
                if (closed is not null)
                {
                    await ConnectionBrokeAsync(closed, stop).ConfigureAwait(false);
                    continue;
                }
                _core.HandlePacket(Now(), buffer.AsSpan(0, length));
                _receive = _transport!.ReceiveAsync(buffer, stop).AsTask();
            }
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            Fault(e);
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            // Disposed.
        }
        finally
        {
            _received.Writer.TryComplete(_failure);
            lock (_waiters)
            {
                _closed = true;
                foreach (var waiter in _waiters.Values) waiter.TrySetException(_failure ?? new ObjectDisposedException(nameof(TurnAllocation)));
                _waiters.Clear();
            }
            // Calls posted while the loop ended still complete their callers (requests fail, being unregistrable).
            _commands.Writer.TryComplete();
            while (_commands.Reader.TryRead(out var late))
            {
                try
                {
                    late(Now());
                }
                catch (Exception)
                {
                    // Each command hands its own failure to its caller.
                }
            }
            ObserveReceive();
        }
    }

    /// <summary>
    /// The TCP/TLS connection to the server broke: the server closed it, or a read or a write failed (a write can meet a
    /// reset first: a server killed while the client was reconnecting). RFC 8656 §3.1: the allocation ended with it, and the
    /// core decides whether to allocate again (or counts a failed re-allocation attempt). Without re-allocation the
    /// allocation fails with <paramref name="reason"/>.
    /// </summary>
    private async ValueTask ConnectionBrokeAsync(string reason, CancellationToken stop, Exception? cause = null)
    {
        if (!_options.ReallocateOnLoss || _transport is not StreamMessageTransport) throw new IOException(reason, cause);
        ObserveReceive();
        await _transport.DisposeAsync().ConfigureAwait(false);
        _transport = null;
        _core.HandleConnectionClosed(Now(), reason);
        await PumpAsync(stop).ConfigureAwait(false);
    }

    /// <summary>Drops the pending read, observing the failure it may still end with.</summary>
    private void ObserveReceive()
    {
        if (_receive is not null) _ = _receive.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        _receive = null;
    }

    /// <summary>
    /// A new TCP/TLS connection for the re-allocation the core is about to send; when it cannot be opened the attempt
    /// counts as failed (the core backs off or gives up). Starts the read on the new connection.
    /// </summary>
    private async Task ReconnectAsync(byte[] buffer, CancellationToken stop)
    {
        if (!_core.Reallocating) throw new IOException($"the TURN server {_server} closed the connection and the allocation is not being replaced");
        try
        {
            _transport = await MessageTransport.ConnectAsync(_server, _options.Transport, _tls, stop, framing: StreamFraming.StunAndChannelData).ConfigureAwait(false);
            _localEndPoint = _transport.LocalEndPoint;
            _receive = _transport.ReceiveAsync(buffer, stop).AsTask();
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException)
        {
            _core.HandleConnectionClosed(Now(), $"could not reconnect to {_server}: {e.Message}");
            await PumpAsync(stop).ConfigureAwait(false);
        }
    }

    private void Fault(Exception e)
    {
        lock (_waiters) _failure ??= e;
    }

    /// <summary>Sends what the core queued and hands out its events.</summary>
    private async ValueTask PumpAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            while (_core.TryPollEvent(out var clientEvent)) Dispatch(clientEvent!);
            if (!_core.TryPollTransmit(out var message)) break;
            if (_transport is null) continue; // the connection closed: what was queued for it is lost with the allocation
            try
            {
                await _transport.SendAsync(message, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException && _transport is StreamMessageTransport)
            {
                await ConnectionBrokeAsync(e.Message, cancellationToken, e).ConfigureAwait(false);
            }
        }
    }

    private void Dispatch(TurnClientEvent clientEvent)
    {
        if (clientEvent is TurnDataReceived data) _received.Writer.TryWrite(new TurnPeerData(data.Peer, data.Data));
        else
        {
            lock (_events) _events.Add(clientEvent);
            switch (clientEvent)
            {
                case TurnRefreshed refreshed:
                    Lifetime = refreshed.Lifetime;
                    Complete(refreshed.RequestId, refreshed);
                    break;
                case TurnAllocated e:
                    if (e.Reallocated)
                    {
                        RelayedAddresses = e.RelayedAddresses;
                        MappedAddress = e.MappedAddress;
                        Lifetime = e.Lifetime;
                        AddressErrors = e.AddressErrors;
                    }
                    Complete(e.RequestId, e);
                    break;
                case TurnPermissionCreated e: Complete(e.RequestId, e); break;
                case TurnChannelBound e: Complete(e.RequestId, e); break;
                case TurnConnected e: Complete(e.RequestId, e); break;
                case TurnRequestFailed e:
                    Realm ??= e.Realm;
                    Complete(e.RequestId, e);
                    break;
                case TurnClosed { RequestId: { } id } e: Complete(id, e); break;
            }
        }
        Realm ??= _core.Realm;
        if (_options.Logger is { } logger && clientEvent is not TurnDataReceived) TurnClientLog.Event(logger, clientEvent);
        EventRaised?.Invoke(clientEvent);
    }

    private void Complete(long id, TurnClientEvent outcome)
    {
        TaskCompletionSource<TurnClientEvent>? waiter;
        lock (_waiters)
        {
            if (!_waiters.Remove(id, out waiter)) return;
        }
        waiter.TrySetResult(outcome);
    }
}
