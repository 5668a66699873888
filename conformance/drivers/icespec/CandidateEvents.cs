using System.Text.Json.Nodes;

namespace IceSpec.Conformance.Driver;

/// <summary>
/// ADAPTER.md: <c>local-credentials</c> is printed at <c>gather</c>, before any <c>candidate</c>. The session gathers from
/// <c>configure</c> on, so a candidate it finds before <c>gather</c> waits here and follows the credentials.
/// </summary>
internal sealed class CandidateEvents(DriverOutput output)
{
    private readonly Lock _gate = new();
    private List<JsonObject>? _held = [];

    /// <summary>A candidate event: printed now once gather has printed the credentials, held until then.</summary>
    public void Write(JsonObject candidate)
    {
        lock (_gate)
        {
            if (_held is not null) _held.Add(candidate);
            else output.Write(candidate);
        }
    }

    /// <summary>Prints the credentials, then every candidate held so far; later ones go out as they come.</summary>
    public void Release(JsonObject credentials)
    {
        lock (_gate)
        {
            output.Write(credentials);
            foreach (var candidate in _held ?? []) output.Write(candidate);
            _held = null;
        }
    }
}
