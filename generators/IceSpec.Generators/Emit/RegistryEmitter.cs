using System.Linq;
using IceSpec.Generators.Model;

namespace IceSpec.Generators.Emit;

/// <summary>Codes and names: attribute types, methods, classes, error codes, password algorithms, and the runtime registration.</summary>
internal static class RegistryEmitter
{
    public static string Emit(ProtocolModel p)
    {
        var w = new CodeWriter(p.Name, p.Namespace);
        var pf = p.Prefix;

        w.Summary($"Attribute type codes of protocol {p.Name}.");
        w.Line(CodeWriter.GeneratedCode);
        using (w.Block($"public static partial class {pf}AttributeTypes"))
        {
            foreach (var a in p.Attributes)
            {
                w.Summary($"{a.Name}{(a.Reserved ? " (reserved)" : "")}: {a.Citation}");
                w.Line($"public const ushort {a.Identifier} = {CodeWriter.Hex(a.Code, 4)};");
            }
        }
        w.Line();

        if (p.Methods.Count > 0)
        {
            w.Summary($"Method codes of protocol {p.Name}.");
            w.Line(CodeWriter.GeneratedCode);
            using (w.Block($"public static partial class {pf}Methods"))
            {
                foreach (var m in p.Methods)
                {
                    w.Summary($"{m.Name}: {m.Citation}");
                    w.Line($"public const ushort {m.Identifier} = {CodeWriter.Hex(m.Code, 3)};");
                }
                w.Summary("The method's name, or null for a code this protocol does not define.");
                using (w.Block("public static string? NameOf(ushort method) => method switch", "};"))
                {
                    foreach (var m in p.Methods) w.Line($"{CodeWriter.Hex(m.Code, 3)} => {CodeWriter.Str(m.Name)},");
                    w.Line("_ => null,");
                }
            }
            w.Line();
        }

        if (p.Classes.Count > 0)
        {
            w.Summary($"Message classes (the C1 C0 bits of the message type): {p.Classes[0].Citation}");
            w.Line(CodeWriter.GeneratedCode);
            using (w.Block($"public enum {pf}Class : byte"))
            {
                foreach (var c in p.Classes)
                {
                    w.Summary(c.Citation);
                    w.Line($"{c.Identifier} = {c.Bits},");
                }
            }
            w.Line();
        }

        if (p.Errors.Count > 0)
        {
            w.Summary($"Error codes of protocol {p.Name} and their reason phrases.");
            w.Line(CodeWriter.GeneratedCode);
            using (w.Block($"public static partial class {pf}ErrorCodes"))
            {
                foreach (var e in p.Errors)
                {
                    var former = e.FormerReason is null ? "" : $" (was \"{e.FormerReason}\", {e.FormerCitation})";
                    w.Summary($"{e.Code} {e.Reason}: {e.Citation}{former}");
                    w.Line($"public const int {e.Identifier} = {e.Code};");
                }
                w.Summary("The reason phrase the spec gives for the code, or null.");
                using (w.Block("public static string? ReasonPhrase(int code) => code switch", "};"))
                {
                    foreach (var e in p.Errors) w.Line($"{e.Code} => {CodeWriter.Str(e.Reason)},");
                    w.Line("_ => null,");
                }
                if (p.Errors.Any(e => e.FormerReason is not null))
                {
                    w.Summary("The reason phrase an older RFC gave the code (e.g. RFC 5389's \"Unauthorized\" for 401), or null.");
                    using (w.Block("public static string? FormerReasonPhrase(int code) => code switch", "};"))
                    {
                        foreach (var e in p.Errors.Where(e => e.FormerReason is not null)) w.Line($"{e.Code} => {CodeWriter.Str(e.FormerReason!)},");
                        w.Line("_ => null,");
                    }
                }
            }
            w.Line();
        }

        if (p.Algorithms.Count > 0)
        {
            w.Summary($"Password algorithms: {p.Algorithms[0].Citation}");
            w.Line(CodeWriter.GeneratedCode);
            using (w.Block($"public enum {pf}PasswordAlgorithm : ushort"))
            {
                foreach (var a in p.Algorithms)
                {
                    w.Summary($"{a.Name}: {a.Citation}");
                    w.Line($"{a.Identifier} = {CodeWriter.Hex(a.Code, 4)},");
                }
            }
            w.Line();
        }

        if (p.Ranges.Count > 0)
        {
            w.Summary($"Code ranges of protocol {p.Name}.");
            w.Line(CodeWriter.GeneratedCode);
            using (w.Block($"public static partial class {pf}Ranges"))
            {
                foreach (var r in p.Ranges)
                {
                    var name = Binding.Names.ToIdentifier(r.Kind);
                    w.Summary(r.Citation);
                    w.Line($"public const ushort {name}Low = {CodeWriter.Hex(r.Low, 4)};");
                    w.Line($"public const ushort {name}High = {CodeWriter.Hex(r.High, 4)};");
                    w.Line($"public static bool Is{name}(int value) => value >= {name}Low && value <= {name}High;");
                }
            }
            w.Line();
        }

        if (p.Machines.Count > 0)
        {
            w.Summary($"The state machines of protocol {p.Name}, as data (diagrams, monitors).");
            w.Line(CodeWriter.GeneratedCode);
            using (w.Block($"public static partial class {pf}Machines"))
            {
                w.Line($"public static global::System.Collections.Generic.IReadOnlyList<global::IceSpec.Machines.MachineDefinition> All {{ get; }} = new global::IceSpec.Machines.MachineDefinition[] {{ {string.Join(", ", p.Machines.Select(m => m.Identifier + "Machine.Definition"))} }};");
            }
            w.Line();
        }

        w.Summary($"Registers the attributes of protocol {p.Name} with the runtime when the assembly loads.");
        w.Line(CodeWriter.GeneratedCode);
        using (w.Block($"public static partial class {pf}Registry"))
        {
            w.Line($"public const string Protocol = {CodeWriter.Str(p.Name)};");
            w.Line();
            using (w.Block("public static global::System.Collections.Generic.IReadOnlyList<global::IceSpec.Stun.StunAttributeInfo> Attributes { get; } = new global::IceSpec.Stun.StunAttributeInfo[]", "};"))
            {
                foreach (var a in p.Attributes)
                    w.Line($"new({CodeWriter.Hex(a.Code, 4)}, {CodeWriter.Str(a.Name)}, Protocol, {CodeWriter.Str(FormatText.Describe(a.Format))}, {(a.Reserved ? "true" : "false")}, {CodeWriter.Str(a.Citation)}, {pf}AttributeFormats.IsValid{a.Identifier}, {pf}AttributeFormats.Describe{a.Identifier}),");
            }
            // A standalone protocol's codes coincide with STUN's (RFC 3489's RESPONSE-ADDRESS is reserved in RFC 8489):
            // registering them would change what a STUN message "understands", so it has a look-up of its own instead.
            w.Line();
            if (p.Standalone)
            {
                w.Summary("The attribute of this protocol with that code, or null (its attributes are not in StunAttributeRegistry).");
                using (w.Block("public static global::IceSpec.Stun.StunAttributeInfo? Find(ushort type)"))
                {
                    w.Line("foreach (var attribute in Attributes) if (attribute.Type == type) return attribute;");
                    w.Line("return null;");
                }
            }
            else
            {
                w.Line("[global::System.Runtime.CompilerServices.ModuleInitializer]");
                w.Line("internal static void RegisterAttributes() => global::IceSpec.Stun.StunAttributeRegistry.Register(Attributes);");
            }
        }
        return w.ToString();
    }
}
