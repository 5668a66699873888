using System.Globalization;
using IceSpec.Generators.Binding;
using IceSpec.Generators.Model;
using IceSpec.Generators.Parsing;
using IceSpec.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace IceSpec.Generators.Tests;

/// <summary>
/// Edge cases that once broke the generator (oversized numbers, import cycles, duplicate protocols, error cascades,
/// unsupported formats, mixed durations and numbers, reachability, span ends): each says what a spec author sees and
/// asserts the behaviour the fix gave, so the bugs stay fixed.
/// </summary>
[Trait("Category", "unit")]
public sealed class SpecEdgeCaseTests
{
    private const string Path = "/specs/acme.spec";

    private const string Header = """
        protocol acme "RFC 8489 §18.3";
        namespace Acme.Stun;

        """;

    private static string Machine(string members) => Header + "machine M \"RFC 8489 §6.2\" {\n" + members + "}\n";

    private const string Members = """
          param Rto = 500 ms "RFC 8489 §6.2.1";
          const Rc = 7 "RFC 8489 §6.2.1";
          counter Sends "RFC 8489 §6.2.1";
          timer T "RFC 8489 §6.2.1";
          state A initial "RFC 8489 §6.2";
          state B "RFC 8489 §6.2";
          event E "RFC 8489 §6.2";

        """;

    private static GeneratorRun Run(string text) => GeneratorHarness.RunWithRuntime(new[] { new SpecInput(Path, text) });

    private static string Describe(IEnumerable<Diagnostic> diagnostics) =>
        string.Join("\n", diagnostics.Select(d => $"{d.Id} {d.Location.GetLineSpan().Span} {d.GetMessage(CultureInfo.InvariantCulture)}"));

    // ---- spans: trailing whitespace and parentheses ----

    /// <summary>
    /// Regression: a number literal's span includes the whitespace after it (Number and the unit keywords are Tok()-ed
    /// before Span()), so an expression ending in a number underlines one column too many.
    /// </summary>
    [Fact]
    public void Guard_ending_in_a_number_is_underlined_without_the_space_after_it()
    {
        var text = Machine(Members + "  A -> B on E when Sends + 1 / count Sends \"RFC 8489 §6.2\";\n");
        DiagnosticAssert.IsError(Assert.Single(Run(text).Diagnostics), "ISPEC011", Path, text, ExpectedSpan.Of(text, "Sends + 1"),
            "A guard must be a comparison, a guard name, or a combination with and/or/not; fix the expression in machine 'M'");
    }

    /// <summary>Regression: keyword-built wire formats (bytes, utf8, list, primitives) include the trailing whitespace.</summary>
    [Fact]
    public void Invalid_bytes_format_is_underlined_without_the_space_after_it()
    {
        var text = Header + "attribute FOO 0x0001 : bytes 4 max 8 \"RFC 8489 §14\";\n";
        DiagnosticAssert.IsError(Assert.Single(Run(text).Diagnostics), "ISPEC009", Path, text, ExpectedSpan.Of(text, "bytes 4 max 8"),
            "Wire format of 'FOO' is invalid: 'bytes N' is already fixed-size; drop 'max'");
    }

    /// <summary>Regression: a parenthesised operand keeps its inner span, so "2 * (Sends + 1)" is underlined without its ')'.</summary>
    [Fact]
    public void Guard_ending_in_a_parenthesis_is_underlined_with_the_parenthesis()
    {
        var text = Machine(Members + "  A -> B on E when 2 * (Sends + 1)\"RFC 8489 §6.2\";\n");
        DiagnosticAssert.IsError(Assert.Single(Run(text).Diagnostics), "ISPEC011", Path, text, ExpectedSpan.Of(text, "2 * (Sends + 1)"),
            "A guard must be a comparison, a guard name, or a combination with and/or/not; fix the expression in machine 'M'");
    }

    // ---- numbers ----

    /// <summary>
    /// Regression: a number too large for long makes long.Parse throw inside the parser: the generator crashes (CS8785 warning,
    /// no code, no ISPEC diagnostic) instead of reporting the number.
    /// </summary>
    [Theory]
    [InlineData("99999999999999999999")]
    [InlineData("0x1FFFFFFFFFFFFFFFF")]
    public void Oversized_number_is_a_diagnostic_not_a_crash(string number)
    {
        var text = Header + $"method Binding {number} \"RFC 8489 §18.2\";\n";
        var run = Run(text);
        Assert.Null(run.Generator.Exception);
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.True(diagnostic.Id is "ISPEC001" or "ISPEC006", Describe(run.Diagnostics));
        var span = ExpectedSpan.Of(text, number).Span;
        Assert.InRange(diagnostic.Location.SourceSpan.Start, span.Start, span.End - 1); // on the number
    }

    /// <summary>Regression: Lexical.Int casts long to int, so 0x100000001 silently becomes method 0x001 (no ISPEC006).</summary>
    [Fact]
    public void Code_beyond_thirty_two_bits_is_out_of_range_not_truncated()
    {
        var text = Header + "method Binding 0x100000001 \"RFC 8489 §18.2\";\n";
        var run = Run(text);
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.True(diagnostic.Id is "ISPEC001" or "ISPEC006", Describe(run.Diagnostics));
        Assert.DoesNotContain("public const ushort Binding = 0x001;", string.Concat(run.Generator.GeneratedSources.Select(s => s.SourceText.ToString())));
    }

    // ---- imports ----

    /// <summary>
    /// Regression: two specs importing each other make FindAttribute/FindStruct/FindMethod/FindClass recurse forever on a name
    /// neither declares (a stack overflow that kills the compiler), and IsComprehensionRequired loop on Ranges (a hang).
    /// Run in a child process: in-process, the stack overflow would end the whole test run.
    /// </summary>
    [Fact]
    public void Import_cycle_is_reported_instead_of_overflowing_the_stack()
    {
        var a = "protocol a \"RFC 8489\";\nnamespace A;\nimport b;\nrule R \"RFC 8489 §14\" : NOPE last;\n";
        var b = "protocol b \"RFC 8489\";\nnamespace B;\nimport a;\n";
        var outcome = ChildProcess.Bind(new[] { new SpecInput("a.spec", a), new SpecInput("b.spec", b) });
        Assert.False(outcome.TimedOut, "the binder hung");
        Assert.True(outcome.ExitCode == 0, $"exit code {outcome.ExitCode}: {outcome.StandardError[..Math.Min(300, outcome.StandardError.Length)]}");
        var nope = ExpectedSpan.Of(a, "NOPE").Lines;
        Assert.Contains($"ISPEC005 a.spec {nope.Start.Line}:{nope.Start.Character}-{nope.End.Line}:{nope.End.Character} Attribute | NOPE", outcome.StandardOutput);
    }

    /// <summary>Regression: two files declaring the same protocol: the binder keeps the last and silently drops the other file.</summary>
    [Fact]
    public void Two_files_declaring_the_same_protocol_are_a_duplicate()
    {
        var first = Header + "method Ping 0x050 \"RFC 8489 §18.2\";\n";
        var second = "protocol acme \"RFC 8489 §18.3\";\nnamespace Other;\nmethod Pong 0x051 \"RFC 8489 §18.2\";\n";
        var run = GeneratorHarness.Run(new SpecInput("/specs/a.spec", first), new SpecInput("/specs/b.spec", second));
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("ISPEC004", diagnostic.Id);
        Assert.Equal("/specs/b.spec", diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(ExpectedSpan.Of(second, "protocol acme \"RFC 8489 §18.3\";").Lines, diagnostic.Location.GetLineSpan().Span);
    }

    /// <summary>
    /// Regression: a syntax error in an imported spec cascades into ISPEC005 for the import and every imported name used by its
    /// importers (six errors in acme.spec for one missing ';' in stun.spec).
    /// </summary>
    [Fact]
    public void Syntax_error_in_an_imported_spec_does_not_cascade_into_its_importers()
    {
        var broken = SpecFiles.Stun.Replace("class error      0b11 \"RFC 8489 §5\";", "class error      0b11 \"RFC 8489 §5\"");
        var run = GeneratorHarness.Run(new SpecInput("/specs/stun.spec", broken, Emit: false), new SpecInput("/specs/acme.spec", VendorImportTests.Acme));
        Assert.Equal(new[] { "ISPEC001" }, run.Diagnostics.Select(d => d.Id));
    }

    /// <summary>
    /// Regression: IsComprehensionRequired takes the first range of any kind holding the code, so a non-comprehension range
    /// (turn.spec's channel-numbers 0x4000..0x4FFF) makes 0x4001 comprehension-optional despite stun's 0x0000..0x7FFF.
    /// </summary>
    [Fact]
    public void Only_comprehension_ranges_decide_comprehension()
    {
        var vendor = """
            protocol acme "RFC 8489 §18.3";
            namespace Acme.Stun;
            import stun;
            range channel-numbers 0x4000..0x4FFF "RFC 8656 §12";
            attribute ACME-CRITICAL 0x4001 : u16 "RFC 8489 §14";

            """;
        var files = new[] { SpecParser.Parse("/specs/acme.spec", vendor, true), SpecParser.Parse("/specs/stun.spec", SpecFiles.Stun, false) }.ToEquatableArray();
        var bundle = SpecBinder.Bind(files);
        Assert.Empty(bundle.Diagnostics);
        Assert.True(bundle.Protocols.Single().Attributes.Single().ComprehensionRequired);
    }

    // ---- duplicates the binder does not check: the generated code then fails to compile (or the generator crashes) ----

    public static TheoryData<string, string> Duplicates => new()
    {
        { "class", "class request 0b00 \"RFC 8489 §5\";\nclass request 0b01 \"RFC 8489 §5\";\n" },
        { "password-algorithm", "password-algorithm MD5 0x0001 \"RFC 8489 §18.5\";\npassword-algorithm MD5 0x0002 \"RFC 8489 §18.5\";\n" },
        { "rule", "attribute FOO 0xC001 : u32 \"RFC 8489 §14\";\nrule R \"RFC 8489 §14\" : FOO last;\nrule R \"RFC 8489 §14\" : FOO last;\n" },
        { "message", "class request 0b00 \"RFC 8489 §5\";\nmethod Ping 0x050 \"RFC 8489 §18.2\";\nmessage Ping request \"RFC 8489 §6\" { }\nmessage Ping request \"RFC 8489 §6\" { }\n" },
        { "machine", "machine M \"RFC 8489 §6.2\" { state A initial \"RFC 8489 §6.2\"; }\nmachine M \"RFC 8489 §6.2\" { state A initial \"RFC 8489 §6.2\"; }\n" },
        { "same C# name", "attribute FOO-BAR 0xC002 : u32 \"RFC 8489 §14\";\nattribute FOO_BAR 0xC003 : u32 \"RFC 8489 §14\";\n" },
        { "error reason", "error 400 \"Bad Request\" \"RFC 8489 §14.8\";\nerror 401 \"Bad Request\" \"RFC 8489 §14.8\";\n" },
    };

    /// <summary>Regression: only attributes, methods, structs, error codes and machine members are checked for duplicates.</summary>
    [Theory]
    [MemberData(nameof(Duplicates))]
    public void Duplicate_is_reported_on_the_second_declaration(string kind, string declarations)
    {
        var text = Header + declarations;
        var run = Run(text);
        Assert.Null(run.Generator.Exception);
        Assert.True(run.Diagnostics.Any(d => d.Id == "ISPEC004"), $"{kind}: no ISPEC004; compile errors: {string.Join("; ", run.CompileErrors.Take(2))}");
        var secondLine = text.Split('\n').Length - 2;
        Assert.Equal(secondLine, run.Diagnostics.Single(d => d.Id == "ISPEC004").Location.GetLineSpan().StartLinePosition.Line);
    }

    /// <summary>Regression: the ISPEC004 of a duplicate error code names the duplicate's reason instead of the first definition's.</summary>
    [Fact]
    public void Duplicate_error_code_names_the_first_definition()
    {
        var text = Header + "error 400 \"Bad Request\" \"RFC 8489 §14.8\";\nerror 400 \"Very Bad\" \"RFC 8489 §14.8\";\n";
        DiagnosticAssert.IsError(Assert.Single(Run(text).Diagnostics), "ISPEC004", Path, text, ExpectedSpan.Of(text, "error 400 \"Very Bad\" \"RFC 8489 §14.8\";"),
            "Error code '400' is already defined (as 'Bad Request'); give it another name or code, or remove one of them");
    }

    // ---- formats and expressions the binder accepts but the emitter cannot ----

    /// <summary>
    /// Regression: spec/README.md documents only "list of u16" and "list of Struct", but the binder accepts any element.
    /// `list of address` emits `value.Length % 0` (CS0020), `list of u32` gets a StunUInt16List accessor (wrong items),
    /// `list of bytes 4` gets no accessor at all.
    /// </summary>
    [Theory]
    [InlineData("address")]
    [InlineData("xor-address")]
    [InlineData("error-code")]
    [InlineData("u8")]
    [InlineData("u32")]
    [InlineData("u64")]
    [InlineData("bytes 4")]
    [InlineData("utf8 max 8")]
    public void Unsupported_list_element_is_an_invalid_format(string element)
    {
        var text = Header + $"attribute FOO 0xC001 : list of {element}\"RFC 8489 §14\";\n";
        var run = Run(text);
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("ISPEC009", diagnostic.Id);
        Assert.StartsWith("Wire format of 'FOO' is invalid: ", diagnostic.GetMessage(CultureInfo.InvariantCulture));
        Assert.Equal(ExpectedSpan.Of(text, $"list of {element}").Lines, diagnostic.Location.GetLineSpan().Span);
    }

    /// <summary>
    /// Regression: struct fields may only be integers, bytes or utf8 (StructEmitter has no other case), but the binder only
    /// rejects the whole-value formats. An `address` field emits a ulong read into an int; a list, struct or struct-name
    /// field emits nothing in TryRead and then uses an undefined local (CS0103).
    /// </summary>
    [Theory]
    [InlineData("address")]
    [InlineData("xor-address")]
    [InlineData("error-code")]
    [InlineData("list of u16")]
    [InlineData("struct { a : u8; }")]
    [InlineData("Inner")]
    public void Unsupported_struct_field_is_an_invalid_format(string field)
    {
        var text = Header + "struct Inner \"RFC 8489 §14\" { a : u8; }\n" + $"attribute FOO 0xC001 : struct {{ f : {field}; }} \"RFC 8489 §14\";\n";
        var run = Run(text);
        Assert.True(run.Diagnostics.Length == 1, $"diagnostics: [{Describe(run.Diagnostics)}]; compile errors: {string.Join("; ", run.CompileErrors.Take(2))}");
        Assert.Equal("ISPEC009", run.Diagnostics[0].Id);
        Assert.Equal(ExpectedSpan.Of(text, field, field == "Inner" ? 2 : 1).Lines, run.Diagnostics[0].Location.GetLineSpan().Span);
    }

    /// <summary>
    /// Regression: machine expressions are not type-checked. A duration without a unit emits `Now + 5L` (CS0019), and a
    /// comparison of a counter with a duration emits `long &lt; TimeSpan` (CS0019): the spec is accepted, the build fails
    /// in generated code the author never wrote.
    /// </summary>
    [Theory]
    [InlineData("A -> B on E / start T after 5 \"RFC 8489 §6.2\";", "5")]
    [InlineData("A -> B on E / start T after Rc\"RFC 8489 §6.2\";", "Rc")]
    [InlineData("A -> B on E when Sends < Rto / count Sends \"RFC 8489 §6.2\";", "Sends < Rto")]
    public void Duration_and_integer_are_not_mixed(string transition, string culprit)
    {
        var text = Machine(Members + "  " + transition + "\n");
        var run = Run(text);
        Assert.True(run.Diagnostics.Length == 1, $"diagnostics: [{Describe(run.Diagnostics)}]; compile errors: {string.Join("; ", run.CompileErrors)}");
        var diagnostic = run.Diagnostics[0];
        Assert.Equal("ISPEC011", diagnostic.Id);
        var line = text.IndexOf(transition, StringComparison.Ordinal);
        Assert.Equal(ExpectedSpan.At(text, text.IndexOf(culprit, line + 12, StringComparison.Ordinal), culprit.Length).Lines, diagnostic.Location.GetLineSpan().Span);
    }

    // ---- machines ----

    /// <summary>
    /// Regression: ISPEC010 checks only that some transition targets a state, so a state entered only from itself or from
    /// another unreachable state is never reported. Reachability should be searched from the initial state.
    /// </summary>
    [Fact]
    public void States_not_reachable_from_the_initial_state_are_warned()
    {
        var text = Machine("""
              state A initial "RFC 8489 §6.2";
              state B "RFC 8489 §6.2";
              state C "RFC 8489 §6.2";
              event E "RFC 8489 §6.2";
              B -> B on E "RFC 8489 §6.2";
              B -> C on E "RFC 8489 §6.2";

            """);
        var warnings = Run(text).Diagnostics.OrderBy(d => d.Location.SourceSpan.Start).ToArray();
        Assert.Equal(2, warnings.Length);
        DiagnosticAssert.Is(warnings[0], "ISPEC010", DiagnosticSeverity.Warning, Path, text, ExpectedSpan.Of(text, "state B \"RFC 8489 §6.2\";"),
            "State 'B' of machine 'M' is never entered by any transition; add a transition to it or remove it");
        DiagnosticAssert.Is(warnings[1], "ISPEC010", DiagnosticSeverity.Warning, Path, text, ExpectedSpan.Of(text, "state C \"RFC 8489 §6.2\";"),
            "State 'C' of machine 'M' is never entered by any transition; add a transition to it or remove it");
    }

    // ---- messages ----

    /// <summary>
    /// Regression: a misspelt declaration keyword fails no declaration parser part-way, so the only expectation left is
    /// End()'s: "Unexpected 'a'; expected end of input". It should say which declarations may start there.
    /// </summary>
    [Fact]
    public void Misspelt_keyword_says_a_declaration_was_expected()
    {
        var text = Header + "atribute FOO 0x0001 : u32 \"RFC 8489 §14.1\";\n";
        var diagnostic = Assert.Single(Run(text).Diagnostics);
        Assert.Equal("ISPEC001", diagnostic.Id);
        Assert.Equal(ExpectedSpan.At(text, text.IndexOf("atribute"), 1).Lines, diagnostic.Location.GetLineSpan().Span);
        var message = diagnostic.GetMessage(CultureInfo.InvariantCulture);
        Assert.DoesNotContain("end of input", message);
        Assert.Contains("'attribute'", message);
    }
}
