using System.Linq;
using IceSpec.Generators.Model;
using Sprache;
using static IceSpec.Generators.Parsing.Lexical;

namespace IceSpec.Generators.Parsing;

/// <summary>
/// The grammar of a .spec file. Each declaration starts with its own keyword, and the file is read with
/// <c>XMany().End()</c> so a syntax error is reported at the exact column where reading stopped.
/// </summary>
internal static class SpecGrammar
{
    private static readonly Parser<Citation?> OptionalCitation =
        CitationLiteral.Optional().Select(c => c.GetOrDefault());

    // Closing tokens eat no trivia, so a declaration's span ends at its ';' or '}' (the caller eats the trivia).
    private static readonly Parser<char> Semicolon = Parse.Char(';').Named("';'");

    private static readonly Parser<char> CloseBrace = Parse.Char('}').Named("'}'");

    private static Parser<Declaration> Decl<T>(Parser<T> parser, System.Func<T, SourceSpan, Declaration> make) =>
        parser.Span().Tok().Select(s => make(s.Value, ToSpan(s)));

    private static readonly Parser<Declaration> Protocol = Decl(
        from kw in Keyword("protocol")
        from name in Identifier.Tok()
        from standalone in Keyword("standalone").Optional()
        from citation in OptionalCitation
        from end in Semicolon
        select (name, standalone: standalone.IsDefined, citation),
        (v, span) => new ProtocolDecl(v.name, span, v.citation) { Standalone = v.standalone });

    private static readonly Parser<string> DottedName =
        Identifier.DelimitedBy(Parse.Char('.')).Select(parts => string.Join(".", parts)).Tok();

    private static readonly Parser<Declaration> Namespace = Decl(
        from kw in Keyword("namespace")
        from name in DottedName
        from end in Semicolon
        select name,
        (name, span) => new NamespaceDecl(name, span));

    private static readonly Parser<Declaration> Import = Decl(
        from kw in Keyword("import")
        from name in Identifier.Tok()
        from end in Semicolon
        select name,
        (name, span) => new ImportDecl(name, span));

    private static readonly Parser<Declaration> Class = Decl(
        from kw in Keyword("class")
        from name in Identifier.Tok()
        from bits in Int
        from citation in OptionalCitation
        from end in Semicolon
        select (name, bits, citation),
        (v, span) => new ClassDecl(v.name, v.bits, span, v.citation));

    private static readonly Parser<Declaration> Method = Decl(
        from kw in Keyword("method")
        from name in Identifier.Tok()
        from code in Int
        from citation in OptionalCitation
        from end in Semicolon
        select (name, code, citation),
        (v, span) => new MethodDecl(v.name, v.code, span, v.citation));

    private static readonly Parser<Declaration> Range = Decl(
        from kw in Keyword("range")
        from kind in Identifier.Tok()
        from low in Int
        from dots in Symbol("..")
        from high in Int
        from citation in OptionalCitation
        from end in Semicolon
        select (kind, low, high, citation),
        (v, span) => new RangeDecl(v.kind, v.low, v.high, span, v.citation));

    // Wire types are read without the trivia after them (Word, RawInt, AfterTrivia), so their spans end at their last
    // character; WireTypeParser eats the trivia after the whole type.
    private static readonly Parser<string> PrimitiveName =
        Word("u8").Or(Word("u16")).Or(Word("u32")).Or(Word("u64")).Or(Word("empty"))
            .Or(Word("xor-address")).Or(Word("address")).Or(Word("error-code"))
            .Or(Word("hmac-sha1")).Or(Word("hmac-sha256")).Or(Word("fingerprint"));

    private static readonly Parser<WireType> Primitive =
        PrimitiveName.Span().Select(s => (WireType)new PrimitiveType(s.Value, ToSpan(s)));

    private static readonly Parser<WireType> Bytes =
        (from kw in Word("bytes")
         from size in RawInt.AfterTrivia().Optional()
         from max in Word("max").AfterTrivia().Then(_ => RawInt.AfterTrivia()).Optional()
         from prefix in Word("length").AfterTrivia().Then(_ => Word("u8").Or(Word("u16")).AfterTrivia()).Optional()
         from pad in Word("pad").AfterTrivia().Then(_ => RawInt.AfterTrivia()).Optional()
         select (size, max, prefix, pad))
        .Span().Select(s => (WireType)new BytesType(
            s.Value.size.IsDefined ? s.Value.size.Get() : null,
            s.Value.max.IsDefined ? s.Value.max.Get() : null,
            s.Value.prefix.GetOrDefault(),
            s.Value.pad.IsDefined ? s.Value.pad.Get() : null,
            ToSpan(s)));

    private static readonly Parser<WireType> Utf8 =
        (from kw in Word("utf8")
         from max in Word("max").AfterTrivia().Then(_ => RawInt.AfterTrivia())
         select max)
        .Span().Select(s => (WireType)new Utf8Type(s.Value, ToSpan(s)));

    private static readonly Parser<WireType> Named =
        Identifier.Span().Select(s => (WireType)new NamedType(s.Value, ToSpan(s)));

    private static readonly Parser<FieldDecl> Field =
        (from name in Identifier.Tok()
         from colon in Symbol(':')
         from type in Parse.Ref(() => WireTypeParser)
         from end in Semicolon
         select (name, type))
        .Span().Tok().Select(s => new FieldDecl(s.Value.name, s.Value.type, ToSpan(s)));

    private static readonly Parser<EquatableArray<FieldDecl>> FieldBlock =
        from open in Symbol('{')
        from fields in Field.XMany()
        from close in CloseBrace
        select fields.ToEquatableArray();

    private static readonly Parser<WireType> InlineStruct =
        (from kw in Keyword("struct")
         from fields in FieldBlock
         select fields)
        .Span().Select(s => (WireType)new InlineStructType(s.Value, ToSpan(s)));

    private static readonly Parser<WireType> List =
        (from kw in Keyword("list")
         from of in Keyword("of")
         from element in Parse.Ref(() => WireTypeCore)
         select element)
        .Span().Select(s => (WireType)new ListType(s.Value, ToSpan(s)));

    private static readonly Parser<WireType> WireTypeCore = List.Or(InlineStruct).Or(Bytes).Or(Utf8).Or(Primitive).Or(Named);

    public static readonly Parser<WireType> WireTypeParser = WireTypeCore.Tok();

    private static readonly Parser<Declaration> Attribute = Decl(
        from kw in Keyword("attribute")
        from name in Identifier.Tok()
        from code in Int
        from colon in Symbol(':')
        from format in WireTypeParser
        from reserved in Keyword("reserved").Optional()
        from citation in OptionalCitation
        from end in Semicolon
        select (name, code, format, reserved: reserved.IsDefined, citation),
        (v, span) => new AttributeDecl(v.name, v.code, v.format, v.reserved, span, v.citation));

    private static readonly Parser<Declaration> Struct = Decl(
        from kw in Keyword("struct")
        from name in Identifier.Tok()
        from citation in OptionalCitation
        from fields in FieldBlock
        select (name, citation, fields),
        (v, span) => new StructDecl(v.name, v.fields, span, v.citation));

    private static readonly Parser<Declaration> Error = Decl(
        from kw in Keyword("error")
        from code in Int
        from reason in StringLiteral
        from citation in OptionalCitation
        from was in (from w in Keyword("was")
                     from former in StringLiteral
                     from formerCitation in OptionalCitation
                     select (former, formerCitation)).Optional()
        from end in Semicolon
        select (code, reason, citation, was),
        (v, span) => new ErrorDecl(v.code, v.reason,
            v.was.IsDefined ? v.was.Get().former : null,
            v.was.IsDefined ? v.was.Get().formerCitation : null, span, v.citation));

    private static readonly Parser<Declaration> Algorithm = Decl(
        from kw in Keyword("password-algorithm")
        from name in Identifier.Tok()
        from code in Int
        from citation in OptionalCitation
        from end in Semicolon
        select (name, code, citation),
        (v, span) => new AlgorithmDecl(v.name, v.code, span, v.citation));

    private static readonly Parser<EquatableArray<NameRef>> NameList =
        NameReference.DelimitedBy(Symbol(',')).Select(n => n.ToEquatableArray());

    private static readonly Parser<Declaration> Rule = Decl(
        from kw in Keyword("rule")
        from name in Identifier.Tok()
        from citation in OptionalCitation
        from colon in Symbol(':')
        from body in (from attribute in NameReference
                      from last in Keyword("last")
                      select (attribute, only: EquatableArray<NameRef>.Empty))
                     .Or(from after in Keyword("after")
                         from attribute in NameReference
                         from only in Keyword("only")
                         from allowed in NameList
                         select (attribute, only: allowed))
        from end in Semicolon
        select (name, citation, body),
        (v, span) => new RuleDecl(v.name, v.body.attribute.Name, v.body.attribute.Span, v.body.only, span, v.citation));

    private static readonly Parser<MessageClause> Clause =
        (from kind in Keyword("required").Or(Keyword("optional")).Or(Keyword("one-of")).Or(Keyword("forbidden"))
         from names in NameList
         from when in Keyword("when").Then(_ => NameReference).Optional()
         from citation in OptionalCitation
         from end in Semicolon
         select (kind, names, when: when.GetOrDefault(), citation))
        .Span().Tok().Select(s => new MessageClause(s.Value.kind, s.Value.names, s.Value.when, ToSpan(s), s.Value.citation));

    private static readonly Parser<Declaration> Message = Decl(
        from kw in Keyword("message")
        from method in NameReference
        from cls in NameReference
        from profile in Keyword("as").Then(_ => Identifier.Tok()).Optional()
        from citation in OptionalCitation
        from open in Symbol('{')
        from clauses in Clause.XMany()
        from close in CloseBrace
        select (method, cls, profile: profile.GetOrDefault(), citation, clauses),
        (v, span) => new MessageDecl(v.method, v.cls, v.profile, v.clauses.ToEquatableArray(), span, v.citation));

    private static readonly Parser<Declaration> Machine = Decl(
        from kw in Keyword("machine")
        from name in Identifier.Tok()
        from citation in OptionalCitation
        from open in Symbol('{')
        from members in MachineGrammar.Member.XMany()
        from close in CloseBrace
        select (name, citation, members),
        (v, span) => new MachineDecl(v.name, v.members.ToEquatableArray(), span, v.citation));

    private static readonly Parser<Declaration> Const = Decl(
        from kw in Keyword("const")
        from name in Identifier.Tok()
        from eq in Symbol('=')
        from value in MachineGrammar.Expression
        from citation in OptionalCitation
        from end in Semicolon
        select (name, value, citation),
        (v, span) => new ConstDecl(v.name, v.value, span, v.citation));

    private static readonly Parser<Declaration> Formula = Decl(
        from kw in Keyword("formula")
        from name in Identifier.Tok()
        from open in Symbol('(')
        from parameters in NameReference.DelimitedBy(Symbol(','))
        from close in Symbol(')')
        from eq in Symbol('=')
        from body in MachineGrammar.Expression
        from citation in OptionalCitation
        from end in Semicolon
        select (name, parameters, body, citation),
        (v, span) => new FormulaDecl(v.name, v.parameters.ToEquatableArray(), v.body, span, v.citation));

    private static readonly Parser<Declaration> Declaration =
        Protocol.XOr(Namespace).XOr(Import).XOr(Class).XOr(Method).XOr(Range).XOr(Attribute).XOr(Struct)
            .XOr(Error).XOr(Algorithm).XOr(Rule).XOr(Message).XOr(Machine).XOr(Const).XOr(Formula);

    public static readonly Parser<Declaration[]> File =
        from leading in Trivia
        from declarations in Declaration.XMany().End()
        select declarations.ToArray();
}
