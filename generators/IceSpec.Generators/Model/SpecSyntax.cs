namespace IceSpec.Generators.Model;

// The spec model: what the parser produces from one .spec file. Plain records with structural equality
// (EquatableArray for collections) and no Roslyn types, so incremental steps compare by value.

/// <summary>Where a construct stands in its .spec file (0-based line and column, as Roslyn wants them).</summary>
public sealed record SourceSpan(int Start, int Length, int Line, int Column, int EndLine, int EndColumn)
{
    public static readonly SourceSpan None = new(0, 0, 0, 0, 0, 0);
}

/// <summary>An RFC citation such as <c>"RFC 8489 §14.7"</c>; every element carries one.</summary>
public sealed record Citation(string Text, SourceSpan Span);

public abstract record Declaration(SourceSpan Span, Citation? Citation);

/// <param name="Name">The protocol's name; its generated types start with it.</param>
public sealed record ProtocolDecl(string Name, SourceSpan Span, Citation? Citation) : Declaration(Span, Citation)
{
    /// <summary>
    /// <c>protocol classic standalone</c>: a code table of its own whose messages are not RFC 8489 messages (RFC 3489's
    /// have no magic cookie). Its codes, names and value formats are generated, but its attributes are not registered with
    /// the STUN runtime and get no accessors on StunMessage, and it has no validator or message views.
    /// </summary>
    public bool Standalone { get; init; }
}

public sealed record NamespaceDecl(string Name, SourceSpan Span) : Declaration(Span, null);

public sealed record ImportDecl(string Protocol, SourceSpan Span) : Declaration(Span, null);

public sealed record ClassDecl(string Name, int Bits, SourceSpan Span, Citation? Citation) : Declaration(Span, Citation);

public sealed record MethodDecl(string Name, int Code, SourceSpan Span, Citation? Citation) : Declaration(Span, Citation);

/// <summary><c>range comprehension-required 0x0000..0x7FFF "RFC 8489 §14";</c></summary>
public sealed record RangeDecl(string Kind, int Low, int High, SourceSpan Span, Citation? Citation) : Declaration(Span, Citation);

/// <summary><c>attribute NAME 0xCODE : format [reserved] "citation";</c></summary>
public sealed record AttributeDecl(string Name, int Code, WireType Format, bool Reserved, SourceSpan Span, Citation? Citation)
    : Declaration(Span, Citation);

public sealed record StructDecl(string Name, EquatableArray<FieldDecl> Fields, SourceSpan Span, Citation? Citation)
    : Declaration(Span, Citation);

public sealed record FieldDecl(string Name, WireType Type, SourceSpan Span);

/// <summary><c>error 401 "Unauthenticated" "RFC 8489 §14.8" was "Unauthorized" "RFC 5389 §15.6";</c></summary>
public sealed record ErrorDecl(int Code, string Reason, string? FormerReason, Citation? FormerCitation, SourceSpan Span, Citation? Citation)
    : Declaration(Span, Citation);

/// <summary><c>password-algorithm SHA-256 0x0002 "RFC 8489 §18.5";</c></summary>
public sealed record AlgorithmDecl(string Name, int Code, SourceSpan Span, Citation? Citation) : Declaration(Span, Citation);

/// <summary>A rule over the attribute order of every message: <c>X last</c> or <c>after X only A, B</c>.</summary>
public sealed record RuleDecl(string Name, string Attribute, SourceSpan AttributeSpan, EquatableArray<NameRef> OnlyAfter, SourceSpan Span, Citation? Citation)
    : Declaration(Span, Citation)
{
    public bool IsLastRule => OnlyAfter.Count == 0;
}

/// <summary>A reference to a declared name, kept with its position for "unknown name" diagnostics.</summary>
public sealed record NameRef(string Name, SourceSpan Span);

/// <summary><c>message Binding request [as profile] "citation" { required …; optional … when X; one-of …; forbidden …; }</c></summary>
public sealed record MessageDecl(NameRef Method, NameRef Class, string? Profile, EquatableArray<MessageClause> Clauses, SourceSpan Span, Citation? Citation)
    : Declaration(Span, Citation);

public sealed record MessageClause(string Kind, EquatableArray<NameRef> Attributes, NameRef? When, SourceSpan Span, Citation? Citation);

public sealed record MachineDecl(string Name, EquatableArray<MachineMember> Members, SourceSpan Span, Citation? Citation)
    : Declaration(Span, Citation);

/// <summary><c>const NAME = expr "citation";</c> at the top level: a named number of the protocol.</summary>
public sealed record ConstDecl(string Name, Expr Value, SourceSpan Span, Citation? Citation) : Declaration(Span, Citation);

/// <summary><c>formula NAME(a, b) = expr "citation";</c>: an integer function of its parameters (and the protocol's consts).</summary>
public sealed record FormulaDecl(string Name, EquatableArray<NameRef> Parameters, Expr Body, SourceSpan Span, Citation? Citation)
    : Declaration(Span, Citation);
