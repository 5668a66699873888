using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.Json.Nodes;
using IceSpec.Captures.Analysis;
using IceSpec.Captures.Diagnosis;

namespace IceSpec.Cli.Analysis;

/// <summary>
/// <c>icespec analyze --json</c>: the <see cref="AnalysisReport"/> as one JSON object with camelCase names. Serialized
/// with source-generated metadata (<see cref="AnalysisJsonContext"/>): the reflection-based serializer spent ~0.1 s of
/// every run building its own at start-up (conformance/IceSpec.Captures/bench/RESULTS.md).
/// </summary>
public static class AnalysisJson
{
    private static readonly JsonTypeInfo<AnalysisReport> ReportInfo = (JsonTypeInfo<AnalysisReport>)new JsonSerializerOptions
    {
        TypeInfoResolver = AnalysisJsonContext.Default,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    }.GetTypeInfo(typeof(AnalysisReport));

    public static string Render(AnalysisReport report) => JsonSerializer.Serialize(report, ReportInfo);

    /// <summary>The report with the diagnosis (<see cref="DiagnosisJson"/>) as its last property, <c>diagnosis</c> (null when not run).</summary>
    public static string Render(AnalysisReport report, DiagnosisReport? diagnosis)
    {
        var node = JsonNode.Parse(Render(report))!.AsObject();
        node["diagnosis"] = diagnosis is null ? null : JsonNode.Parse(DiagnosisJson.Render(diagnosis));
        return node.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(AnalysisReport))]
internal sealed partial class AnalysisJsonContext : JsonSerializerContext;
