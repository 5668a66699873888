using System.Text.RegularExpressions;
using IceSpec.Generators.Binding;
using IceSpec.Generators.Model;
using IceSpec.Generators.Parsing;
using IceSpec.Generators.Tests.Infrastructure;

namespace IceSpec.Generators.Tests;

/// <summary>
/// A vendor spec in its own assembly: it imports stun (given with IceSpecEmit=false, its code already lives in IceSpec.Stun),
/// declares its own attributes and a message rule over STUN's USERNAME, and gets only its own code.
/// </summary>
[Trait("Category", "unit")]
public sealed class VendorImportTests
{
    public const string Acme = """
        // A vendor extension of STUN, compiled in its own assembly against IceSpec.Stun.
        protocol acme "RFC 8489 §18.3";
        namespace Acme.Stun;
        import stun;

        attribute ACME-TOKEN     0xC001 : bytes max 64           "RFC 8489 §18.3: vendor attributes";
        attribute ACME-FLAGS     0x4001 : u32                    "RFC 8489 §18.3";
        attribute ACME-ALGORITHM 0xC002 : PasswordAlgorithmEntry "RFC 8489 §14.12";

        message Binding request as acme "RFC 8489 §6.1" {
          required USERNAME, ACME-TOKEN "RFC 8489 §14.3";
          optional ACME-FLAGS when MESSAGE-INTEGRITY "RFC 8489 §18.3";
        }

        """;

    private static readonly SpecInput[] Specs =
    {
        new("/specs/stun.spec", SpecFiles.Stun, Emit: false),
        new("/specs/acme.spec", Acme),
    };

    private static string StunCode(string attribute) =>
        Regex.Match(SpecFiles.Stun, $@"^attribute\s+{Regex.Escape(attribute)}\s+(0x[0-9A-F]{{4}})", RegexOptions.Multiline).Groups[1].Value;

    [Fact]
    public void Emits_only_acme_sources_and_no_diagnostics()
    {
        var run = GeneratorHarness.Run(Specs);
        Assert.Empty(run.Diagnostics);
        Assert.Equal(new[] { "Acme.Attributes.g.cs", "Acme.MessageViews.g.cs", "Acme.Registry.g.cs", "Acme.Requirements.g.cs", "Acme.Validator.g.cs" }, run.HintNames);
        foreach (var source in run.Generator.GeneratedSources)
        {
            var text = source.SourceText.ToString();
            Assert.Contains("\nnamespace Acme.Stun;\n", text);
            Assert.DoesNotContain("namespace IceSpec.Stun", text);
            Assert.DoesNotContain("XorMappedAddress", text); // nothing of stun's own is emitted again
        }
    }

    [Fact]
    public void Message_rule_checks_the_imported_username_by_its_stun_code()
    {
        var validator = GeneratorHarness.Run(Specs).Source("Acme.Validator.g.cs");
        var username = StunCode("USERNAME");
        Assert.Equal("0x0006", username);
        Assert.Contains($"if (!message.Contains({username})) {{ violation = new(Rules.BindingRequestAcme.RequiresUsername, \"RFC 8489 §14.3\", \"a Binding request as acme must carry USERNAME\", {username}); return false; }}", validator);
        Assert.Contains("public const string RequiresUsername = \"BindingRequestAcme.Requires.Username\";", validator);
        Assert.Contains("if (!message.Contains(0xC001)) { violation = new(Rules.BindingRequestAcme.RequiresAcmeToken,", validator);
        Assert.Contains($"if (message.Contains(0x4001) && !message.Contains({StunCode("MESSAGE-INTEGRITY")}))", validator);
        // Binding (0x001) request (0b00) is message type 0x0001.
        Assert.Contains("case (Profile.Acme, 0x0001): return TryValidateBindingRequestAcme(message, out violation);", validator);
    }

    [Fact]
    public void Vendor_attributes_are_registered_with_their_codes_and_formats()
    {
        var registry = GeneratorHarness.Run(Specs).Source("Acme.Registry.g.cs");
        Assert.Contains("public const ushort AcmeToken = 0xC001;", registry);
        Assert.Contains("public const ushort AcmeFlags = 0x4001;", registry);
        Assert.Contains("new(0xC001, \"ACME-TOKEN\", Protocol, \"bytes max 64\", false, \"RFC 8489 §18.3: vendor attributes\", AcmeAttributeFormats.IsValidAcmeToken, AcmeAttributeFormats.DescribeAcmeToken),", registry);
        Assert.Contains("public const string Protocol = \"acme\";", registry);
        Assert.DoesNotContain("AcmeMethods", registry); // Binding is stun's method
    }

    [Fact]
    public void Imported_struct_is_used_by_its_stun_type_name()
    {
        var attributes = GeneratorHarness.Run(Specs).Source("Acme.Attributes.g.cs");
        Assert.Contains("public static bool TryGetAcmeAlgorithm(this global::IceSpec.Stun.StunMessage message, out global::IceSpec.Stun.PasswordAlgorithmEntry value)", attributes);
        Assert.DoesNotContain("struct PasswordAlgorithmEntry", attributes);
    }

    [Fact]
    public void Comprehension_follows_the_imported_ranges()
    {
        var files = Specs.Select(s => SpecParser.Parse(s.Path, s.Text, s.Emit ?? true)).OrderBy(f => f.Path, StringComparer.Ordinal).ToEquatableArray();
        var bundle = SpecBinder.Bind(files);
        Assert.Empty(bundle.Diagnostics);
        var acme = Assert.Single(bundle.Protocols);
        Assert.Equal("acme", acme.Name);
        Assert.False(acme.Attributes.Single(a => a.Name == "ACME-TOKEN").ComprehensionRequired); // 0xC001: stun's 0x8000..0xFFFF
        Assert.True(acme.Attributes.Single(a => a.Name == "ACME-FLAGS").ComprehensionRequired);   // 0x4001: stun's 0x0000..0x7FFF
        Assert.Empty(acme.Ranges); // the ranges stay stun's; acme's validator does not repeat the comprehension check
    }

    [Fact]
    public void Generated_vendor_code_compiles_against_the_runtime()
    {
        var run = GeneratorHarness.RunWithRuntime(Specs, """
            using Acme.Stun;
            namespace User
            {
                public static class UsesAcme
                {
                    public static bool Check(in global::IceSpec.Stun.StunMessage message) =>
                        message.TryGetAcmeFlags(out uint flags) && flags != 0
                        && message.TryGetAcmeToken(out var token) && token.Length > 0
                        && AcmeValidator.TryValidate(message, AcmeValidator.Profile.Acme, out _);

                    public static void Add(ref global::IceSpec.Stun.StunMessageBuilder builder) => builder.AddAcmeFlags(7u);
                }
            }
            """);
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
    }

    [Fact]
    public void Without_the_imported_spec_the_import_is_unknown()
    {
        var run = GeneratorHarness.Run(new SpecInput("/specs/acme.spec", Acme));
        Assert.Equal(new[] { "ISPEC005" }, run.Diagnostics.Select(d => d.Id).Distinct());
        Assert.Contains(run.Diagnostics, d => d.GetMessage().StartsWith("Protocol 'stun' is not defined", StringComparison.Ordinal));
        Assert.Empty(run.HintNames);
    }
}
