using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using IceSpec.Turn;
using IceSpec.Turn.Client;
using IceSpec.Turn.Server;

namespace IceSpec.Cli.Load;

/// <summary>
/// What to load the server with. Rate: messages per second offered in all (0: open loop, as fast as the workers go).
/// Peer: an echoing peer to relay to; null: the generator's own echo peers, one per worker. Hold: with AllocateOnly,
/// how long to keep the allocations before deleting them. Gso: send a socket's batch as one UDP GSO datagram where the
/// kernel has it.
/// </summary>
public sealed record TurnLoadPlan(
    IPEndPoint Server, TurnClientOptions Client, int Allocations, bool Channel, int Threads, int Rate, TimeSpan Duration, int Size,
    IPEndPoint? Peer, TimeSpan Drain, int Batch, int Concurrency, bool AllocateOnly, TimeSpan Hold = default, bool Portable = false, bool Gso = true);

/// <summary>What the load did.</summary>
public sealed record TurnLoadReport(
    int Allocated, int AllocationFailures, string? FirstFailure, double AllocationSeconds,
    long Sent, long Received, long Duplicates, long Corrupt, double Seconds, double GeneratorCpuSeconds, bool Batched, bool Gso,
    LatencyHistogram RoundTrips)
{
    public long Lost => Sent - Received;

    public double LossPercent => Sent == 0 ? 0 : 100.0 * Lost / Sent;

    public double AllocationsPerSecond => AllocationSeconds > 0 ? Allocated / AllocationSeconds : 0;

    public double SentPerSecond => Seconds > 0 ? Sent / Seconds : 0;

    public double ReceivedPerSecond => Seconds > 0 ? Received / Seconds : 0;

    /// <summary>
    /// The score: datagrams the server relayed per second, as the client sees them — each echoed message crossed the
    /// relay twice (client → peer, peer → client), the unit of relay-vs-coturn.sh's "relayed packet".
    /// </summary>
    public double Score => 2 * ReceivedPerSecond;
}

/// <summary>
/// <c>icespec turn-load</c>'s engine. Setup: <see cref="TurnLoadPlan.Allocations"/> allocations, each on its own socket,
/// allocated by the TURN client core with long-term credentials (<see cref="LoadConnection"/>), <see cref="TurnLoadPlan.Concurrency"/>
/// at a time; then a channel or a permission to the peer. Load: <see cref="TurnLoadPlan.Threads"/> workers, each with
/// its share of the allocations and its own echo peer, sending paced (the rate accrues per millisecond) or open-loop
/// for <see cref="TurnLoadPlan.Duration"/>, then draining for <see cref="TurnLoadPlan.Drain"/>. On Linux (x64, arm64)
/// a worker waits with epoll and moves datagrams with recvmmsg/sendmmsg, <see cref="TurnLoadPlan.Batch"/> per call, through the
/// server's own P/Invoke layer (<see cref="LinuxSockets"/>); elsewhere, or with <see cref="TurnLoadPlan.Portable"/>, one
/// datagram per call. UDP GSO (Linux 4.18+): the messages one allocation sends in a round all go to the server and, for
/// one payload size, have one length, so they leave as one datagram with a UDP_SEGMENT control message that the
/// kernel cuts into segments (one trip through the stack instead of one per message; the server receives ordinary
/// datagrams, since neither server turns UDP_GRO on). The echo peer's replies go to many relayed addresses: no GSO there.
/// </summary>
public static class TurnLoadGenerator
{
    public static TurnLoadReport Run(TurnLoadPlan plan, Action<string>? progress = null)
    {
        var origin = Stopwatch.GetTimestamp();
        var connections = new LoadConnection?[plan.Allocations];
        var failures = 0;
        string? firstFailure = null;
        var next = -1;
        var allocationStart = Stopwatch.GetTimestamp();
        var setupThreads = new List<Thread>();
        for (var t = 0; t < Math.Min(plan.Concurrency, plan.Allocations); t++)
        {
            var thread = new Thread(() =>
            {
                int index;
                while ((index = Interlocked.Increment(ref next)) < plan.Allocations)
                {
                    try
                    {
                        connections[index] = LoadConnection.Allocate(plan.Server, plan.Client, origin);
                    }
                    catch (Exception e) when (e is LoadSetupException or SocketException or IOException or InvalidDataException)
                    {
                        Interlocked.Increment(ref failures);
                        Interlocked.CompareExchange(ref firstFailure, e.Message, null);
                    }
                }
            }) { IsBackground = true, Name = "turn-load setup" };
            thread.Start();
            setupThreads.Add(thread);
        }
        foreach (var thread in setupThreads) thread.Join();
        var allocationSeconds = Stopwatch.GetElapsedTime(allocationStart).TotalSeconds;
        var allocated = connections.Where(c => c is not null).Select(c => c!).ToArray();
        progress?.Invoke($"allocated {allocated.Length} of {plan.Allocations} in {allocationSeconds:0.000} s" + (failures > 0 ? $" ({failures} failed: {firstFailure})" : ""));

        if (plan.AllocateOnly || allocated.Length == 0)
        {
            // Held so that the server's memory can be read with every allocation in place (bench/relay-saturation.sh).
            if (plan.AllocateOnly && plan.Hold > TimeSpan.Zero) Thread.Sleep(plan.Hold);
            foreach (var connection in allocated) connection.Dispose();
            return new TurnLoadReport(allocated.Length, failures, firstFailure, allocationSeconds, 0, 0, 0, 0, 0, 0, false, false, new LatencyHistogram());
        }

        var batched = !plan.Portable && LinuxSockets.IsSupported;
        var threads = Math.Min(plan.Threads, allocated.Length);
        var workers = new LoadWorker[threads];
        try
        {
            for (var w = 0; w < threads; w++)
            {
                var mine = allocated.Where((_, i) => i % threads == w).ToArray();
                workers[w] = new LoadWorker(plan, mine, batched, origin);
            }
            foreach (var worker in workers) worker.Prepare();
            progress?.Invoke($"{(plan.Channel ? "channels bound" : "permissions created")}; loading {plan.Duration.TotalSeconds:0.#} s at {(plan.Rate > 0 ? plan.Rate + " msg/s" : "open loop")}, {threads} thread(s){(batched ? ", recvmmsg/sendmmsg" : "")}");

            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var start = Stopwatch.GetTimestamp();
            var end = start + (long)(plan.Duration.TotalSeconds * Stopwatch.Frequency);
            var drainEnd = end + (long)(plan.Drain.TotalSeconds * Stopwatch.Frequency);
            var running = workers.Select(w => new Thread(() => w.Run(start, end, drainEnd, plan.Rate / (double)threads)) { IsBackground = true, Name = "turn-load worker" }).ToArray();
            foreach (var thread in running) thread.Start();
            // The CPU of the load window only (not the drain): a generator with headroom stays below 100 % per thread.
            var untilEnd = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), end);
            if (untilEnd > TimeSpan.Zero) Thread.Sleep(untilEnd);
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            foreach (var thread in running) thread.Join();
            var seconds = (end - start) / (double)Stopwatch.Frequency;
            var total = new LoadTally();
            foreach (var worker in workers)
            {
                if (worker.Failure is { } failure) throw new IOException("a load worker failed: " + failure.Message, failure);
                total.Merge(worker.Tally);
            }
            return new TurnLoadReport(allocated.Length, failures, firstFailure, allocationSeconds, total.Sent, total.Received, total.Duplicates,
                total.Corrupt, seconds, cpu, batched, workers.Any(w => w.GsoUsed), total.RoundTrips);
        }
        finally
        {
            foreach (var worker in workers) worker?.Dispose();
            foreach (var connection in allocated) connection.Dispose();
        }
    }
}

/// <summary>
/// One worker: its allocations and its echo peer, one thread. Sends are paced by a budget that accrues at the worker's
/// rate (1 ms granularity: between budgets the worker sleeps in epoll_wait); every round it sends the budget, spread over
/// its allocations, up to a batch per socket, then reads whatever is ready. The echo peer returns each datagram to its
/// source (the allocation's relayed address), in batches too.
/// </summary>
internal sealed class LoadWorker : IDisposable
{
    private const int NameSize = 32;
    private const int SlotSize = 2048;
    private readonly TurnLoadPlan _plan;
    private readonly LoadConnection[] _connections;
    private readonly bool _batched;
    private readonly long _origin;
    private readonly Socket? _peerSocket;
    private readonly IPEndPoint _peer;
    private readonly int _batch;
    private readonly byte[] _payload;
    private int _epoll = -1;
    private bool _gso;

    // UDP GSO: SOL_UDP 17, UDP_SEGMENT 103; a cmsghdr (len 8, level 4, type 4) then the u16 segment size: CMSG_SPACE(2) 24.
    private const int SolUdp = 17;
    private const int UdpSegment = 103;
    private const int GsoControlSize = 24;
    private const int GsoMaxBytes = 65000;
    private readonly LinuxSockets.MMsgHdr[] _gsoMessage = GC.AllocateArray<LinuxSockets.MMsgHdr>(1, pinned: true);
    private readonly LinuxSockets.IoVec[] _gsoIov = GC.AllocateArray<LinuxSockets.IoVec>(1, pinned: true);
    private readonly byte[] _gsoBuffer = GC.AllocateArray<byte>(GsoMaxBytes + SlotSize, pinned: true);
    private readonly byte[] _gsoControl = GC.AllocateArray<byte>(GsoControlSize, pinned: true);

    // Batched I/O (Linux): pinned message headers, iovecs, names and buffers, for sending and for receiving.
    private readonly LinuxSockets.MMsgHdr[] _send;
    private readonly LinuxSockets.IoVec[] _sendIov;
    private readonly byte[] _sendArena;
    private readonly LinuxSockets.MMsgHdr[] _receive;
    private readonly LinuxSockets.IoVec[] _receiveIov;
    private readonly byte[] _receiveArena;
    private readonly byte[] _receiveNames;

    public LoadWorker(TurnLoadPlan plan, LoadConnection[] connections, bool batched, long origin)
    {
        _plan = plan;
        _connections = connections;
        _batched = batched;
        _origin = origin;
        _batch = Math.Clamp(plan.Batch, 1, 1024);
        _payload = new byte[plan.Size];
        if (plan.Peer is null)
        {
            _peerSocket = new Socket(plan.Server.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4 << 20, SendBufferSize = 4 << 20 };
            _peerSocket.Bind(new IPEndPoint(plan.Server.Address, 0));
            _peer = (IPEndPoint)_peerSocket.LocalEndPoint!;
        }
        else _peer = plan.Peer;

        _send = GC.AllocateArray<LinuxSockets.MMsgHdr>(_batch, pinned: true);
        _sendIov = GC.AllocateArray<LinuxSockets.IoVec>(_batch, pinned: true);
        _sendArena = GC.AllocateArray<byte>(_batch * SlotSize, pinned: true);
        _receive = GC.AllocateArray<LinuxSockets.MMsgHdr>(_batch, pinned: true);
        _receiveIov = GC.AllocateArray<LinuxSockets.IoVec>(_batch, pinned: true);
        _receiveArena = GC.AllocateArray<byte>(_batch * SlotSize, pinned: true);
        _receiveNames = GC.AllocateArray<byte>(_batch * NameSize, pinned: true);
        _gso = batched && plan.Gso;
        _gsoIov[0].Base = Marshal.UnsafeAddrOfPinnedArrayElement(_gsoBuffer, 0);
        _gsoMessage[0].Iov = Marshal.UnsafeAddrOfPinnedArrayElement(_gsoIov, 0);
        _gsoMessage[0].IovLength = 1;
        _gsoMessage[0].Control = Marshal.UnsafeAddrOfPinnedArrayElement(_gsoControl, 0);
        _gsoMessage[0].ControlLength = GsoControlSize;
        BitConverter.TryWriteBytes(_gsoControl.AsSpan(0), 18L); // CMSG_LEN(2)
        BitConverter.TryWriteBytes(_gsoControl.AsSpan(8), SolUdp);
        BitConverter.TryWriteBytes(_gsoControl.AsSpan(12), UdpSegment);
        for (var i = 0; i < _batch; i++)
        {
            _sendIov[i].Base = Marshal.UnsafeAddrOfPinnedArrayElement(_sendArena, i * SlotSize);
            _send[i].Iov = Marshal.UnsafeAddrOfPinnedArrayElement(_sendIov, i);
            _send[i].IovLength = 1;
            _receiveIov[i].Base = Marshal.UnsafeAddrOfPinnedArrayElement(_receiveArena, i * SlotSize);
            _receive[i].Iov = Marshal.UnsafeAddrOfPinnedArrayElement(_receiveIov, i);
            _receive[i].IovLength = 1;
            _receive[i].Name = Marshal.UnsafeAddrOfPinnedArrayElement(_receiveNames, i * NameSize);
        }
    }

    public LoadTally Tally { get; } = new();

    /// <summary>At least one batch left as a GSO datagram (the kernel accepted UDP_SEGMENT).</summary>
    public bool GsoUsed { get; private set; }

    public Exception? Failure { get; private set; }

    /// <summary>Binds the channels or creates the permissions (blocking), then makes the sockets non-blocking.</summary>
    public void Prepare()
    {
        foreach (var connection in _connections)
        {
            connection.Prepare(_peer, _plan.Channel, _origin);
            connection.Socket.Blocking = false;
        }
        if (_peerSocket is not null) _peerSocket.Blocking = false;
        if (!_batched) return;
        _epoll = LinuxSockets.epoll_create1(LinuxSockets.EpollCloexec);
        if (_epoll < 0) throw new IOException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        for (var i = 0; i <= _connections.Length; i++)
        {
            var descriptor = i < _connections.Length ? _connections[i].Descriptor : _peerSocket is null ? -1 : (int)_peerSocket.SafeHandle.DangerousGetHandle();
            if (descriptor < 0) continue;
            var registration = new byte[LinuxSockets.EpollEventSize];
            BitConverter.TryWriteBytes(registration, LinuxSockets.EpollIn);
            BitConverter.TryWriteBytes(registration.AsSpan(LinuxSockets.EpollDataOffset), (long)i);
            if (LinuxSockets.epoll_ctl(_epoll, LinuxSockets.EpollCtlAdd, descriptor, registration) != 0)
                throw new IOException($"epoll_ctl failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public void Run(long start, long end, long drainEnd, double rate)
    {
        try
        {
            var events = new byte[LinuxSockets.EpollEventSize * 256];
            var next = 0;
            var lastMaintenance = start;
            while (true)
            {
                var now = Stopwatch.GetTimestamp();
                if (now >= drainEnd) break;
                var budget = 0L;
                if (now < end)
                {
                    budget = rate > 0
                        ? (long)((now - start) * rate / Stopwatch.Frequency) - Tally.Sent
                        : (long)_batch * Math.Min(_connections.Length, 8);
                    if (budget > 0) next = SendRound(budget, next, now);
                }
                var idle = now >= end || (rate > 0 && budget <= 1);
                if (_batched) Poll(events, idle ? 1 : 0);
                else PollPortable(idle);
                if (now - lastMaintenance > Stopwatch.Frequency / 10)
                {
                    lastMaintenance = now;
                    Maintain();
                }
            }
        }
        catch (Exception e)
        {
            Failure = e;
        }
    }

    /// <summary>The budget, a chunk per allocation in turn; returns where the next round starts.</summary>
    private int SendRound(long budget, int next, long now)
    {
        var count = _connections.Length;
        var chunk = (int)Math.Clamp((budget + count - 1) / count, 1, _batch);
        for (var visited = 0; visited < count && budget > 0; visited++)
        {
            var connection = _connections[next];
            var allocation = next;
            next = (next + 1) % count;
            var k = (int)Math.Min(chunk, budget);
            budget -= k;
            Send(connection, allocation, k, now);
        }
        return next;
    }

    private void Send(LoadConnection connection, int allocation, int count, long now)
    {
        if (connection.IsStream)
        {
            SendStream(connection, allocation, count, now);
            return;
        }
        if (_gso && count > 1 && SendGso(connection, allocation, count, now)) return;
        for (var i = 0; i < count; i++)
        {
            LoadPayload.Write(_payload, allocation, Tally.NextSequence(), now);
            var length = connection.Core.WriteData(_peer, _payload, _sendArena.AsSpan(i * SlotSize, SlotSize));
            _sendIov[i].Length = (nuint)length;
        }
        if (!_batched)
        {
            for (var i = 0; i < count; i++)
            {
                connection.Socket.Send(_sendArena, i * SlotSize, (int)_sendIov[i].Length, SocketFlags.None, out var error);
                if (error != SocketError.Success)
                {
                    Tally.Unsend(count - i);
                    return;
                }
            }
            return;
        }
        var sent = LinuxSockets.sendmmsg(connection.Descriptor, _send, (uint)count, LinuxSockets.MsgDontWait);
        if (sent < count) Tally.Unsend(count - Math.Max(sent, 0)); // a full socket buffer: those never left
    }

    /// <summary>
    /// The messages back to back in one buffer, sent as one datagram with UDP_SEGMENT = their length (all equal); false
    /// when they are not of one length or the kernel refuses GSO (then GSO is off for this worker and nothing was counted).
    /// </summary>
    private bool SendGso(LoadConnection connection, int allocation, int count, long now)
    {
        var first = Tally.Sent;
        var segment = 0;
        var end = 0;
        var written = 0;
        for (; written < count; written++)
        {
            if (end + SlotSize > GsoMaxBytes || written == 64) break; // UDP_MAX_SEGMENTS is 64 before Linux 6.2
            LoadPayload.Write(_payload, allocation, Tally.NextSequence(), now);
            var length = connection.Core.WriteData(_peer, _payload, _gsoBuffer.AsSpan(end, SlotSize));
            if (segment == 0) segment = length;
            else if (length != segment)
            {
                Tally.Unsend(written + 1);
                _gso = false;
                return false;
            }
            end += length;
        }
        BitConverter.TryWriteBytes(_gsoControl.AsSpan(16), (ushort)segment);
        _gsoIov[0].Length = (nuint)end;
        var sent = LinuxSockets.sendmmsg(connection.Descriptor, _gsoMessage, 1, LinuxSockets.MsgDontWait);
        if (sent == 1)
        {
            GsoUsed = true;
            if (written < count) Send(connection, allocation, count - written, now);
            return true;
        }
        Tally.Unsend(Tally.Sent - first);
        var errno = Marshal.GetLastPInvokeError();
        if (errno == LinuxSockets.EAgain) return true; // a full socket buffer: those never left, as with sendmmsg
        _gso = false; // EINVAL/EIO/ENOPROTOOPT: no UDP GSO on this kernel or route; batches go by sendmmsg
        return false;
    }

    /// <summary>TCP: the messages (ChannelData padded to 4, or Send indications) written back to back, one send.</summary>
    private void SendStream(LoadConnection connection, int allocation, int count, long now)
    {
        if (!FlushStream(connection)) return; // the kernel has not taken the last batch yet: offer nothing new
        var buffer = connection.Outgoing;
        var end = 0;
        var written = 0;
        for (; written < count; written++)
        {
            if (end + TurnClientCore.MaxDataMessageLength(_payload.Length) > buffer.Length) break;
            LoadPayload.Write(_payload, allocation, Tally.NextSequence(), now);
            end += connection.Core.WriteData(_peer, _payload, buffer.AsSpan(end));
        }
        connection.OutgoingStart = 0;
        connection.OutgoingEnd = end;
        FlushStream(connection);
    }

    private static bool FlushStream(LoadConnection connection)
    {
        while (connection.OutgoingStart < connection.OutgoingEnd)
        {
            var sent = connection.Socket.Send(connection.Outgoing, connection.OutgoingStart, connection.OutgoingEnd - connection.OutgoingStart, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock) return false;
            if (error != SocketError.Success) throw new SocketException((int)error);
            connection.OutgoingStart += sent;
        }
        return true;
    }

    private void Poll(byte[] events, int timeout)
    {
        var ready = LinuxSockets.epoll_wait(_epoll, events, events.Length / LinuxSockets.EpollEventSize, timeout);
        if (ready < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == LinuxSockets.EIntr) return;
            throw new IOException($"epoll_wait failed: errno {errno}");
        }
        for (var e = 0; e < ready; e++)
        {
            var index = (int)BitConverter.ToInt64(events, e * LinuxSockets.EpollEventSize + LinuxSockets.EpollDataOffset);
            if (index == _connections.Length) EchoBatched();
            else if (_connections[index].IsStream) ReceiveStream(_connections[index]);
            else ReceiveBatched(_connections[index]);
        }
    }

    /// <summary>Without epoll: a non-blocking read of every socket, a 1 ms sleep when idle.</summary>
    private void PollPortable(bool idle)
    {
        var any = false;
        if (_peerSocket is not null)
        {
            while (_peerSocket.Available > 0)
            {
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                var length = _peerSocket.ReceiveFrom(_receiveArena, ref from);
                _peerSocket.SendTo(_receiveArena, 0, length, SocketFlags.None, from);
                any = true;
            }
        }
        foreach (var connection in _connections)
        {
            if (connection.IsStream)
            {
                if (connection.Socket.Available > 0) { ReceiveStream(connection); any = true; }
                continue;
            }
            while (connection.Socket.Available > 0)
            {
                var length = connection.Socket.Receive(_receiveArena, 0, SlotSize, SocketFlags.None, out var error);
                if (error != SocketError.Success) break;
                Deliver(connection, _receiveArena.AsSpan(0, length), Stopwatch.GetTimestamp());
                any = true;
            }
        }
        if (idle && !any) Thread.Sleep(1);
    }

    private int ReceiveBatch(int descriptor)
    {
        for (var i = 0; i < _batch; i++)
        {
            _receiveIov[i].Length = SlotSize;
            _receive[i].NameLength = NameSize;
        }
        var received = LinuxSockets.recvmmsg(descriptor, _receive, (uint)_batch, LinuxSockets.MsgDontWait, IntPtr.Zero);
        return received;
    }

    private void ReceiveBatched(LoadConnection connection)
    {
        while (true)
        {
            var received = ReceiveBatch(connection.Descriptor);
            if (received <= 0) return;
            var now = Stopwatch.GetTimestamp();
            for (var i = 0; i < received; i++) Deliver(connection, _receiveArena.AsSpan(i * SlotSize, (int)_receive[i].Length), now);
            if (received < _batch) return;
        }
    }

    /// <summary>The echo peer: each datagram back to where it came from (the relayed address), one sendmmsg per batch.</summary>
    private void EchoBatched()
    {
        var descriptor = (int)_peerSocket!.SafeHandle.DangerousGetHandle();
        while (true)
        {
            var received = ReceiveBatch(descriptor);
            if (received <= 0) return;
            for (var i = 0; i < received; i++) _receiveIov[i].Length = _receive[i].Length;
            var offset = 0;
            while (offset < received)
            {
                var sent = LinuxSockets.sendmmsg(descriptor, offset == 0 ? _receive : _receive[offset..received], (uint)(received - offset), LinuxSockets.MsgDontWait);
                if (sent <= 0) break; // a full buffer drops the rest, as the network would
                offset += sent;
            }
            if (received < _batch) return;
        }
    }

    private void ReceiveStream(LoadConnection connection)
    {
        while (true)
        {
            var read = connection.ReceiveStream();
            if (read == 0) throw new IOException("the server closed a TCP connection");
            var now = Stopwatch.GetTimestamp();
            while (connection.TryNextMessage(out var message)) Deliver(connection, message, now);
            if (read < 0) return;
        }
    }

    /// <summary>One message from the server: ChannelData is read here; anything else (Data indications, responses) goes to the core.</summary>
    private void Deliver(LoadConnection connection, ReadOnlySpan<byte> message, long now)
    {
        if (ChannelData.LooksLikeChannelData(message))
        {
            if (ChannelData.TryParse(message, out var data) == ChannelDataStatus.Ok) Tally.Echo(data.Data, _plan.Size, now);
            else Tally.Echo([], _plan.Size, now);
            return;
        }
        connection.Core.HandlePacket(Stopwatch.GetElapsedTime(_origin), message);
        while (connection.Core.TryPollEvent(out var clientEvent))
            if (clientEvent is TurnDataReceived received) Tally.Echo(received.Data, _plan.Size, now);
        connection.Flush();
    }

    /// <summary>The cores' timers (retransmissions, refreshes of the allocation, permission and channel).</summary>
    private void Maintain()
    {
        var now = Stopwatch.GetElapsedTime(_origin);
        foreach (var connection in _connections)
        {
            if (connection.Core.PollTimeout() is { } due && due <= now) connection.Core.HandleTimeout(now);
            while (connection.Core.TryPollEvent(out _)) { }
            if (connection.IsStream && connection.OutgoingStart < connection.OutgoingEnd) continue; // never inside a half-sent batch
            connection.Flush();
        }
    }

    public void Dispose()
    {
        if (_epoll >= 0) LinuxSockets.close(_epoll);
        _epoll = -1;
        _peerSocket?.Dispose();
    }
}
