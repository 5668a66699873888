using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace IceSpec.Conformance.Reports;

/// <summary>
/// The report as one JSON document, schema <see cref="SchemaVersion"/> (conformance/REPORT-SCHEMA.md): enums as camelCase
/// names, every duration a number of seconds in a property whose name ends in <c>Seconds</c>.
/// </summary>
public static class JsonReport
{
    /// <summary>2: durations in seconds (<c>durationSeconds</c>, <c>timeToConnectedSeconds</c>). 1 (no <c>schemaVersion</c>): TimeSpan strings and milliseconds.</summary>
    public const int SchemaVersion = 2;

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase), new SecondsConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { NameDurationsInSeconds } },
    };

    public static string Render(ConformanceReport report)
    {
        var document = JsonSerializer.SerializeToNode(report, Options)!.AsObject();
        document.Insert(0, "schemaVersion", SchemaVersion);
        return document.ToJsonString(Options);
    }

    public static void Write(ConformanceReport report, string path) => File.WriteAllText(path, Render(report));

    /// <summary>Reads a report.json back (for <c>icespec conformance merge</c>); a schema 1 report is read as it was written.</summary>
    /// <exception cref="FormatException">Not a report.json, or one of a schema this version does not know (the message names the file).</exception>
    public static ConformanceReport Read(string path)
    {
        try
        {
            if (JsonNode.Parse(File.ReadAllText(path)) is not JsonObject document)
                throw new FormatException($"{path}: not a conformance report.json (not a JSON object)");
            switch (Version(document, path))
            {
                case 1:
                    try
                    {
                        ReportSchemaV1.Upgrade(document);
                    }
                    catch (Exception e) when (e is FormatException or InvalidOperationException)
                    {
                        throw new FormatException($"{path}: a schema 1 report.json (no schemaVersion) that cannot be read: {e.Message}", e);
                    }
                    break;
                case SchemaVersion:
                    break;
                case var other:
                    throw new FormatException($"{path}: report.json schema version {other}; this icespec reads versions 1 and {SchemaVersion} (REPORT-SCHEMA.md): merge with a newer icespec");
            }
            return document.Deserialize<ConformanceReport>(Options) ?? throw new FormatException($"{path}: empty report");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: not a conformance report.json ({e.Message})", e);
        }
    }

    /// <summary>The <c>schemaVersion</c> of a report; 1 when it has none (reports written before versions were).</summary>
    private static int Version(JsonObject document, string path)
    {
        if (!document.TryGetPropertyValue("schemaVersion", out var version)) return 1;
        return version is JsonValue value && value.TryGetValue<int>(out var number) && number >= 1
            ? number
            : throw new FormatException($"{path}: schemaVersion must be a positive integer, not {version?.ToJsonString() ?? "null"}");
    }

    /// <summary>Every TimeSpan property is written as <c>nameSeconds</c> (the converter writes the number).</summary>
    private static void NameDurationsInSeconds(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object) return;
        foreach (var property in type.Properties)
            if (property.PropertyType == typeof(TimeSpan) || property.PropertyType == typeof(TimeSpan?))
                property.Name += "Seconds";
    }

    /// <summary>A duration as a number of seconds (to the tick: 100 ns).</summary>
    private sealed class SecondsConverter : JsonConverter<TimeSpan>
    {
        public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Number
                ? TimeSpan.FromTicks((long)Math.Round(reader.GetDouble() * TimeSpan.TicksPerSecond))
                : throw new JsonException($"a duration is a number of seconds, not {reader.TokenType}");

        public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
            writer.WriteNumberValue((double)value.Ticks / TimeSpan.TicksPerSecond);
    }
}
