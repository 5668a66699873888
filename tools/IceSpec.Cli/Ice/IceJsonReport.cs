using System.Globalization;
using System.Net;
using System.Text.Json;
using IceSpec.Cli.Commands;
using IceSpec.Ice;
using IceSpec.Ice.Sdp;

namespace IceSpec.Cli.Ice;

/// <summary>
/// <c>--json</c>: one JSON object per line on stdout, each with <c>type</c>, <c>side</c>, <c>time</c> (ISO 8601 UTC) and
/// <c>ms</c> (since the command started, on the same clock). The schema of every type is in docs/ice-json.md;
/// a field a type has is always present (null when it does not apply). Errors also go to stderr as text.
/// </summary>
internal sealed class IceJsonReport(CliConsole console, string side, TimeProvider clock) : IIceReport
{
    private readonly Lock _gate = new();
    private readonly DateTimeOffset _startUtc = clock.GetUtcNow();
    private readonly long _start = clock.GetTimestamp();

    public void Started(IceRole role, IceNomination nomination, TimeSpan timeout) => Line("start", json =>
    {
        json.WriteString("role", Token(role));
        json.WriteString("nomination", Token(nomination));
        json.WriteNumber("timeoutSeconds", timeout.TotalSeconds);
    });

    public void Event(IceEvent iceEvent)
    {
        switch (iceEvent)
        {
            case IceCandidateGathered g:
                Line("local-candidate", json => Candidate(json, "candidate", g.Candidate.Candidate, g.Candidate.Address));
                break;
            case IceGatheringComplete:
                Line("gathering-complete", _ => { });
                break;
            case IceCheckSent c:
                Check(c.Pair, "sent", c.UseCandidate, c.Triggered);
                break;
            case IcePairStateChanged p:
                Line("pair-state", json =>
                {
                    Pair(json, p.Pair, selected: false);
                    json.WriteString("from", Token(p.From));
                    json.WriteString("to", Token(p.To));
                });
                // RFC 8445 §7.2.5.3: a success response makes the pair Succeeded; §7.2.5.2: an error or a timeout, Failed.
                if (p.To == CandidatePairState.Succeeded) Check(p.Pair, "answered", null, null);
                else if (p.To == CandidatePairState.Failed) Check(p.Pair, "failed", null, null);
                break;
            case IceSelectedPairChanged s:
                Line("selected-pair", json => Pair(json, s.Pair, selected: true));
                break;
            case IceConnectionStateChanged s:
                Line("connection-state", json => json.WriteString("state", Token(s.State)));
                break;
            case IceRoleChanged r:
                Line("role-change", json => json.WriteString("role", Token(r.Role)));
                break;
            case IceRemoteCandidateDropped d:
                Line("candidate-dropped", json =>
                {
                    json.WriteString("candidate", d.Candidate.FormatLine());
                    json.WriteString("reason", d.Reason);
                });
                break;
            case IceServerFailed f:
                Line("server-failed", json =>
                {
                    json.WriteString("server", f.Server.ToString());
                    json.WriteString("reason", f.Reason);
                });
                break;
        }
    }

    public void LocalDescription(IceDescription description, string peerSide, string? file)
    {
        Line("local-description", json =>
        {
            json.WriteString("file", file);
            json.WriteStartArray("lines");
            foreach (var line in description.FormatLines()) json.WriteStringValue(line);
            json.WriteEndArray();
        });
        if (file is null)
            lock (_gate) console.Error.WriteLine($"paste the {peerSide}'s lines, ending with a=end-of-candidates:");
    }

    // --trickle prints RFC 8839 lines for a person or a pipe; with --json it is refused (IceCommand), so these never run.
    public void TrickleStarted(IceDescription head, string peerSide) { }

    public void TrickledLine(string line) { }

    public void TrickleEnded() { }

    public void RemoteCandidate(IceCandidate candidate) => Line("remote-candidate", json => Candidate(json, "candidate", candidate, EndPoint(candidate)));

    public void RemoteDescription(IceDescription description, string source)
    {
        Line("remote-description", json =>
        {
            json.WriteString("source", source);
            json.WriteString("ufrag", description.Ufrag);
            json.WriteBoolean("iceLite", description.IceLite);
            json.WriteNumber("candidates", description.Candidates.Count);
        });
        foreach (var candidate in description.Candidates)
            Line("remote-candidate", json => Candidate(json, "candidate", candidate, EndPoint(candidate)));
    }

    public void Connected(IceCandidatePair pair, IceRole role, TimeSpan sinceRemoteDescription) => Line("connected", json =>
    {
        Pair(json, pair, selected: true);
        json.WriteString("role", Token(role));
        json.WriteNumber("timeToConnectedMs", Milliseconds(sinceRemoteDescription));
    });

    public void DataSent(string line, bool sent) => Data(sent ? "sent" : "not-sent", 1, line);

    public void DataReceived(int component, string line) => Data("received", component, line);

    public void Failed(IceStage stage, string message)
    {
        Line("error", json =>
        {
            json.WriteString("stage", Token(stage));
            json.WriteString("message", message);
        });
        lock (_gate) console.Error.WriteLine($"icespec: ice {side}: {message}");
    }

    public void Ended(int exitCode) => Line("end", json => json.WriteNumber("exitCode", exitCode));

    private void Check(IceCandidatePair pair, string result, bool? useCandidate, bool? triggered) => Line("check", json =>
    {
        json.WriteString("result", result);
        Pair(json, pair, selected: false);
        if (useCandidate is { } u) json.WriteBoolean("useCandidate", u); else json.WriteNull("useCandidate");
        if (triggered is { } t) json.WriteBoolean("triggered", t); else json.WriteNull("triggered");
    });

    private void Data(string direction, int component, string text) => Line("data", json =>
    {
        json.WriteString("direction", direction);
        json.WriteNumber("component", component);
        json.WriteString("text", text);
    });

    /// <summary>
    /// A pair: its local and remote candidates. For the selected pair the local one is the valid pair's (the candidate the
    /// check's XOR-MAPPED-ADDRESS named, RFC 8445 §7.2.5.3.2); over ICE-TCP, <c>connectionLocal</c> is where the
    /// connection really left from (an active candidate is signalled with port 9, RFC 6544 §4.5).
    /// </summary>
    private static void Pair(Utf8JsonWriter json, IceCandidatePair pair, bool selected)
    {
        json.WriteStartObject("pair");
        var local = selected ? pair.MappedLocal ?? pair.Local : pair.Local;
        Candidate(json, "local", local.Candidate, local.Address);
        Candidate(json, "remote", pair.Remote.Candidate, pair.Remote.Address);
        json.WriteString("connectionLocal", pair.TcpConnectionLocal?.ToString());
        json.WriteBoolean("nominated", pair.Nominated);
        json.WriteEndObject();
    }

    private static void Candidate(Utf8JsonWriter json, string name, IceCandidate candidate, IPEndPoint address)
    {
        json.WriteStartObject(name);
        json.WriteString("type", candidate.Type switch
        {
            IceCandidateType.Host => "host",
            IceCandidateType.ServerReflexive => "srflx",
            IceCandidateType.PeerReflexive => "prflx",
            IceCandidateType.Relayed => "relay",
            _ => candidate.TypeToken,
        });
        json.WriteString("transport", candidate.TransportToken.ToLowerInvariant());
        json.WriteString("tcpType", candidate.TcpType switch
        {
            IceTcpType.Active => "active",
            IceTcpType.Passive => "passive",
            IceTcpType.SimultaneousOpen => "so",
            _ => null,
        });
        json.WriteString("address", address.Address.ToString());
        json.WriteNumber("port", address.Port);
        json.WriteString("foundation", candidate.Foundation);
        json.WriteNumber("component", candidate.ComponentId);
        json.WriteNumber("priority", candidate.Priority);
        json.WriteString("line", candidate.FormatLine());
        json.WriteEndObject();
    }

    /// <summary>A signalled candidate's address; an FQDN (RFC 8839 §5.1) is kept as written, with address 0.0.0.0.</summary>
    private static IPEndPoint EndPoint(IceCandidate candidate) =>
        new(IPAddress.TryParse(candidate.Address.ToString(), out var ip) ? ip : IPAddress.Any, candidate.Port);

    private void Line(string type, Action<Utf8JsonWriter> fields)
    {
        lock (_gate)
        {
            // Taken inside the lock: lines appear in the order of their times.
            var elapsed = clock.GetElapsedTime(_start);
            var line = StunCommand.Json(json =>
            {
                json.WriteString("type", type);
                json.WriteString("side", side);
                json.WriteString("time", (_startUtc + elapsed).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                json.WriteNumber("ms", Milliseconds(elapsed));
                fields(json);
            });
            console.Out.WriteLine(line);
            console.Out.Flush();
        }
    }

    private static double Milliseconds(TimeSpan t) => Math.Round(t.TotalMilliseconds, 3);

    /// <summary>An enum value as a lower-case token with dashes: InProgress → in-progress.</summary>
    private static string Token<T>(T value) where T : struct, Enum =>
        string.Concat(value.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
