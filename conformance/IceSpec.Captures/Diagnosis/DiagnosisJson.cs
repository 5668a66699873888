using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace IceSpec.Captures.Diagnosis;

/// <summary><c>icespec diagnose --json</c> (and the kit's <c>diagnosis.json</c>): the <see cref="DiagnosisReport"/> with camelCase names, enums as kebab-case strings.</summary>
public static class DiagnosisJson
{
    private static readonly JsonTypeInfo<DiagnosisReport> Info = (JsonTypeInfo<DiagnosisReport>)new JsonSerializerOptions
    {
        TypeInfoResolver = DiagnosisJsonContext.Default,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter<FindingSeverity>(JsonNamingPolicy.KebabCaseLower), new JsonStringEnumConverter<FindingCategory>(JsonNamingPolicy.KebabCaseLower) },
    }.GetTypeInfo(typeof(DiagnosisReport));

    public static string Render(DiagnosisReport diagnosis) => JsonSerializer.Serialize(diagnosis, Info);
}

[JsonSerializable(typeof(DiagnosisReport))]
internal sealed partial class DiagnosisJsonContext : JsonSerializerContext;
