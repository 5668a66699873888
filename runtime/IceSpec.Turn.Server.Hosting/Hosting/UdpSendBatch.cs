using System.Runtime.InteropServices;

namespace IceSpec.Turn.Server;

/// <summary>
/// Datagrams queued during one round of the Linux engine and sent with <c>sendmmsg</c>, one call per socket: the
/// replies to a batch of peers (all through the client listener) leave in one system call. Payloads are copied into a
/// pinned arena (the core's buffers go back to their pool at once); a datagram larger than a slot goes alone with
/// <c>sendto</c>. Each engine loop has its own, filled under the host's lock and sent outside it; the host's other
/// threads (timer, TCP) share one, used under the lock only. A relay socket (which another thread may close) is held
/// by a reference on its handle from <see cref="Add"/> to the <see cref="Flush"/> that sends it: its descriptor cannot
/// be closed and reused meanwhile.
/// </summary>
internal sealed class UdpSendBatch
{
    private const int Capacity = 64;
    private const int SlotSize = 2048;
    private const int NameSize = 28;

    private readonly byte[] _arena = GC.AllocateArray<byte>(Capacity * SlotSize, pinned: true);
    private readonly byte[] _names = GC.AllocateArray<byte>(Capacity * 32, pinned: true);
    private readonly LinuxSockets.IoVec[] _iovecs = GC.AllocateArray<LinuxSockets.IoVec>(Capacity, pinned: true);
    private readonly LinuxSockets.MMsgHdr[] _messages = GC.AllocateArray<LinuxSockets.MMsgHdr>(Capacity, pinned: true);
    private readonly LinuxSockets.MMsgHdr[] _group = GC.AllocateArray<LinuxSockets.MMsgHdr>(Capacity, pinned: true);
    private readonly int[] _descriptors = new int[Capacity];
    private readonly byte[] _single = new byte[NameSize];
    private readonly List<System.Runtime.InteropServices.SafeHandle> _held = [];
    private int _count;

    /// <summary>Whether queued datagrams hold references on relay sockets (sent and released by <see cref="Flush"/>).</summary>
    public bool HoldsReferences => _held.Count > 0;

    public UdpSendBatch()
    {
        for (var i = 0; i < Capacity; i++)
        {
            _iovecs[i].Base = Marshal.UnsafeAddrOfPinnedArrayElement(_arena, i * SlotSize);
            _messages[i].Iov = Marshal.UnsafeAddrOfPinnedArrayElement(_iovecs, i);
            _messages[i].IovLength = 1;
            _messages[i].Name = Marshal.UnsafeAddrOfPinnedArrayElement(_names, i * 32);
        }
    }

    /// <summary>
    /// Queues a datagram (or sends it at once if it is too large for a slot). The caller returns the buffer.
    /// <paramref name="handle"/>: the socket's handle when it may be closed by another thread before the flush (a relay
    /// port), null for a listener.
    /// </summary>
    public void Add(SafeHandle? handle, int descriptor, bool ipv6Socket, in TurnTransmit transmit)
    {
        if (transmit.Destination.IsIPv6 && !ipv6Socket) return;
        if (handle is not null && (_held.Count == 0 || !ReferenceEquals(_held[^1], handle)))
        {
            var added = false;
            try
            {
                handle.DangerousAddRef(ref added);
            }
            catch (ObjectDisposedException)
            {
                return; // closed: the datagram is dropped, as it would be a moment later
            }
            _held.Add(handle);
        }
        if (transmit.Length > SlotSize)
        {
            var length = LinuxSockets.WriteSockaddr(_single, transmit.Destination, ipv6Socket);
            LinuxSockets.sendto(descriptor, transmit.Buffer, (nuint)transmit.Length, LinuxSockets.MsgDontWait, _single, length);
            return;
        }
        if (_count == Capacity) Flush();
        var slot = _count++;
        transmit.Data.CopyTo(_arena.AsSpan(slot * SlotSize, SlotSize));
        _iovecs[slot].Length = (nuint)transmit.Length;
        _messages[slot].NameLength = LinuxSockets.WriteSockaddr(_names.AsSpan(slot * 32, 32), transmit.Destination, ipv6Socket);
        _descriptors[slot] = descriptor;
    }

    /// <summary>Sends everything queued: one sendmmsg per socket, in queue order per socket.</summary>
    public void Flush()
    {
        var count = _count;
        _count = 0;
        for (var i = 0; i < count; i++)
        {
            var descriptor = _descriptors[i];
            if (descriptor < 0) continue;
            var grouped = 0;
            for (var j = i; j < count; j++)
            {
                if (_descriptors[j] != descriptor) continue;
                _group[grouped++] = _messages[j];
                _descriptors[j] = -1;
            }
            while (grouped > 0)
            {
                var sent = LinuxSockets.sendmmsg(descriptor, _group, (uint)grouped, LinuxSockets.MsgDontWait);
                if (sent <= 0) break; // a full socket buffer drops the rest, as the network would
                grouped -= sent;
                if (grouped > 0) Array.Copy(_group, sent, _group, 0, grouped);
            }
        }
        foreach (var handle in _held) handle.DangerousRelease();
        _held.Clear();
    }
}
