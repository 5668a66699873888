using System.Text.Json;
using System.Text.Json.Serialization;

namespace IceSpec.Conformance.Adapter;

/// <summary>
/// Reads an implementations file (conformance/ADAPTER.md "Declaring a driver"): <c>{ "implementations": [ { "name", "description",
/// "capabilities", "command", optional "sources", "build", "check", "environment", "requires" } ] }</c>. Relative paths
/// are resolved against the file's directory. Every problem is a <see cref="DriverDeclarationException"/> naming the file
/// and the entry.
/// </summary>
public static class ImplementationsFile
{
    public const string RootMember = "implementations";

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    private static readonly JsonSerializerOptions EntryOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        RespectNullableAnnotations = true,
        ReadCommentHandling = JsonCommentHandling.Skip, // an entry's raw text keeps the comments inside it
        AllowTrailingCommas = true,
    };

    private static readonly Dictionary<string, string> Expected = new(StringComparer.Ordinal)
    {
        ["name"] = "a string", ["description"] = "a string", ["sources"] = "a string", ["requires"] = "a string",
        ["capabilities"] = "an array of strings", ["command"] = "an array of strings", ["build"] = "an array of strings",
        ["check"] = "an array of strings", ["environment"] = "an object whose values are strings",
    };

    /// <summary>Reads <paramref name="path"/>; <paramref name="origin"/> is what listings show (default: the file's full path).</summary>
    public static IReadOnlyList<DriverDeclaration> Load(string path, string? origin = null)
    {
        var full = Path.GetFullPath(path);
        string json;
        try
        {
            json = File.ReadAllText(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DriverDeclarationException($"{full}: cannot read the implementations file: {e.Message}", e);
        }
        return Parse(json, full, origin ?? full);
    }

    /// <summary>Parses the text of the file at <paramref name="path"/> (which gives relative paths their base).</summary>
    public static IReadOnlyList<DriverDeclaration> Parse(string json, string path, string origin)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException e)
        {
            var line = e.LineNumber is { } zeroBased ? $":{zeroBased + 1}" : "";
            throw new DriverDeclarationException($"{path}{line}: not valid JSON: {WithoutPosition(e.Message)}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(RootMember, out var list) || list.ValueKind != JsonValueKind.Array)
                throw new DriverDeclarationException($"{path}: expected an object {{ \"{RootMember}\": [ … ] }}");
            if (Duplicate(root) is { } twice)
                throw new DriverDeclarationException($"{path}: \"{twice}\" is given twice");
            if (root.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => n != RootMember) is { } extra)
                throw new DriverDeclarationException($"{path}: unknown member \"{extra}\" (the file holds only \"{RootMember}\")");

            var directory = Path.GetDirectoryName(path)!;
            var declarations = new List<DriverDeclaration>();
            var index = 0;
            foreach (var element in list.EnumerateArray())
            {
                index++;
                var label = $"{path}: implementation #{index}" + (NameOf(element) is { } name ? $" \"{name}\"" : "");
                var declaration = ReadEntry(element, label, directory, origin);
                var earlier = declarations.FindIndex(d => d.Name == declaration.Name);
                if (earlier >= 0)
                    throw new DriverDeclarationException($"{label}: the name is already declared by implementation #{earlier + 1}");
                declarations.Add(declaration);
            }
            return declarations;
        }
    }

    private static DriverDeclaration ReadEntry(JsonElement element, string label, string directory, string origin)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new DriverDeclarationException($"{label}: an implementation is an object, not {element.ValueKind.ToString().ToLowerInvariant()}");
        if (Duplicate(element) is { } twice)
            throw new DriverDeclarationException($"{label}: \"{twice}\" is given twice");
        Entry entry;
        try
        {
            entry = element.Deserialize<Entry>(EntryOptions)!;
        }
        catch (JsonException e)
        {
            var field = e.Path?.TrimStart('$', '.').Split('.', '[')[0] ?? "";
            throw new DriverDeclarationException(Expected.TryGetValue(field, out var expected)
                ? $"{label}: \"{field}\" must be {expected}"
                : $"{label}: {WithoutPosition(e.Message)}", e);
        }
        if (entry.Unknown?.Keys.FirstOrDefault() is { } unknown)
            throw new DriverDeclarationException($"{label}: unknown field \"{unknown}\"; known: {string.Join(", ", Expected.Keys)}");

        string Required(string? value, string field) =>
            string.IsNullOrWhiteSpace(value) ? throw new DriverDeclarationException($"{label}: missing \"{field}\"") : value;
        var name = Required(entry.Name, "name");
        var description = Required(entry.Description, "description");
        if (DriverDeclarationRules.NameProblem(name) is { } bad)
            throw new DriverDeclarationException($"{label}: {bad}");
        var capabilities = entry.Capabilities ?? throw new DriverDeclarationException(
            $"{label}: missing \"capabilities\" (an array of: {string.Join(", ", DriverCapabilities.Known)})");
        if (DriverCapabilities.FirstUnknown(capabilities) is { } word)
            throw new DriverDeclarationException($"{label}: {DriverCapabilities.UnknownMessage(word)}");
        var command = entry.Command ?? throw new DriverDeclarationException($"{label}: missing \"command\" (the driver's program and arguments)");

        var declaration = new DriverDeclaration(name, description, [.. capabilities.Distinct(StringComparer.Ordinal)], command,
            entry.Sources is null ? directory : Path.GetFullPath(entry.Sources, directory), origin,
            entry.Build, entry.Check, entry.Environment, entry.Requires);
        if (DriverDeclarationRules.Problem(declaration) is { } problem)
            throw new DriverDeclarationException($"{label}: {problem}");
        return declaration;
    }

    private static string? Duplicate(JsonElement element) =>
        element.EnumerateObject().GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;

    private static string? NameOf(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
            ? name.GetString()
            : null;

    /// <summary>System.Text.Json ends its messages with " LineNumber: 2 | BytePositionInLine: 7." (zero-based); the line is given already.</summary>
    private static string WithoutPosition(string message)
    {
        var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var path = message.IndexOf(" Path:", StringComparison.Ordinal);
        var cut = new[] { at, path }.Where(i => i >= 0).DefaultIfEmpty(message.Length).Min();
        return message[..cut].TrimEnd();
    }

    private sealed class Entry
    {
        public string? Name { get; set; }
        public string? Description { get; set; }
        public List<string>? Capabilities { get; set; }
        public List<string>? Command { get; set; }
        public string? Sources { get; set; }
        public List<string>? Build { get; set; }
        public List<string>? Check { get; set; }
        public Dictionary<string, string>? Environment { get; set; }
        public string? Requires { get; set; }

        [JsonExtensionData]
        public Dictionary<string, JsonElement>? Unknown { get; set; }
    }
}
