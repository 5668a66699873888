using System.Linq;
using IceSpec.Generators.Model;

namespace IceSpec.Generators.Emit;

/// <summary>
/// A struct format becomes a <c>readonly ref struct</c> holding its fields (byte fields as spans over the message) with
/// <c>TryRead</c>, <c>EncodedLength</c> and <c>Write</c>: integers are big-endian, <c>bytes length u16 pad 4</c> is a
/// length prefix then the bytes then zero padding, and an unprefixed bytes/utf8 field takes the rest of the value.
/// </summary>
internal static class StructEmitter
{
    public static void Emit(CodeWriter w, string typeName, InlineStructType s, string citation)
    {
        w.Summary($"{FormatText.Describe(s)} — {citation}");
        w.Line(CodeWriter.GeneratedCode);
        using (w.Block($"public readonly ref struct {typeName}"))
        {
            var fields = s.Fields.Select(f => (Name: Binding.Names.ToIdentifier(f.Name), f.Type, CsType: FieldType(f.Type))).ToArray();
            w.Line($"public {typeName}({string.Join(", ", fields.Select(f => $"{f.CsType} {Camel(f.Name)}"))})");
            w.Line("{");
            foreach (var f in fields) w.Line($"    {f.Name} = {Camel(f.Name)};");
            w.Line("}");
            w.Line();
            foreach (var f in fields) w.Line($"public {f.CsType} {f.Name} {{ get; }}");
            w.Line();

            w.Summary("Reads one value from the start of source; bytesRead includes padding.");
            using (w.Block($"public static bool TryRead(global::System.ReadOnlySpan<byte> source, out {typeName} value, out int bytesRead)"))
            {
                w.Line("value = default;");
                w.Line("bytesRead = 0;");
                w.Line("var at = 0;");
                foreach (var f in fields)
                {
                    var v = "_" + Camel(f.Name).TrimStart('@');
                    switch (f.Type)
                    {
                        case PrimitiveType p:
                            var size = IntSize(p.Name);
                            w.Line($"if (source.Length < at + {size}) return false;");
                            w.Line($"var {v} = {ReadInt(p.Name, "source[at..]")};");
                            w.Line($"at += {size};");
                            break;
                        case BytesType { Fixed: { } n }:
                            w.Line($"if (source.Length < at + {n}) return false;");
                            w.Line($"var {v} = source.Slice(at, {n});");
                            w.Line($"at += {n};");
                            break;
                        case BytesType { LengthPrefix: { } prefix } b:
                            var prefixSize = prefix == "u8" ? 1 : 2;
                            w.Line($"if (source.Length < at + {prefixSize}) return false;");
                            w.Line($"int {v}Length = {ReadInt(prefix, "source[at..]")};");
                            w.Line($"at += {prefixSize};");
                            if (b.Max is { } max) w.Line($"if ({v}Length > {max}) return false;");
                            w.Line($"if (source.Length < at + {v}Length) return false;");
                            w.Line($"var {v} = source.Slice(at, {v}Length);");
                            w.Line(b.Pad is not null ? $"at += ({v}Length + 3) & ~3;" : $"at += {v}Length;");
                            w.Line("if (at > source.Length) return false;");
                            break;
                        case BytesType b:
                            w.Line($"var {v} = source[at..];");
                            if (b.Max is { } bmax) w.Line($"if ({v}.Length > {bmax}) return false;");
                            w.Line("at = source.Length;");
                            break;
                        case Utf8Type u:
                            w.Line($"var {v} = source[at..];");
                            w.Line($"if ({v}.Length > {u.Max} || !global::System.Text.Unicode.Utf8.IsValid({v})) return false;");
                            w.Line("at = source.Length;");
                            break;
                    }
                }
                w.Line($"value = new {typeName}({string.Join(", ", fields.Select(f => "_" + Camel(f.Name).TrimStart('@')))});");
                w.Line("bytesRead = at;");
                w.Line("return true;");
            }
            w.Line();

            w.Line("public int EncodedLength => " + string.Join(" + ", fields.Select(f => EncodedSize(f.Name, f.Type))) + ";");
            w.Line();
            w.Summary("Writes the value (with padding) and returns the bytes written.");
            using (w.Block("public int Write(global::System.Span<byte> destination)"))
            {
                w.Line("var at = 0;");
                foreach (var f in fields)
                {
                    switch (f.Type)
                    {
                        case PrimitiveType p:
                            w.Line(WriteInt(p.Name, "destination[at..]", f.Name) + ";");
                            w.Line($"at += {IntSize(p.Name)};");
                            break;
                        case BytesType { Fixed: { } n }:
                            w.Line($"if ({f.Name}.Length != {n}) throw new global::System.ArgumentException(\"{f.Name} must be {n} bytes.\");");
                            w.Line($"{f.Name}.CopyTo(destination[at..]);");
                            w.Line($"at += {n};");
                            break;
                        case BytesType { LengthPrefix: { } prefix } b:
                            w.Line(WriteInt(prefix, "destination[at..]", $"({(prefix == "u8" ? "byte" : "ushort")}){f.Name}.Length") + ";");
                            w.Line($"at += {(prefix == "u8" ? 1 : 2)};");
                            w.Line($"{f.Name}.CopyTo(destination[at..]);");
                            w.Line($"at += {f.Name}.Length;");
                            if (b.Pad is not null)
                            {
                                w.Line($"var padding{f.Name} = (({f.Name}.Length + 3) & ~3) - {f.Name}.Length;");
                                w.Line($"destination.Slice(at, padding{f.Name}).Clear();");
                                w.Line($"at += padding{f.Name};");
                            }
                            break;
                        default:
                            w.Line($"{f.Name}.CopyTo(destination[at..]);");
                            w.Line($"at += {f.Name}.Length;");
                            break;
                    }
                }
                w.Line("return at;");
            }
            w.Line();
            w.Line("public override string ToString() => " +
                   string.Join(" + \", \" + ", fields.Select(f => $"\"{f.Name}=\" + {DescribeField(f.Name, f.Type)}")) + ";");
        }
    }

    public static string FieldType(WireType type) => type switch
    {
        PrimitiveType p => IntType(p.Name),
        _ => "global::System.ReadOnlySpan<byte>",
    };

    private static string DescribeField(string name, WireType type) => type switch
    {
        PrimitiveType => $"{name}.ToString(global::System.Globalization.CultureInfo.InvariantCulture)",
        Utf8Type => $"\"\\\"\" + global::System.Text.Encoding.UTF8.GetString({name}) + \"\\\"\"",
        _ => $"global::System.Convert.ToHexString({name})",
    };

    private static string EncodedSize(string name, WireType type) => type switch
    {
        PrimitiveType p => IntSize(p.Name).ToString(),
        BytesType { Fixed: { } n } => n.ToString(),
        BytesType { LengthPrefix: { } prefix, Pad: not null } => $"({(prefix == "u8" ? 1 : 2)} + (({name}.Length + 3) & ~3))",
        BytesType { LengthPrefix: { } prefix } => $"({(prefix == "u8" ? 1 : 2)} + {name}.Length)",
        _ => $"{name}.Length",
    };

    public static int IntSize(string primitive) => primitive switch { "u8" => 1, "u16" => 2, "u32" => 4, "u64" => 8, _ => 0 };

    public static string IntType(string primitive) => primitive switch { "u8" => "byte", "u16" => "ushort", "u32" => "uint", "u64" => "ulong", _ => "int" };

    public static string ReadInt(string primitive, string span) => primitive switch
    {
        "u8" => $"{span}[0]",
        "u16" => $"global::System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian({span})",
        "u32" => $"global::System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian({span})",
        _ => $"global::System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian({span})",
    };

    public static string WriteInt(string primitive, string span, string value) => primitive switch
    {
        "u8" => $"{span}[0] = {value}",
        "u16" => $"global::System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian({span}, {value})",
        "u32" => $"global::System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian({span}, {value})",
        _ => $"global::System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian({span}, {value})",
    };

    /// <summary>camelCase for parameters and locals, escaped with @ when it is a C# keyword (a field named "class").</summary>
    public static string Camel(string identifier)
    {
        var camel = char.ToLowerInvariant(identifier[0]) + identifier.Substring(1);
        return Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(camel) == Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? camel : "@" + camel;
    }
}
