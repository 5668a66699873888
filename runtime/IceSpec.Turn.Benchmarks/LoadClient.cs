using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using IceSpec.Stun;
using IceSpec.Turn.Client;

namespace IceSpec.Turn.Benchmarks;

/// <summary>Where one allocation of the load stands.</summary>
public enum LoadClientPhase : byte
{
    NotStarted,
    Allocating,
    /// <summary>Allocated; CreatePermission and ChannelBind sent.</summary>
    Binding,
    /// <summary>Permission and channel in place: relaying probes, refreshed by the client core.</summary>
    Ready,
    /// <summary>The Allocate failed: never held.</summary>
    Failed,
    /// <summary>The Refresh with LIFETIME 0 is out.</summary>
    Deleting,
    /// <summary>The server answered the delete with a success.</summary>
    Deleted,
}

/// <summary>
/// One allocation of the load: its own UDP socket (bound to a 127.10.x.y source, connected to the server) and a
/// <see cref="TurnClientCore"/>, which does the protocol — the 401 round, retransmissions, and refreshing the allocation,
/// the permission and the channel when the spec's machines say so. This class feeds it packets and time, sends what it
/// hands out, and reads its events: every request failure after the Allocate is a lost allocation.
/// </summary>
public sealed class LoadClient : IDisposable
{
    private readonly Lock _gate = new();
    private readonly TurnClientCore _core;
    private readonly Socket _socket;
    private readonly LoadRun _run;
    private readonly int _index;
    private readonly IPEndPoint _peer;
    private readonly TimeSpan _sendInterval;
    private TimeSpan _nextSend;
    private long _dueTicks = long.MaxValue;
    private uint _sequence;
    private bool _sending;

    public LoadClient(LoadRun run, int index, IPAddress source, IPEndPoint server, IPEndPoint peer, TurnClientOptions options, TimeSpan sendInterval)
    {
        _run = run;
        _index = index;
        _peer = peer;
        _sendInterval = sendInterval;
        _core = new TurnClientCore(options);
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _socket.Bind(new IPEndPoint(source, 0));
            _socket.Connect(server); // only the server's datagrams reach this socket
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    public LoadClientPhase Phase { get; private set; }

    /// <summary>Why the allocation was lost (or not made), the first failure only; null while all is well.</summary>
    public string? Failure { get; private set; }

    public bool Lost => Failure is not null && Phase != LoadClientPhase.Failed;

    public long ProbesSent { get; private set; }

    public long ProbesBack { get; private set; }

    /// <summary>Probes not sent because the generator's timer thread ran more than <see cref="MaxLate"/> late.</summary>
    public long ProbesSkipped { get; private set; }

    private static readonly TimeSpan MaxLate = TimeSpan.FromMilliseconds(250);

    public int Refreshes { get; private set; }

    public int PermissionRefreshes { get; private set; }

    public int ChannelRefreshes { get; private set; }

    public void Start(TimeSpan now)
    {
        _ = ReceiveLoop();
        lock (_gate)
        {
            Phase = LoadClientPhase.Allocating;
            _core.Allocate(now);
            Pump(now);
        }
    }

    /// <summary>Runs the core's timers when due, and sends a probe when one is due.</summary>
    public void Tick(TimeSpan now, bool sending)
    {
        if (sending != _sending)
        {
            lock (_gate)
            {
                _sending = sending;
                Due(now);
            }
        }
        if (now.Ticks < Volatile.Read(ref _dueTicks)) return;
        lock (_gate)
        {
            _core.HandleTimeout(now);
            if (_sending && Phase == LoadClientPhase.Ready && _core.State == TurnClientState.Allocated && now >= _nextSend)
            {
                var late = now - _nextSend;
                if (late <= MaxLate)
                {
                    Span<byte> payload = stackalloc byte[Probe.Length];
                    Probe.Write(payload, _index, _sequence++, Stopwatch.GetTimestamp());
                    _core.Send(_peer, payload);
                    ProbesSent++;
                }
                else
                {
                    // The generator was not scheduled in time (a busy machine): skip the probe rather than send every
                    // late allocation's at once, a burst the load is not meant to have.
                    ProbesSkipped++;
                }
                _nextSend += _sendInterval * (late.Ticks / _sendInterval.Ticks + 1);
            }
            Pump(now);
        }
    }

    /// <summary>Deletes the allocation (RFC 8656 §8.1: Refresh with LIFETIME 0).</summary>
    public void Delete(TimeSpan now)
    {
        lock (_gate)
        {
            if (Phase is not (LoadClientPhase.Ready or LoadClientPhase.Binding)) return;
            Phase = LoadClientPhase.Deleting;
            _core.Close(now);
            Pump(now);
        }
    }

    private async Task ReceiveLoop()
    {
        var buffer = new byte[2048];
        while (true)
        {
            int length;
            try
            {
                length = await _socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                continue; // an ICMP port unreachable from a server that is not (yet) there: the retransmission covers it
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }
            var now = _run.Now;
            lock (_gate)
            {
                _core.HandlePacket(now, buffer.AsSpan(0, length));
                Pump(now);
            }
        }
    }

    /// <summary>Sends what the core queued and handles its events, until both are empty (an event may queue requests).</summary>
    private void Pump(TimeSpan now)
    {
        var more = true;
        while (more)
        {
            more = false;
            while (_core.TryPollTransmit(out var message))
            {
                try
                {
                    _socket.Send(message.Span);
                }
                catch (SocketException)
                {
                    _run.CountSendError(); // a full buffer or ICMP error: the core's retransmissions take it from here
                }
            }
            while (_core.TryPollEvent(out var clientEvent))
            {
                Handle(now, clientEvent!);
                more = true;
            }
        }
        Due(now);
    }

    private void Handle(TimeSpan now, TurnClientEvent clientEvent)
    {
        switch (clientEvent)
        {
            case TurnTransactionCompleted { Class: StunClass.Success } completed:
                _run.Latencies.Request(completed.Kind, completed.RoundTripTime);
                if (completed.Transmissions > 1) _run.CountRetransmitted();
                break;
            case TurnAllocated allocated:
                _run.GrantedLifetime ??= allocated.Lifetime;
                Phase = LoadClientPhase.Binding;
                _core.CreatePermission(now, _peer.Address);
                _core.BindChannel(now, _peer);
                break;
            case TurnChannelBound { Automatic: false } when Phase == LoadClientPhase.Binding:
                Phase = LoadClientPhase.Ready;
                // Spread the probes of allocations that became ready together over the interval.
                _nextSend = now + TimeSpan.FromTicks(_sendInterval.Ticks * (_index % 97) / 97);
                break;
            case TurnChannelBound { Automatic: true }:
                ChannelRefreshes++;
                break;
            case TurnPermissionCreated { Automatic: true }:
                PermissionRefreshes++;
                break;
            case TurnRefreshed { Automatic: true } refreshed:
                Refreshes++;
                _run.RefreshGrantedLifetime ??= refreshed.Lifetime;
                break;
            case TurnClosed when Phase == LoadClientPhase.Deleting:
                Phase = LoadClientPhase.Deleted; // a 437 to the delete follows as a TurnRequestFailed and undoes this
                break;
            case TurnRequestFailed failed:
                if (failed.Kind == TurnRequestKind.Allocate)
                {
                    Phase = LoadClientPhase.Failed;
                    Failure ??= failed.Reason;
                }
                else
                {
                    // RFC 8656: a Refresh, CreatePermission, ChannelBind or delete that fails (437, a timeout, any error)
                    // means the allocation (or part of it) was lost while the load still wanted it.
                    if (failed.Kind == TurnRequestKind.Close) Phase = LoadClientPhase.Deleting; // not deleted by us
                    Failure ??= $"{failed.Kind}{(failed.Automatic ? " (refresh)" : "")}: {failed.Reason}";
                }
                break;
            case TurnDataReceived data when Probe.TryRead(data.Data, out _, out var sent, out var stamped):
                ProbesBack++;
                _run.Latencies.Back(sent, stamped, Stopwatch.GetTimestamp());
                break;
        }
    }

    /// <summary>The next time <see cref="Tick"/> has work: a core timer or a probe.</summary>
    private void Due(TimeSpan now)
    {
        var due = _core.PollTimeout() ?? TimeSpan.MaxValue;
        if (_sending && Phase == LoadClientPhase.Ready && _core.State == TurnClientState.Allocated && _nextSend < due) due = _nextSend;
        Volatile.Write(ref _dueTicks, due.Ticks);
    }

    public void Dispose() => _socket.Dispose();
}
