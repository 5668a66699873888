using System.Text.RegularExpressions;
using IceSpec.Generators.Model;
using IceSpec.Generators.Parsing;
using IceSpec.Generators.Tests.Infrastructure;

namespace IceSpec.Generators.Tests;

/// <summary>
/// Every construct of the spec language parses into the expected model. Structure is compared with spans stripped
/// (<see cref="WithoutSpans"/>); <see cref="ParserSpanTests"/> checks the spans themselves.
/// </summary>
[Trait("Category", "unit")]
public sealed class ParserTests
{
    private static readonly SourceSpan N = SourceSpan.None;

    private static Citation C(string text) => new(text, N);

    private static NameRef R(string name) => new(name, N);

    private static EquatableArray<T> A<T>(params T[] items) where T : IEquatable<T> => new(items);

    internal static ParsedSpec ParseClean(string text)
    {
        var parsed = SpecParser.Parse("t.spec", text, emit: true);
        Assert.Empty(parsed.Diagnostics.Select(d => $"{d.Id} {d.Span.Line}:{d.Span.Column} {string.Join(" | ", d.Arguments)}"));
        return parsed;
    }

    private static Declaration Single(string text) => WithoutSpans.Strip(Assert.Single(ParseClean(text).Declarations));

    // ---- top-level declarations ----

    [Fact]
    public void Protocol() =>
        Assert.Equal(new ProtocolDecl("stun", N, C("RFC 8489")), Single("protocol stun \"RFC 8489\";"));

    [Fact]
    public void Protocol_without_citation_has_null_citation() =>
        Assert.Equal(new ProtocolDecl("stun", N, null), Single("protocol stun;"));

    [Fact]
    public void Dotted_namespace() =>
        Assert.Equal(new NamespaceDecl("IceSpec.Stun.Vendor", N), Single("namespace IceSpec.Stun.Vendor;"));

    [Fact]
    public void Import() => Assert.Equal(new ImportDecl("stun", N), Single("import stun;"));

    [Theory]
    [InlineData("0b00", 0)]
    [InlineData("0b10", 2)]
    [InlineData("0b11", 3)]
    [InlineData("1", 1)]
    public void Class_bits_in_binary_or_decimal(string bits, int value) =>
        Assert.Equal(new ClassDecl("success", value, N, C("RFC 8489 §5")), Single($"class success {bits} \"RFC 8489 §5\";"));

    [Theory]
    [InlineData("0x001", 1)]
    [InlineData("0X00a", 10)]
    [InlineData("0xFFF", 0xFFF)]
    [InlineData("42", 42)]
    public void Method_code_in_hex_or_decimal(string code, int value) =>
        Assert.Equal(new MethodDecl("Binding", value, N, C("RFC 8489 §18.2")), Single($"method Binding {code} \"RFC 8489 §18.2\";"));

    [Fact]
    public void Range() =>
        Assert.Equal(new RangeDecl("comprehension-optional", 0x8000, 0xFFFF, N, C("RFC 8489 §14")),
            Single("range comprehension-optional 0x8000..0xFFFF \"RFC 8489 §14\";"));

    // ---- attribute wire formats ----

    public static readonly IReadOnlyDictionary<string, WireType> Formats = new Dictionary<string, WireType>
    {
        ["u8"] = new PrimitiveType("u8", N),
        ["u16"] = new PrimitiveType("u16", N),
        ["u32"] = new PrimitiveType("u32", N),
        ["u64"] = new PrimitiveType("u64", N),
        ["empty"] = new PrimitiveType("empty", N),
        ["address"] = new PrimitiveType("address", N),
        ["xor-address"] = new PrimitiveType("xor-address", N),
        ["error-code"] = new PrimitiveType("error-code", N),
        ["hmac-sha1"] = new PrimitiveType("hmac-sha1", N),
        ["hmac-sha256"] = new PrimitiveType("hmac-sha256", N),
        ["fingerprint"] = new PrimitiveType("fingerprint", N),
        ["bytes"] = new BytesType(null, null, null, null, N),
        ["bytes 32"] = new BytesType(32, null, null, null, N),
        ["bytes max 255"] = new BytesType(null, 255, null, null, N),
        ["bytes length u16 pad 4"] = new BytesType(null, null, "u16", 4, N),
        ["bytes length u8"] = new BytesType(null, null, "u8", null, N),
        ["bytes max 64 length u16 pad 4"] = new BytesType(null, 64, "u16", 4, N),
        ["utf8 max 513"] = new Utf8Type(513, N),
        ["list of u16"] = new ListType(new PrimitiveType("u16", N), N),
        ["list of PasswordAlgorithmEntry"] = new ListType(new NamedType("PasswordAlgorithmEntry", N), N),
        ["list of struct { code : u16; }"] = new ListType(new InlineStructType(A(new FieldDecl("code", new PrimitiveType("u16", N), N)), N), N),
        ["struct { port : u16; reserved : u16; }"] = new InlineStructType(
            A(new FieldDecl("port", new PrimitiveType("u16", N), N), new FieldDecl("reserved", new PrimitiveType("u16", N), N)), N),
        ["struct{a:u8;b:bytes length u16 pad 4;}"] = new InlineStructType(
            A(new FieldDecl("a", new PrimitiveType("u8", N), N), new FieldDecl("b", new BytesType(null, null, "u16", 4, N), N)), N),
        ["PasswordAlgorithmEntry"] = new NamedType("PasswordAlgorithmEntry", N),
        // A keyword only when the word ends there: these are struct names.
        ["u16x"] = new NamedType("u16x", N),
        ["u8-ish"] = new NamedType("u8-ish", N),
        ["addresses"] = new NamedType("addresses", N),
    };

    public static TheoryData<string> FormatNames => new(Formats.Keys);

    [Theory]
    [MemberData(nameof(FormatNames))]
    public void Attribute_wire_format(string format) =>
        Assert.Equal(new AttributeDecl("ATTR-1", 0x0001, Formats[format], false, N, C("RFC 8489 §14")),
            Single($"attribute ATTR-1 0x0001 : {format} \"RFC 8489 §14\";"));

    [Theory]
    [InlineData("address")]
    [InlineData("bytes")]
    [InlineData("bytes max 255")]
    [InlineData("PasswordAlgorithmEntry")]
    public void Reserved_flag_after_the_format(string format) =>
        Assert.Equal(new AttributeDecl("PASSWORD", 0x0007, Formats[format], true, N, C("RFC 5389 §18.2: reserved")),
            Single($"attribute PASSWORD 0x0007 : {format} reserved \"RFC 5389 §18.2: reserved\";"));

    [Fact]
    public void Struct() =>
        Assert.Equal(new StructDecl("PasswordAlgorithmEntry",
                A(new FieldDecl("algorithm", new PrimitiveType("u16", N), N),
                  new FieldDecl("parameters", new BytesType(null, null, "u16", 4, N), N),
                  new FieldDecl("tag", new BytesType(4, null, null, null, N), N),
                  new FieldDecl("name", new Utf8Type(16, N), N)),
                N, C("RFC 8489 §14.11")),
            Single("""
                struct PasswordAlgorithmEntry "RFC 8489 §14.11" {
                  algorithm  : u16;
                  parameters : bytes length u16 pad 4;
                  tag        : bytes 4;
                  name       : utf8 max 16;
                }
                """));

    [Fact]
    public void Error_with_former_reason() =>
        Assert.Equal(new ErrorDecl(401, "Unauthenticated", "Unauthorized", C("RFC 5389 §15.6"), N, C("RFC 8489 §14.8")),
            Single("error 401 \"Unauthenticated\" \"RFC 8489 §14.8\" was \"Unauthorized\" \"RFC 5389 §15.6\";"));

    [Fact]
    public void Error_with_former_reason_without_its_citation() =>
        Assert.Equal(new ErrorDecl(401, "Unauthenticated", "Unauthorized", null, N, C("RFC 8489 §14.8")),
            Single("error 401 \"Unauthenticated\" \"RFC 8489 §14.8\" was \"Unauthorized\";"));

    [Fact]
    public void Error_without_former_reason() =>
        Assert.Equal(new ErrorDecl(487, "Role Conflict", null, null, N, C("RFC 8445 §7.3.1.1")),
            Single("error 487 \"Role Conflict\" \"RFC 8445 §7.3.1.1\";"));

    [Fact]
    public void Password_algorithm_with_hyphenated_name() =>
        Assert.Equal(new AlgorithmDecl("SHA-256", 2, N, C("RFC 8489 §18.5")), Single("password-algorithm SHA-256 0x0002 \"RFC 8489 §18.5\";"));

    [Fact]
    public void Rule_last()
    {
        var rule = Assert.IsType<RuleDecl>(Single("rule FingerprintLast \"RFC 8489 §14.7: MUST be the last attribute\" :\n  FINGERPRINT last;"));
        Assert.Equal(new RuleDecl("FingerprintLast", "FINGERPRINT", N, EquatableArray<NameRef>.Empty, N, C("RFC 8489 §14.7: MUST be the last attribute")), rule);
        Assert.True(rule.IsLastRule);
    }

    [Fact]
    public void Rule_after_only()
    {
        var rule = Assert.IsType<RuleDecl>(Single("rule OnlyAfter \"RFC 8489 §14.5\" : after MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256, FINGERPRINT;"));
        Assert.Equal(new RuleDecl("OnlyAfter", "MESSAGE-INTEGRITY", N, A(R("MESSAGE-INTEGRITY-SHA256"), R("FINGERPRINT")), N, C("RFC 8489 §14.5")), rule);
        Assert.False(rule.IsLastRule);
    }

    [Fact]
    public void Message_with_profile_and_every_clause_kind() =>
        Assert.Equal(new MessageDecl(R("Binding"), R("request"), "ice-check",
                A(new MessageClause("required", A(R("USERNAME"), R("PRIORITY")), null, N, C("RFC 8445 §7.2.2")),
                  new MessageClause("optional", A(R("USE-CANDIDATE")), R("ICE-CONTROLLING"), N, C("RFC 8445 §7.1.2")),
                  new MessageClause("one-of", A(R("ICE-CONTROLLING"), R("ICE-CONTROLLED")), null, N, C("RFC 8445 §7.1.3")),
                  new MessageClause("forbidden", A(R("ERROR-CODE")), null, N, null)),
                N, C("RFC 8445 §7.1.2")),
            Single("""
                message Binding request as ice-check "RFC 8445 §7.1.2" {
                  required USERNAME, PRIORITY "RFC 8445 §7.2.2";
                  optional USE-CANDIDATE when ICE-CONTROLLING "RFC 8445 §7.1.2";
                  one-of ICE-CONTROLLING, ICE-CONTROLLED "RFC 8445 §7.1.3";
                  forbidden ERROR-CODE;
                }
                """));

    [Fact]
    public void Message_without_profile_or_clauses() =>
        Assert.Equal(new MessageDecl(R("Binding"), R("indication"), null, EquatableArray<MessageClause>.Empty, N, C("RFC 8489 §6.3.2")),
            Single("message Binding indication \"RFC 8489 §6.3.2\" { }"));

    // ---- machines ----

    private static NumberExpr Num(long value, string? unit = null) => new(value, unit, N);

    private static NameExpr Name(string name) => new(name, N);

    private static BinaryExpr Bin(string op, Expr left, Expr right) => new(op, left, right, N);

    [Fact]
    public void Machine_with_every_member_and_action_kind()
    {
        var machine = Single("""
            machine StunClientTransaction "RFC 8489 §6.2.1" {
              const Rc = 7 "RFC 8489 §6.2.1";
              param Rto = 500 ms "RFC 8489 §6.2.1";
              param Ti = 39 s;
              counter Sends "RFC 8489 §6.2.1";
              timer Retransmit "RFC 8489 §6.2.1";
              state Idle initial "RFC 8489 §6.2";
              state Waiting;
              state Done final "RFC 8489 §6.3.1";
              state Odd initial final;
              event Success "RFC 8489 §6.3.1";
              Idle, Waiting -> Done on Success | Retransmit
                when Sends < Rc - 1 and not Ready or Sends >= 2 ^ 3
                / call Transmit, count Sends, reset Sends, start Retransmit after Rto * 2 ^ (Sends - 1), stop Retransmit
                "RFC 8489 §6.2.1";
              Idle -> Waiting on Success;
            }
            """);
        var guard = Bin("or",
            Bin("and", Bin("<", Name("Sends"), Bin("-", Name("Rc"), Num(1))), new NotExpr(Name("Ready"), N)),
            Bin(">=", Name("Sends"), Bin("^", Num(2), Num(3))));
        var actions = A(
            new MachineAction("call", R("Transmit"), null, N),
            new MachineAction("count", R("Sends"), null, N),
            new MachineAction("reset", R("Sends"), null, N),
            new MachineAction("start", R("Retransmit"), Bin("*", Name("Rto"), Bin("^", Num(2), Bin("-", Name("Sends"), Num(1)))), N),
            new MachineAction("stop", R("Retransmit"), null, N));
        var expected = new MachineDecl("StunClientTransaction", A<MachineMember>(
                new ValueMember("Rc", false, Num(7), N, C("RFC 8489 §6.2.1")),
                new ValueMember("Rto", true, Num(500, "ms"), N, C("RFC 8489 §6.2.1")),
                new ValueMember("Ti", true, Num(39, "s"), N, null),
                new CounterMember("Sends", N, C("RFC 8489 §6.2.1")),
                new TimerMember("Retransmit", N, C("RFC 8489 §6.2.1")),
                new StateMember("Idle", true, false, N, C("RFC 8489 §6.2")),
                new StateMember("Waiting", false, false, N, null),
                new StateMember("Done", false, true, N, C("RFC 8489 §6.3.1")),
                new StateMember("Odd", true, true, N, null),
                new EventMember("Success", N, C("RFC 8489 §6.3.1")),
                new TransitionMember(A(R("Idle"), R("Waiting")), R("Done"), A(R("Success"), R("Retransmit")), guard, actions, N, C("RFC 8489 §6.2.1")),
                new TransitionMember(A(R("Idle")), R("Waiting"), A(R("Success")), null, EquatableArray<MachineAction>.Empty, N, null)),
            N, C("RFC 8489 §6.2.1"));
        Assert.Equal(expected, machine);
    }

    /// <summary>The guard of <c>A -> B on E when {guard};</c>, as a fully parenthesised prefix form.</summary>
    private static string Guard(string guard)
    {
        var machine = (MachineDecl)Single($"machine M {{ A -> B on E when {guard}; }}");
        return Render(((TransitionMember)machine.Members.Single()).Guard!);
    }

    private static string Render(Expr e) => e switch
    {
        NumberExpr n => n.Unit is null ? n.Value.ToString() : $"{n.Value}{n.Unit}",
        NameExpr n => n.Name,
        NotExpr n => $"(not {Render(n.Operand)})",
        BinaryExpr b => $"({b.Operator} {Render(b.Left)} {Render(b.Right)})",
        _ => "?",
    };

    [Theory]
    [InlineData("a or b and c", "(or a (and b c))")]
    [InlineData("a and b or c", "(or (and a b) c)")]
    [InlineData("not a and b", "(and (not a) b)")]
    [InlineData("not not a", "(not (not a))")]
    [InlineData("not a < b", "(not (< a b))")]
    [InlineData("a < b + c * d ^ e", "(< a (+ b (* c (^ d e))))")]
    [InlineData("a - b - c", "(- (- a b) c)")]
    [InlineData("a * b * c", "(* (* a b) c)")]
    [InlineData("2 ^ 3 ^ 4", "(^ 2 (^ 3 4))")]
    [InlineData("(a + b) * c", "(* (+ a b) c)")]
    [InlineData("a <= b", "(<= a b)")]
    [InlineData("a >= b", "(>= a b)")]
    [InlineData("a == b", "(== a b)")]
    [InlineData("a != b", "(!= a b)")]
    [InlineData("a > b", "(> a b)")]
    [InlineData("a<b", "(< a b)")]
    [InlineData("Sends < 500 ms", "(< Sends 500ms)")]
    [InlineData("Sends < 3 s", "(< Sends 3s)")]
    [InlineData("Sends < 0x10", "(< Sends 16)")]
    [InlineData("android or nothing", "(or android nothing)")] // keywords only as whole words
    [InlineData("Ready", "Ready")]
    public void Guard_precedence_and_associativity(string guard, string expected) => Assert.Equal(expected, Guard(guard));

    [Fact]
    public void Hyphen_inside_a_name_is_part_of_the_name() =>
        // Documented: "Rc-1" is one identifier; arithmetic needs spaces ("Rc - 1").
        Assert.Equal("(< Sends Rc-1)", Guard("Sends < Rc-1"));

    [Theory]
    [InlineData("A->B on E;", new[] { "A" }, "B", new[] { "E" })]
    [InlineData("A -> B on E;", new[] { "A" }, "B", new[] { "E" })]
    [InlineData("A-B->C-D on E-F;", new[] { "A-B" }, "C-D", new[] { "E-F" })]
    [InlineData("A-1, B_2->C on E|F | G;", new[] { "A-1", "B_2" }, "C", new[] { "E", "F", "G" })]
    public void Hyphenated_names_and_arrows(string transition, string[] from, string to, string[] events)
    {
        var machine = (MachineDecl)Single($"machine M {{ {transition} }}");
        var t = Assert.IsType<TransitionMember>(Assert.Single(machine.Members));
        Assert.Equal(from, t.From.Select(n => n.Name));
        Assert.Equal(to, t.To.Name);
        Assert.Equal(events, t.Events.Select(n => n.Name));
    }

    [Fact]
    public void Comments_and_whitespace_are_allowed_between_any_tokens()
    {
        var text = """
            // leading comment
            protocol   acme// right after a token
              "RFC 8489"   ;
            attribute // name next
              FOO 0x0001 // code
              : // format next
              bytes // no size
              "RFC 8489 §14" ; // end
            machine M { A // from
              -> B on E // events
              | F ; }
            // trailing comment without a newline at the end
            """;
        var declarations = WithoutSpans.Strip(ParseClean(text).Declarations);
        Assert.Equal(3, declarations.Count);
        Assert.Equal(new ProtocolDecl("acme", N, C("RFC 8489")), declarations[0]);
        Assert.Equal(new AttributeDecl("FOO", 1, new BytesType(null, null, null, null, N), false, N, C("RFC 8489 §14")), declarations[1]);
        var t = (TransitionMember)((MachineDecl)declarations[2]).Members.Single();
        Assert.Equal(new[] { "E", "F" }, t.Events.Select(e => e.Name));
    }

    [Fact]
    public void Empty_file_parses_to_no_declarations() => Assert.Empty(ParseClean("  // nothing here\n\n").Declarations);

    [Fact]
    public void Parsing_is_deterministic_and_structurally_equal()
    {
        var first = SpecParser.Parse("/specs/stun.spec", SpecFiles.Stun, emit: true);
        var second = SpecParser.Parse("/specs/stun.spec", new string(SpecFiles.Stun.ToCharArray()), emit: true);
        Assert.NotSame(first, second);
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.NotEqual(first, SpecParser.Parse("/specs/stun.spec", SpecFiles.Stun, emit: false));
        Assert.NotEqual(first, SpecParser.Parse("/specs/stun.spec", SpecFiles.Stun.Replace("0x0020", "0x0021"), emit: true));
    }

    /// <summary>The real spec: every declaration the text has at the start of a line is in the model, in order.</summary>
    [Fact]
    public void Real_stun_spec_parses_completely()
    {
        var spec = ParseClean(SpecFiles.Stun);
        var keywords = Regex.Matches(SpecFiles.Stun, @"^(protocol|namespace|import|class|method|range|attribute|const|struct|error|password-algorithm|rule|message|machine)\b",
            RegexOptions.Multiline).Select(m => m.Value).ToArray();
        var kinds = spec.Declarations.Select(d => d switch
        {
            ProtocolDecl => "protocol", NamespaceDecl => "namespace", ImportDecl => "import", ClassDecl => "class",
            MethodDecl => "method", RangeDecl => "range", AttributeDecl => "attribute", StructDecl => "struct",
            ErrorDecl => "error", AlgorithmDecl => "password-algorithm", RuleDecl => "rule", MessageDecl => "message",
            MachineDecl => "machine", ConstDecl => "const", _ => "?",
        }).ToArray();
        Assert.Equal(keywords, kinds);

        var machine = spec.Declarations.OfType<MachineDecl>().Single();
        Assert.Equal(Regex.Matches(SpecFiles.Stun, @"^\s+state ", RegexOptions.Multiline).Count, machine.Members.OfType<StateMember>().Count());
        Assert.Equal(Regex.Matches(SpecFiles.Stun, @" -> ").Count, machine.Members.OfType<TransitionMember>().Count());
        var attributes = spec.Declarations.OfType<AttributeDecl>().ToDictionary(a => a.Name);
        foreach (Match m in Regex.Matches(SpecFiles.Stun, @"^attribute\s+(\S+)\s+0x([0-9A-F]{4})", RegexOptions.Multiline))
            Assert.Equal(Convert.ToInt32(m.Groups[2].Value, 16), attributes[m.Groups[1].Value].Code);
    }
}

/// <summary>Spans in the parsed model: 0-based lines and columns, from the first character of a construct to its last.</summary>
[Trait("Category", "unit")]
public sealed class ParserSpanTests
{
    private const string Text = """
        protocol acme "RFC 8489 §18.3"; // trailing comment
        namespace Acme.Stun;
        attribute FOO 0x0001 : PasswordAlgorithmEntry "RFC 8489 §14.1";   // comment
        attribute BAR 0x0002 : struct { port : u16; } "RFC 5780 §7.5";
        message Binding request "RFC 8489 §6.1" {
          required FOO, BAR "RFC 8489 §6.1";
        }
        machine M "RFC 8489 §6.2" {
          state Idle initial "RFC 8489 §6.2";
          Idle -> Done
            on Go / call Transmit "RFC 8489 §6.2";
        }
        """;

    private static readonly ParsedSpec Parsed = ParserTests.ParseClean(Text);

    private static SourceSpan Expected(ExpectedSpan e) =>
        new(e.Span.Start, e.Span.Length, e.Lines.Start.Line, e.Lines.Start.Character, e.Lines.End.Line, e.Lines.End.Character);

    private static SourceSpan Of(string needle, int occurrence = 1) => Expected(ExpectedSpan.Of(Text, needle, occurrence));

    [Fact]
    public void Declaration_span_ends_at_its_semicolon_before_trailing_comments()
    {
        Assert.Equal(Of("protocol acme \"RFC 8489 §18.3\";"), Parsed.Declarations[0].Span);
        Assert.Equal(Of("namespace Acme.Stun;"), Parsed.Declarations[1].Span);
        Assert.Equal(Of("attribute FOO 0x0001 : PasswordAlgorithmEntry \"RFC 8489 §14.1\";"), Parsed.Declarations[2].Span);
    }

    [Fact]
    public void Citation_span_includes_its_quotes()
    {
        Assert.Equal(Of("\"RFC 8489 §18.3\""), Parsed.Declarations[0].Citation!.Span);
        Assert.Equal(Of("\"RFC 8489 §14.1\""), Parsed.Declarations[2].Citation!.Span);
    }

    [Fact]
    public void Named_and_inline_struct_type_spans()
    {
        Assert.Equal(Of("PasswordAlgorithmEntry"), ((AttributeDecl)Parsed.Declarations[2]).Format.Span);
        var inline = (InlineStructType)((AttributeDecl)Parsed.Declarations[3]).Format;
        Assert.Equal(Of("struct { port : u16; }"), inline.Span);
        Assert.Equal(Of("port : u16;"), inline.Fields.Single().Span);
    }

    [Fact]
    public void Multi_line_message_span_and_its_names()
    {
        var message = (MessageDecl)Parsed.Declarations[4];
        Assert.Equal(Expected(ExpectedSpan.FromThrough(Text, "message Binding", "}")), message.Span);
        Assert.Equal(Of("Binding"), message.Method.Span);
        Assert.Equal(Of("request"), message.Class.Span);
        var clause = message.Clauses.Single();
        Assert.Equal(Of("required FOO, BAR \"RFC 8489 §6.1\";"), clause.Span);
        Assert.Equal(Of("FOO", 2), clause.Attributes[0].Span);
        Assert.Equal(Of("BAR", 2), clause.Attributes[1].Span);
        Assert.Equal(Of("\"RFC 8489 §6.1\"", 2), clause.Citation!.Span);
    }

    [Fact]
    public void Machine_member_and_transition_spans()
    {
        var machine = (MachineDecl)Parsed.Declarations[5];
        Assert.Equal(Expected(ExpectedSpan.FromThrough(Text, "machine M", "\n}")), machine.Span);
        Assert.Equal(Of("state Idle initial \"RFC 8489 §6.2\";"), machine.Members[0].Span);
        var transition = (TransitionMember)machine.Members[1];
        Assert.Equal(Expected(ExpectedSpan.FromThrough(Text, "Idle -> Done", ";")), transition.Span);
        Assert.Equal(Of("Idle", 2), transition.From.Single().Span);
        Assert.Equal(Of("Done"), transition.To.Span);
        Assert.Equal(Of("Go"), transition.Events.Single().Span);
        Assert.Equal(Of("Transmit"), transition.Actions.Single().Target.Span);
    }
}
