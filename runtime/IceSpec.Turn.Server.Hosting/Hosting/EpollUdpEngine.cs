using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace IceSpec.Turn.Server;

/// <summary>Receives one datagram (called under the host's lock).</summary>
internal delegate void UdpDatagramHandler(TimeSpan now, in TurnEndpoint from, ReadOnlySpan<byte> data);

/// <summary>A UDP socket the engine reads for the host.</summary>
internal sealed class UdpRegistration(Socket socket, UdpDatagramHandler handler, ulong id)
{
    public Socket Socket { get; } = socket;

    public int Descriptor { get; } = LinuxSockets.Descriptor(socket);

    public UdpDatagramHandler Handler { get; } = handler;

    public ulong Id { get; } = id;

    public bool Removed { get; set; }
}

/// <summary>
/// The relay hot path on Linux, the way coturn runs it (an event loop over non-blocking sockets) plus batching: one
/// thread waits in <c>epoll_wait</c> on every UDP socket of the host (listeners and relay ports); each readable socket
/// is drained with <c>recvmmsg</c>, up to 32 datagrams a call, and the whole batch goes through the core under one
/// acquisition of the host's lock, followed by one flush of the transmits. No thread-pool hop, no task, no allocation
/// per packet. <see cref="Add"/> and <see cref="Remove"/> are called under the host's lock.
/// </summary>
internal sealed class EpollUdpEngine : IDisposable
{
    private const int Batch = 32;
    private const int MaxDatagram = 65536;
    private const int NameStride = 32;
    private const int MaxEvents = 128;
    private const int RoundsPerSocket = 4;
    private const ulong WakeId = 0;

    private readonly Lock _gate;
    private readonly Action _flush;
    private readonly Func<TimeSpan> _now;
    private readonly Action<string, Exception?> _fault;
    private readonly int _epoll;
    private readonly int _wake;
    private readonly Dictionary<ulong, UdpRegistration> _registrations = new();
    private readonly byte[] _events = new byte[MaxEvents * LinuxSockets.EpollEventSize];
    private readonly byte[] _control = new byte[16];
    private readonly LinuxSockets.MMsgHdr[] _messages = GC.AllocateArray<LinuxSockets.MMsgHdr>(Batch, pinned: true);
    private readonly LinuxSockets.IoVec[] _iovecs = GC.AllocateArray<LinuxSockets.IoVec>(Batch, pinned: true);
    private readonly byte[] _data = GC.AllocateArray<byte>(Batch * MaxDatagram, pinned: true);
    private readonly byte[] _names = GC.AllocateArray<byte>(Batch * NameStride, pinned: true);
    private readonly Thread _thread;
    private ulong _nextId = WakeId + 1;
    private volatile bool _stopping;
    private bool _closed;

    public EpollUdpEngine(Lock gate, Action flush, Func<TimeSpan> now, Action<string, Exception?> fault)
    {
        _gate = gate;
        _flush = flush;
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
        _thread = new Thread(Run) { IsBackground = true, Name = "turn-udp-epoll" };
        _thread.Start();
    }

    public UdpRegistration Add(Socket socket, UdpDatagramHandler handler)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        socket.Blocking = false;
        var registration = new UdpRegistration(socket, handler, _nextId++);
        _registrations[registration.Id] = registration;
        Control(LinuxSockets.EpollCtlAdd, registration.Descriptor, registration.Id);
        return registration;
    }

    /// <summary>Stops reading the socket; the caller closes it afterwards (events already fetched for it are ignored).</summary>
    public void Remove(UdpRegistration registration)
    {
        if (registration.Removed) return;
        registration.Removed = true;
        _registrations.Remove(registration.Id);
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
            lock (_gate)
            {
                try
                {
                    for (var i = 0; i < ready; i++)
                    {
                        var id = BitConverter.ToUInt64(_events, i * LinuxSockets.EpollEventSize + LinuxSockets.EpollDataOffset);
                        if (id == WakeId) continue;
                        if (_registrations.TryGetValue(id, out var registration)) Drain(registration, now);
                    }
                }
                catch (Exception e)
                {
                    _fault("udp engine error", e);
                }
                finally
                {
                    _flush();
                }
            }
        }
    }

    /// <summary>Reads what the socket has, a batch at a time; a busy socket yields after a few batches (epoll is level-triggered).</summary>
    private void Drain(UdpRegistration registration, TimeSpan now)
    {
        for (var round = 0; round < RoundsPerSocket && !registration.Removed; round++)
        {
            for (var i = 0; i < Batch; i++) _messages[i].NameLength = NameStride;
            var received = LinuxSockets.recvmmsg(registration.Descriptor, _messages, Batch, LinuxSockets.MsgDontWait, IntPtr.Zero);
            if (received <= 0) return; // EAGAIN (drained), or an error the next datagram will not have (ICMP, ECONNREFUSED)
            for (var i = 0; i < received && !registration.Removed; i++)
            {
                var from = LinuxSockets.ReadSockaddr(_names.AsSpan(i * NameStride, (int)_messages[i].NameLength));
                registration.Handler(now, from, _data.AsSpan(i * MaxDatagram, (int)_messages[i].Length));
            }
            if (received < Batch) return;
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
