using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using IceSpec.Conformance.Coverage;

namespace IceSpec.Cli.Commands;

/// <summary>
/// <c>icespec catalog [--json]</c>: the requirement catalogs generated from the spec (STUN, TURN, ICE), one row per
/// element, each with the conformance cases that check it; then, per RFC, how many wire-observable requirements have a case.
/// </summary>
public static class CatalogCommand
{
    private const int MaxIdWidth = 48;

    public static Command Create(CliConsole console)
    {
        var json = new Option<bool>("--json") { Description = "A JSON object: requirements [{id, kind, subject, level, citation, wireObservable, cases}] and coverage per RFC." };
        var command = new Command("catalog", "Print the requirement catalogs (STUN, TURN, ICE): each spec element with the RFC text it implements and the cases that check it.") { json };
        command.SetAction(parse =>
        {
            var rows = RequirementCoverage.Compute();
            if (parse.GetValue(json)) WriteJson(console.Out, rows);
            else WriteText(console.Out, rows);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void WriteText(TextWriter output, IReadOnlyList<RequirementCoverageRow> rows)
    {
        // A few generated ids are very long; they overflow the column rather than widen it for everyone.
        var idWidth = Math.Min(MaxIdWidth, rows.Max(r => r.Requirement.Id.Length));
        var kindWidth = rows.Max(r => r.Requirement.Kind.Length);
        output.WriteLine($"{"level",-6}  {"kind".PadRight(kindWidth)}  {"id".PadRight(idWidth)}  subject — citation [cases]");
        foreach (var row in rows)
        {
            var r = row.Requirement;
            var level = r.Level.Length == 0 ? "-" : r.Level;
            var cases = row.Covered ? $" [{string.Join(", ", row.CaseIds)}]" : row.WireObservable ? " [no case]" : "";
            output.WriteLine($"{level,-6}  {r.Kind.PadRight(kindWidth)}  {r.Id.PadRight(idWidth)}  {r.Subject} — {r.Citation}{cases}");
        }
        output.WriteLine($"{rows.Count} requirements");
        output.WriteLine();
        output.WriteLine("Coverage of wire-observable requirements (error codes, message and order rules, ranges, transitions, parameters, constants, formulas):");
        foreach (var rfc in RequirementCoverage.PerRfc(rows))
            output.WriteLine($"  RFC {rfc.Rfc,-5} {rfc.Covered,4} of {rfc.WireObservable,-4} have a case ({100.0 * rfc.Covered / Math.Max(1, rfc.WireObservable):0}%)");
    }

    private static void WriteJson(TextWriter output, IReadOnlyList<RequirementCoverageRow> rows)
    {
        var document = new
        {
            requirements = rows.Select(row => new
            {
                id = row.Requirement.Id, kind = row.Requirement.Kind, subject = row.Requirement.Subject,
                level = row.Requirement.Level.Length == 0 ? null : row.Requirement.Level, citation = row.Requirement.Citation,
                wireObservable = row.WireObservable, cases = row.CaseIds,
            }),
            coverage = RequirementCoverage.PerRfc(rows).Select(r => new { rfc = r.Rfc, wireObservable = r.WireObservable, covered = r.Covered }),
        };
        var options = new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        output.WriteLine(JsonSerializer.Serialize(document, options));
    }
}
