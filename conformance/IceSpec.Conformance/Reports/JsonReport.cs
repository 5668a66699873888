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
}
