using System.Linq;
using IceSpec.Generators.Model;

namespace IceSpec.Generators.Emit;

/// <summary>
/// One <c>readonly ref struct</c> per <c>message</c> declaration: a view over a received message that exists only when
/// the message is of that method and class and keeps the spec's rules for it, so its required attributes are plain
/// properties (no Try… needed) and its optional ones are Try… methods. No copy, no allocation.
/// </summary>
internal static class MessageViewEmitter
{
    private const string Message = "global::IceSpec.Stun.StunMessage";
    private const string Violation = "global::IceSpec.Stun.StunViolation";

    public static string Emit(ProtocolModel p)
    {
        var w = new CodeWriter(p.Name, p.Namespace);
        foreach (var m in p.Messages) EmitView(w, p, m);
        return w.ToString();
    }

    private static void EmitView(CodeWriter w, ProtocolModel p, MessageRuleModel m)
    {
        var name = m.Identifier + "View";
        var title = $"{m.MethodName} {m.ClassName}{(m.Profile is null ? "" : " as " + m.Profile)}";
        var type = (m.MethodCode & 0x000F) | ((m.MethodCode & 0x0070) << 1) | ((m.MethodCode & 0x0F80) << 2) | ((m.ClassBits & 1) << 4) | ((m.ClassBits & 2) << 7);
        var required = m.Clauses.Where(c => c.Kind == "required").SelectMany(c => c.Attributes).Distinct().ToArray();
        var optional = m.Clauses.Where(c => c.Kind is "optional" or "one-of").SelectMany(c => c.Attributes).Distinct().Where(a => !required.Contains(a)).ToArray();

        w.Summary($"A {title} that keeps the spec's rules ({m.Citation}).");
        w.Line(CodeWriter.GeneratedCode);
        using (w.Block($"public readonly ref struct {name}"))
        {
            w.Line($"private {name}({Message} message) => Message = message;");
            w.Line();
            w.Line($"public {Message} Message {{ get; }}");
            w.Line();
            w.Summary($"A view of message if it is a {title} and keeps every rule the spec states for it; otherwise the rule it breaks.");
            using (w.Block($"public static bool TryFrom({Message} message, out {name} view, out {Violation} violation)"))
            {
                w.Line("view = default;");
                w.Line($"if (message.RawType != {CodeWriter.Hex(type, 4)}) {{ violation = new(\"MessageType\", {CodeWriter.Str(m.Citation)}, {CodeWriter.Str($"not a {m.MethodName} {m.ClassName}")}, 0); return false; }}");
                w.Line($"if (!{p.Prefix}Validator.TryValidateStructure(message, out violation) || !{p.Prefix}Validator.TryValidate{m.Identifier}(message, out violation)) return false;");
                w.Line($"view = new {name}(message);");
                w.Line("return true;");
            }
            w.Line();
            w.Summary("Parses buffer and returns the view; false with the parse status or the broken rule otherwise.");
            using (w.Block($"public static bool TryParse(global::System.ReadOnlySpan<byte> buffer, out {name} view, out global::IceSpec.Stun.StunParseStatus status, out {Violation} violation)"))
            {
                w.Line("view = default;");
                w.Line("violation = default;");
                w.Line("status = global::IceSpec.Stun.StunMessage.TryParse(buffer, out var message);");
                w.Line("return status == global::IceSpec.Stun.StunParseStatus.Ok && TryFrom(message, out view, out violation);");
            }
            w.Line();
            foreach (var a in required) EmitRequired(w, a);
            foreach (var a in optional) EmitOptional(w, a);
        }
        w.Line();
    }

    /// <summary>A required attribute of a simple format is a property: the view exists only if it is present and well formed.</summary>
    private static void EmitRequired(CodeWriter w, AttributeRef a)
    {
        var csType = ValueType(a.Format);
        if (csType is null) { EmitOptional(w, a); return; }
        w.Summary($"{a.Name} (required).");
        if (a.Format is PrimitiveType { Name: "empty" })
        {
            w.Line($"public bool {a.Identifier} => true;");
            return;
        }
        var outName = a.Format is Utf8Type ? "utf8" : "value";
        w.Line($"public {csType} {a.Identifier} => {a.Accessors}.TryGet{a.Identifier}(Message, out var {outName}) ? {outName} : default;");
    }

    private static void EmitOptional(CodeWriter w, AttributeRef a)
    {
        w.Summary($"{a.Name} (optional in this message).");
        if (a.Format is PrimitiveType { Name: "empty" })
        {
            w.Line($"public bool Has{a.Identifier} => {a.Accessors}.Has{a.Identifier}(Message);");
            return;
        }
        var csType = ValueType(a.Format);
        if (csType is null)
        {
            w.Line($"public bool Has{a.Identifier} => Message.Contains({CodeWriter.Hex(a.Code, 4)});");
            return;
        }
        w.Line($"public bool TryGet{a.Identifier}(out {csType} value) => {a.Accessors}.TryGet{a.Identifier}(Message, out value);");
    }

    /// <summary>The C# type of a format with a single-value accessor, or null (error-code, lists, structs: use Message.TryGetX).</summary>
    private static string? ValueType(WireType format) => format switch
    {
        PrimitiveType { Name: "u8" or "u16" or "u32" or "u64" } p => StructEmitter.IntType(p.Name),
        PrimitiveType { Name: "empty" } => "bool",
        PrimitiveType { Name: "address" or "xor-address" } => "global::IceSpec.Stun.StunAddress",
        PrimitiveType { Name: "hmac-sha1" or "hmac-sha256" or "fingerprint" } => "global::System.ReadOnlySpan<byte>",
        BytesType or Utf8Type => "global::System.ReadOnlySpan<byte>",
        _ => null,
    };
}
