using System.Linq;
using IceSpec.Generators.Model;

namespace IceSpec.Generators.Emit;

/// <summary>A wire format written back in spec syntax, for docs, registries and diagnostics.</summary>
internal static class FormatText
{
    public static string Describe(WireType type) => type switch
    {
        PrimitiveType p => p.Name,
        Utf8Type u => $"utf8 max {u.Max}",
        BytesType b => "bytes" + (b.Fixed is { } f ? $" {f}" : "") + (b.Max is { } m ? $" max {m}" : "")
                       + (b.LengthPrefix is { } l ? $" length {l}" : "") + (b.Pad is { } pad ? $" pad {pad}" : ""),
        ListType l => "list of " + Describe(l.Element),
        InlineStructType s => "struct { " + string.Join(" ", s.Fields.Select(f => $"{f.Name} : {Describe(f.Type)};")) + " }",
        NamedType n => n.Name,
        _ => "?",
    };
}
