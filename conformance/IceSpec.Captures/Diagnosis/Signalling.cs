using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using IceSpec.Captures.Credentials;
using IceSpec.Ice.Sdp;

namespace IceSpec.Captures.Diagnosis;

/// <summary>A signalling record to diagnose with the captures: its label in reports and its path (an SDP, or an adapter JSON-lines log).</summary>
public sealed record SignallingInput(string Label, string Path);

/// <summary>
/// Whose word a <see cref="SignalledAgent"/> is: <see cref="Own"/> the agent's own account of itself (a driver's
/// <c>local-credentials</c>, <c>candidate</c>, <c>local-description</c> events: what it gathered and meant to advertise);
/// <see cref="Told"/> what its peer was given (the <c>remote-description</c>, <c>remote-candidate</c>,
/// <c>end-of-candidates</c> commands sent to the peer's driver, or an SDP: what actually crossed the signalling channel).
/// </summary>
public enum SignalledView { Own, Told }

/// <summary>One signalled candidate (RFC 8839 §5.1), when it was given (null: not known) and the file and line it came from.</summary>
public sealed record SignalledCandidate(IceCandidate Candidate, DateTime? At, string Origin)
{
    /// <summary>The candidate's transport address; null for an FQDN (an mDNS name, RFC 8839 §5.1) that the capture cannot show.</summary>
    public IPEndPoint? Address => Candidate.Address.IPAddress is { } ip ? new IPEndPoint(ip, Candidate.Port) : null;

    public override string ToString() => $"{Candidate.TypeToken} {Candidate.Address}:{Candidate.Port}";
}

/// <summary>
/// One generation of one ICE agent as signalling shows it (RFC 8839 §5.4 ice-ufrag/ice-pwd, §5.1 candidates, RFC 8838
/// §13 end-of-candidates): from which record (<see cref="Source"/>), whose word (<see cref="View"/>), its credentials,
/// its candidates with the time each was given, whether and when the end of its candidates was signalled, and whether
/// its candidates were trickled (given after the description, RFC 8838).
/// </summary>
public sealed class SignalledAgent
{
    public required string Source { get; init; }
    public required SignalledView View { get; init; }
    public required string Ufrag { get; init; }
    public required string Password { get; init; }
    /// <summary>When the credentials were given (the description's time); null when not known (an SDP).</summary>
    public DateTime? DescribedAt { get; init; }
    /// <summary>Where the credentials were given: <c>file:line</c>.</summary>
    public required string Origin { get; init; }
    /// <summary>The agent's role, when the record says it (a driver's <c>configure</c> command).</summary>
    public string? Role { get; init; }
    public List<SignalledCandidate> Candidates { get; } = [];
    public bool EndOfCandidates { get; set; }
    public DateTime? EndOfCandidatesAt { get; set; }
    /// <summary>Candidates came (or could come) after the description: <c>remote-candidate</c> / <c>candidate</c> lines, or <c>a=ice-options:trickle</c>.</summary>
    public bool Trickle { get; set; }

    public override string ToString() => $"{Ufrag} ({View} in {Source}, {Candidates.Count} candidate{(Candidates.Count == 1 ? "" : "s")})";
}

/// <summary>A signalling record that cannot be read: the message names the file and line.</summary>
public sealed class SignallingException(string message) : Exception(message);

/// <summary>
/// Reads signalling records into <see cref="SignalledAgent"/>s. Two forms, told apart by the first character (JSON: '{' or '['):
/// <list type="bullet">
/// <item>an SDP or a bare attribute block (RFC 8839: <c>a=ice-ufrag</c>, <c>a=ice-pwd</c>, <c>a=candidate</c>,
/// <c>a=end-of-candidates</c>, <c>a=ice-options:trickle</c>; session level or per m= section), no times;</item>
/// <item>an adapter log (conformance/ADAPTER.md): one JSON object per line, a <c>command</c> sent to a driver (with
/// <c>sentAt</c>) or an <c>event</c> it printed (with <c>receivedAt</c>, as the kit records them), ISO 8601.</item>
/// </list>
/// Strict: a line that is not what the form allows is a <see cref="SignallingException"/> naming the file and line.
/// </summary>
public static class SignallingReader
{
    private static readonly HashSet<string> Commands = ["configure", "gather", "remote-description", "remote-candidate", "end-of-candidates", "restart", "send", "close"];
    private static readonly HashSet<string> Events = ["ready", "local-credentials", "candidate", "local-description", "state", "selected-pair", "received",
        "relay-lost", "relay-reallocated", "candidate-dropped", "error", "closed", "unsupported", "invalid-output"];

    public static IReadOnlyList<SignalledAgent> Read(IEnumerable<SignallingInput> inputs) => [.. inputs.SelectMany(Read)];

    public static IReadOnlyList<SignalledAgent> Read(SignallingInput input)
    {
        string text;
        try
        {
            text = File.ReadAllText(input.Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SignallingException($"--signalling {input.Path}: {e.Message}");
        }
        return text.TrimStart() is ['{' or '[', ..] ? ReadJsonLines(input, text) : ReadSdp(input, text);
    }

    /// <summary>An SDP: one agent per ufrag (the session level's, and each m= section's own).</summary>
    public static IReadOnlyList<SignalledAgent> ReadSdp(SignallingInput input, string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            // RFC 8866 §5: <type>=<value>, type one letter; a bare attribute block may omit "a=" (trickle fragments).
            if (line.Length > 0 && !(line.Length >= 2 && char.IsAsciiLetterLower(line[0]) && line[1] == '=') && !line.Contains(':', StringComparison.Ordinal)
                && line is not "end-of-candidates" and not "ice-lite")
                throw new SignallingException($"{input.Path}:{i + 1}: not an SDP line (type=value) nor an ICE attribute: '{Cut(line)}'");
        }
        var sdp = IceSdp.Parse(text);
        if (sdp.Errors.Count > 0)
        {
            var error = sdp.Errors[0];
            throw new SignallingException($"{input.Path}:{error.LineNumber}: {error.Error}");
        }
        var agents = new List<SignalledAgent>();
        var levels = new List<(IceDescription Ice, string? Ufrag, string? Password, bool Trickle)>
            { (sdp.Session, sdp.Session.Ufrag, sdp.Session.Password, sdp.Session.HasOption("trickle")) };
        levels.AddRange(sdp.Media.Select(m => (m.Ice, m.EffectiveUfrag, m.EffectivePassword, m.EffectiveOptions.Contains("trickle", StringComparer.OrdinalIgnoreCase))));
        foreach (var (ice, ufrag, password, trickle) in levels)
        {
            if (ice.IsEmpty && ice.Candidates.Count == 0) continue;
            if (ufrag is null || password is null)
                throw new SignallingException($"{input.Path}: {(ufrag is null ? "a=ice-ufrag" : "a=ice-pwd")} missing (RFC 8839 §5.4: every description carries both)");
            var agent = agents.Find(a => a.Ufrag == ufrag && a.Password == password);
            if (agent is null)
                agents.Add(agent = new SignalledAgent { Source = input.Label, View = SignalledView.Told, Ufrag = ufrag, Password = password, Origin = input.Path });
            agent.Candidates.AddRange(ice.Candidates.Select(c => new SignalledCandidate(c, null, input.Path)));
            agent.EndOfCandidates |= ice.EndOfCandidates;
            agent.Trickle |= trickle;
        }
        if (agents.Count == 0) throw new SignallingException($"{input.Path}: no a=ice-ufrag and a=ice-pwd (RFC 8839 §5.4)");
        // A description without the trickle option is complete as it stands (RFC 8838 §3: a peer not known to trickle
        // gets full ICE); only a trickling one needs a=end-of-candidates (RFC 8838 §13).
        foreach (var agent in agents.Where(a => !a.Trickle)) agent.EndOfCandidates = true;
        return agents;
    }

    /// <summary>An adapter log: the driver's own agent from its events, the peer as the driver was told it from the commands.</summary>
    public static IReadOnlyList<SignalledAgent> ReadJsonLines(SignallingInput input, string text)
    {
        var agents = new List<SignalledAgent>();
        SignalledAgent? own = null, told = null;
        string? role = null;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0) continue;
            var where = $"{input.Path}:{i + 1}";
            JsonObject message;
            try
            {
                message = JsonNode.Parse(line) as JsonObject ?? throw new SignallingException($"{where}: not a JSON object");
            }
            catch (JsonException e)
            {
                throw new SignallingException($"{where}: not JSON ({e.Message})");
            }
            var command = Text(message, "command", where, required: false);
            var name = command ?? Text(message, "event", where, required: false)
                ?? throw new SignallingException($"{where}: neither a \"command\" nor an \"event\" (conformance/ADAPTER.md)");
            if (command is not null ? !Commands.Contains(name) : !Events.Contains(name))
                throw new SignallingException($"{where}: unknown {(command is not null ? "command" : "event")} '{Cut(name)}' (conformance/ADAPTER.md)");
            var at = Time(message, command is not null ? "sentAt" : "receivedAt", where);
            switch (name)
            {
                case "configure":
                    role = Text(message, "role", where, required: false);
                    break;
                case "local-credentials":
                    own = NewAgent(SignalledView.Own, message, where, at);
                    break;
                case "candidate":
                    if (own is null) throw new SignallingException($"{where}: a candidate event before local-credentials");
                    own.Trickle = true;
                    Add(own, Text(message, "line", where)!, at, where);
                    break;
                case "local-description":
                    if (own is null || own.Ufrag != Text(message, "ufrag", where) || own.Password != Text(message, "pwd", where))
                        own = NewAgent(SignalledView.Own, message, where, at);
                    foreach (var candidate in Lines(message, where))
                        if (!own.Candidates.Exists(c => c.Candidate.FormatValue() == Parse(candidate, where).FormatValue())) Add(own, candidate, at, where);
                    // RFC 8838 §13: gathering is complete with the description (the adapter's local-description).
                    own.EndOfCandidates = true;
                    own.EndOfCandidatesAt ??= at;
                    break;
                case "remote-description":
                    told = NewAgent(SignalledView.Told, message, where, at);
                    foreach (var candidate in Lines(message, where)) Add(told, candidate, at, where);
                    if (message["end-of-candidates"] is JsonValue eoc)
                    {
                        if (!eoc.TryGetValue(out bool ended)) throw new SignallingException($"{where}: \"end-of-candidates\" is not true or false");
                        if (ended) (told.EndOfCandidates, told.EndOfCandidatesAt) = (true, at);
                    }
                    break;
                case "remote-candidate":
                    if (told is null) throw new SignallingException($"{where}: a remote-candidate before any remote-description");
                    told.Trickle = true;
                    Add(told, Text(message, "line", where)!, at, where);
                    break;
                case "end-of-candidates":
                    if (told is null) throw new SignallingException($"{where}: end-of-candidates before any remote-description");
                    told.Trickle = true;
                    (told.EndOfCandidates, told.EndOfCandidatesAt) = (true, at);
                    break;
            }
        }
        return agents;

        SignalledAgent NewAgent(SignalledView view, JsonObject message, string where, DateTime? at)
        {
            var ufrag = Text(message, "ufrag", where)!;
            var password = Text(message, "pwd", where)!;
            if (!IceDescription.TryParseUfrag(ufrag, out var error) || !IceDescription.TryParsePassword(password, out error))
                throw new SignallingException($"{where}: {error}");
            var agent = new SignalledAgent
            {
                Source = input.Label, View = view, Ufrag = ufrag, Password = password, DescribedAt = at, Origin = where,
                Role = view == SignalledView.Own ? role : role switch { "controlling" => "controlled", "controlled" => "controlling", _ => null },
            };
            agents.Add(agent);
            return agent;
        }
    }

    /// <summary>Adds the <paramref name="agents"/>' ICE passwords to <paramref name="credentials"/>, unless the ufrag already has one (the agent's own word first).</summary>
    public static void AddPasswords(CaptureCredentials credentials, IEnumerable<SignalledAgent> agents)
    {
        foreach (var agent in agents.OrderBy(a => a.View))
            if (!credentials.IcePasswords.ContainsKey(agent.Ufrag))
                credentials.TryAddIce($"{agent.Ufrag}:{agent.Password}", out _);
    }

    private static void Add(SignalledAgent agent, string line, DateTime? at, string where) =>
        agent.Candidates.Add(new SignalledCandidate(Parse(line, where), at, where));

    private static IceCandidate Parse(string line, string where) =>
        IceCandidate.TryParse(line, out var candidate, out var error) ? candidate! : throw new SignallingException($"{where}: {error}");

    private static IEnumerable<string> Lines(JsonObject message, string where) => message["candidates"] switch
    {
        null => [],
        JsonArray array => array.Select(n => n is JsonValue v && v.TryGetValue(out string? s) ? s : throw new SignallingException($"{where}: \"candidates\" holds a non-string")),
        _ => throw new SignallingException($"{where}: \"candidates\" is not an array of a=candidate lines"),
    };

    private static string? Text(JsonObject message, string field, string where, bool required = true) => message[field] switch
    {
        JsonValue v when v.TryGetValue(out string? s) => s,
        null when !required => null,
        null => throw new SignallingException($"{where}: \"{field}\" missing"),
        _ => throw new SignallingException($"{where}: \"{field}\" is not a string"),
    };

    private static DateTime? Time(JsonObject message, string field, string where)
    {
        if (Text(message, field, where, required: false) is not { } text) return null;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.UtcDateTime : throw new SignallingException($"{where}: \"{field}\" is not an ISO 8601 time: '{Cut(text)}'");
    }

    private static string Cut(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
