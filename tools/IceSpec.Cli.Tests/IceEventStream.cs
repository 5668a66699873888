using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace IceSpec.Cli.Tests;

/// <summary>The schema of <c>ice --json</c> lines as docs/ice-json.md documents it: fields per line type and per object.</summary>
internal sealed record IceJsonSchema(IReadOnlyList<string> Common, IReadOnlyDictionary<string, string[]> Events, IReadOnlyDictionary<string, string[]> Objects)
{
    /// <summary>Reads the tables of the README: the common fields, "Event lines" and "Objects" (first column the name, second the fields).</summary>
    public static IceJsonSchema FromMarkdown(string path)
    {
        var text = File.ReadAllText(path);
        var common = Rows(Section(text, "# icespec", "## Event lines")).Select(r => r.Name).ToList();
        var events = Rows(Section(text, "## Event lines", "## Objects")).ToDictionary(r => r.Name, r => r.Fields);
        var objects = Rows(Section(text, "## Objects", null)).ToDictionary(r => r.Name, r => r.Fields);
        return new IceJsonSchema(common, events, objects);
    }

    private static string Section(string text, string from, string? to)
    {
        var start = text.IndexOf(from, StringComparison.Ordinal);
        var end = to is null ? text.Length : text.IndexOf(to, start, StringComparison.Ordinal);
        if (start < 0 || end < 0) throw new InvalidDataException($"README has no section {from}");
        return text[start..end];
    }

    /// <summary>Table rows whose first cell is a backticked name; the second cell's backticked words are its fields.</summary>
    private static IEnumerable<(string Name, string[] Fields)> Rows(string section)
    {
        foreach (var line in section.Split('\n'))
        {
            var cells = line.Split('|');
            if (cells.Length < 4 || Regex.Match(cells[1], "^ `([a-z-]+)` $") is not { Success: true } name) continue;
            yield return (name.Groups[1].Value, Regex.Matches(cells[2], "`([A-Za-z]+)`").Select(m => m.Groups[1].Value).ToArray());
        }
    }
}

/// <summary>
/// Checks a stream of <c>ice offer|answer --json</c> lines: every line a JSON object with exactly its documented fields;
/// times ISO 8601 UTC agreeing with <c>ms</c>, which never goes back; candidate types host/srflx/prflx/relay; the order
/// start → candidates → checks → selected pair → connected → data → end; time to connected above 0 and matching the
/// lines' times. Returns every problem found (none: the stream is valid).
/// </summary>
internal static class IceEventStream
{
    private static readonly string[] CandidateTypes = ["host", "srflx", "prflx", "relay"];

    /// <summary>Slack between <c>timeToConnectedMs</c> and the <c>ms</c> of the lines it spans: the lines are written around the instants measured.</summary>
    private const double WriteSlackMs = 100;

    public static List<string> Problems(IReadOnlyList<string> lines, IceJsonSchema schema)
    {
        var problems = new List<string>();
        var events = new List<(int Line, string Type, JsonElement Root)>();
        for (var i = 0; i < lines.Count; i++)
        {
            JsonElement root;
            try
            {
                using var document = JsonDocument.Parse(lines[i]);
                root = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                problems.Add($"line {i + 1} is not JSON ({e.Message}): {lines[i]}");
                continue;
            }
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                problems.Add($"line {i + 1} is not an object with a string 'type': {lines[i]}");
                continue;
            }
            events.Add((i + 1, type.GetString()!, root));
            CheckFields(problems, i + 1, root, schema);
        }
        CheckTimes(problems, events);
        CheckOrder(problems, events);
        return problems;
    }

    private static void CheckFields(List<string> problems, int line, JsonElement root, IceJsonSchema schema)
    {
        var type = root.GetProperty("type").GetString()!;
        if (!schema.Events.TryGetValue(type, out var fields))
        {
            problems.Add($"line {line}: type '{type}' is not documented");
            return;
        }
        ExactFields(problems, $"line {line} ({type})", root, [.. schema.Common, .. fields]);
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name == "pair" && property.Value.ValueKind == JsonValueKind.Object)
            {
                ExactFields(problems, $"line {line} ({type}) pair", property.Value, schema.Objects["pair"]);
                foreach (var side in new[] { "local", "remote" })
                    if (property.Value.TryGetProperty(side, out var candidate)) CheckCandidate(problems, $"line {line} ({type}) pair.{side}", candidate, schema);
            }
            else if (property.Name == "candidate")
            {
                CheckCandidate(problems, $"line {line} ({type}) candidate", property.Value, schema);
            }
        }
    }

    private static void CheckCandidate(List<string> problems, string where, JsonElement candidate, IceJsonSchema schema)
    {
        if (candidate.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{where} is not an object");
            return;
        }
        ExactFields(problems, where, candidate, schema.Objects["candidate"]);
        var type = candidate.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (type is null || !CandidateTypes.Contains(type)) problems.Add($"{where}: candidate type '{type}' is not host, srflx, prflx or relay");
        if (!candidate.TryGetProperty("address", out var address) || address.ValueKind != JsonValueKind.String || !IPAddress.TryParse(address.GetString(), out _))
            problems.Add($"{where}: address is not an IP address");
        if (!candidate.TryGetProperty("port", out var port) || !port.TryGetInt32(out var number) || number is < 0 or > 65535)
            problems.Add($"{where}: port is not 0-65535");
    }

    private static void ExactFields(List<string> problems, string where, JsonElement element, IReadOnlyCollection<string> expected)
    {
        var present = element.EnumerateObject().Select(p => p.Name).ToList();
        foreach (var extra in present.Except(expected)) problems.Add($"{where}: undocumented field '{extra}'");
        foreach (var missing in expected.Except(present)) problems.Add($"{where}: documented field '{missing}' is missing");
    }

    private static void CheckTimes(List<string> problems, List<(int Line, string Type, JsonElement Root)> events)
    {
        DateTime? firstTime = null;
        double firstMs = 0, lastMs = double.MinValue;
        foreach (var (line, type, root) in events)
        {
            if (!root.TryGetProperty("ms", out var msElement) || !msElement.TryGetDouble(out var ms)
                || !root.TryGetProperty("time", out var timeElement) || timeElement.ValueKind != JsonValueKind.String
                || !DateTime.TryParseExact(timeElement.GetString(), "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
            {
                problems.Add($"line {line} ({type}): 'time' is not ISO 8601 UTC with milliseconds, or 'ms' is not a number");
                continue;
            }
            if (ms < lastMs) problems.Add($"line {line} ({type}): ms {ms} goes back from {lastMs}");
            lastMs = ms;
            if (firstTime is null)
            {
                firstTime = time;
                firstMs = ms;
                continue;
            }
            // Both come from one clock reading; 'time' is rounded to the millisecond.
            var byTime = (time - firstTime.Value).TotalMilliseconds;
            if (Math.Abs(byTime - (ms - firstMs)) > 2) problems.Add($"line {line} ({type}): time and ms disagree ({byTime} ms vs {ms - firstMs} ms after the first line)");
        }
    }

    private static void CheckOrder(List<string> problems, List<(int Line, string Type, JsonElement Root)> events)
    {
        int First(Func<string, JsonElement, bool> match) => events.FindIndex(e => match(e.Type, e.Root));
        int FirstOf(string type) => First((t, _) => t == type);
        bool IsCheck(string type, JsonElement root, string result) => type == "check" && root.TryGetProperty("result", out var r) && r.ValueKindIs(result);

        if (events.Count == 0 || events[0].Type != "start") problems.Add("the first line is not 'start'");
        if (events.Count == 0 || events[^1].Type != "end") problems.Add("the last line is not 'end'");
        var localCandidate = FirstOf("local-candidate");
        var remoteCandidate = FirstOf("remote-candidate");
        var checkSent = First((t, r) => IsCheck(t, r, "sent"));
        var checkAnswered = First((t, r) => IsCheck(t, r, "answered"));
        var firstCheck = FirstOf("check");
        var selected = FirstOf("selected-pair");
        var connected = FirstOf("connected");
        if (localCandidate < 0) problems.Add("no local-candidate line");
        if (remoteCandidate < 0) problems.Add("no remote-candidate line");
        if (checkSent < 0) problems.Add("no check sent");
        if (checkAnswered < 0) problems.Add("no check answered");
        if (selected < 0) problems.Add("no selected-pair line");
        if (connected < 0) problems.Add("no connected line");
        if (firstCheck >= 0 && localCandidate > firstCheck) problems.Add("a check comes before the first local-candidate");
        if (firstCheck >= 0 && remoteCandidate > firstCheck) problems.Add("a check comes before the first remote-candidate");
        if (selected >= 0 && (checkAnswered < 0 || checkAnswered > selected)) problems.Add("the selected pair comes before any check was answered");
        if (connected >= 0 && selected > connected) problems.Add("connected comes before the selected pair");
        var firstData = FirstOf("data");
        if (firstData >= 0 && (connected < 0 || firstData < connected)) problems.Add("data comes before connected");

        if (connected < 0 || FirstOf("remote-description") is not (>= 0 and var description)) return;
        var root = events[connected].Root;
        if (!root.TryGetProperty("timeToConnectedMs", out var ttcElement) || !ttcElement.TryGetDouble(out var ttc) || ttc <= 0)
        {
            problems.Add("connected: timeToConnectedMs is not above 0");
            return;
        }
        var span = root.GetProperty("ms").GetDouble() - events[description].Root.GetProperty("ms").GetDouble();
        if (Math.Abs(span - ttc) > WriteSlackMs)
            problems.Add($"connected: timeToConnectedMs {ttc} does not match the {span} ms between the remote-description and connected lines");
    }

    private static bool ValueKindIs(this JsonElement element, string value) => element.ValueKind == JsonValueKind.String && element.GetString() == value;
}
