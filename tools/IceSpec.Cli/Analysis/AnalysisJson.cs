using System.Text.Encodings.Web;
using System.Text.Json;
using IceSpec.Captures.Analysis;

namespace IceSpec.Cli.Analysis;

/// <summary><c>icespec analyze --json</c>: the <see cref="AnalysisReport"/> as one JSON object with camelCase names.</summary>
public static class AnalysisJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Render(AnalysisReport report) => JsonSerializer.Serialize(report, Options);
}
