using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace IceSpec.Turn.Server;

/// <summary>Receives one datagram (called under the host's lock).</summary>
internal delegate void UdpDatagramHandler(TimeSpan now, in TurnEndpoint from, ReadOnlySpan<byte> data);

/// <summary>A UDP socket the engine reads for the host.</summary>
internal sealed class UdpRegistration(EpollUdpEngine engine, Socket socket, UdpDatagramHandler handler, ulong id, bool listener)
{
    /// <summary>The loop that reads the socket.</summary>
    public EpollUdpEngine Engine { get; } = engine;

    /// <summary>A listening socket (closed only after the loops have stopped), not a relay port.</summary>
    public bool Listener { get; } = listener;

    public Socket Socket { get; } = socket;

    public int Descriptor { get; } = LinuxSockets.Descriptor(socket);

    public UdpDatagramHandler Handler { get; } = handler;

    public ulong Id { get; } = id;

    public bool Removed { get; set; }
}

/// <summary>
/// One UDP loop of the relay hot path on Linux, the way coturn runs it (an event loop over non-blocking sockets) plus
/// batching: a thread waits in <c>epoll_wait</c> on its UDP sockets (its SO_REUSEPORT listener and the relay ports of
/// the allocations it created); each readable socket is drained with <c>recvmmsg</c>, up to 32 datagrams a call, and
/// the batch goes through the core under one acquisition of the host's lock, which also copies the core's transmits
/// into this loop's <see cref="UdpSendBatch"/>. The system calls (<c>recvmmsg</c>, <c>sendmmsg</c>) are made outside the
/// lock, so N loops (<c>relay-threads</c>) overlap their kernel work while the core stays single-threaded: quotas,
/// nonces and user limits are the core's, global and exact. No thread-pool hop, no task, no allocation per packet.
/// <para>
/// A relay socket can be closed by another thread (its allocation expires) while this loop is in a system call on it:
/// the loop holds a reference on the socket's handle for the call (<see cref="SafeHandle.DangerousAddRef"/>), so its
/// descriptor is not closed and cannot be reused by another socket until the call is over. The loop never waits for the
/// lock while it holds such a reference (a thread that disposes a socket under the lock waits for the references).
/// </para>
/// <see cref="Add"/> and <see cref="Remove"/> are called under the host's lock, from any thread.
/// </summary>
internal sealed class EpollUdpEngine : IDisposable
{
    private const int Batch = 32;
    private const int MaxDatagram = 65536;
    private const int NameStride = 32;
    private const int MaxEvents = 128;
    private const int RoundsPerSocket = 4;
    private const ulong WakeId = 0;

    /// <summary>The loop whose thread this is (null on other threads): a relay port opened by its core call joins it.</summary>
    [ThreadStatic] private static EpollUdpEngine? _current;

    private readonly Lock _gate;
    private readonly Action<UdpSendBatch, int> _drain;
    private readonly Func<TimeSpan> _now;
    private readonly Action<string, Exception?> _fault;
    private readonly int _epoll;
    private readonly int _wake;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ulong, UdpRegistration> _registrations = new();
    private readonly byte[] _events = new byte[MaxEvents * LinuxSockets.EpollEventSize];
    private readonly byte[] _control = new byte[16];
    private readonly LinuxSockets.MMsgHdr[] _messages = GC.AllocateArray<LinuxSockets.MMsgHdr>(Batch, pinned: true);
    private readonly LinuxSockets.IoVec[] _iovecs = GC.AllocateArray<LinuxSockets.IoVec>(Batch, pinned: true);
    private readonly byte[] _data = GC.AllocateArray<byte>(Batch * MaxDatagram, pinned: true);
    private readonly byte[] _names = GC.AllocateArray<byte>(Batch * NameStride, pinned: true);
    private readonly UdpSendBatch _send = new();
    private readonly Thread _thread;
    private ulong _nextId = WakeId + 1;
    private long _datagrams;
    private volatile bool _stopping;
    private bool _closed;

    /// <param name="index">This loop's number (0..N-1): which of the SO_REUSEPORT listener sockets it sends with.</param>
    /// <param name="gate">The host's lock, held around every core call.</param>
    /// <param name="drain">Copies the core's transmits into the batch, under the lock (the host's Flush without sending).</param>
    /// <param name="now">The host's clock.</param>
    /// <param name="fault">Logs an error of the loop.</param>
    public EpollUdpEngine(int index, Lock gate, Action<UdpSendBatch, int> drain, Func<TimeSpan> now, Action<string, Exception?> fault)
    {
        Index = index;
        _gate = gate;
        _drain = drain;
        _now = now;
        _fault = fault;
        _epoll = LinuxSockets.epoll_create1(LinuxSockets.EpollCloexec);
        if (_epoll < 0) throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        _wake = LinuxSockets.eventfd(0, LinuxSockets.EventFdNonBlock | LinuxSockets.EventFdCloexec);
        if (_wake < 0)
        {
            LinuxSockets.close(_epoll);
            throw new InvalidOperationException($"eventfd failed: errno {Marshal.GetLastPInvokeError()}");
        }
        Control(LinuxSockets.EpollCtlAdd, _wake, WakeId);
        for (var i = 0; i < Batch; i++)
        {
            _iovecs[i].Base = Marshal.UnsafeAddrOfPinnedArrayElement(_data, i * MaxDatagram);
            _iovecs[i].Length = MaxDatagram;
            _messages[i].Iov = Marshal.UnsafeAddrOfPinnedArrayElement(_iovecs, i);
            _messages[i].IovLength = 1;
            _messages[i].Name = Marshal.UnsafeAddrOfPinnedArrayElement(_names, i * NameStride);
        }
        _thread = new Thread(Run) { IsBackground = true, Name = $"turn-udp-{index}" };
        _thread.Start();
    }

    /// <summary>This loop's number (0..N-1).</summary>
    public int Index { get; }

    /// <summary>The loop running on this thread, or null.</summary>
    public static EpollUdpEngine? Current => _current;

    /// <summary>Datagrams this loop has received (a test sees that every loop carries traffic).</summary>
    public long DatagramsReceived => Interlocked.Read(ref _datagrams);

    /// <summary>Sockets this loop reads now.</summary>
    public int RegistrationCount => _registrations.Count;

    /// <summary>Whether this loop reads the relay port bound to <paramref name="port"/> (tests: the port's loop).</summary>
    public bool ReadsRelayPort(int port) =>
        _registrations.Values.Any(r => !r.Listener && !r.Removed && r.Socket.LocalEndPoint is System.Net.IPEndPoint local && local.Port == port);

    public UdpRegistration Add(Socket socket, UdpDatagramHandler handler, bool listener)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        socket.Blocking = false;
        var registration = new UdpRegistration(this, socket, handler, _nextId++, listener);
        _registrations[registration.Id] = registration;
        Control(LinuxSockets.EpollCtlAdd, registration.Descriptor, registration.Id);
        return registration;
    }

    /// <summary>Stops reading the socket; the caller closes it afterwards (events already fetched for it are ignored).</summary>
    public void Remove(UdpRegistration registration)
    {
        if (registration.Removed) return;
        registration.Removed = true;
        _registrations.TryRemove(registration.Id, out _);
        // After Dispose the epoll descriptor's number may already belong to someone else's epoll set: leave it alone.
        if (_closed) return;
        LinuxSockets.epoll_ctl(_epoll, LinuxSockets.EpollCtlDel, registration.Descriptor, _control);
    }

    private void Control(int operation, int descriptor, ulong id)
    {
        var control = new byte[16];
        BitConverter.TryWriteBytes(control, (uint)LinuxSockets.EpollIn);
        BitConverter.TryWriteBytes(control.AsSpan(LinuxSockets.EpollDataOffset), id);
        if (LinuxSockets.epoll_ctl(_epoll, operation, descriptor, control) != 0)
            throw new InvalidOperationException($"epoll_ctl failed: errno {Marshal.GetLastPInvokeError()}");
    }

    private void Run()
    {
        _current = this;
        while (!_stopping)
        {
            var ready = LinuxSockets.epoll_wait(_epoll, _events, MaxEvents, -1);
            if (ready < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == LinuxSockets.EIntr) continue;
                _fault($"epoll_wait failed: errno {errno}", null);
                return;
            }
            if (_stopping) return;
            var now = _now();
            for (var i = 0; i < ready; i++)
            {
                var id = BitConverter.ToUInt64(_events, i * LinuxSockets.EpollEventSize + LinuxSockets.EpollDataOffset);
                if (id == WakeId) continue;
                if (_registrations.TryGetValue(id, out var registration)) Drain(registration, now);
            }
            // One flush per round: the replies to many peers, all through the listener, leave in one sendmmsg.
            _send.Flush();
        }
    }

    /// <summary>Reads what the socket has, a batch at a time; a busy socket yields after a few batches (epoll is level-triggered).</summary>
    private void Drain(UdpRegistration registration, TimeSpan now)
    {
        for (var round = 0; round < RoundsPerSocket; round++)
        {
            for (var i = 0; i < Batch; i++) _messages[i].NameLength = NameStride;
            int received;
            if (registration.Listener)
            {
                // A listener is closed only after every loop has stopped (TurnServerHost.DisposeAsync).
                received = LinuxSockets.recvmmsg(registration.Descriptor, _messages, Batch, LinuxSockets.MsgDontWait, IntPtr.Zero);
            }
            else
            {
                var handle = registration.Socket.SafeHandle;
                var held = false;
                try
                {
                    handle.DangerousAddRef(ref held);
                }
                catch (ObjectDisposedException)
                {
                    return; // closed with its allocation since epoll reported it
                }
                try
                {
                    received = LinuxSockets.recvmmsg(registration.Descriptor, _messages, Batch, LinuxSockets.MsgDontWait, IntPtr.Zero);
                }
                finally
                {
                    if (held) handle.DangerousRelease();
                }
            }
            if (received <= 0) return; // EAGAIN (drained), or an error the next datagram will not have (ICMP, ECONNREFUSED)
            Interlocked.Add(ref _datagrams, received);
            // Datagrams queued for relay sockets hold references on them: send them before waiting for the lock.
            if (_send.HoldsReferences) _send.Flush();
            lock (_gate)
            {
                try
                {
                    for (var i = 0; i < received && !registration.Removed; i++)
                    {
                        var from = LinuxSockets.ReadSockaddr(_names.AsSpan(i * NameStride, (int)_messages[i].NameLength));
                        registration.Handler(now, from, _data.AsSpan(i * MaxDatagram, (int)_messages[i].Length));
                    }
                }
                catch (Exception e)
                {
                    _fault("udp engine error", e);
                }
                finally
                {
                    _drain(_send, Index);
                }
            }
            if (registration.Removed || received < Batch) return;
        }
    }

    public void Dispose()
    {
        _stopping = true;
        var one = new byte[8];
        one[0] = 1;
        LinuxSockets.write(_wake, one, 8);
        _thread.Join(TimeSpan.FromSeconds(5));
        lock (_gate) _closed = true;
        LinuxSockets.close(_wake);
        LinuxSockets.close(_epoll);
    }
}
