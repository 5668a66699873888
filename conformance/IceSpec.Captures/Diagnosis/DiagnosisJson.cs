using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace IceSpec.Captures.Diagnosis;

/// <summary><c>icespec diagnose --json</c> (and the kit's <c>diagnosis.json</c>): the <see cref="Diagnosis"/> with camelCase names, enums as kebab-case strings.</summary>
public static class DiagnosisJson
{
    private static readonly JsonTypeInfo<Diagnosis> Info = (JsonTypeInfo<Diagnosis>)new JsonSerializerOptions
    {
        TypeInfoResolver = DiagnosisJsonContext.Default,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter<FindingSeverity>(JsonNamingPolicy.KebabCaseLower), new JsonStringEnumConverter<FindingCategory>(JsonNamingPolicy.KebabCaseLower) },
    }.GetTypeInfo(typeof(Diagnosis));

    public static string Render(Diagnosis diagnosis) => JsonSerializer.Serialize(diagnosis, Info);
}

[JsonSerializable(typeof(Diagnosis))]
internal sealed partial class DiagnosisJsonContext : JsonSerializerContext;
