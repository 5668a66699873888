using System.Globalization;
using System.Reflection;

namespace IceSpec.Stun.Tests.Registry;

/// <summary>
/// The IANA "STUN Parameters" registry, transcribed by hand into iana-stun-registry.tsv (not generated from the spec).
/// Shared by the STUN, TURN and ICE registry tests (linked into IceSpec.Turn.Tests and IceSpec.Ice.Tests).
/// </summary>
internal static class IanaStunRegistry
{
    public sealed record Row(string Registry, int Code, string Name, string Reference);

    public static IReadOnlyList<Row> Rows { get; } = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Registry", "iana-stun-registry.tsv"))
        .Skip(1)
        .Where(line => line.Length > 0 && !line.StartsWith('#'))
        .Select(line => line.Split('\t'))
        .Select(f => new Row(f[0], f[1].StartsWith("0x") ? int.Parse(f[1][2..], NumberStyles.HexNumber) : int.Parse(f[1]), f[2], f.Length > 3 ? f[3] : ""))
        .ToArray();

    /// <summary>IANA's name for the code in that registry ("attribute", "method", "error", "password-algorithm"), or null.</summary>
    public static string? Registered(string registry, int code) => Rows.SingleOrDefault(r => r.Registry == registry && r.Code == code)?.Name;

    /// <summary>The constants a generated class declares (TurnMethods, TurnErrorCodes…): name and value.</summary>
    public static IEnumerable<(string Name, int Code)> Constants(Type generated) =>
        generated.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType != typeof(string))
            .Select(f => (f.Name, Convert.ToInt32(f.GetRawConstantValue(), CultureInfo.InvariantCulture)));
}
