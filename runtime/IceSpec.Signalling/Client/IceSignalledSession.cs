using System.Net;
using System.Threading.Channels;
using IceSpec.Ice;
using IceSpec.Ice.Sdp;

namespace IceSpec.Signalling;

/// <summary>
/// An <see cref="IceSession"/> signalled through <c>icespec signal-server</c>: joins the room, adds the TURN servers of
/// the welcome (their REST credentials) to the session's options, and once another peer is in the room sends the
/// session's description at once and then each candidate as it is gathered, then end-of-candidates (trickle, RFC 8838);
/// the peer's description and candidates are applied as they come. No stream or component bookkeeping: one session,
/// one data stream. A description with new credentials from the peer is an ICE restart (RFC 8445 §9): the session
/// restarts and answers with its new description; <see cref="RestartAsync"/> starts one from this side.
/// </summary>
public sealed class IceSignalledSession : IAsyncDisposable
{
    private readonly SignalClient _client;
    private readonly Channel<IceCandidate?> _gathered = Channel.CreateUnbounded<IceCandidate?>();
    private readonly TaskCompletionSource _peerPresent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<IceDescription> _remote = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _peerLeft = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _stopReceiving = new();
    private Task _receiving = Task.CompletedTask;
    private Task _trickling = Task.CompletedTask;
    private string? _remoteUfrag;
    private bool _restartedHere;

    private IceSignalledSession(SignalClient client, IceSession session)
    {
        _client = client;
        Session = session;
        session.LocalCandidate += candidate => _gathered.Writer.TryWrite(candidate);
        if (client.Welcome.Peers is { Count: > 0 }) _peerPresent.TrySetResult();
    }

    private void Start()
    {
        _receiving = ReceiveAsync();
        _trickling = TrickleAsync();
    }

    public IceSession Session { get; }

    /// <summary>This peer's id in the room (from the welcome).</summary>
    public string PeerId => _client.PeerId;

    /// <summary>The TURN servers the welcome named (added to the session's options).</summary>
    public IReadOnlyList<IceTurnServer> TurnServers { get; private init; } = [];

    /// <summary>The peer's first description, once applied.</summary>
    public Task<IceDescription> RemoteDescription => _remote.Task;

    /// <summary>Completes with the peer's id when the server says it left the room.</summary>
    public Task<string> PeerLeft => _peerLeft.Task;

    /// <summary>Completes with the reason when the server closed the connection or it was lost.</summary>
    public Task<string> Closed => _closed.Task;

    /// <summary>Each candidate of the peer's, just before it is applied.</summary>
    public event Action<IceCandidate>? RemoteCandidate;

    /// <summary>Each description of the peer's (the first and restarts), just before it is applied.</summary>
    public event Action<IceDescription>? RemoteDescriptionReceived;

    /// <summary>What the server or the peer sent that could not be used (an error message, a bad candidate line).</summary>
    public event Action<string>? Problem;

    /// <summary>
    /// Joins <paramref name="url"/> (<c>ws://HOST:PORT/ROOM?token=…</c>) and starts the session with
    /// <paramref name="options"/> plus the welcome's TURN servers. Throws <see cref="SignalException"/> with the server's
    /// reason when it refuses (bad token, room full…). <paramref name="subscribe"/> runs before any message of the peer
    /// is read, so that handlers it adds see every one.
    /// </summary>
    public static async Task<IceSignalledSession> JoinAsync(Uri url, IceSessionOptions options, Action<IceEvent>? onEvent = null,
        Action<IceSignalledSession>? subscribe = null, CancellationToken ct = default)
    {
        var client = await SignalClient.ConnectAsync(url, ct: ct);
        var turn = TurnServersOf(client.Welcome);
        var withTurn = options with { TurnServers = [.. options.TurnServers, .. turn] };
        var session = onEvent is null ? IceSession.Create(withTurn) : IceSession.Create(withTurn, onEvent);
        var signalled = new IceSignalledSession(client, session) { TurnServers = turn };
        subscribe?.Invoke(signalled);
        signalled.Start();
        return signalled;
    }

    /// <summary>ICE restart from this side (RFC 8445 §9): new credentials, sent to the peer as a new description.</summary>
    public async Task RestartAsync()
    {
        _restartedHere = true;
        var description = await Session.RestartAsync();
        await SendDescriptionAsync(description);
    }

    /// <summary>The welcome's <c>turn:HOST:PORT</c> servers that resolve, with their credentials (the realm is learnt from the server's 401).</summary>
    private static List<IceTurnServer> TurnServersOf(SignalMessage welcome)
    {
        var servers = new List<IceTurnServer>();
        foreach (var server in welcome.IceServers ?? [])
        {
            if (!server.Urls.StartsWith("turn:", StringComparison.Ordinal)) continue;
            var hostPort = server.Urls["turn:".Length..].Split('?')[0];
            if (IPEndPoint.TryParse(hostPort, out var endPoint) && endPoint.Port != 0)
                servers.Add(new IceTurnServer(endPoint, server.Username, server.Credential));
        }
        return servers;
    }

    /// <summary>Once a peer is in the room: our description so far, then each candidate as gathered, then end-of-candidates.</summary>
    private async Task TrickleAsync()
    {
        try
        {
            await _peerPresent.Task.WaitAsync(_stop.Token);
            var head = await Session.GetCurrentDescriptionAsync(_stop.Token);
            var sent = head.Candidates.Select(c => c.FormatLine()).ToHashSet(StringComparer.Ordinal);
            await SendDescriptionAsync(head);
            if (head.EndOfCandidates) return;
            await foreach (var candidate in _gathered.Reader.ReadAllAsync(_stop.Token))
            {
                if (candidate is null)
                {
                    await _client.SendAsync(new SignalMessage { Type = SignalMessageTypes.EndOfCandidates }, _stop.Token);
                    return;
                }
                if (sent.Add(candidate.FormatLine()))
                    await _client.SendAsync(new SignalMessage { Type = SignalMessageTypes.Candidate, Candidate = candidate.FormatLine() }, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SignalException) { }
    }

    private Task SendDescriptionAsync(IceDescription description) =>
        _client.SendAsync(new SignalMessage { Type = SignalMessageTypes.Description, Sdp = description.Format() }, _stop.Token);

    private async Task ReceiveAsync()
    {
        try
        {
            while (true)
            {
                var message = await _client.ReceiveAsync(_stopReceiving.Token);
                switch (message.Type)
                {
                    case SignalMessageTypes.PeerJoined: _peerPresent.TrySetResult(); break;
                    case SignalMessageTypes.PeerLeft: _peerLeft.TrySetResult(message.Peer ?? "?"); break;
                    case SignalMessageTypes.Description: await ApplyDescriptionAsync(message.Sdp); break;
                    case SignalMessageTypes.Candidate: ApplyCandidate(message.Candidate); break;
                    case SignalMessageTypes.EndOfCandidates: Session.EndOfRemoteCandidates(); break;
                    case SignalMessageTypes.Error: Problem?.Invoke("signal server: " + message.Message); break;
                }
            }
        }
        catch (SignalException e)
        {
            _closed.TrySetResult(e.Message);
        }
        catch (OperationCanceledException)
        {
            _closed.TrySetResult("left the room");
        }
    }

    /// <summary>The peer's description; one with other credentials than the last is a restart (RFC 8445 §9.2), answered with ours.</summary>
    private async Task ApplyDescriptionAsync(string? sdp)
    {
        var parsed = IceSdp.Parse(sdp);
        foreach (var error in parsed.Errors) Problem?.Invoke($"peer description {error}");
        var description = parsed.Session;
        if (description.Ufrag is null || description.Password is null)
        {
            Problem?.Invoke("peer description without a=ice-ufrag and a=ice-pwd: ignored");
            return;
        }
        var restart = _remoteUfrag is not null && _remoteUfrag != description.Ufrag;
        _remoteUfrag = description.Ufrag;
        RemoteDescriptionReceived?.Invoke(description);
        Session.SetRemoteDescription(description);
        _remote.TrySetResult(description);
        if (!restart) return;
        if (_restartedHere) { _restartedHere = false; return; }
        await SendDescriptionAsync(await Session.GetCurrentDescriptionAsync(_stop.Token));
    }

    private void ApplyCandidate(string? line)
    {
        if (!IceCandidate.TryParse(line, out var candidate, out var error))
        {
            Problem?.Invoke($"peer candidate {error}");
            return;
        }
        RemoteCandidate?.Invoke(candidate!);
        Session.AddRemoteCandidate(candidate!);
    }

    /// <summary>Leaves the room (the peer is told) and closes the session.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _trickling;
        await _client.CloseAsync();   // the server answers the close, which ends the receiving
        _stopReceiving.CancelAfter(TimeSpan.FromSeconds(2));
        await _receiving.ContinueWith(_ => { });
        await _client.DisposeAsync();
        await Session.DisposeAsync();
        _stop.Dispose();
        _stopReceiving.Dispose();
    }
}
