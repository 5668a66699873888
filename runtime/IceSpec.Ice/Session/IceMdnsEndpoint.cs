using System.Net;
using System.Net.Sockets;
using IceSpec.Ice.Mdns;

namespace IceSpec.Ice;

/// <summary>
/// The mDNS I/O of one <see cref="IceSession"/> (RFC 6762): an <see cref="IceMdnsSocket"/> per address family ICE uses —
/// 224.0.0.251 on its IPv4 interfaces, ff02::fb on its IPv6 ones (§20: mDNS runs over both). Queries, announcements and
/// goodbyes go out on every socket; an answer goes back on the socket (the family) its query came in on. It runs the
/// sans-IO <see cref="MdnsResolver"/> and <see cref="MdnsResponder"/> under one lock, on its own timer; resolutions are
/// handed to the session's callback.
/// </summary>
internal sealed class IceMdnsEndpoint : IAsyncDisposable
{
    private readonly object _lock = new();
    private readonly IReadOnlyList<IceMdnsSocket> _sockets;
    private readonly MdnsResolver _resolver;
    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly ITimer _timer;
    private readonly Action<MdnsResolution> _resolved;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _receiving;

    private readonly MdnsResponder _responder = new();

    private IceMdnsEndpoint(IReadOnlyList<IceMdnsSocket> sockets, IReadOnlyList<string> unavailable, TimeSpan timeout, int maxPending, TimeProvider time, Action<MdnsResolution> resolved)
    {
        (_sockets, Unavailable, _time, _resolved) = (sockets, unavailable, time, resolved);
        _resolver = new MdnsResolver(timeout, maxPending);
        _start = time.GetTimestamp();
        _timer = time.CreateTimer(_ => Pump(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _receiving = [.. sockets.Select(socket => Task.Run(() => ReceiveLoop(socket)))];
    }

    /// <summary>Why a family ICE uses has no mDNS ("[ff02::fb]:5353: …"), when the other one opened.</summary>
    public IReadOnlyList<string> Unavailable { get; }

    /// <summary>
    /// Opens a socket per family among <paramref name="addresses"/>; throws <see cref="SocketException"/> when none opens
    /// (no address, or every family failed: the message names each).
    /// </summary>
    public static IceMdnsEndpoint Open(IEnumerable<IPAddress> addresses, TimeSpan timeout, int maxPending, TimeProvider time, Action<MdnsResolution> resolved)
    {
        var sockets = new List<IceMdnsSocket>();
        var unavailable = new List<string>();
        foreach (var family in (AddressFamily[])[AddressFamily.InterNetwork, AddressFamily.InterNetworkV6])
        {
            try
            {
                if (IceMdnsSocket.Open(family, addresses) is { } socket) sockets.Add(socket);
            }
            catch (SocketException e) { unavailable.Add($"{IceMdnsSocket.GroupText(family)}: {e.Message}"); }
        }
        if (sockets.Count == 0)
            throw new SocketException((int)(unavailable.Count > 0 ? SocketError.NetworkUnreachable : SocketError.AddressFamilyNotSupported));
        return new IceMdnsEndpoint(sockets, unavailable, timeout, maxPending, time, resolved);
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
        foreach (var socket in _sockets) socket.Multicast(bytes);
    }

    private async Task ReceiveLoop(IceMdnsSocket socket)
    {
        var buffer = new byte[MdnsMessage.MaxLength];
        while (!_stop.IsCancellationRequested)
        {
            (int Length, IPEndPoint Source, int Interface) received;
            try { received = await socket.ReceiveAsync(buffer, _stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { continue; }
            // A malformed message is ignored (RFC 6762 §18: silently discarded): it never stops the loop.
            if (!MdnsMessage.TryParse(buffer.AsSpan(0, received.Length), out var message, out _)) continue;
            message = ScopeLinkLocal(message!, received.Interface);
            lock (_lock)
            {
                if (_responder.Answer(message, received.Source) is { } reply)
                {
                    if (reply.UnicastTo is { } to) socket.SendTo(reply.Message.Encode(), to);
                    else socket.Multicast(reply.Message.Encode());
                }
                foreach (var resolution in _resolver.Handle(message, Now)) _resolved(resolution);
            }
            Pump();
        }
    }

    /// <summary>
    /// A link-local IPv6 address in an answer (fe80::/10) means something only on the link it came in on (RFC 4007 §6):
    /// it gets that interface's index as its scope, which is what a socket needs to reach it.
    /// </summary>
    private static MdnsMessage ScopeLinkLocal(MdnsMessage message, int interfaceIndex)
    {
        if (interfaceIndex <= 0 || !message.Records.Any(r => r.Address is { IsIPv6LinkLocal: true, ScopeId: 0 })) return message;
        return message with
        {
            Records = [.. message.Records.Select(r => r.Address is { IsIPv6LinkLocal: true, ScopeId: 0 } a
                ? r with { Address = new IPAddress(a.GetAddressBytes(), interfaceIndex) } : r)],
        };
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
        foreach (var socket in _sockets) socket.Dispose();
        await Task.WhenAll(_receiving).ContinueWith(_ => { });
        _stop.Dispose();
    }
}
