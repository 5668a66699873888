using IceSpec.Generators.Model;

namespace IceSpec.Generators.Emit;

/// <summary><c>{P}Requirements.All</c>: every cited element of the spec, the starting list for conformance coverage.</summary>
internal static class CatalogEmitter
{
    public static string Emit(ProtocolModel p)
    {
        var w = new CodeWriter(p.Name, p.Namespace);
        w.Summary($"The requirement catalog of protocol {p.Name}: each spec element with the RFC text it implements.");
        w.Line(CodeWriter.GeneratedCode);
        using (w.Block($"public static partial class {p.Prefix}Requirements"))
        {
            using (w.Block("public static global::System.Collections.Generic.IReadOnlyList<global::IceSpec.Stun.RequirementInfo> All { get; } = new global::IceSpec.Stun.RequirementInfo[]", "};"))
            {
                foreach (var r in p.Requirements)
                    w.Line($"new({CodeWriter.Str(r.Id)}, {CodeWriter.Str(r.Kind)}, {CodeWriter.Str(r.Subject)}, {CodeWriter.Str(r.Citation)}),");
            }
        }
        return w.ToString();
    }
}
