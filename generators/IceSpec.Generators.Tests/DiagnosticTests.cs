using IceSpec.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace IceSpec.Generators.Tests;

/// <summary>
/// Each ISPECnnn the generator can report, triggered by a small spec: ID, file, exact span (computed from the test's own
/// text), and message. A diagnostic is what a spec author sees; a span off by one column sends them to the wrong place.
/// </summary>
[Trait("Category", "unit")]
public sealed class DiagnosticTests
{
    private const string Path = "/specs/acme.spec";

    private const string Header = """
        protocol acme "RFC 8489 §18.3";
        namespace Acme.Stun;

        """;

    private static string Machine(string members) => Header + "machine M \"RFC 8489 §6.2\" {\n" + members + "}\n";

    private const string TwoStates = """
          state A initial "RFC 8489 §6.2";
          state B "RFC 8489 §6.2";
          event E "RFC 8489 §6.2";

        """;

    private static Diagnostic Single(string text, bool? emit = null) =>
        Assert.Single(GeneratorHarness.Run(new SpecInput(Path, text, emit)).Diagnostics);

    private static string Syntax(string found, string expected) =>
        $"Unexpected {found}; expected {expected}. Fix the spec text here (see spec/README.md for the grammar).";

    // ---- ISPEC001: syntax errors point at the character where reading stopped ----

    [Fact]
    public void Missing_semicolon_in_the_middle_of_a_line_points_at_the_next_token()
    {
        var text = Header + """
            method Foo 0x001 "RFC 8489 §18.2" method Bar 0x002 "RFC 8489 §18.2";

            """;
        DiagnosticAssert.IsError(Single(text), "ISPEC001", Path, text, ExpectedSpan.At(text, text.IndexOf("method Bar"), 1), Syntax("'m'", "';'"));
    }

    [Fact]
    public void Stray_character_points_at_that_character()
    {
        var text = Header + """
            attribute FOO 0x0001 : u32 $ "RFC 8489 §14.1";

            """;
        DiagnosticAssert.IsError(Single(text), "ISPEC001", Path, text, ExpectedSpan.Of(text, "$"), Syntax("'$'", "';'"));
    }

    [Theory]
    [InlineData('\u07C7')] // NKo digit seven: char.IsDigit, but not a digit BigInteger.Parse reads (fuzz regression)
    [InlineData('\u0663')] // Arabic-Indic digit three
    [InlineData('\uFF11')] // fullwidth digit one
    public void A_non_ascii_digit_is_a_syntax_error_at_that_character(char digit)
    {
        var text = Header + "method Foo " + digit + "1 \"RFC 8489 §18.2\";\n";
        var diagnostic = Single(text);
        Assert.Equal("ISPEC001", diagnostic.Id);
        Assert.Equal(text.IndexOf(digit), diagnostic.Location.SourceSpan.Start);
    }

    [Fact]
    public void Stray_character_inside_a_machine_guard_points_at_that_character()
    {
        var text = Machine(TwoStates + """
              A -> B on E when A # 1 "RFC 8489 §6.2";

            """);
        DiagnosticAssert.IsError(Single(text), "ISPEC001", Path, text, ExpectedSpan.Of(text, "#"), Syntax("'#'", "';'"));
    }

    [Fact]
    public void Unterminated_declaration_at_the_end_of_the_file_is_an_empty_span_at_the_end()
    {
        var text = Header + "attribute FOO 0x0001 : u32 \"RFC 8489 §14.1\"\n";
        DiagnosticAssert.IsError(Single(text), "ISPEC001", Path, text, ExpectedSpan.At(text, text.Length, 0), Syntax("the end of the file", "';'"));
    }

    [Fact]
    public void Syntax_error_positions_are_right_with_cr_lf_line_endings_and_tabs()
    {
        var text = "protocol acme \"RFC 8489 §18.3\";\r\nnamespace Acme.Stun;\r\n\tattribute\tFOO 0x0001 : u32 ! \"RFC 8489 §14.1\";\r\n";
        var diagnostic = Single(text);
        DiagnosticAssert.IsError(diagnostic, "ISPEC001", Path, text, ExpectedSpan.Of(text, "!"), Syntax("'!'", "';'"));
        // Third line; '!' is its 29th character (the tab counts as one), whatever the '\r' before the line break.
        Assert.Equal(new Microsoft.CodeAnalysis.Text.LinePosition(2, 28), diagnostic.Location.GetLineSpan().StartLinePosition);
    }

    [Fact]
    public void A_syntax_error_stops_the_file_and_emits_nothing()
    {
        var text = Header + "class request 0b00 \"RFC 8489 §5\" ?\nmethod Binding 0x1000;\n";
        var run = GeneratorHarness.Run(new SpecInput(Path, text));
        Assert.Equal("ISPEC001", Assert.Single(run.Diagnostics).Id); // not also ISPEC002/ISPEC006 for the line after it
        Assert.Empty(run.HintNames);
    }

    // ---- ISPEC002 / ISPEC003: citations ----

    [Fact]
    public void Missing_citation_covers_the_declaration()
    {
        var text = Header + """
            attribute FOO 0x0001 : u32;  // no citation

            """;
        DiagnosticAssert.IsError(Single(text), "ISPEC002", Path, text, ExpectedSpan.Of(text, "attribute FOO 0x0001 : u32;"),
            "Attribute 'FOO' has no RFC citation; add one such as \"RFC 8489 §14.7\" before the closing ';' or '{'");
    }

    [Fact]
    public void Missing_citation_of_a_machine_member_covers_that_member()
    {
        var text = Machine("""
              state A initial "RFC 8489 §6.2";
              state B;
              event E "RFC 8489 §6.2";
              A -> B on E "RFC 8489 §6.2";

            """);
        DiagnosticAssert.IsError(Single(text), "ISPEC002", Path, text, ExpectedSpan.Of(text, "state B;"),
            "State 'B' has no RFC citation; add one such as \"RFC 8489 §14.7\" before the closing ';' or '{'");
    }

    [Fact]
    public void Malformed_citation_points_at_the_citation_string_with_its_quotes()
    {
        var text = Header + """
            attribute FOO 0x0001 : u32 "see RFC 8489";

            """;
        DiagnosticAssert.IsError(Single(text), "ISPEC003", Path, text, ExpectedSpan.Of(text, "\"see RFC 8489\""),
            "Citation \"see RFC 8489\" is not of the form \"RFC <number> §<section>[: quoted text]\"; write e.g. \"RFC 8489 §14.7\"");
    }

    [Theory]
    [InlineData("RFC 8489")]
    [InlineData("RFC 8489 §14")]
    [InlineData("RFC 8489 §14.7.1")]
    [InlineData("RFC 8489 §A: appendix text")]
    [InlineData("RFC 5389 §15.6: \u201cquoted\u201d text: with colons")]
    public void Well_formed_citations_are_accepted(string citation)
    {
        var run = GeneratorHarness.Run(new SpecInput(Path, Header + $"attribute FOO 0x0001 : u32 \"{citation}\";\n"));
        Assert.Empty(run.Diagnostics);
    }

    [Theory]
    [InlineData("RFC8489")]
    [InlineData("rfc 8489")]
    [InlineData("RFC 8489 14.7")]
    [InlineData("RFC 8489 §14.7 trailing")]
    [InlineData("RFC 8489 §14.7:")]
    [InlineData("")]
    public void Malformed_citations_are_rejected(string citation)
    {
        var text = Header + $"attribute FOO 0x0001 : u32 \"{citation}\";\n";
        DiagnosticAssert.IsError(Single(text), "ISPEC003", Path, text, ExpectedSpan.Of(text, $"\"{citation}\""),
            $"Citation \"{citation}\" is not of the form \"RFC <number> §<section>[: quoted text]\"; write e.g. \"RFC 8489 §14.7\"");
    }

    // ---- ISPEC004: duplicates ----

    [Fact]
    public void Duplicate_attribute_code_covers_the_second_declaration()
    {
        var text = Header + """
            attribute FOO 0x0001 : u32 "RFC 8489 §14.1";
            attribute BAR 0x0001 : u16 "RFC 8489 §14.1";

            """;
        DiagnosticAssert.IsError(Single(text), "ISPEC004", Path, text, ExpectedSpan.Of(text, "attribute BAR 0x0001 : u16 \"RFC 8489 §14.1\";"),
            "Attribute code '0x0001' is already defined (as 'FOO'); give it another name or code, or remove one of them");
    }

    [Fact]
    public void Duplicate_attribute_name_covers_the_second_declaration()
    {
        var text = Header + """
            attribute FOO 0x0001 : u32 "RFC 8489 §14.1";
            attribute FOO 0x0002 : u16 "RFC 8489 §14.1";

            """;
        DiagnosticAssert.IsError(Single(text), "ISPEC004", Path, text, ExpectedSpan.Of(text, "attribute FOO 0x0002 : u16 \"RFC 8489 §14.1\";"),
            "Attribute 'FOO' is already defined (as 'FOO'); give it another name or code, or remove one of them");
    }

    [Fact]
    public void Duplicate_method_code_names_the_first_method()
    {
        var text = Header + """
            method Foo 0x001 "RFC 8489 §18.2";
            method Bar 0x001 "RFC 8489 §18.2";

            """;
        DiagnosticAssert.IsError(Single(text), "ISPEC004", Path, text, ExpectedSpan.Of(text, "method Bar 0x001 \"RFC 8489 §18.2\";"),
            "Method 'Bar' is already defined (as 'Foo'); give it another name or code, or remove one of them");
    }

    [Fact]
    public void Duplicate_struct_name()
    {
        var text = Header + """
            struct S "RFC 8489 §14.11" { a : u16; }
            struct S "RFC 8489 §14.11" { b : u8; }

            """;
        DiagnosticAssert.IsError(Single(text), "ISPEC004", Path, text, ExpectedSpan.Of(text, "struct S \"RFC 8489 §14.11\" { b : u8; }"),
            "Struct 'S' is already defined (as 'S'); give it another name or code, or remove one of them");
    }

    [Fact]
    public void Duplicate_machine_member()
    {
        var text = Machine(TwoStates + """
              counter N "RFC 8489 §6.2";
              counter N "RFC 8489 §6.2";
              A -> B on E / count N "RFC 8489 §6.2";

            """);
        DiagnosticAssert.IsError(Single(text), "ISPEC004", Path, text, ExpectedSpan.Of(text, "counter N \"RFC 8489 §6.2\";", 2),
            "Machine member 'N' is already defined (as 'N'); give it another name or code, or remove one of them");
    }

    // ---- ISPEC005: unknown names point at the name ----

    [Fact]
    public void Unknown_attribute_in_a_message_clause_points_at_that_name()
    {
        var text = Header + """
            class request 0b00 "RFC 8489 §5";
            method Binding 0x001 "RFC 8489 §18.2";
            attribute USERNAME 0x0006 : utf8 max 513 "RFC 8489 §14.3";
            message Binding request "RFC 8489 §6.1" {
              required USERNAME, USER-NAME "RFC 8489 §6.1";
            }

            """;
        DiagnosticAssert.IsError(Single(text), "ISPEC005", Path, text, ExpectedSpan.Of(text, "USER-NAME"),
            "Attribute 'USER-NAME' is not defined in this protocol or its imports; declare it, import its protocol, or fix the spelling");
    }

    [Fact]
    public void Unknown_when_attribute_points_at_that_name()
    {
        var text = Header + """
            class request 0b00 "RFC 8489 §5";
            method Binding 0x001 "RFC 8489 §18.2";
            attribute USE-CANDIDATE 0x0025 : empty "RFC 8445 §16.1";
            message Binding request "RFC 8489 §6.1" {
              optional USE-CANDIDATE when ICE-CONTROLLING "RFC 8445 §7.1.2";
            }

            """;
        DiagnosticAssert.IsError(Single(text), "ISPEC005", Path, text, ExpectedSpan.Of(text, "ICE-CONTROLLING"),
            "Attribute 'ICE-CONTROLLING' is not defined in this protocol or its imports; declare it, import its protocol, or fix the spelling");
    }

    [Fact]
    public void Unknown_method_and_class_of_a_message_point_at_each_name()
    {
        var text = Header + """
            message Bindin requst "RFC 8489 §6.1" {
            }

            """;
        var diagnostics = GeneratorHarness.Run(new SpecInput(Path, text)).Diagnostics;
        Assert.Equal(2, diagnostics.Length);
        DiagnosticAssert.IsError(diagnostics[0], "ISPEC005", Path, text, ExpectedSpan.Of(text, "Bindin"),
            "Method 'Bindin' is not defined in this protocol or its imports; declare it, import its protocol, or fix the spelling");
        DiagnosticAssert.IsError(diagnostics[1], "ISPEC005", Path, text, ExpectedSpan.Of(text, "requst"),
            "Class 'requst' is not defined in this protocol or its imports; declare it, import its protocol, or fix the spelling");
    }

    [Fact]
    public void Unknown_attribute_in_an_order_rule_points_at_that_name()
    {
        var text = Header + """
            rule FingerprintLast "RFC 8489 §14.7" : FINGER-PRINT last;

            """;
        DiagnosticAssert.IsError(Single(text), "ISPEC005", Path, text, ExpectedSpan.Of(text, "FINGER-PRINT"),
            "Attribute 'FINGER-PRINT' is not defined in this protocol or its imports; declare it, import its protocol, or fix the spelling");
    }

    [Fact]
    public void Unknown_struct_type_points_at_the_type_name()
    {
        var text = Header + """
            attribute FOO 0x0001 : PasswordAlgorithmEntri "RFC 8489 §14.12";

            """;
        DiagnosticAssert.IsError(Single(text), "ISPEC005", Path, text, ExpectedSpan.Of(text, "PasswordAlgorithmEntri"),
            "Struct 'PasswordAlgorithmEntri' is not defined in this protocol or its imports; declare it, import its protocol, or fix the spelling");
    }

    [Fact]
    public void Unknown_struct_type_as_list_element_points_at_the_type_name()
    {
        var text = Header + """
            attribute FOO 0x8002 : list of Entry "RFC 8489 §14.11";

            """;
        DiagnosticAssert.IsError(Single(text), "ISPEC005", Path, text, ExpectedSpan.Of(text, "Entry"),
            "Struct 'Entry' is not defined in this protocol or its imports; declare it, import its protocol, or fix the spelling");
    }

    [Fact]
    public void Import_of_an_unknown_protocol_covers_the_import()
    {
        var text = Header + """
            import stun;

            """;
        DiagnosticAssert.IsError(Single(text), "ISPEC005", Path, text, ExpectedSpan.Of(text, "import stun;"),
            "Protocol 'stun' is not defined in this protocol or its imports; declare it, import its protocol, or fix the spelling");
    }

    [Fact]
    public void Import_of_itself_is_an_unknown_protocol()
    {
        var text = Header + "import acme;\n";
        DiagnosticAssert.IsError(Single(text), "ISPEC005", Path, text, ExpectedSpan.Of(text, "import acme;"),
            "Protocol 'acme' is not defined in this protocol or its imports; declare it, import its protocol, or fix the spelling");
    }

    [Fact]
    public void Unknown_state_event_counter_timer_and_value_in_a_machine_point_at_each_name()
    {
        var text = Machine(TwoStates + """
              A -> B on E "RFC 8489 §6.2";
              A -> C on F / count N, start T after Q "RFC 8489 §6.2";

            """);
        var diagnostics = GeneratorHarness.Run(new SpecInput(Path, text)).Diagnostics;
        Assert.Equal(5, diagnostics.Length);
        const string Fix = " is not defined in this protocol or its imports; declare it, import its protocol, or fix the spelling";
        var line = text.IndexOf("A -> C");
        DiagnosticAssert.IsError(diagnostics[0], "ISPEC005", Path, text, ExpectedSpan.At(text, text.IndexOf("C", line), 1), "State of machine 'M' 'C'" + Fix);
        DiagnosticAssert.IsError(diagnostics[1], "ISPEC005", Path, text, ExpectedSpan.At(text, text.IndexOf("F", line), 1), "Event of machine 'M' 'F'" + Fix);
        DiagnosticAssert.IsError(diagnostics[2], "ISPEC005", Path, text, ExpectedSpan.At(text, text.IndexOf("N", line), 1), "Counter of machine 'M' 'N'" + Fix);
        DiagnosticAssert.IsError(diagnostics[3], "ISPEC005", Path, text, ExpectedSpan.At(text, text.IndexOf("T", line), 1), "Timer of machine 'M' 'T'" + Fix);
        DiagnosticAssert.IsError(diagnostics[4], "ISPEC005", Path, text, ExpectedSpan.At(text, text.IndexOf("Q", line), 1), "Value of machine 'M' (const, param or counter) 'Q'" + Fix);
    }

    // ---- ISPEC006: codes out of range ----

    [Fact]
    public void Method_code_beyond_twelve_bits_covers_the_declaration()
    {
        var text = Header + """
            method Binding 0x1000 "RFC 8489 §18.2";

            """;
        DiagnosticAssert.IsError(Single(text), "ISPEC006", Path, text, ExpectedSpan.Of(text, "method Binding 0x1000 \"RFC 8489 §18.2\";"),
            "Method 0x1000 is outside 0x000..0xFFF (12 bits); use a value in that range");
    }

    [Theory]
    [InlineData("class odd 4 \"RFC 8489 §5\";", "Class 4 is outside 0..3 (the C1 C0 bits); use a value in that range")]
    [InlineData("error 700 \"Too Far\" \"RFC 8489 §14.8\";", "Error code 700 is outside 300..699 (RFC 8489 §14.8); use a value in that range")]
    [InlineData("error 299 \"Too Low\" \"RFC 8489 §14.8\";", "Error code 299 is outside 300..699 (RFC 8489 §14.8); use a value in that range")]
    [InlineData("attribute BIG 0x10000 : u8 \"RFC 8489 §14\";", "Attribute 0x10000 is outside 0x0000..0xFFFF; use a value in that range")]
    public void Other_codes_out_of_range_cover_the_declaration(string declaration, string message)
    {
        var text = Header + declaration + "\n";
        DiagnosticAssert.IsError(Single(text), "ISPEC006", Path, text, ExpectedSpan.Of(text, declaration), message);
    }

    // ---- ISPEC007 / ISPEC012: protocol and namespace ----

    [Fact]
    public void File_without_protocol_is_reported_at_its_start()
    {
        var text = "// a vendor spec\nnamespace Acme.Stun;\n";
        DiagnosticAssert.IsError(Single(text), "ISPEC007", Path, text, ExpectedSpan.At(text, 0, 0),
            "The file declares no protocol; start it with a line such as: protocol acme \"RFC 8489 §18.3\";");
    }

    [Fact]
    public void Protocol_without_namespace_covers_the_protocol_declaration()
    {
        var text = """
            // no namespace line
            protocol acme "RFC 8489 §18.3";
            method Binding 0x001 "RFC 8489 §18.2";

            """;
        var run = GeneratorHarness.Run(new SpecInput(Path, text));
        DiagnosticAssert.IsError(Assert.Single(run.Diagnostics), "ISPEC012", Path, text, ExpectedSpan.Of(text, "protocol acme \"RFC 8489 §18.3\";"),
            "Protocol 'acme' declares no namespace for its generated code; add a line such as: namespace Acme.Stun;");
        Assert.Empty(run.HintNames);
    }

    [Fact]
    public void Import_only_spec_needs_no_namespace()
    {
        var run = GeneratorHarness.Run(new SpecInput(Path, "protocol acme \"RFC 8489 §18.3\";\n", Emit: false));
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.HintNames);
    }

    // ---- ISPEC008 / ISPEC010 / ISPEC011: machines ----

    [Fact]
    public void Machine_without_initial_state_covers_the_machine()
    {
        var text = Machine("""
              state A "RFC 8489 §6.2";
              event E "RFC 8489 §6.2";
              A -> A on E "RFC 8489 §6.2";

            """);
        DiagnosticAssert.IsError(Single(text), "ISPEC008", Path, text, ExpectedSpan.FromThrough(text, "machine M", "}"),
            "Machine 'M' has 0 initial states; mark exactly one state 'initial'");
    }

    [Fact]
    public void Machine_with_two_initial_states()
    {
        var text = Machine("""
              state A initial "RFC 8489 §6.2";
              state B initial "RFC 8489 §6.2";

            """);
        DiagnosticAssert.IsError(Single(text), "ISPEC008", Path, text, ExpectedSpan.FromThrough(text, "machine M", "}"),
            "Machine 'M' has 2 initial states; mark exactly one state 'initial'");
    }

    [Fact]
    public void Unreachable_state_is_a_warning_on_that_state_and_the_machine_is_still_emitted()
    {
        var text = Machine(TwoStates + """
              state Lost final "RFC 8489 §6.2";
              A -> B on E "RFC 8489 §6.2";

            """);
        var run = GeneratorHarness.Run(new SpecInput(Path, text));
        DiagnosticAssert.Is(Assert.Single(run.Diagnostics), "ISPEC010", DiagnosticSeverity.Warning, Path, text,
            ExpectedSpan.Of(text, "state Lost final \"RFC 8489 §6.2\";"),
            "State 'Lost' of machine 'M' is never entered by any transition; add a transition to it or remove it");
        Assert.Contains("Acme.MMachine.g.cs", run.HintNames);
    }

    [Fact]
    public void Arithmetic_used_as_a_guard_covers_the_guard_expression()
    {
        var text = Machine(TwoStates + """
              const Rc = 7 "RFC 8489 §6.2.1";
              counter Sends "RFC 8489 §6.2.1";
              A -> B on E when Rc + Sends / count Sends "RFC 8489 §6.2";

            """);
        DiagnosticAssert.IsError(Single(text), "ISPEC011", Path, text, ExpectedSpan.Of(text, "Rc + Sends"),
            "A guard must be a comparison, a guard name, or a combination with and/or/not; fix the expression in machine 'M'");
    }

    [Fact]
    public void A_value_used_alone_as_a_guard_is_not_a_guard_name()
    {
        var text = Machine(TwoStates + """
              const Rc = 7 "RFC 8489 §6.2.1";
              A -> B on E when not Rc "RFC 8489 §6.2";

            """);
        var line = text.IndexOf("when not Rc");
        DiagnosticAssert.IsError(Single(text), "ISPEC011", Path, text, ExpectedSpan.At(text, text.IndexOf("Rc", line), 2),
            "A guard must be a comparison, a guard name, or a combination with and/or/not; fix the expression in machine 'M'");
    }

    [Fact]
    public void Comparison_used_as_a_duration_covers_that_comparison()
    {
        var text = Machine(TwoStates + """
              param Rto = 500 ms "RFC 8489 §6.2.1";
              const Rc = 7 "RFC 8489 §6.2.1";
              timer T "RFC 8489 §6.2.1";
              A -> B on E / start T after Rto < Rc "RFC 8489 §6.2";

            """);
        DiagnosticAssert.IsError(Single(text), "ISPEC011", Path, text, ExpectedSpan.Of(text, "Rto < Rc"),
            "Expected a number, a const/param/counter name or arithmetic here; fix the expression in machine 'M'");
    }

    // ---- ISPEC009: wire formats ----

    [Fact]
    public void Whole_value_format_as_a_struct_field_points_at_the_format()
    {
        var text = Header + """
            struct S "RFC 8489 §14.11" {
              mac : hmac-sha1;
            }

            """;
        DiagnosticAssert.IsError(Single(text), "ISPEC009", Path, text, ExpectedSpan.Of(text, "hmac-sha1"),
            "Wire format of 'S.mac' is invalid: 'hmac-sha1' is a whole attribute value and cannot be a field or list element");
    }

    [Fact]
    public void Padding_other_than_four_points_at_the_format()
    {
        var text = Header + """
            struct S "RFC 8489 §14.11" { value : bytes length u16 pad 8; }

            """;
        DiagnosticAssert.IsError(Single(text), "ISPEC009", Path, text, ExpectedSpan.Of(text, "bytes length u16 pad 8"),
            "Wire format of 'S.value' is invalid: STUN pads to 4 bytes; write 'pad 4'");
    }

    [Fact]
    public void List_of_lists_points_at_the_outer_list()
    {
        // The citation follows without a space: see SpecEdgeCaseTests for the span with one.
        var text = Header + """
            attribute FOO 0x0001 : list of list of u16"RFC 8489 §14";

            """;
        DiagnosticAssert.IsError(Single(text), "ISPEC009", Path, text, ExpectedSpan.Of(text, "list of list of u16"),
            "Wire format of 'FOO' is invalid: a list of lists has no element boundaries; wrap the inner list in a struct with a length-prefixed field");
    }

    [Fact]
    public void Length_prefix_on_a_whole_attribute_value_is_rejected()
    {
        // The citation follows without a space: see SpecEdgeCaseTests for the span with one.
        var text = Header + """
            attribute FOO 0x0001 : bytes length u16 pad 4"RFC 8489 §14";

            """;
        DiagnosticAssert.IsError(Single(text), "ISPEC009", Path, text, ExpectedSpan.Of(text, "bytes length u16 pad 4"),
            "Wire format of 'FOO' is invalid: an attribute value already has a length; 'length u16' belongs to a struct field");
    }

    // ---- ISPEC013: a const nothing uses ----

    private const string Unused =
        "Const 'Limit' is used by no formula or const of the spec and named by no code of this project (AcmeFormulas.Limit); use it, or remove it from the spec";

    [Fact]
    public void A_const_nothing_uses_is_a_warning_on_that_const_and_is_still_emitted()
    {
        var text = Header + """
            const Limit = 3 "RFC 8489 §6.2.1";

            """;
        var run = GeneratorHarness.Run(new SpecInput(Path, text));
        DiagnosticAssert.Is(Assert.Single(run.Diagnostics), "ISPEC013", DiagnosticSeverity.Warning, Path, text,
            ExpectedSpan.Of(text, "const Limit = 3 \"RFC 8489 §6.2.1\";"), Unused);
        Assert.Contains("Acme.Formulas.g.cs", run.HintNames);
    }

    [Theory]
    [InlineData("formula F(a) = a * Limit \"RFC 8489 §6.2.1\";\n", "")]
    [InlineData("const Twice = 2 * Limit \"RFC 8489 §6.2.1\";\nformula F(a) = a + Twice \"RFC 8489 §6.2.1\";\n", "")]
    [InlineData("", "namespace User { public static class Use { public static long N => Acme.Stun.AcmeFormulas.Limit; } }")]
    [InlineData("", "using static Acme.Stun.AcmeFormulas; namespace User { public static class Use { public static long N => Limit; } }")]
    public void A_const_a_formula_another_const_or_the_projects_code_names_is_used(string spec, string source)
    {
        var text = Header + "const Limit = 3 \"RFC 8489 §6.2.1\";\n" + spec;
        var sources = source.Length == 0 ? new[] { "namespace User { public sealed class Program { } }" } : new[] { source };
        Assert.Empty(GeneratorHarness.Run(new[] { new SpecInput(Path, text) }, sources).Diagnostics);
    }

    [Fact]
    public void A_const_of_a_spec_emitted_elsewhere_is_not_this_projects_to_use()
    {
        var text = Header + "const Limit = 3 \"RFC 8489 §6.2.1\";\n";
        Assert.Empty(GeneratorHarness.Run(new SpecInput(Path, text, Emit: false)).Diagnostics);
    }

    [Fact]
    public void The_base_specs_consts_are_used_by_their_runtime()
    {
        // Each base spec with the hand-written C# of the project that emits it: what its build reports (nothing: ice.spec's
        // KeepaliveSeconds, which repeated the Keepalive machine's Tr and which this found, is gone).
        Assert.Empty(Findings("ice.spec", "IceSpec.Ice", SpecFiles.Ice, stunEmitted: false));
        Assert.Empty(Findings("turn.spec", "IceSpec.Turn", SpecFiles.Turn, stunEmitted: false));
        Assert.Empty(Findings("stun.spec", "IceSpec.Stun", null, stunEmitted: true));
    }

    private static string[] Findings(string spec, string project, string? text, bool stunEmitted, [System.Runtime.CompilerServices.CallerFilePath] string here = "")
    {
        var root = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(here)!, "..", "..", "runtime", project);
        var sources = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{System.IO.Path.DirectorySeparatorChar}obj{System.IO.Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{System.IO.Path.DirectorySeparatorChar}bin{System.IO.Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText).ToArray();
        Assert.NotEmpty(sources);
        var specs = new List<SpecInput> { new("/specs/stun.spec", SpecFiles.Stun, Emit: stunEmitted) };
        if (text is not null) specs.Add(new SpecInput("/specs/" + spec, text));
        return GeneratorHarness.Run(specs, sources).Diagnostics
            .Select(d => $"{d.Id} {d.GetMessage().Split('\'')[1]}").OrderBy(f => f, StringComparer.Ordinal).ToArray();
    }

    // ---- several diagnostics at once, several files ----

    [Fact]
    public void Diagnostics_of_two_files_name_their_own_file()
    {
        const string Other = "/specs/other.spec";
        var acme = Header + "attribute FOO 0x0001 : u32;\n";
        var other = "protocol other \"RFC 8489 §18.3\";\nnamespace Other;\nmethod Binding 0x1000 \"RFC 8489 §18.2\";\n";
        var diagnostics = GeneratorHarness.Run(new SpecInput(Path, acme), new SpecInput(Other, other)).Diagnostics
            .OrderBy(d => d.Location.GetLineSpan().Path, StringComparer.Ordinal).ToArray();
        Assert.Equal(2, diagnostics.Length);
        Assert.Equal(("ISPEC002", Path), (diagnostics[0].Id, diagnostics[0].Location.GetLineSpan().Path));
        DiagnosticAssert.IsError(diagnostics[1], "ISPEC006", Other, other, ExpectedSpan.Of(other, "method Binding 0x1000 \"RFC 8489 §18.2\";"),
            "Method 0x1000 is outside 0x000..0xFFF (12 bits); use a value in that range");
    }

    [Fact]
    public void Every_descriptor_is_in_the_catalog_and_the_shipped_release_notes()
    {
        var ids = Diagnostics.DiagnosticDescriptors.ById.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
        Assert.Equal(Enumerable.Range(1, 13).Select(i => $"ISPEC{i:000}"), ids);
        foreach (var descriptor in Diagnostics.DiagnosticDescriptors.ById.Values)
        {
            Assert.Equal("IceSpec.Spec", descriptor.Category);
            Assert.True(descriptor.IsEnabledByDefault);
            Assert.Equal(descriptor.Id is "ISPEC010" or "ISPEC013" ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error, descriptor.DefaultSeverity);
        }
    }
}
