using System.Text.Json.Nodes;

namespace IceSpec.Conformance.Driver;

/// <summary>One JSON object per line on stdout, whole lines only (events come from the session's loop and from stdin's).</summary>
internal sealed class DriverOutput(TextWriter writer)
{
    private readonly Lock _gate = new();

    public void Write(JsonObject message)
    {
        var line = message.ToJsonString();
        lock (_gate)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }

    public void Error(string message) => Write(new JsonObject { ["event"] = "error", ["message"] = message });
}
