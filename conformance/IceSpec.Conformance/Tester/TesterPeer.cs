using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using IceSpec.Ice;
using IceSpec.Stun;

namespace IceSpec.Conformance.Tester;

/// <summary>
/// What the tester does with a Binding request from the IUT: the bytes to answer with, and from which of its sockets
/// (null: the socket it arrived on; a different one makes the answer non-symmetric, RFC 8445 §7.2.5.2.1). A null
/// answer means silence.
/// </summary>
public sealed record TesterAnswer(byte[] Bytes, TesterSocket? From = null);

/// <summary>
/// The scripted remote ICE agent of the agent cases: its credentials and tie-breaker, its sockets, the datagrams it
/// saw (all written to <see cref="TesterCapture"/>), an answering policy for the IUT's checks (<see cref="Answer"/>,
/// correct by default) and the means to craft checks and answers, wrong ones included (<see cref="TesterMessages"/>).
/// Built on IceSpec's own codec; it owns no ICE state machine: each case decides what it does next.
/// </summary>
public sealed class TesterPeer : IDisposable
{
    private readonly object _gate = new();
    private readonly List<TesterDatagram> _datagrams = [];
    private readonly List<Exception> _faults = [];
    private readonly List<TesterSocket> _sockets = [];
    private readonly List<TesterTcpListener> _listeners = [];
    private readonly List<TesterTcpConnection> _connections = [];
    private readonly TesterCapture _capture;
    private readonly IPAddress _address;
    private readonly string? _netns;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TesterPeer(TesterCapture capture, IPAddress address, string? netns = null)
    {
        (_capture, _address, _netns) = (capture, address, netns);
        Credentials = IceCredentials.Random(RandomNumberGenerator.Fill);
        Key = StunKey.ShortTerm(Credentials.Password);
        TieBreaker = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        Messages = new TesterMessages(this);
        Answer = TesterAnswers.Correct(this);
    }

    /// <summary>The tester's ufrag and password (RFC 8445 §5.3): what the IUT's checks to it must use (§7.2.2).</summary>
    public IceCredentials Credentials { get; private set; }

    /// <summary>The short-term key of <see cref="Credentials"/>: verifies the IUT's checks, signs the tester's answers.</summary>
    public StunKey Key { get; private set; }

    public ulong TieBreaker { get; set; }

    /// <summary>The IUT's credentials once it gathered: the tester's checks use them (RFC 8445 §7.2.2).</summary>
    public IceCredentials? Iut { get; private set; }

    public StunKey? IutKey { get; private set; }

    public TesterMessages Messages { get; }

    /// <summary>How inbound Binding requests are answered (<see cref="TesterAnswers"/>); null answers nothing.</summary>
    public Func<TesterDatagram, TesterAnswer?>? Answer { get; set; }

    /// <summary>When the tester started: verdicts give times relative to it.</summary>
    public DateTime Origin { get; } = DateTime.UtcNow;

    public IReadOnlyList<TesterSocket> Sockets
    {
        get { lock (_gate) return [.. _sockets]; }
    }

    /// <summary>Everything sent and received so far, in frame order.</summary>
    public IReadOnlyList<TesterDatagram> Datagrams
    {
        get { lock (_gate) return [.. _datagrams]; }
    }

    public IEnumerable<TesterDatagram> Inbound => Datagrams.Where(d => d.Inbound);

    public string CapturePath => _capture.Path;

    public void SetIut(IceCredentials iut)
    {
        Iut = iut;
        IutKey = StunKey.ShortTerm(iut.Password);
    }

    /// <summary>New credentials for an ICE restart (RFC 8445 §9): the IUT learns them through a new description.</summary>
    public void RenewCredentials()
    {
        Credentials = IceCredentials.Random(RandomNumberGenerator.Fill);
        Key = StunKey.ShortTerm(Credentials.Password);
    }

    /// <summary>Opens one more UDP socket on the tester's address (ephemeral port).</summary>
    public TesterSocket OpenSocket()
    {
        var socket = new TesterSocket(_address, _netns, OnReceived);
        lock (_gate) _sockets.Add(socket);
        return socket;
    }

    /// <summary>The tester's ICE-TCP connections so far (RFC 6544), opened by either side.</summary>
    public IReadOnlyList<TesterTcpConnection> TcpConnections
    {
        get { lock (_gate) return [.. _connections]; }
    }

    /// <summary>A passive ICE-TCP candidate of the tester (RFC 6544): a listener on its address (ephemeral port).</summary>
    public TesterTcpListener ListenTcp()
    {
        var listener = new TesterTcpListener(_address, _netns, accepted =>
        {
            var connection = new TesterTcpConnection(accepted, accepted: true, OnTcpMessage);
            lock (_gate)
            {
                _connections.Add(connection);
                Pulse();
            }
            connection.StartReading();
        });
        lock (_gate) _listeners.Add(listener);
        return listener;
    }

    /// <summary>Opens a TCP connection to the IUT's passive candidate at <paramref name="to"/> (the tester as an active candidate).</summary>
    public async Task<TesterTcpConnection> ConnectTcpAsync(IPEndPoint to, CancellationToken ct)
    {
        var socket = _netns is null ? new Socket(to.AddressFamily, SocketType.Stream, ProtocolType.Tcp) : Lab.NamespaceSockets.Tcp(_netns);
        try
        {
            await socket.ConnectAsync(to, ct);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var connection = new TesterTcpConnection(socket, accepted: false, OnTcpMessage);
        lock (_gate) _connections.Add(connection);
        connection.StartReading();
        return connection;
    }

    /// <summary>Sends <paramref name="message"/> on <paramref name="connection"/> as one RFC 4571 frame and records it.</summary>
    public TesterDatagram SendTcp(TesterTcpConnection connection, byte[] message)
    {
        lock (_gate)
        {
            var now = DateTime.UtcNow;
            var framed = IceTcpFraming.Frame(message);
            var frame = _capture.RecordTcp(connection.LocalEndPoint, connection.RemoteEndPoint, framed, now);
            var datagram = new TesterDatagram(frame, now, inbound: false, connection.LocalEndPoint, connection.RemoteEndPoint, message, "tcp");
            _datagrams.Add(datagram);
            connection.Send(framed);
            Pulse();
            return datagram;
        }
    }

    /// <summary>Sends <paramref name="bytes"/> from <paramref name="from"/> to the IUT at <paramref name="to"/> and records it.</summary>
    public TesterDatagram Send(TesterSocket from, IPEndPoint to, byte[] bytes)
    {
        lock (_gate)
        {
            var now = DateTime.UtcNow;
            var frame = _capture.RecordUdp(from.LocalEndPoint, to, bytes, now);
            var datagram = new TesterDatagram(frame, now, inbound: false, from.LocalEndPoint, to, bytes);
            _datagrams.Add(datagram);
            from.SendTo(bytes, to);
            Pulse();
            return datagram;
        }
    }

    /// <summary>
    /// The first inbound datagram after frame <paramref name="afterFrame"/> that <paramref name="match"/> accepts, or null
    /// when none arrives within <paramref name="timeout"/>.
    /// </summary>
    public async Task<TesterDatagram?> WaitAsync(Func<TesterDatagram, bool> match, TimeSpan timeout, CancellationToken ct, int afterFrame = 0)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                foreach (var d in _datagrams)
                    if (d.Frame > afterFrame && d.Inbound && match(d)) return d;
                changed = _changed.Task;
            }
            try
            {
                await changed.WaitAsync(limit.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return null;
            }
        }
    }

    /// <summary>Inbound datagrams accepted by <paramref name="match"/> that arrive within <paramref name="period"/> from now.</summary>
    public async Task<IReadOnlyList<TesterDatagram>> CollectAsync(Func<TesterDatagram, bool> match, TimeSpan period, CancellationToken ct)
    {
        var after = LastFrame;
        await Task.Delay(period, ct);
        return [.. Inbound.Where(d => d.Frame > after && match(d))];
    }

    public int LastFrame
    {
        get { lock (_gate) return _datagrams.Count == 0 ? 0 : _datagrams[^1].Frame; }
    }

    private void OnReceived(TesterSocket socket, byte[] bytes, IPEndPoint source, DateTime receivedAt)
    {
        TesterDatagram datagram;
        lock (_gate)
        {
            var frame = _capture.RecordUdp(source, socket.LocalEndPoint, bytes, receivedAt);
            datagram = new TesterDatagram(frame, receivedAt, inbound: true, socket.LocalEndPoint, source, bytes);
            _datagrams.Add(datagram);
        }
        Answering(() =>
        {
            if (datagram.IsRequest && Answer?.Invoke(datagram) is { } answer) Send(answer.From ?? socket, source, answer.Bytes);
        });
        lock (_gate) Pulse();
    }

    private void OnTcpMessage(TesterTcpConnection connection, byte[] message, DateTime receivedAt)
    {
        TesterDatagram datagram;
        lock (_gate)
        {
            var frame = _capture.RecordTcp(connection.RemoteEndPoint, connection.LocalEndPoint, IceTcpFraming.Frame(message), receivedAt);
            datagram = new TesterDatagram(frame, receivedAt, inbound: true, connection.LocalEndPoint, connection.RemoteEndPoint, message, "tcp");
            _datagrams.Add(datagram);
        }
        Answering(() =>
        {
            if (datagram.IsRequest && Answer?.Invoke(datagram) is { } answer && !connection.Closed) SendTcp(connection, answer.Bytes);
        });
        lock (_gate) Pulse();
    }

    /// <summary>
    /// Runs the answering policy on a receiving thread: an answer that cannot leave (the IUT's port is gone, the tester is
    /// closing) is dropped; any other exception is a fault of the case's own code, kept in <see cref="Faults"/> so that the
    /// case reports it instead of the process ending.
    /// </summary>
    private void Answering(Action answer)
    {
        try
        {
            answer();
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // nothing to answer to any more
        }
        catch (Exception e)
        {
            lock (_gate) _faults.Add(e);
        }
    }

    /// <summary>Exceptions the answering policy threw on the receiving threads (a bug in a case, never the IUT's doing).</summary>
    public IReadOnlyList<Exception> Faults
    {
        get { lock (_gate) return [.. _faults]; }
    }

    private void Pulse()
    {
        var done = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.TrySetResult();
    }

    public void Dispose()
    {
        foreach (var socket in Sockets) socket.Dispose();
        List<IDisposable> tcp;
        lock (_gate) tcp = [.. _listeners, .. _connections];
        foreach (var item in tcp) item.Dispose();
    }
}
