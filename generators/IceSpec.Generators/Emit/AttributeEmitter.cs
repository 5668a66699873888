using System.Linq;
using IceSpec.Generators.Model;

namespace IceSpec.Generators.Emit;

/// <summary>
/// Per attribute: a format check and a describer (<c>{P}AttributeFormats</c>), struct value types, and typed accessors
/// (<c>{P}AttributeAccessors</c>): <c>TryGetX(this in StunMessage, out …)</c> and <c>AddX(this ref StunMessageBuilder, …)</c>.
/// Accessors are extension methods so a vendor spec in another assembly extends the same message and builder types.
/// </summary>
internal static class AttributeEmitter
{
    private const string Span = "global::System.ReadOnlySpan<byte>";
    private const string Message = "global::IceSpec.Stun.StunMessage";
    private const string Builder = "global::IceSpec.Stun.StunMessageBuilder";
    private const string Address = "global::IceSpec.Stun.StunAddress";

    public static string Emit(ProtocolModel p)
    {
        var w = new CodeWriter(p.Name, p.Namespace);
        var pf = p.Prefix;

        foreach (var s in p.Structs)
        {
            StructEmitter.Emit(w, s.Identifier, new InlineStructType(s.Fields, SourceSpan.None), s.Citation);
            w.Line();
        }
        foreach (var a in p.Attributes)
        {
            if (a.Format is InlineStructType { TypeName: null } inline) { StructEmitter.Emit(w, a.Identifier + "Value", inline, a.Citation); w.Line(); }
            if (a.Format is ListType { Element: InlineStructType { TypeName: null } item }) { StructEmitter.Emit(w, a.Identifier + "Item", item, a.Citation); w.Line(); }
            if (a.Format is ListType { Element: InlineStructType element }) { EmitList(w, a, ValueType(a, element)); w.Line(); }
        }

        if (p.Attributes.Count == 0) return w.ToString();
        w.Summary($"Format checks and renderings of the attribute values of protocol {p.Name}.");
        w.Line(CodeWriter.GeneratedCode);
        using (w.Block($"public static partial class {pf}AttributeFormats"))
        {
            var describes = p.Attributes.Select(Describe).ToArray();
            for (var i = 0; i < p.Attributes.Count; i++)
            {
                var a = p.Attributes[i];
                w.Summary($"Whether a {a.Name} value is {FormatText.Describe(a.Format)} ({a.Citation}).");
                w.Line($"public static bool IsValid{a.Identifier}({Span} value) => {Check(a)};");
                w.Line($"public static string Describe{a.Identifier}({Span} value, {Span} transactionId) => {describes[i]};");
                w.Line();
            }
            // The helpers the renderings above call, and only those.
            if (describes.Any(d => d.Contains("Invalid(value)")))
                w.Line($"private static string Invalid({Span} value) => \"(malformed) \" + global::System.Convert.ToHexString(value).ToLowerInvariant();");
            if (describes.Any(d => d.Contains("DescribeList(value")))
            {
                w.Line();
                using (w.Block($"private static string DescribeList({Span} value, int size)"))
                {
                    w.Line("var items = new string[value.Length / size];");
                    w.Line("for (var i = 0; i < items.Length; i++) items[i] = \"0x\" + global::System.Convert.ToHexString(value.Slice(i * size, size));");
                    w.Line("return string.Join(\", \", items);");
                }
            }
        }
        if (p.Standalone) return w.ToString();   // no accessors on StunMessage: its messages are not RFC 8489 messages
        w.Line();

        w.Summary($"Typed readers and writers of the attributes of protocol {p.Name}.");
        w.Line(CodeWriter.GeneratedCode);
        using (w.Block($"public static partial class {pf}AttributeAccessors"))
        {
            foreach (var a in p.Attributes) EmitAccessors(w, pf, a);
        }
        return w.ToString();
    }

    private static string Code(string pf, AttributeModel a) => $"{pf}AttributeTypes.{a.Identifier}";

    private static string ValueType(AttributeModel a, InlineStructType s) =>
        s.TypeName ?? (a.Format is ListType ? a.Identifier + "Item" : a.Identifier + "Value");

    private static string Check(AttributeModel a) => a.Format switch
    {
        PrimitiveType { Name: "u8" or "u16" or "u32" or "u64" } p => $"value.Length == {StructEmitter.IntSize(p.Name)}",
        PrimitiveType { Name: "empty" } => "value.Length == 0",
        PrimitiveType { Name: "address" } => $"{Address}.TryRead(value, false, default, out _)",
        PrimitiveType { Name: "xor-address" } => $"{Address}.TryRead(value, false, default, out _)",
        PrimitiveType { Name: "error-code" } => "global::IceSpec.Stun.StunErrorCode.TryRead(value, out _, out _)",
        PrimitiveType { Name: "hmac-sha1" } => "value.Length == 20",
        PrimitiveType { Name: "hmac-sha256" } => "value.Length >= 16 && value.Length <= 32 && (value.Length & 3) == 0",
        PrimitiveType { Name: "fingerprint" } => "value.Length == 4",
        BytesType { Fixed: { } n } => $"value.Length == {n}",
        BytesType { Max: { } max } => $"value.Length <= {max}",
        BytesType => "true",
        Utf8Type u => $"value.Length <= {u.Max} && global::System.Text.Unicode.Utf8.IsValid(value)",
        ListType { Element: PrimitiveType e } => $"value.Length % {StructEmitter.IntSize(e.Name)} == 0",
        ListType { Element: InlineStructType e } => $"new {ValueType(a, e)}List(value).IsWellFormed",
        InlineStructType s => $"{ValueType(a, s)}.TryRead(value, out _, out var read) && read == value.Length",
        _ => "true",
    };

    private static string Describe(AttributeModel a) => a.Format switch
    {
        PrimitiveType { Name: "u8" or "u16" or "u32" or "u64" } p =>
            $"IsValid{a.Identifier}(value) ? {StructEmitter.ReadInt(p.Name, "value")}.ToString(global::System.Globalization.CultureInfo.InvariantCulture) + \" (0x\" + global::System.Convert.ToHexString(value) + \")\" : Invalid(value)",
        PrimitiveType { Name: "empty" } => "value.Length == 0 ? \"(present)\" : Invalid(value)",
        PrimitiveType { Name: "address" } => $"{Address}.TryRead(value, false, default, out var address) ? address.ToString() : Invalid(value)",
        PrimitiveType { Name: "xor-address" } => $"transactionId.Length == 12 && {Address}.TryRead(value, true, transactionId, out var address) ? address.ToString() : Invalid(value)",
        PrimitiveType { Name: "error-code" } => "global::IceSpec.Stun.StunErrorCode.TryRead(value, out var code, out var reason) ? code.ToString(global::System.Globalization.CultureInfo.InvariantCulture) + \" \\\"\" + global::System.Text.Encoding.UTF8.GetString(reason) + \"\\\"\" : Invalid(value)",
        Utf8Type => $"IsValid{a.Identifier}(value) ? \"\\\"\" + global::System.Text.Encoding.UTF8.GetString(value) + \"\\\"\" : Invalid(value)",
        ListType { Element: PrimitiveType e } => $"IsValid{a.Identifier}(value) ? DescribeList(value, {StructEmitter.IntSize(e.Name)}) : Invalid(value)",
        ListType { Element: InlineStructType e } => $"new {ValueType(a, e)}List(value).Describe()",
        InlineStructType s => $"{ValueType(a, s)}.TryRead(value, out var item, out var read) && read == value.Length ? \"{{\" + item.ToString() + \"}}\" : Invalid(value)",
        _ => $"IsValid{a.Identifier}(value) ? global::System.Convert.ToHexString(value).ToLowerInvariant() : Invalid(value)",
    };

    private static void EmitAccessors(CodeWriter w, string pf, AttributeModel a)
    {
        var x = a.Identifier;
        var code = Code(pf, a);
        var isValid = $"{pf}AttributeFormats.IsValid{x}";
        var get = $"public static bool TryGet{x}(this {Message} message, ";
        var read = $"message.TryGetAttribute({code}, out var raw)";
        var add = $"public static void Add{x}(this ref {Builder} builder, ";
        w.Summary($"{a.Name} ({FormatText.Describe(a.Format)}): {a.Citation}");
        switch (a.Format)
        {
            case PrimitiveType { Name: "u8" or "u16" or "u32" or "u64" } p:
                var t = StructEmitter.IntType(p.Name);
                using (w.Block($"{get}out {t} value)"))
                {
                    w.Line($"if ({read} && raw.Length == {StructEmitter.IntSize(p.Name)}) {{ value = {StructEmitter.ReadInt(p.Name, "raw")}; return true; }}");
                    w.Line("value = default;");
                    w.Line("return false;");
                }
                if (!a.Reserved) w.Line($"{add}{t} value) => {StructEmitter.WriteInt(p.Name, $"builder.Reserve({code}, {StructEmitter.IntSize(p.Name)})", "value")};");
                break;
            case PrimitiveType { Name: "empty" }:
                w.Line($"public static bool Has{x}(this {Message} message) => message.Contains({code});");
                if (!a.Reserved) w.Line($"public static void Add{x}(this ref {Builder} builder) => builder.Reserve({code}, 0);");
                break;
            case PrimitiveType { Name: "address" or "xor-address" } p:
                var xor = p.Name == "xor-address" ? "true" : "false";
                using (w.Block($"{get}out {Address} value)"))
                {
                    w.Line($"if ({read}) return {Address}.TryRead(raw, {xor}, message.TransactionId, out value);");
                    w.Line("value = default;");
                    w.Line("return false;");
                }
                if (!a.Reserved)
                {
                    using (w.Block($"{add}in {Address} value)"))
                    {
                        w.Line($"var destination = builder.Reserve({code}, value.EncodedLength);");
                        w.Line($"value.Write(destination, {xor}, builder.TransactionId);");
                    }
                }
                break;
            case PrimitiveType { Name: "error-code" }:
                using (w.Block($"{get}out int code, out {Span} reason)"))
                {
                    w.Line($"if ({read}) return global::IceSpec.Stun.StunErrorCode.TryRead(raw, out code, out reason);");
                    w.Line("code = 0;");
                    w.Line("reason = default;");
                    w.Line("return false;");
                }
                w.Line($"{add}int code, scoped global::System.ReadOnlySpan<char> reason, byte padding = 0) =>");
                w.Continued($"global::IceSpec.Stun.StunErrorCode.Write(builder.Reserve({code}, global::IceSpec.Stun.StunErrorCode.EncodedLength(reason), padding), code, reason);");
                break;
            case PrimitiveType:
                // hmac-sha1, hmac-sha256, fingerprint: written by the builder's integrity methods, read raw here.
                w.Line($"{get}out {Span} value) => message.TryGetAttribute({code}, out value);");
                break;
            case Utf8Type u:
                using (w.Block($"{get}out {Span} utf8)"))
                {
                    w.Line($"if ({read} && {isValid}(raw)) {{ utf8 = raw; return true; }}");
                    w.Line("utf8 = default;");
                    w.Line("return false;");
                }
                w.Line($"/// <remarks>Allocates the string; use TryGet{x} on hot paths.</remarks>");
                w.Line($"public static string? Get{x}String(this {Message} message) =>");
                w.Continued($"message.TryGet{x}(out var utf8) ? global::System.Text.Encoding.UTF8.GetString(utf8) : null;");
                if (!a.Reserved)
                {
                    using (w.Block($"{add}scoped global::System.ReadOnlySpan<char> value, byte padding = 0)"))
                    {
                        w.Line("var length = global::System.Text.Encoding.UTF8.GetByteCount(value);");
                        w.Line($"if (length > {u.Max}) throw new global::System.ArgumentException(\"{a.Name} is at most {u.Max} bytes of UTF-8 ({a.Citation.Split(':')[0]}).\", nameof(value));");
                        w.Line($"global::System.Text.Encoding.UTF8.GetBytes(value, builder.Reserve({code}, length, padding));");
                    }
                    using (w.Block($"{add}scoped {Span} utf8, byte padding = 0)"))
                    {
                        w.Line($"if (!{isValid}(utf8)) throw new global::System.ArgumentException(\"{a.Name} must be valid UTF-8 of at most {u.Max} bytes.\", nameof(utf8));");
                        w.Line($"builder.Add({code}, utf8, padding);");
                    }
                }
                break;
            case BytesType:
                using (w.Block($"{get}out {Span} value)"))
                {
                    w.Line($"if ({read} && {isValid}(raw)) {{ value = raw; return true; }}");
                    w.Line("value = default;");
                    w.Line("return false;");
                }
                if (!a.Reserved)
                {
                    using (w.Block($"{add}scoped {Span} value, byte padding = 0)"))
                    {
                        w.Line($"if (!{isValid}(value)) throw new global::System.ArgumentException(\"{a.Name} must be {FormatText.Describe(a.Format)}.\", nameof(value));");
                        w.Line($"builder.Add({code}, value, padding);");
                    }
                }
                break;
            case ListType { Element: PrimitiveType e }:
                using (w.Block($"{get}out global::IceSpec.Stun.StunUInt16List value)"))
                {
                    w.Line($"if ({read} && {isValid}(raw)) {{ value = new global::IceSpec.Stun.StunUInt16List(raw); return true; }}");
                    w.Line("value = default;");
                    w.Line("return false;");
                }
                if (e.Name != "u16") break;
                using (w.Block($"{add}scoped global::System.ReadOnlySpan<ushort> values, byte padding = 0)"))
                {
                    w.Line($"var destination = builder.Reserve({code}, values.Length * 2, padding);");
                    w.Line("for (var i = 0; i < values.Length; i++) global::System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(destination[(i * 2)..], values[i]);");
                }
                break;
            case ListType { Element: InlineStructType e }:
                var listType = ValueType(a, e) + "List";
                using (w.Block($"{get}out {listType} value)"))
                {
                    w.Line($"if ({read} && {isValid}(raw)) {{ value = new {listType}(raw); return true; }}");
                    w.Line("value = default;");
                    w.Line("return false;");
                }
                w.Line($"/// <summary>Appends {a.Name} from already-encoded items (each item's Write output, concatenated).</summary>");
                using (w.Block($"{add}scoped {Span} encodedItems)"))
                {
                    w.Line($"if (!{isValid}(encodedItems)) throw new global::System.ArgumentException(\"{a.Name} items are malformed.\", nameof(encodedItems));");
                    w.Line($"builder.Add({code}, encodedItems);");
                }
                break;
            case InlineStructType s:
                var vt = ValueType(a, s);
                using (w.Block($"{get}out {vt} value)"))
                {
                    w.Line($"if ({read} && {vt}.TryRead(raw, out value, out var read) && read == raw.Length) return true;");
                    w.Line("value = default;");
                    w.Line("return false;");
                }
                if (!a.Reserved) w.Line($"{add}scoped {vt} value) => value.Write(builder.Reserve({code}, value.EncodedLength));");
                break;
        }
        w.Line();
    }

    /// <summary>The in-place list of struct items of a <c>list of Struct</c> attribute.</summary>
    private static void EmitList(CodeWriter w, AttributeModel a, string itemType)
    {
        var listType = itemType.Substring(itemType.LastIndexOf('.') + 1) + "List";
        w.Summary($"The items of {a.Name}, read in place.");
        w.Line(CodeWriter.GeneratedCode);
        using (w.Block($"public readonly ref struct {listType}"))
        {
            w.Line($"private readonly {Span} _value;");
            w.Line($"public {listType}({Span} value) => _value = value;");
            using (w.Block("public bool IsWellFormed"))
            {
                using (w.Block("get"))
                {
                    w.Line("var rest = _value;");
                    w.Line($"while (rest.Length > 0) {{ if (!{itemType}.TryRead(rest, out _, out var read) || read == 0) return false; rest = rest[read..]; }}");
                    w.Line("return true;");
                }
            }
            w.Line("public Enumerator GetEnumerator() => new(_value);");
            using (w.Block("public string Describe()"))
            {
                w.Line("if (!IsWellFormed) return \"(malformed) \" + global::System.Convert.ToHexString(_value);");
                w.Line("var items = new global::System.Collections.Generic.List<string>();");
                w.Line("foreach (var item in this) items.Add(\"{\" + item.ToString() + \"}\");");
                w.Line("return string.Join(\", \", items);");
            }
            using (w.Block("public ref struct Enumerator"))
            {
                w.Line($"private {Span} _rest;");
                w.Line($"internal Enumerator({Span} value) {{ _rest = value; Current = default; }}");
                w.Line($"public {itemType} Current {{ get; private set; }}");
                using (w.Block("public bool MoveNext()"))
                {
                    w.Line($"if (_rest.Length == 0 || !{itemType}.TryRead(_rest, out var item, out var read) || read == 0) return false;");
                    w.Line("Current = item;");
                    w.Line("_rest = _rest[read..];");
                    w.Line("return true;");
                }
            }
        }
    }
}
