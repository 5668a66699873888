using System.Globalization;
using System.Text.Json.Nodes;

namespace IceSpec.Conformance.Reports;

/// <summary>
/// Schema 1 of report.json (before <c>schemaVersion</c>): durations as .NET TimeSpan strings (<c>"00:00:00.0400000"</c>)
/// in <c>duration</c>, a cell's time to connected in <c>millisecondsToConnected</c>. Rewritten in place into schema 2.
/// </summary>
internal static class ReportSchemaV1
{
    public static void Upgrade(JsonObject report)
    {
        RenameDuration(report);
        foreach (var cell in Objects(report["cells"]))
        {
            if (cell.TryGetPropertyValue("millisecondsToConnected", out var milliseconds))
            {
                cell.Remove("millisecondsToConnected");
                cell["timeToConnectedSeconds"] = milliseconds is null ? null : milliseconds.GetValue<double>() / 1000;
            }
            foreach (var result in Objects(cell["cases"])) RenameDuration(result);
        }
        foreach (var result in Objects(report["agentCases"]).Concat(Objects(report["serverCases"]))) RenameDuration(result);
        report.Remove("allCases"); // schema 1 repeated every case there
    }

    private static void RenameDuration(JsonObject item)
    {
        if (!item.TryGetPropertyValue("duration", out var duration) || duration is null) return;
        item.Remove("duration");
        item["durationSeconds"] = TimeSpan.ParseExact(duration.GetValue<string>(), "c", CultureInfo.InvariantCulture).TotalSeconds;
    }

    private static IEnumerable<JsonObject> Objects(JsonNode? array) => array is JsonArray items ? items.OfType<JsonObject>() : [];
}
