using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using IceSpec.Stun;

namespace IceSpec.Cli.Commands;

/// <summary><c>icespec catalog [--json]</c>: the requirement catalog generated from the spec, one row per element.</summary>
public static class CatalogCommand
{
    private const int MaxIdWidth = 48;

    public static Command Create(CliConsole console)
    {
        var json = new Option<bool>("--json") { Description = "A JSON array of {id, kind, subject, level, citation}." };
        var command = new Command("catalog", "Print the requirement catalog: each spec element with the RFC text it implements.") { json };
        command.SetAction(parse =>
        {
            if (parse.GetValue(json)) WriteJson(console.Out, StunRequirements.All);
            else WriteText(console.Out, StunRequirements.All);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void WriteText(TextWriter output, IReadOnlyList<RequirementInfo> requirements)
    {
        // A few generated ids are very long; they overflow the column rather than widen it for everyone.
        var idWidth = Math.Min(MaxIdWidth, requirements.Max(r => r.Id.Length));
        var kindWidth = requirements.Max(r => r.Kind.Length);
        output.WriteLine($"{"level",-6}  {"kind".PadRight(kindWidth)}  {"id".PadRight(idWidth)}  subject — citation");
        foreach (var r in requirements)
        {
            var level = r.Level.Length == 0 ? "-" : r.Level;
            output.WriteLine($"{level,-6}  {r.Kind.PadRight(kindWidth)}  {r.Id.PadRight(idWidth)}  {r.Subject} — {r.Citation}");
        }
        output.WriteLine($"{requirements.Count} requirements");
    }

    private static void WriteJson(TextWriter output, IReadOnlyList<RequirementInfo> requirements)
    {
        var rows = requirements.Select(r => new { id = r.Id, kind = r.Kind, subject = r.Subject, level = r.Level.Length == 0 ? null : r.Level, citation = r.Citation });
        var options = new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        output.WriteLine(JsonSerializer.Serialize(rows, options));
    }
}
