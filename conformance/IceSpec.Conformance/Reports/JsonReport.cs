using System.Text.Json;
using System.Text.Json.Serialization;

namespace IceSpec.Conformance.Reports;

/// <summary>The report as one JSON document (enums as names, durations as "hh:mm:ss.fff").</summary>
public static class JsonReport
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string Render(ConformanceReport report) => JsonSerializer.Serialize(report, Options);

    public static void Write(ConformanceReport report, string path) => File.WriteAllText(path, Render(report));

    /// <summary>Reads a report.json back (for <c>icespec conformance merge</c>).</summary>
    /// <exception cref="FormatException">Not a report this version wrote (the message names the file).</exception>
    public static ConformanceReport Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<ConformanceReport>(File.ReadAllText(path), Options)
                ?? throw new FormatException($"{path}: empty report");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: not a conformance report.json ({e.Message})", e);
        }
    }
}
