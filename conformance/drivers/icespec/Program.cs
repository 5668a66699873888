using System.Text.Json.Nodes;
using IceSpec.Conformance.Driver;
using IceSpec.Ice;
using IceSpec.Ice.Sdp;

// IceSpec's agent behind the JSON-lines contract of conformance/ADAPTER.md.
var output = new DriverOutput(Console.Out);
var candidates = new CandidateEvents(output);
output.Write(new JsonObject { ["event"] = "ready", ["name"] = "icespec", ["version"] = typeof(IceSession).Assembly.GetName().Version?.ToString() });
IceSession? session = null;
var localLines = new List<string>();   // the candidate lines of the last local-description, reprinted with new credentials after a restart
var pacing = 0UL;                       // the Ta this agent announces (ms; a=ice-pacing, RFC 8839 §5.5): the "pacing" of local-credentials and local-description
try
{
    while (Console.In.ReadLine() is { } line)
    {
        if (string.IsNullOrWhiteSpace(line)) continue;
        try
        {
            var command = JsonNode.Parse(line) as JsonObject ?? throw new CommandException("a command is one JSON object per line");
            var name = (string?)command["command"] ?? (string?)command["cmd"] ?? throw new CommandException("a command needs a \"command\" field");
            if (name == "close") break;
            if (name == "configure")
            {
                if (session is not null) throw new CommandException("configure: only once");
                var options = DriverConfiguration.Parse(command);
                pacing = (ulong)options.Pacing.TotalMilliseconds;
                session = IceSession.Create(options);
                Attach(session, output, candidates, localLines, pacing);
                continue;
            }
            if (session is null) throw new CommandException($"{name}: configure first");
            Handle(session, name, command, output, candidates, localLines, pacing);
        }
        catch (CommandException e) { output.Error(e.Message); }
        catch (System.Text.Json.JsonException e) { output.Error("not JSON: " + e.Message); }
        catch (UnsupportedException e)
        {
            output.Write(new JsonObject { ["event"] = "unsupported", ["command"] = e.Command, ["reason"] = e.Message });
            return 127;
        }
    }
}
finally
{
    if (session is not null) await session.DisposeAsync();
}
output.Write(new JsonObject { ["event"] = "state", ["state"] = "closed" });
output.Write(new JsonObject { ["event"] = "closed" });
return 0;

static void Handle(IceSession session, string name, JsonObject command, DriverOutput output, CandidateEvents candidates, List<string> localLines, ulong pacing)
{
    switch (name)
    {
        case "gather":
            candidates.Release(new JsonObject { ["event"] = "local-credentials", ["ufrag"] = session.LocalCredentials.Ufrag, ["pwd"] = session.LocalCredentials.Password, ["pacing"] = pacing });
            _ = session.GetLocalDescriptionAsync().ContinueWith(t =>
            {
                if (!t.IsCompletedSuccessfully) return;
                lock (localLines) localLines.AddRange(t.Result.Candidates.Select(c => c.FormatLine()));
                WriteLocalDescription(output, new IceCredentials(t.Result.Ufrag!, t.Result.Password!), localLines, pacing);
            });
            break;
        case "restart":
            // RFC 8445 §9: new local credentials; the IceRestarted event prints them and the description (Attach).
            _ = session.RestartAsync();
            break;
        case "remote-description":
            var description = new IceDescription
            {
                Ufrag = (string?)command["ufrag"] ?? throw new CommandException("remote-description: ufrag is required"),
                Password = (string?)command["pwd"] ?? throw new CommandException("remote-description: pwd is required"),
                IceLite = (bool?)command["lite"] ?? false,
                EndOfCandidates = (bool?)command["end-of-candidates"] ?? false,
                // The peer's a=ice-pacing, absent when it announced none (then RFC 8445 §14.2's 50 ms counts for it).
                Pacing = command["pacing"] is not { } announced ? null
                    : announced is JsonValue value && value.TryGetValue<ulong>(out var ms) ? ms
                    : throw new CommandException($"remote-description: pacing must be a whole number of milliseconds, got {announced.ToJsonString()}"),
            };
            foreach (var line in command["candidates"] as JsonArray ?? []) description.Candidates.Add(ParseCandidate((string?)line));
            session.SetRemoteDescription(description);
            break;
        case "remote-candidate":
            session.AddRemoteCandidate(ParseCandidate((string?)command["line"]));
            break;
        case "end-of-candidates":
            session.EndOfRemoteCandidates();
            break;
        case "send":
            byte[] data;
            try { data = Convert.FromBase64String((string?)command["data"] ?? ""); }
            catch (FormatException) { throw new CommandException("send: data must be base64"); }
            if (!session.SendAsync(data).GetAwaiter().GetResult()) output.Error("send: no selected pair yet (or consent expired)");
            break;
        default:
            throw new CommandException($"unknown command '{name}'");
    }
}

static IceCandidate ParseCandidate(string? line)
{
    var text = line?.StartsWith("a=", StringComparison.Ordinal) == true ? line[2..] : line;
    return IceCandidate.TryParse(text, out var candidate, out var error) ? candidate! : throw new CommandException($"bad candidate line '{line}': {error}");
}

static void WriteLocalDescription(DriverOutput output, IceCredentials credentials, List<string> lines, ulong pacing)
{
    lock (lines)
        output.Write(new JsonObject
        {
            ["event"] = "local-description", ["ufrag"] = credentials.Ufrag, ["pwd"] = credentials.Password,
            ["candidates"] = new JsonArray(lines.Select(l => (JsonNode)l).ToArray()), ["pacing"] = pacing,
        });
}

static void Attach(IceSession session, DriverOutput output, CandidateEvents candidates, List<string> localLines, ulong pacing)
{
    session.LocalCandidate += candidate =>
    {
        if (candidate is not null) candidates.Write(new JsonObject { ["event"] = "candidate", ["line"] = candidate.FormatLine() });
    };
    session.Event += iceEvent =>
    {
        switch (iceEvent)
        {
            case IceConnectionStateChanged changed:
                output.Write(new JsonObject { ["event"] = "state", ["state"] = changed.State.ToString().ToLowerInvariant() });
                break;
            case IceSelectedPairChanged selected:
                var local = selected.Pair.MappedLocal ?? selected.Pair.Local;
                var pairEvent = new JsonObject
                {
                    ["event"] = "selected-pair", ["local"] = (selected.Pair.TcpConnectionLocal ?? local.Address).ToString(), ["remote"] = selected.Pair.Remote.Address.ToString(),
                    ["localType"] = local.Candidate.TypeToken, ["remoteType"] = selected.Pair.Remote.Candidate.TypeToken,
                    ["transport"] = local.Transport == IceTransport.Tcp ? "tcp" : "udp",
                };
                if (local.TcpType is { } localTcpType) pairEvent["localTcpType"] = IceCandidate.TcpTypeToken(localTcpType);
                if (selected.Pair.Remote.TcpType is { } remoteTcpType) pairEvent["remoteTcpType"] = IceCandidate.TcpTypeToken(remoteTcpType);
                output.Write(pairEvent);
                break;
            case IceRestarted restarted:
                // Our restart (the restart command) or the peer's (new remote credentials, RFC 8445 §9): the new
                // generation's credentials, then its description (the same host candidates).
                output.Write(new JsonObject { ["event"] = "local-credentials", ["ufrag"] = restarted.LocalCredentials.Ufrag, ["pwd"] = restarted.LocalCredentials.Password, ["pacing"] = pacing });
                WriteLocalDescription(output, restarted.LocalCredentials, localLines, pacing);
                break;
            case IceRelayLost lost:
                output.Write(new JsonObject { ["event"] = "relay-lost", ["reason"] = lost.Reason, ["selected"] = lost.SelectedPairAffected });
                break;
            case IceRelayReallocated reallocated:
                // The next description (after a restart) offers the new relayed candidate instead of the lost one.
                var lostLine = reallocated.Lost.Candidate.FormatLine();
                var newLine = reallocated.Candidate.Candidate.FormatLine();
                lock (localLines)
                {
                    localLines.Remove(lostLine);
                    localLines.Add(newLine);
                }
                output.Write(new JsonObject { ["event"] = "relay-reallocated", ["line"] = newLine });
                break;
            case IceRemoteCandidateDropped dropped:
                // draft-ietf-mmusic-mdns-ice-candidates §3.2.1 step 4: a name that did not resolve; the reason says why.
                output.Write(new JsonObject { ["event"] = "candidate-dropped", ["line"] = dropped.Candidate.FormatLine(), ["reason"] = dropped.Reason });
                break;
            case IceDataReceived data:
                output.Write(new JsonObject { ["event"] = "received", ["data"] = Convert.ToBase64String(data.Data.Span) });
                break;
            case IceCheckSent check:
                Console.Error.WriteLine($"check {check.Pair} use-candidate={check.UseCandidate} triggered={check.Triggered}");
                break;
            case IcePairStateChanged pair:
                Console.Error.WriteLine($"pair {pair.Pair}: {pair.From} -> {pair.To}");
                break;
        }
    };
}
