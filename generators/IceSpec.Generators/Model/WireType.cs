namespace IceSpec.Generators.Model;

/// <summary>The wire format of an attribute value or struct field, built from a small set of primitives.</summary>
public abstract record WireType(SourceSpan Span);

/// <summary>
/// u8 u16 u32 u64, empty, address, xor-address, error-code, hmac-sha1, hmac-sha256, fingerprint.
/// </summary>
public sealed record PrimitiveType(string Name, SourceSpan Span) : WireType(Span);

/// <summary><c>bytes</c>, <c>bytes 32</c>, <c>bytes max 763</c>, <c>bytes length u16 pad 4</c>.</summary>
public sealed record BytesType(int? Fixed, int? Max, string? LengthPrefix, int? Pad, SourceSpan Span) : WireType(Span);

/// <summary><c>utf8 max 513</c> (bytes, not characters).</summary>
public sealed record Utf8Type(int Max, SourceSpan Span) : WireType(Span);

/// <summary><c>list of u16</c>, <c>list of PasswordAlgorithmEntry</c>: elements until the value ends.</summary>
public sealed record ListType(WireType Element, SourceSpan Span) : WireType(Span);

/// <summary>A struct declared elsewhere with <c>struct Name { … }</c>.</summary>
public sealed record NamedType(string Name, SourceSpan Span) : WireType(Span);

/// <summary>
/// <c>struct { field : type; … }</c> written in place; after binding also a named struct, with <paramref name="TypeName"/>
/// the fully qualified C# type that holds its values (null for an anonymous struct: the emitter names it).
/// </summary>
public sealed record InlineStructType(EquatableArray<FieldDecl> Fields, SourceSpan Span, string? TypeName = null) : WireType(Span);
