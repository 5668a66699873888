using IceSpec.Generators.Tests.Infrastructure;

namespace IceSpec.Generators.Tests;

/// <summary>
/// <c>protocol classic standalone</c> (spec/classic.spec, RFC 3489): codes, names and value formats are generated, but not
/// the runtime registration, the StunMessage accessors, the validator or the message views (its messages are no StunMessages).
/// </summary>
[Trait("Category", "unit")]
public sealed class StandaloneProtocolTests
{
    private static readonly GeneratorRun Classic = GeneratorHarness.RunWithRuntime(new[] { new SpecInput("/specs/classic.spec", SpecFiles.Classic) });

    [Fact]
    public void Classic_spec_generates_codes_names_and_formats_only()
    {
        Assert.Empty(Classic.Diagnostics.Where(d => d.Id != "ISPEC013"));
        Assert.Empty(Classic.CompileErrors);
        Assert.Equal(new[] { "Classic.Attributes.g.cs", "Classic.Registry.g.cs", "Classic.Requirements.g.cs" }, Classic.HintNames);
        var registry = Classic.Source("Classic.Registry.g.cs");
        Assert.DoesNotContain("ModuleInitializer", registry);
        Assert.Contains("public static global::IceSpec.Stun.StunAttributeInfo? Find(ushort type)", registry);
        Assert.Contains("    public const ushort ResponseAddress = 0x0002;\n", registry);
        Assert.Contains("new(0x0002, \"RESPONSE-ADDRESS\", Protocol, \"address\", false, \"RFC 3489 §11.2.2", registry);
        var attributes = Classic.Source("Classic.Attributes.g.cs");
        Assert.Contains("public static partial class ClassicAttributeFormats", attributes);
        Assert.DoesNotContain("AttributeAccessors", attributes);
    }

    [Fact]
    public void A_protocol_without_the_keyword_registers_and_has_accessors()
    {
        var run = GeneratorHarness.RunWithRuntime(new[] { new SpecInput("/specs/classic.spec", SpecFiles.Classic.Replace("protocol classic standalone", "protocol classic")) });
        Assert.Contains("ModuleInitializer", run.Source("Classic.Registry.g.cs"));
        Assert.DoesNotContain("Find(ushort type)", run.Source("Classic.Registry.g.cs"));
        Assert.Contains("public static partial class ClassicAttributeAccessors", run.Source("Classic.Attributes.g.cs"));
        Assert.Contains("Classic.Validator.g.cs", run.HintNames);
    }
}
