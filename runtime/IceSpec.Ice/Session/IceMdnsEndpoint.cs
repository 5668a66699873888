using System.Net;
using System.Net.Sockets;
using IceSpec.Ice.Mdns;

namespace IceSpec.Ice;

/// <summary>
/// The mDNS I/O of one <see cref="IceSession"/> (RFC 6762 on IPv4): a UDP socket on port 5353 (SO_REUSEADDR, beside any
/// other responder of the host) that joined 224.0.0.251 on each IPv4 address ICE uses; queries and answers go out on each
/// of those interfaces (IP_MULTICAST_IF) with IP TTL 255 (§11). It runs the sans-IO <see cref="MdnsResolver"/> and
/// <see cref="MdnsResponder"/> under one lock, on its own timer; resolutions are handed to the session's callback.
/// </summary>
internal sealed class IceMdnsEndpoint : IAsyncDisposable
{
    /// <summary>RFC 6762 §3: the IPv4 link-local multicast address of mDNS.</summary>
    private static readonly IPEndPoint Group = new(IPAddress.Parse("224.0.0.251"), MdnsResponder.MdnsPort);
    private const int MulticastTtl = 255;
    private readonly object _lock = new();
    private readonly Socket _socket;
    private readonly IReadOnlyList<IPAddress> _interfaces;
    private readonly MdnsResolver _resolver;
    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly ITimer _timer;
    private readonly Action<MdnsResolution> _resolved;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;

    private readonly MdnsResponder _responder = new();

    private IceMdnsEndpoint(Socket socket, IReadOnlyList<IPAddress> interfaces, TimeSpan timeout, int maxPending, TimeProvider time, Action<MdnsResolution> resolved)
    {
        (_socket, _interfaces, _time, _resolved) = (socket, interfaces, time, resolved);
        _resolver = new MdnsResolver(timeout, maxPending);
        _start = time.GetTimestamp();
        _timer = time.CreateTimer(_ => Pump(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _receiving = Task.Run(ReceiveLoop);
    }

    /// <summary>Opens the socket on the IPv4 addresses among <paramref name="addresses"/>; throws <see cref="SocketException"/> when it cannot.</summary>
    public static IceMdnsEndpoint Open(IEnumerable<IPAddress> addresses, TimeSpan timeout, int maxPending, TimeProvider time, Action<MdnsResolution> resolved)
    {
        var interfaces = addresses.Where(a => a.AddressFamily == AddressFamily.InterNetwork).Distinct().ToList();
        if (interfaces.Count == 0) throw new SocketException((int)SocketError.AddressFamilyNotSupported);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Any, MdnsResponder.MdnsPort));
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, MulticastTtl);
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, true);
            var joined = new List<IPAddress>();
            foreach (var address in interfaces)
            {
                try
                {
                    socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(Group.Address, address));
                    joined.Add(address);
                }
                catch (SocketException) { } // an interface without multicast: mDNS does not reach that link
            }
            if (joined.Count == 0) throw new SocketException((int)SocketError.NetworkUnreachable);
            return new IceMdnsEndpoint(socket, joined, timeout, maxPending, time, resolved);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private TimeSpan Now => _time.GetElapsedTime(_start);

    /// <summary>Starts resolving <paramref name="name"/>; a cached name or a refusal is reported through the callback at once.</summary>
    public void Resolve(string name)
    {
        lock (_lock)
        {
            if (_resolver.Start(name, Now) is { } known) _resolved(known);
        }
        Pump();
    }

    /// <summary>Draft §3.1.1 steps 2–5: the name of a host address, made and registered with the responder the first time.</summary>
    public string Register(IPAddress address)
    {
        lock (_lock) return _responder.NameOf(address);
    }

    /// <summary>Draft §3.1.1 step 4: announces the names (RFC 6762 §8.3); probing is skipped as the draft says.</summary>
    public void Announce()
    {
        lock (_lock)
            if (_responder.Announcement() is { } announcement) Multicast(announcement);
    }

    private void Pump()
    {
        lock (_lock)
        {
            if (_stop.IsCancellationRequested) return;
            var now = Now;
            foreach (var expired in _resolver.Expire(now)) _resolved(expired);
            if (_resolver.PollQuery(now) is { } query) Multicast(query);
            if (_resolver.NextDeadline is { } next) _timer.Change(Max(next - now, TimeSpan.FromMilliseconds(1)), Timeout.InfiniteTimeSpan);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private void Multicast(MdnsMessage message)
    {
        var bytes = message.Encode();
        foreach (var address in _interfaces)
        {
            try
            {
                _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, address.GetAddressBytes());
                _socket.SendTo(bytes, Group);
            }
            catch (SocketException) { } // that link is down: the others still get it
            catch (ObjectDisposedException) { return; }
        }
    }

    private async Task ReceiveLoop()
    {
        var buffer = new byte[MdnsMessage.MaxLength];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try { received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { continue; }
            // A malformed message is ignored (RFC 6762 §18: silently discarded): it never stops the loop.
            if (!MdnsMessage.TryParse(buffer.AsSpan(0, received.ReceivedBytes), out var message, out _)) continue;
            var source = (IPEndPoint)received.RemoteEndPoint;
            lock (_lock)
            {
                if (_responder.Answer(message!, source) is { } reply)
                {
                    if (reply.UnicastTo is { } to) TrySend(reply.Message.Encode(), to);
                    else Multicast(reply.Message);
                }
                foreach (var resolution in _resolver.Handle(message!, Now)) _resolved(resolution);
            }
            Pump();
        }
    }

    private void TrySend(byte[] bytes, IPEndPoint to)
    {
        try { _socket.SendTo(bytes, to); }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
    }

    /// <summary>Stops answering: a goodbye for every name (RFC 6762 §10.1), then the socket closes; pending lookups end silently.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            if (_responder.Goodbye() is { } goodbye) Multicast(goodbye);
            _resolver.Cancel("the session closed");
            _stop.Cancel();
        }
        await _timer.DisposeAsync();
        _socket.Dispose();
        await _receiving.ContinueWith(_ => { });
        _stop.Dispose();
    }
}
