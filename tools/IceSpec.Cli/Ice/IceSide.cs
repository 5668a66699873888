using System.Diagnostics;
using System.Text;
using IceSpec.Ice;
using IceSpec.Ice.Sdp;
using IceSpec.Signalling;

namespace IceSpec.Cli.Ice;

/// <summary>
/// One side of <c>icespec ice offer|answer</c>, stage by stage: gather; write our description and read the peer's;
/// run the checks; exchange lines. <c>--timeout</c> bounds each stage, and a stage that runs out names itself.
/// </summary>
/// <remarks>
/// With <c>trickle</c> (RFC 8838; stdin/stdout only) the stages overlap: our description's head (credentials, options,
/// the host candidates) is printed at once and each further candidate as it is gathered, then a=end-of-candidates; the
/// peer's lines are applied as they come, so the checks on host candidates run while server-reflexive and relayed ones
/// are still gathered on either side. A peer that prints its whole description at once reads and writes the same lines.
/// </remarks>
internal sealed class IceSide(CliConsole console, string side, IceSessionOptions options, DirectoryInfo? signal, TimeSpan timeout, IIceReport report,
    bool trickle = false, Uri? signalUrl = null)
{
    private string PeerSide => side == "offer" ? "answer" : "offer";

    public async Task<int> RunAsync()
    {
        var exit = await RunStagesAsync();
        report.Ended(exit);
        return exit;
    }

    private async Task<int> RunStagesAsync()
    {
        report.Started(options.Role, options.Nomination, timeout);
        if (signalUrl is not null) return await RunSignalledAsync(signalUrl);
        await using var session = IceSession.Create(options, report.Event);
        if (trickle) return await RunTrickleAsync(session);
        var stage = IceStage.Gathering;
        try
        {
            var local = await session.GetLocalDescriptionAsync().WaitAsync(timeout);

            stage = IceStage.Description;
            var (remote, source) = await ExchangeDescriptionsAsync(local);
            if (remote is null)
            {
                report.Failed(stage, $"no {PeerSide} description in {source}: expected a=ice-ufrag, a=ice-pwd and a=candidate lines ending with a=end-of-candidates");
                return ExitCodes.Usage;
            }
            var checksStarted = Stopwatch.GetTimestamp();
            report.RemoteDescription(remote, source);
            session.SetRemoteDescription(remote);

            stage = IceStage.Connectivity;
            var pair = await session.ConnectAsync().WaitAsync(timeout);
            report.Connected(pair, session.Role, Stopwatch.GetElapsedTime(checksStarted));
        }
        catch (TimeoutException e)
        {
            report.Failed(stage, e is StageTimeoutException ? e.Message : $"timed out after {Seconds} s {Doing(stage, session)}");
            return ExitCodes.Failed;
        }
        catch (Exception e) when (e is IceSessionException or IOException or UnauthorizedAccessException)
        {
            report.Failed(stage, e.Message);
            return ExitCodes.Failed;
        }

        return await ExchangeLinesAsync(session);
    }

    /// <summary>
    /// The stages with trickle (see the class remarks): "connected" is printed as soon as it is, while the peer's lines
    /// may still come; the exchange starts once both descriptions are complete (stdin carries the peer's lines first).
    /// </summary>
    private async Task<int> RunTrickleAsync(IceSession session)
    {
        var stage = IceStage.Description;
        var ours = WriteTrickledDescriptionAsync(session);
        try
        {
            var started = Stopwatch.GetTimestamp();
            var reading = ReadTrickledDescriptionAsync(session);
            var connecting = session.ConnectAsync();
            if (await Task.WhenAny(reading, connecting) == reading)
            {
                if (await reading is null)
                {
                    report.Failed(stage, $"no {PeerSide} description on stdin: expected a=ice-ufrag, a=ice-pwd and a=candidate lines ending with a=end-of-candidates");
                    return ExitCodes.Usage;
                }
                stage = IceStage.Connectivity;
            }
            var pair = await connecting.WaitAsync(timeout);
            report.Connected(pair, session.Role, Stopwatch.GetElapsedTime(Volatile.Read(ref _checksStarted)));
            stage = IceStage.Description;
            if (await reading is null) return ExitCodes.Usage;
            stage = IceStage.Gathering;
            var left = timeout - Stopwatch.GetElapsedTime(started);
            await ours.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
        catch (TimeoutException e)
        {
            report.Failed(stage, e is StageTimeoutException ? e.Message : $"timed out after {Seconds} s {Doing(stage, session)}");
            return ExitCodes.Failed;
        }
        catch (Exception e) when (e is IceSessionException or IOException)
        {
            report.Failed(stage, e.Message);
            return ExitCodes.Failed;
        }
        return await ExchangeLinesAsync(session);
    }

    /// <summary>
    /// Through <c>icespec signal-server</c> (<see cref="IceSignalledSession"/>): join the room, trickle both ways, connect,
    /// exchange lines. The peer leaving the room is told on stderr; the ICE connection goes on while consent holds.
    /// </summary>
    private async Task<int> RunSignalledAsync(Uri url)
    {
        var room = SignalClient.Describe(url);
        var stage = IceStage.Description;
        IceSignalledSession signalled;
        try
        {
            signalled = await IceSignalledSession.JoinAsync(url, options, report.Event, subscribe: joined =>
            {
                joined.RemoteDescriptionReceived += description =>
                {
                    Volatile.Write(ref _checksStarted, Stopwatch.GetTimestamp());
                    report.RemoteDescription(description, room);
                };
                joined.RemoteCandidate += report.RemoteCandidate;
                joined.Problem += problem => console.Error.WriteLine("icespec: " + problem);
                joined.PeerLeft.ContinueWith(left => console.Error.WriteLine($"icespec: signal: peer {left.Result} left the room"), TaskContinuationOptions.OnlyOnRanToCompletion);
            }).WaitAsync(timeout);
        }
        catch (SignalException e)
        {
            report.Failed(stage, e.Message);
            return ExitCodes.Failed;
        }
        catch (TimeoutException)
        {
            report.Failed(stage, $"timed out after {Seconds} s joining {room}");
            return ExitCodes.Failed;
        }
        await using var leaving = signalled;
        var turn = string.Join(", ", signalled.TurnServers.Select(t => $"{t.Server} as {t.Username}"));
        console.Error.WriteLine($"icespec: signal: joined {room} as peer {signalled.PeerId}; TURN servers: {(turn.Length > 0 ? turn : "none")}");
        var session = signalled.Session;
        try
        {
            var remote = await Task.WhenAny(signalled.RemoteDescription, signalled.Closed).WaitAsync(timeout);
            if (remote != signalled.RemoteDescription)
            {
                report.Failed(stage, await signalled.Closed);
                return ExitCodes.Failed;
            }
            stage = IceStage.Connectivity;
            var pair = await session.ConnectAsync().WaitAsync(timeout);
            report.Connected(pair, session.Role, Stopwatch.GetElapsedTime(Volatile.Read(ref _checksStarted)));
        }
        catch (TimeoutException)
        {
            report.Failed(stage, stage == IceStage.Description ? $"timed out after {Seconds} s waiting for the {PeerSide} in {room}" : $"timed out after {Seconds} s {Doing(stage, session)}");
            return ExitCodes.Failed;
        }
        catch (IceSessionException e)
        {
            report.Failed(stage, e.Message);
            return ExitCodes.Failed;
        }
        return await ExchangeLinesAsync(session);
    }

    /// <summary>When the peer's description was first applied (trickle): the checks' start.</summary>
    private long _checksStarted = Stopwatch.GetTimestamp();

    /// <summary>Prints our description's head now, then each candidate as it is gathered, then a=end-of-candidates.</summary>
    private async Task WriteTrickledDescriptionAsync(IceSession session)
    {
        var later = System.Threading.Channels.Channel.CreateUnbounded<IceCandidate?>();
        session.LocalCandidate += candidate => later.Writer.TryWrite(candidate);   // subscribed before the head is taken
        var head = await session.GetCurrentDescriptionAsync();
        var printed = head.Candidates.Select(c => c.FormatLine()).ToHashSet(StringComparer.Ordinal);
        report.TrickleStarted(head, PeerSide);
        if (head.EndOfCandidates) return;
        await foreach (var candidate in later.Reader.ReadAllAsync())
        {
            if (candidate is null) break;
            if (printed.Add(candidate.FormatLine())) report.TrickledLine(candidate.FormatLine());
        }
        report.TrickledLine("a=end-of-candidates");
        report.TrickleEnded();
    }

    /// <summary>
    /// Reads the peer's lines from stdin as they come: the head is applied at its first a=candidate line (or at
    /// a=end-of-candidates), each later candidate is added at once, a=end-of-candidates ends the reading.
    /// </summary>
    private async Task<IceDescription?> ReadTrickledDescriptionAsync(IceSession session)
    {
        var head = new StringBuilder();
        IceDescription? applied = null;
        try
        {
            while (await ReadLineAsync().WaitAsync(timeout) is { } raw)
            {
                var line = raw.Trim();
                if (!line.StartsWith("a=", StringComparison.Ordinal)) continue;   // a terminal's headings, blank lines
                var end = line == "a=end-of-candidates";
                if (applied is null)
                {
                    head.AppendLine(line);
                    if (!end && !line.StartsWith("a=candidate", StringComparison.Ordinal)) continue;
                    var parsed = IceSdp.Parse(head.ToString());
                    foreach (var error in parsed.Errors) console.Error.WriteLine($"icespec: {PeerSide} description {error}");
                    applied = parsed.Session;
                    if (applied.Ufrag is null || applied.Password is null) return null;
                    Volatile.Write(ref _checksStarted, Stopwatch.GetTimestamp());
                    report.RemoteDescription(applied, "stdin");
                    session.SetRemoteDescription(applied);
                    if (end) break;
                    continue;
                }
                if (end)
                {
                    session.EndOfRemoteCandidates();
                    break;
                }
                if (!IceCandidate.TryParse(line, out var candidate, out var bad))
                {
                    console.Error.WriteLine($"icespec: {PeerSide} candidate {bad}");
                    continue;
                }
                report.RemoteCandidate(candidate!);
                session.AddRemoteCandidate(candidate!);
            }
        }
        catch (TimeoutException)
        {
            throw new StageTimeoutException($"timed out after {Seconds} s waiting for the {PeerSide} on stdin (its lines up to a=end-of-candidates)");
        }
        return applied;
    }

    private string Seconds => timeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    private static string Doing(IceStage stage, IceSession session) => stage switch
    {
        IceStage.Gathering => "gathering candidates (RFC 8445 §5.1.1)",
        IceStage.Connectivity => $"in the connectivity checks (RFC 8445 §7.2), no pair selected (connection state {session.State.ToString().ToLowerInvariant()})",
        _ => stage.ToString().ToLowerInvariant(),
    };

    /// <summary>Writes our description (stdout, or <c>DIR/offer.sdp</c>), then reads the peer's (stdin, or <c>DIR/answer.sdp</c> once it appears).</summary>
    private async Task<(IceDescription? Description, string Source)> ExchangeDescriptionsAsync(IceDescription local)
    {
        string remoteText;
        string source;
        if (signal is not null)
        {
            signal.Create();
            var mine = Path.Combine(signal.FullName, side + ".sdp");
            await File.WriteAllTextAsync(mine + ".tmp", local.Format());
            File.Move(mine + ".tmp", mine, overwrite: true);
            report.LocalDescription(local, PeerSide, mine);
            source = Path.Combine(signal.FullName, PeerSide + ".sdp");
            var waitingSince = Stopwatch.GetTimestamp();
            while (!File.Exists(source))
            {
                if (Stopwatch.GetElapsedTime(waitingSince) > timeout)
                    throw new StageTimeoutException($"timed out after {Seconds} s waiting for the {PeerSide} in {source}");
                await Task.Delay(100);
            }
            remoteText = await File.ReadAllTextAsync(source);
        }
        else
        {
            report.LocalDescription(local, PeerSide, null);
            source = "stdin";
            var lines = new StringBuilder();
            try
            {
                while (await ReadLineAsync().WaitAsync(timeout) is { } line)
                {
                    lines.AppendLine(line);
                    if (line.Trim() == "a=end-of-candidates") break;
                }
            }
            catch (TimeoutException)
            {
                throw new StageTimeoutException($"timed out after {Seconds} s waiting for the {PeerSide} on stdin (its lines up to a=end-of-candidates)");
            }
            remoteText = lines.ToString();
        }
        var parsed = IceSdp.Parse(remoteText);
        foreach (var error in parsed.Errors) console.Error.WriteLine($"icespec: {PeerSide} description {error}");
        var description = parsed.Session;
        return (description.Ufrag is null || description.Password is null ? null : description, source);
    }

    /// <summary>
    /// Sends every stdin line as one datagram and reports every datagram received, until stdin ends; fails when nothing
    /// was sent or received for <c>--timeout</c> (the peer is gone, or nobody types).
    /// </summary>
    private async Task<int> ExchangeLinesAsync(IceSession session)
    {
        var lastActivity = Stopwatch.GetTimestamp();
        using var stop = new CancellationTokenSource();
        var receiving = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var (component, data) = await session.ReceiveAsync(stop.Token);
                Volatile.Write(ref lastActivity, Stopwatch.GetTimestamp());
                report.DataReceived(component, Encoding.UTF8.GetString(data));
            }
        });
        try
        {
            var reading = ReadLineAsync();
            while (true)
            {
                var idleLeft = timeout - Stopwatch.GetElapsedTime(Volatile.Read(ref lastActivity));
                if (idleLeft <= TimeSpan.Zero)
                {
                    report.Failed(IceStage.Exchange, $"timed out after {Seconds} s in the data exchange: no line sent or received");
                    return ExitCodes.Failed;
                }
                using var wake = new CancellationTokenSource();
                if (await Task.WhenAny(reading, Task.Delay(idleLeft, wake.Token)) != reading) continue; // a line may have arrived meanwhile
                wake.Cancel();
                if (await reading is not { } line) break;
                Volatile.Write(ref lastActivity, Stopwatch.GetTimestamp());
                report.DataSent(line, await session.SendAsync(Encoding.UTF8.GetBytes(line)));
                reading = ReadLineAsync();
            }
            await Task.Delay(200); // let the last datagrams arrive before closing
            return ExitCodes.Ok;
        }
        finally
        {
            stop.Cancel();
            await receiving.ContinueWith(_ => { });
        }
    }

    /// <summary>
    /// The next stdin line, read on a pool thread: Console.In's ReadLineAsync blocks its caller, and a stage must be able
    /// to time out while nobody types (the read is left behind; the process ends without it).
    /// </summary>
    private Task<string?> ReadLineAsync() => Task.Run(() => console.In.ReadLineAsync());

    /// <summary>A stage ran out of time; the message names the stage and what it waited for.</summary>
    private sealed class StageTimeoutException(string message) : TimeoutException(message);
}
